package controlapi

import (
	"math"
	"net/http"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// health answers whether the broker is up, with its addresses and clock:
// 503 with the reason once it is closed or its transport stopped on its own.
func (h *Handler) health(r *http.Request) (int, any, error) {
	if h.b.Closed() {
		return 0, nil, &causeError{"the broker is closed", mockbroker.ErrClosed}
	}
	if err := h.b.Err(); err != nil {
		return 0, nil, &causeError{"the broker stopped serving: " + err.Error(), mockbroker.ErrClosed}
	}
	return http.StatusOK, Health{
		Status: "ok", Addr: h.b.Addr(), Advertise: h.b.AdvertisedAddr(), Compat: h.b.Release().String(),
		VirtualClock: h.b.VirtualClock(), Now: formatTime(h.b.Now()), Version: h.cfg.version,
		ExpiryMs: h.b.Expiry().Milliseconds(), ScanIntervalMs: h.b.ScanInterval().Milliseconds(),
	}, nil
}

// Version sets the version GET /v1/health reports (rocketmock serve passes
// what `rocketmock version` prints); by default the module version from
// the build information (buildinfo.Version).
func Version(v string) Option {
	return func(c *config) { c.version = v }
}

func (h *Handler) clockState() Clock {
	now := h.b.Now()
	return Clock{Now: formatTime(now), NowMs: now.UnixMilli(), VirtualClock: h.b.VirtualClock()}
}

func (h *Handler) clock(r *http.Request) (int, any, error) {
	return http.StatusOK, h.clockState(), nil
}

// advance moves the virtual clock: {"seconds": 121} or {"duration": "2m1s"}.
func (h *Handler) advance(r *http.Request) (int, any, error) {
	const example = `{"seconds": 121} or {"duration": "2m1s"}`
	var req AdvanceRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	var d time.Duration
	switch {
	case (req.Seconds == nil) == (req.Duration == nil):
		return 0, nil, requestErr(http.StatusBadRequest, "give exactly one of \"seconds\" and \"duration\": want JSON such as %s", example)
	case req.Seconds != nil:
		s := *req.Seconds
		if s < 0 || math.IsNaN(s) || s > maxAdvance.Seconds() {
			return 0, nil, requestErr(http.StatusBadRequest, "seconds %v: want 0 to %v", s, maxAdvance.Seconds())
		}
		d = time.Duration(s * float64(time.Second))
	default:
		var err error
		d, err = time.ParseDuration(*req.Duration)
		if err != nil || d < 0 || d > maxAdvance {
			return 0, nil, requestErr(http.StatusBadRequest, "duration %q: want a Go duration from 0s to %v, such as \"2m1s\"", *req.Duration, maxAdvance)
		}
	}
	every := h.cfg.scanEvery
	if every == 0 {
		every = h.b.ScanInterval()
	}
	if every > 0 && d/every >= MaxAdvanceScans {
		// Advance runs every scan that falls due on the way, and cannot be
		// stopped midway.
		return 0, nil, requestErr(http.StatusBadRequest, "advancing the clock by %v would run about %d expiry scans (one every %v); the limit is %d: advance by at most %v, or start the mock with a longer --scan-interval",
			d, d/every, every, MaxAdvanceScans, (MaxAdvanceScans-1)*every)
	}
	if err := h.b.AdvanceClock(d); err != nil {
		return 0, nil, &causeError{"the broker runs on real time: start it with --virtual-clock (WithVirtualClock) to advance its clock", err}
	}
	return http.StatusOK, h.clockState(), nil
}
