// Package acl is the access control of a 4.9.x broker with aclEnable=true:
// the plain_acl.yml model (PlainAccessConfig), the address whitelists
// (RemoteAddressStrategyFactory), the permissions (Permission) and the
// request check (PlainAccessValidator.parse, PlainPermissionManager.validate),
// with the remarks the Java classes put in their exceptions.
package acl

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the content of a plain_acl.yml (4.9.x): the addresses every
// request is accepted from, and the accounts.
type Config struct {
	GlobalWhiteRemoteAddresses []string  `yaml:"globalWhiteRemoteAddresses,omitempty" json:"globalWhiteRemoteAddresses"`
	Accounts                   []Account `yaml:"accounts,omitempty" json:"accounts"`
}

// Account is one entry of accounts (PlainAccessConfig). Permissions are
// DENY, PUB, SUB, PUB|SUB or SUB|PUB; anything else, or none, means DENY.
// TopicPerms and GroupPerms entries are "name=PERM".
type Account struct {
	AccessKey          string   `yaml:"accessKey" json:"accessKey"`
	SecretKey          string   `yaml:"secretKey" json:"secretKey"`
	WhiteRemoteAddress string   `yaml:"whiteRemoteAddress,omitempty" json:"whiteRemoteAddress,omitempty"`
	Admin              bool     `yaml:"admin" json:"admin"`
	DefaultTopicPerm   string   `yaml:"defaultTopicPerm,omitempty" json:"defaultTopicPerm,omitempty"`
	DefaultGroupPerm   string   `yaml:"defaultGroupPerm,omitempty" json:"defaultGroupPerm,omitempty"`
	TopicPerms         []string `yaml:"topicPerms,omitempty" json:"topicPerms,omitempty"`
	GroupPerms         []string `yaml:"groupPerms,omitempty" json:"groupPerms,omitempty"`
}

// Parse reads a plain_acl.yml. Keys the broker does not read (dataVersion)
// are ignored, as the broker ignores them; an empty document is an empty
// Config (the broker then accepts only whitelisted addresses, i.e. none).
func Parse(data []byte) (*Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(data)) == 0 {
		return &cfg, nil
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("plain_acl.yml: %w", err)
	}
	return &cfg, nil
}

// Load reads and parses a plain_acl.yml file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the ACL file: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// Marshal writes cfg as a plain_acl.yml.
func Marshal(cfg *Config) ([]byte, error) { return yaml.Marshal(cfg) }

// Clone returns a deep copy of cfg.
func (cfg *Config) Clone() *Config {
	if cfg == nil {
		return nil
	}
	out := &Config{GlobalWhiteRemoteAddresses: slices.Clone(cfg.GlobalWhiteRemoteAddresses)}
	if cfg.Accounts != nil {
		out.Accounts = make([]Account, len(cfg.Accounts))
		for i, a := range cfg.Accounts {
			a.TopicPerms, a.GroupPerms = slices.Clone(a.TopicPerms), slices.Clone(a.GroupPerms)
			out.Accounts[i] = a
		}
	}
	return out
}

// Permission bits (Permission).
const (
	Deny byte = 1
	Any  byte = 1 << 1
	Pub  byte = 1 << 2
	Sub  byte = 1 << 3
)

// ParsePerm is Permission.parsePermFromString: an unknown or missing
// permission is DENY.
func ParsePerm(s string) byte {
	switch strings.TrimSpace(s) {
	case "PUB":
		return Pub
	case "SUB":
		return Sub
	case "PUB|SUB", "SUB|PUB":
		return Pub | Sub
	}
	return Deny
}

// CheckPermission is Permission.checkPermission.
func CheckPermission(needed, owned byte) bool {
	if owned&Deny != 0 {
		return false
	}
	if needed&Any != 0 {
		return owned&Pub != 0 || owned&Sub != 0
	}
	return needed&owned != 0
}

// RetryPrefix is MixAll.RETRY_GROUP_TOPIC_PREFIX: a group's permissions
// are kept under its retry topic.
const RetryPrefix = "%RETRY%"

func isRetryTopic(s string) bool { return strings.HasPrefix(s, RetryPrefix) }

// splitNonEmpty is commons-lang StringUtils.split: the pieces between
// separators, empty ones left out.
func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
