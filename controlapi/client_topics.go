package controlapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// Topics lists the broker's topic configs, system topics included.
func (c *Client) Topics(ctx context.Context) ([]Topic, error) {
	var out TopicList
	if err := c.do(ctx, http.MethodGet, "/v1/topics", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Topics, nil
}

// CreateTopic creates or updates a topic (t.Name names it; zero counts
// take the broker's default, perm 0 is 6); a refused name or config gives
// an error matching mockbroker.ErrInvalidTopic.
func (c *Client) CreateTopic(ctx context.Context, t Topic) (*Topic, error) {
	var out Topic
	in := map[string]any{"readQueueNums": t.ReadQueueNums, "writeQueueNums": t.WriteQueueNums, "perm": t.Perm,
		"topicFilterType": t.TopicFilterType, "topicSysFlag": t.TopicSysFlag, "order": t.Order}
	if err := c.do(ctx, http.MethodPut, "/v1/topics/"+url.PathEscape(t.Name), in, &out,
		kinds{http.StatusBadRequest: mockbroker.ErrInvalidTopic}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTopic deletes a topic and reports whether it existed.
func (c *Client) DeleteTopic(ctx context.Context, name string) (bool, error) {
	var out TopicDeleted
	if err := c.do(ctx, http.MethodDelete, "/v1/topics/"+url.PathEscape(name), nil, &out, nil); err != nil {
		return false, err
	}
	return out.Existed, nil
}

// SubscriptionGroups lists the subscription groups, system ones included.
func (c *Client) SubscriptionGroups(ctx context.Context) ([]SubscriptionGroup, error) {
	var out SubscriptionGroupList
	if err := c.do(ctx, http.MethodGet, "/v1/subscription-groups", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// CreateSubscriptionGroup creates or replaces a subscription group's
// config; the fields left nil keep the defaults.
func (c *Client) CreateSubscriptionGroup(ctx context.Context, g mockbroker.FixtureSubscriptionGroup) (*SubscriptionGroup, error) {
	var out SubscriptionGroup
	if err := c.do(ctx, http.MethodPut, "/v1/subscription-groups/"+url.PathEscape(g.GroupName), g, &out,
		kinds{http.StatusBadRequest: mockbroker.ErrInvalidGroup}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSubscriptionGroup deletes a group's config (and with removeOffset
// its committed offsets) and reports whether it existed.
func (c *Client) DeleteSubscriptionGroup(ctx context.Context, group string, removeOffset bool) (bool, error) {
	var out SubscriptionGroupDeleted
	q := ""
	if removeOffset {
		q = "?removeOffset=true"
	}
	if err := c.do(ctx, http.MethodDelete, "/v1/subscription-groups/"+url.PathEscape(group)+q, nil, &out, nil); err != nil {
		return false, err
	}
	return out.Existed, nil
}
