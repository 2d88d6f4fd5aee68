package controlapi

import (
	"context"
	"errors"
	"mime"
	"net/http"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// aclRoutes are the access-control endpoints.
func (h *Handler) aclRoutes() []route {
	return []route{
		{"GET /v1/acl", h.getACL},
		{"PUT /v1/acl", h.putACL},
		{"DELETE /v1/acl", h.deleteACL},
		{"GET /v1/acl/denials", h.denials},
		{"DELETE /v1/acl/denials", h.clearDenials},
	}
}

// ACLAccount is one account of a plain_acl.yml, with its JSON names.
type ACLAccount struct {
	AccessKey          string   `json:"accessKey"`
	SecretKey          string   `json:"secretKey"`
	WhiteRemoteAddress string   `json:"whiteRemoteAddress,omitempty"`
	Admin              bool     `json:"admin"`
	DefaultTopicPerm   string   `json:"defaultTopicPerm,omitempty"`
	DefaultGroupPerm   string   `json:"defaultGroupPerm,omitempty"`
	TopicPerms         []string `json:"topicPerms,omitempty"`
	GroupPerms         []string `json:"groupPerms,omitempty"`
}

// ACLConfig is the body of PUT /v1/acl: a plain_acl.yml in JSON.
type ACLConfig struct {
	GlobalWhiteRemoteAddresses []string     `json:"globalWhiteRemoteAddresses,omitempty"`
	Accounts                   []ACLAccount `json:"accounts,omitempty"`
}

// ACL is GET /v1/acl and the answer of PUT and DELETE /v1/acl: whether
// access control is on, and its configuration.
type ACL struct {
	Enabled                    bool         `json:"enabled"`
	GlobalWhiteRemoteAddresses []string     `json:"globalWhiteRemoteAddresses"`
	Accounts                   []ACLAccount `json:"accounts"`
}

// Denial is one request the access control refused.
type Denial struct {
	Time      string `json:"time"`
	TimeMs    int64  `json:"timeMs"`
	Conn      Conn   `json:"conn"`
	Code      int32  `json:"code"`
	CodeName  string `json:"codeName"`
	Opaque    int32  `json:"opaque"`
	Oneway    bool   `json:"oneway"`
	AccessKey string `json:"accessKey"`
	Reason    string `json:"reason"`
	Remark    string `json:"remark"`
}

// DenialList is GET /v1/acl/denials.
type DenialList struct {
	Dropped int64    `json:"dropped"`
	Denials []Denial `json:"denials"`
}

func aclJSON(cfg *mockbroker.ACLConfig) ACL {
	out := ACL{GlobalWhiteRemoteAddresses: []string{}, Accounts: []ACLAccount{}}
	if cfg == nil {
		return out
	}
	out.Enabled = true
	if cfg.GlobalWhiteRemoteAddresses != nil {
		out.GlobalWhiteRemoteAddresses = cfg.GlobalWhiteRemoteAddresses
	}
	for _, a := range cfg.Accounts {
		out.Accounts = append(out.Accounts, ACLAccount(a))
	}
	return out
}

func (c ACLConfig) broker() *mockbroker.ACLConfig {
	out := &mockbroker.ACLConfig{GlobalWhiteRemoteAddresses: c.GlobalWhiteRemoteAddresses}
	for _, a := range c.Accounts {
		out.Accounts = append(out.Accounts, mockbroker.ACLAccount(a))
	}
	return out
}

func (h *Handler) getACL(*http.Request) (int, any, error) {
	return http.StatusOK, aclJSON(h.b.ACL()), nil
}

// putACL replaces the configuration (SetACL) with a JSON body, or a
// plain_acl.yml as is with Content-Type application/yaml (or text/yaml).
func (h *Handler) putACL(r *http.Request) (int, any, error) {
	const example = `{"globalWhiteRemoteAddresses": ["10.10.103.*"], "accounts": [{"accessKey": "RocketMQ", "secretKey": "12345678", "defaultTopicPerm": "DENY", "topicPerms": ["topicA=PUB|SUB"]}]}`
	var cfg *mockbroker.ACLConfig
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/yaml" || ct == "text/yaml" || ct == "application/x-yaml" {
		data, err := readBody(r, "request body")
		if err != nil {
			return 0, nil, err
		}
		if cfg, err = mockbroker.ParseACL(data); err != nil {
			return 0, nil, requestErr(http.StatusBadRequest, "request body: %v", err)
		}
	} else {
		var body ACLConfig
		if err := decodeBody(r, &body, true, example); err != nil {
			return 0, nil, err
		}
		cfg = body.broker()
	}
	if err := h.b.SetACL(cfg); err != nil {
		if errors.Is(err, mockbroker.ErrInvalidACL) {
			return 0, nil, &causeError{msg: err.Error(), cause: requestErr(http.StatusBadRequest, "%v", err)}
		}
		return 0, nil, err
	}
	return http.StatusOK, aclJSON(h.b.ACL()), nil
}

func (h *Handler) deleteACL(*http.Request) (int, any, error) {
	if err := h.b.SetACL(nil); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, aclJSON(nil), nil
}

func (h *Handler) denials(*http.Request) (int, any, error) {
	ds := h.b.Denials()
	out := DenialList{Dropped: h.b.DenialsDropped(), Denials: make([]Denial, len(ds))}
	for i, d := range ds {
		out.Denials[i] = Denial{
			Time: formatTime(d.Time), TimeMs: d.Time.UnixMilli(), Conn: connJSON(d.Conn), Code: int32(d.Code),
			CodeName: d.Code.String(), Opaque: d.Opaque, Oneway: d.Oneway, AccessKey: d.AccessKey, Reason: d.Reason, Remark: d.Remark,
		}
	}
	return http.StatusOK, out, nil
}

func (h *Handler) clearDenials(*http.Request) (int, any, error) {
	h.b.ClearDenials()
	return http.StatusOK, Cleared{true}, nil
}

// ACL returns the access-control configuration in force (Enabled false
// when it is off).
func (c *Client) ACL(ctx context.Context) (*ACL, error) {
	var out ACL
	if err := c.do(ctx, http.MethodGet, "/v1/acl", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetACL turns access control on with cfg, or replaces its configuration;
// a configuration the broker would not load is refused (400) and the
// error matches mockbroker.ErrInvalidACL.
func (c *Client) SetACL(ctx context.Context, cfg ACLConfig) (*ACL, error) {
	var out ACL
	if err := c.do(ctx, http.MethodPut, "/v1/acl", cfg, &out, kinds{http.StatusBadRequest: mockbroker.ErrInvalidACL}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DisableACL turns access control off.
func (c *Client) DisableACL(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/acl", nil, &ACL{}, nil)
}

// Denials lists the requests the access control refused, oldest first.
func (c *Client) Denials(ctx context.Context) (*DenialList, error) {
	var out DenialList
	if err := c.do(ctx, http.MethodGet, "/v1/acl/denials", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// ClearDenials forgets the kept denials.
func (c *Client) ClearDenials(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/acl/denials", nil, &Cleared{}, nil)
}
