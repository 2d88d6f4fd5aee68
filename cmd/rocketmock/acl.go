package main

import (
	"fmt"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// loadACL reads the plain_acl.yml of --acl and checks it as the broker
// loads it, before anything listens.
func loadACL(name, path string) (mockbroker.Option, error) {
	cfg, err := mockbroker.LoadACL(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := mockbroker.CheckACL(cfg); err != nil {
		return nil, fmt.Errorf("%s %s: %w", name, path, err)
	}
	return mockbroker.WithACL(cfg), nil
}
