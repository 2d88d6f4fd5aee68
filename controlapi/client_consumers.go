package controlapi

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
)

func consumerGroupPath(group string) string { return "/v1/consumer-groups/" + url.PathEscape(group) }

// ConsumerGroups lists the consumer groups with their connection counts.
func (c *Client) ConsumerGroups(ctx context.Context) ([]ConsumerGroup, error) {
	var out ConsumerGroupList
	if err := c.do(ctx, http.MethodGet, "/v1/consumer-groups", nil, &out, nil); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// Consumers lists a group's consumers; for a group that is not online the
// error matches mockbroker.ErrUnknownGroup.
func (c *Client) Consumers(ctx context.Context, group string) ([]Consumer, error) {
	var out ConsumerList
	if err := c.do(ctx, http.MethodGet, consumerGroupPath(group)+"/consumers", nil, &out,
		kinds{http.StatusNotFound: mockbroker.ErrUnknownGroup}); err != nil {
		return nil, err
	}
	return out.Consumers, nil
}

// WaitConsumers waits until the group has exactly n consumers, for the
// time ctx has left (10 s when it has no deadline); when that runs out the
// error matches context.DeadlineExceeded.
func (c *Client) WaitConsumers(ctx context.Context, group string, n int) error {
	return c.do(ctx, http.MethodPost, consumerGroupPath(group)+"/wait", waitBody(ctx, n), &ConsumersWaited{}, nil)
}

// ConsumerOffsets returns the group's committed offsets and lags.
func (c *Client) ConsumerOffsets(ctx context.Context, group string) (*ConsumerOffsetList, error) {
	var out ConsumerOffsetList
	if err := c.do(ctx, http.MethodGet, consumerGroupPath(group)+"/offsets", nil, &out, nil); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetConsumerOffset sets the group's offset of one queue; for an unknown
// topic the error matches mockbroker.ErrUnknownTopic.
func (c *Client) SetConsumerOffset(ctx context.Context, group, topic string, queueID int32, offset int64) error {
	return c.do(ctx, http.MethodPut, consumerGroupPath(group)+"/offsets",
		SetOffsetsRequest{Topic: topic, QueueID: &queueID, Offset: &offset}, &OffsetsSet{},
		kinds{http.StatusNotFound: mockbroker.ErrUnknownTopic, http.StatusBadRequest: mockbroker.ErrInvalidOffset})
}

// ResetConsumerOffsets sets the group's offsets in every queue of the
// topic to the first message stored at or after t, and returns them; for
// an unknown topic the error matches mockbroker.ErrUnknownTopic.
func (c *Client) ResetConsumerOffsets(ctx context.Context, group, topic string, t time.Time) ([]QueueOffset, error) {
	ms := t.UnixMilli()
	var out OffsetsSet
	if err := c.do(ctx, http.MethodPut, consumerGroupPath(group)+"/offsets", SetOffsetsRequest{Topic: topic, TimestampMs: &ms}, &out,
		kinds{http.StatusNotFound: mockbroker.ErrUnknownTopic, http.StatusBadRequest: mockbroker.ErrInvalidOffset}); err != nil {
		return nil, err
	}
	return out.Offsets, nil
}

// WaitConsumed waits until the group's committed offsets in the topic sum
// to n or more, for the time ctx has left (10 s when it has no deadline).
func (c *Client) WaitConsumed(ctx context.Context, group, topic string, n int64) error {
	w := waitBody(ctx, 0)
	return c.do(ctx, http.MethodPost, consumerGroupPath(group)+"/consumed/wait",
		WaitConsumedRequest{Topic: topic, Count: &n, TimeoutMs: w.TimeoutMs}, &ConsumedWaited{}, nil)
}

// ExpireConsumer drops the client's connections from the consumer group
// now; the error matches mockbroker.ErrUnknownConsumer when there is none.
func (c *Client) ExpireConsumer(ctx context.Context, group, clientID string) error {
	return c.do(ctx, http.MethodPost, consumerGroupPath(group)+"/consumers/"+url.PathEscape(clientID)+"/expire", nil,
		&ConsumerExpired{}, kinds{http.StatusNotFound: mockbroker.ErrUnknownConsumer})
}
