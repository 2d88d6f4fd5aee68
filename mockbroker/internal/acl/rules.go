package acl

import (
	"fmt"
	"strings"
)

// Rules is a Config compiled for checking requests
// (PlainPermissionManager's tables). It is immutable.
type Rules struct {
	cfg      *Config
	global   []addressMatcher
	accounts map[string]*account
	// Repeated lists access keys defined more than once: the first
	// definition counts, as PlainPermissionManager.load keeps it.
	Repeated []string
}

// account is one compiled account (a PlainAccessResource).
type account struct {
	accessKey, secretKey string
	admin                bool
	defaultTopic         byte
	defaultGroup         byte
	perms                map[string]byte // topic → perm, %RETRY%group → perm; nil if none
	white                addressMatcher
}

// Compile checks cfg as the broker does when it loads plain_acl.yml and
// returns its rules; errors carry the broker's AclException messages.
func Compile(cfg *Config) (*Rules, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	r := &Rules{cfg: cfg.Clone(), accounts: map[string]*account{}}
	for _, p := range cfg.GlobalWhiteRemoteAddresses {
		m, err := newAddressMatcher(p)
		if err != nil {
			return nil, fmt.Errorf("globalWhiteRemoteAddresses: %w", err)
		}
		r.global = append(r.global, m)
	}
	for i, a := range cfg.Accounts {
		acc, err := compileAccount(a)
		if err != nil {
			return nil, fmt.Errorf("accounts[%d]: %w", i, err)
		}
		if _, dup := r.accounts[acc.accessKey]; dup {
			r.Repeated = append(r.Repeated, acc.accessKey)
			continue
		}
		r.accounts[acc.accessKey] = acc
	}
	return r, nil
}

// Config returns a copy of the configuration the rules were compiled from.
func (r *Rules) Config() *Config { return r.cfg.Clone() }

// Key lengths: PlainPermissionManager.checkPlainAccessConfig wants more
// than 6 characters (AclConstants.ACCESS_KEY_MIN_LENGTH).
const minKeyLength = 6

// compileAccount is PlainPermissionManager.buildPlainAccessResource.
func compileAccount(a Account) (*account, error) {
	if a.AccessKey == "" || a.SecretKey == "" || len([]rune(a.AccessKey)) <= minKeyLength || len([]rune(a.SecretKey)) <= minKeyLength {
		return nil, fmt.Errorf("The accessKey=%s and secretKey=%s cannot be null and length should longer than 6", javaNull(a.AccessKey), javaNull(a.SecretKey))
	}
	acc := &account{
		accessKey: a.AccessKey, secretKey: a.SecretKey, admin: a.Admin,
		defaultTopic: ParsePerm(a.DefaultTopicPerm), defaultGroup: ParsePerm(a.DefaultGroupPerm),
	}
	// Groups first, then topics, as buildPlainAccessResource does: a
	// topic entry wins over a group's retry topic of the same name.
	for _, list := range []struct {
		topic bool
		items []string
	}{{false, a.GroupPerms}, {true, a.TopicPerms}} {
		for _, item := range list.items {
			kv := splitNonEmpty(item, "=")
			if len(kv) != 2 {
				kind := "group"
				if list.topic {
					kind = "topic"
				}
				return nil, fmt.Errorf("Parse resource permission failed for %s:%s", kind, item)
			}
			name := strings.TrimSpace(kv[0])
			if !list.topic {
				name = RetryPrefix + name
			}
			if acc.perms == nil {
				acc.perms = map[string]byte{}
			}
			acc.perms[name] = ParsePerm(kv[1])
		}
	}
	m, err := newAddressMatcher(a.WhiteRemoteAddress)
	if err != nil {
		return nil, fmt.Errorf("whiteRemoteAddress: %w", err)
	}
	acc.white = m
	return acc, nil
}

// javaNull writes "" as Java's String.format writes a null String.
func javaNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}
