package controlapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// Bounds of the fault endpoints.
const maxFaultDelay = 10 * time.Minute

// faultRegistry remembers the interceptions made through the API so they
// can be listed and removed by id.
type faultRegistry struct {
	mu     sync.Mutex
	nextID int
	faults []*fault
}

type fault struct {
	body Fault // without Hits and Active
	ic   *mockbroker.Interception
}

func (f *fault) view() Fault {
	v := f.body
	v.Hits = f.ic.Hits()
	select {
	case <-f.ic.Done():
	default:
		v.Active = true
	}
	return v
}

func (r *faultRegistry) add(f *fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nextID++
	f.body.ID = r.nextID
	r.faults = append(r.faults, f)
}

func (r *faultRegistry) list() []Fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Fault, 0, len(r.faults))
	for _, f := range r.faults {
		out = append(out, f.view())
	}
	return out
}

func (r *faultRegistry) remove(id int) *fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.faults, func(f *fault) bool { return f.body.ID == id })
	if i < 0 {
		return nil
	}
	f := r.faults[i]
	r.faults = slices.Delete(r.faults, i, i+1)
	return f
}

func (r *faultRegistry) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.faults {
		f.ic.Remove()
	}
	r.faults = nil
}

// parseCode reads a code given as a number or a Java constant name.
func parseCode[C ~int32](raw json.RawMessage, parse func(string) (C, bool), what string) (C, error) {
	var n int32
	if err := json.Unmarshal(raw, &n); err == nil {
		return C(n), nil
	}
	var name string
	if err := json.Unmarshal(raw, &name); err == nil {
		if c, ok := parse(name); ok {
			return c, nil
		}
		return 0, fmt.Errorf("%q is not a %s name", name, what)
	}
	return 0, fmt.Errorf("%s: want a number or a %s name", raw, what)
}

// addFault registers an interception that makes a fault:
//
//	{"code": "SEND_MESSAGE_V2", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 1}
func (h *Handler) addFault(r *http.Request) (int, any, error) {
	const example = `{"code": "SEND_MESSAGE_V2", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 1}`
	var spec FaultSpec
	if err := decodeBody(r, &spec, true, example); err != nil {
		return 0, nil, err
	}
	bad := func(format string, args ...any) (int, any, error) {
		return 0, nil, requestErr(http.StatusBadRequest, format, args...)
	}
	if len(spec.Code) == 0 {
		return bad("\"code\": missing: want a request code number, its Java name, or \"*\" for every code, as in %s", example)
	}
	var code protocol.RequestCode
	if string(spec.Code) == `"*"` {
		code = mockbroker.AnyCode
	} else {
		var err error
		if code, err = parseCode(spec.Code, protocol.ParseRequestCode, "RequestCode"); err != nil {
			return bad("\"code\": %v", err)
		}
	}
	if spec.DelayMs < 0 || time.Duration(spec.DelayMs)*time.Millisecond > maxFaultDelay {
		return bad("\"delayMs\" %d: want 0 to %d", spec.DelayMs, maxFaultDelay.Milliseconds())
	}
	if spec.Times < 0 {
		return bad("\"times\" %d: want 0 (until removed) or more", spec.Times)
	}
	if spec.Bytes < 0 {
		return bad("\"bytes\" %d: want 0 (half the reply) or more", spec.Bytes)
	}
	body := Fault{
		Code: int32(code), CodeName: code.String(), Fault: spec.Fault, Remark: spec.Remark, DelayMs: spec.DelayMs,
		Bytes: spec.Bytes, Times: spec.Times, ClientID: spec.ClientID, Group: spec.Group,
	}
	if code == mockbroker.AnyCode {
		body.CodeName = "*"
	}
	if spec.Fault != "respond" && (len(spec.ResponseCode) > 0 || spec.Remark != "") {
		return bad("\"responseCode\" and \"remark\" go with \"fault\": \"respond\"")
	}
	if spec.Fault != "truncate" && spec.Bytes != 0 {
		return bad("\"bytes\" goes with \"fault\": \"truncate\"")
	}
	delay := time.Duration(spec.DelayMs) * time.Millisecond
	var action mockbroker.Action
	switch spec.Fault {
	case "respond":
		if len(spec.ResponseCode) == 0 {
			return bad("\"responseCode\": missing: want a response code number or its Java name, such as \"SYSTEM_BUSY\"")
		}
		rc, err := parseCode(spec.ResponseCode, protocol.ParseResponseCode, "ResponseCode")
		if err != nil {
			return bad("\"responseCode\": %v", err)
		}
		n := int32(rc)
		body.ResponseCode, body.ResponseCodeName = &n, rc.String()
		action = mockbroker.RespondCode(rc, spec.Remark)
	case "delay":
		if delay == 0 {
			return bad("\"delayMs\": want how long to hold the reply back (1 or more) for \"fault\": \"delay\"")
		}
		action = mockbroker.Pass()
	case "noReply":
		action = mockbroker.Drop()
	case "disconnect":
		action = mockbroker.Disconnect()
	case "truncate":
		action = mockbroker.Truncate(spec.Bytes)
	case "":
		return bad("\"fault\": missing: want respond, delay, noReply, disconnect or truncate")
	default:
		return bad("\"fault\" %q: want respond, delay, noReply, disconnect or truncate", spec.Fault)
	}
	if delay > 0 {
		action = action.After(delay)
	}
	var opts []mockbroker.InterceptOption
	if spec.Times > 0 {
		opts = append(opts, mockbroker.Times(spec.Times))
	}
	if spec.ClientID != "" {
		opts = append(opts, mockbroker.ForClient(spec.ClientID))
	}
	if spec.Group != "" {
		opts = append(opts, mockbroker.ForGroup(spec.Group))
	}
	f := &fault{body: body}
	f.ic = h.b.Intercept(code, func(*mockbroker.Request) mockbroker.Action { return action }, opts...)
	h.faults.add(f)
	return http.StatusCreated, f.view(), nil
}

func (h *Handler) listFaults(r *http.Request) (int, any, error) {
	return http.StatusOK, FaultList{h.faults.list()}, nil
}

func (h *Handler) removeFault(r *http.Request) (int, any, error) {
	raw := r.PathValue("id")
	id, err := strconv.Atoi(raw)
	if err != nil {
		return 0, nil, requestErr(http.StatusBadRequest, "fault id %q: want the number POST /v1/faults answered", raw)
	}
	f := h.faults.remove(id)
	if f == nil {
		return 0, nil, requestErr(http.StatusNotFound, "no fault with id %d (see GET /v1/faults)", id)
	}
	f.ic.Remove()
	return http.StatusOK, f.view(), nil
}

// clearFaults removes every interception, also those made in Go.
func (h *Handler) clearFaults(r *http.Request) (int, any, error) {
	h.faults.clear()
	h.b.ClearInterceptions()
	return http.StatusOK, Cleared{true}, nil
}
