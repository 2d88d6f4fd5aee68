package controlapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Events opens the event stream GET /v1/events. With after < 0 it brings
// the events from now on; with after >= 0 those with a greater id the
// handler still keeps (after 0: all it keeps), led by a "gap" event if
// some were dropped. The stream lasts until ctx ends, Close, or the
// broker closes (then Next returns io.EOF).
func (c *Client) Events(ctx context.Context, after int64) (*EventStream, error) {
	path := "/v1/events"
	if after >= 0 {
		path += "?after=" + strconv.FormatInt(after, 10)
	}
	req, err := c.newRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control API GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, answerError(http.MethodGet, path, resp, nil)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 4<<10), 1<<20)
	return &EventStream{body: resp.Body, sc: sc, path: path}, nil
}

// EventStream reads the events of GET /v1/events; it is not safe for
// concurrent use.
type EventStream struct {
	body io.ReadCloser
	sc   *bufio.Scanner
	path string
	last int64
}

// Next returns the next event, or a "gap" event (Kind "gap", MissedFrom,
// MissedTo) when the stream lost some: the caller reloads its state. It
// returns io.EOF when the stream ended (the broker closed), another error
// when ctx ended or the connection failed.
func (s *EventStream) Next() (Event, error) {
	var data []byte
	var kind string
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if len(line) == 0 {
			if data == nil {
				continue // a block of comments or retry only
			}
			var e Event
			if err := json.Unmarshal(data, &e); err != nil {
				return Event{}, fmt.Errorf("control API GET %s: event %q: data %.200q: %w", s.path, kind, data, err)
			}
			if e.ID > 0 {
				s.last = e.ID
			}
			return e, nil
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			kind = string(value)
		case "data":
			data = append(data, value...)
		}
	}
	if err := s.sc.Err(); err != nil {
		return Event{}, fmt.Errorf("control API GET %s: reading the stream: %w", s.path, err)
	}
	return Event{}, io.EOF
}

// LastID returns the id of the last event Next returned, 0 before one:
// Events(ctx, stream.LastID()) resumes after it.
func (s *EventStream) LastID() int64 { return s.last }

// Close ends the stream.
func (s *EventStream) Close() error { return s.body.Close() }
