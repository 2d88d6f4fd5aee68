package main

import (
	"io"

	"github.com/rocketmock/rocketmock/internal/mqadmin"
)

// admin runs `rocketmock admin ...` (see internal/mqadmin) until it ends,
// stop is closed or a SIGINT/SIGTERM arrives.
func admin(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	ctx, cancel := checkContext(stop)
	defer cancel()
	return mqadmin.Run(ctx, args, stdout, stderr)
}
