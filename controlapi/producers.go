package controlapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rocketmock/rocketmock/internal/logsink"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// groups lists the producer groups with their producer counts.
func (h *Handler) groups(r *http.Request) (int, any, error) {
	out := GroupList{Groups: []Group{}}
	for _, name := range h.b.Groups() {
		out.Groups = append(out.Groups, Group{name, len(h.b.Producers(name))})
	}
	return http.StatusOK, out, nil
}

// producers lists a group's producers with their last heartbeat; 404 for
// an unknown group.
func (h *Handler) producers(r *http.Request) (int, any, error) {
	group := r.PathValue("group")
	infos, ok := h.b.GroupProducers(group)
	if !ok {
		return 0, nil, &causeError{fmt.Sprintf("producer group %q does not exist (groups: %s)", logsink.Truncate(group, maxEchoed), logsink.List(h.b.Groups(), maxListed, maxEchoed)), mockbroker.ErrUnknownGroup}
	}
	now := h.b.Now()
	out := ProducerList{Group: group, Producers: []Producer{}}
	for _, p := range infos {
		out.Producers = append(out.Producers, Producer{
			ClientID: p.ClientID, Addr: p.Addr, Language: p.Language, Version: p.Version,
			VersionName: protocol.MQVersion(p.Version).String(), LastHeartbeat: formatTime(p.LastHeartbeat),
			LastHeartbeatMs: p.LastHeartbeat.UnixMilli(), AgeMs: now.Sub(p.LastHeartbeat).Milliseconds(),
			Virtual: p.Virtual,
		})
	}
	return http.StatusOK, out, nil
}

// wait waits until a group has exactly count producers:
// {"count": 2, "timeoutMs": 5000}; 408 when the time runs out.
func (h *Handler) wait(r *http.Request) (int, any, error) {
	count, ctx, cancel, err := waitRequest(r, 0, "producers")
	if err != nil {
		return 0, nil, err
	}
	defer cancel()
	group := r.PathValue("group")
	if err := h.b.WaitProducers(ctx, group, count); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ProducersWaited{group, count}, nil
}

// expire drops one producer registration now, as the scan would.
func (h *Handler) expire(r *http.Request) (int, any, error) {
	group, id := r.PathValue("group"), r.PathValue("clientId")
	// No body is needed, but one that is there must be JSON ({}): an
	// action on a garbled request would be worse than none.
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if err := h.b.ExpireProducer(group, id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ProducerExpired{group, id, true}, nil
}

// closeClient closes the client's connections from the broker's side. The
// close is processed asynchronously: 202, then wait for the group to shrink.
func (h *Handler) closeClient(r *http.Request) (int, any, error) {
	id := r.PathValue("clientId")
	// No body is needed, but one that is there must be JSON ({}): an
	// action on a garbled request would be worse than none.
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	if err := h.b.CloseClient(id); err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, ClientClosing{id, true}, nil
}

func (h *Handler) scan(r *http.Request) (int, any, error) {
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ScanResult{h.b.Scan()}, nil
}

// loadFixture loads a state fixture sent as the body.
func (h *Handler) loadFixture(r *http.Request) (int, any, error) {
	data, err := readBody(r, "fixture")
	if err != nil {
		return 0, nil, err
	}
	f, err := mockbroker.ParseFixture(data)
	if err != nil {
		return 0, nil, err
	}
	if err := h.b.LoadFixture(f); err != nil {
		return 0, nil, err
	}
	groups, conns := f.Counts()
	return http.StatusOK, FixtureLoaded{groups, conns}, nil
}

// reset is Broker.Reset: a broker restart, keeping the clock.
func (h *Handler) reset(r *http.Request) (int, any, error) {
	if err := decodeBody(r, &struct{}{}, false, "{}"); err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), resetTimeout)
	defer cancel()
	h.faults.clear()
	if err := h.b.Reset(ctx); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ResetDone{true}, nil
}
