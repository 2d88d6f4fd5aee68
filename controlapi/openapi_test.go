package controlapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/internal/testclient"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
)

// routeKey is a pattern as the document names it: "get /v1/x/{id}".
func routeKey(pattern string) string {
	method, path := openAPIPath(pattern)
	return method + " " + path
}

// samplePath fills a path's parameters with value.
func samplePath(path, value string) string {
	for _, p := range pathParams(path) {
		path = strings.Replace(path, "{"+p+"}", value, 1)
	}
	return path
}

// servedBesideRoutes are the patterns the handler serves besides routes():
// ClientChecks' report (registered on the mux by NewHandler) and the
// dashboard's (served before the mux).
var servedBesideRoutes = append([]string{"GET /v1/clients/report"}, dashboardPatterns...)

// registeredRoutes returns the route keys h serves.
func registeredRoutes(h *Handler) map[string]bool {
	out := map[string]bool{}
	for _, r := range h.routes() {
		out[routeKey(r.pattern)] = true
	}
	for _, p := range servedBesideRoutes {
		out[routeKey(p)] = true
	}
	return out
}

// onMux reports whether the mux routes op's path to op's pattern.
func onMux(h *Handler, op apiOperation) bool {
	method, path := openAPIPath(op.pattern)
	_, pattern := h.mux.Handler(httptest.NewRequest(strings.ToUpper(method), samplePath(path, "x"), nil))
	return routeKey(pattern) == routeKey(op.pattern)
}

// TestOpenAPIDocumentsEveryRoute checks that the documented operations are
// the registered routes: none undocumented, none documented that the
// handler does not serve, and that the mux sends each documented path to
// its pattern.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	h := NewHandler(mockbroker.Start(t), ClientChecks(nil))
	registered := registeredRoutes(h)

	documented := map[string]bool{}
	for _, op := range apiOperations() {
		k := routeKey(op.pattern)
		assert.Assert(t, !documented[k], "%s documented twice", op.pattern)
		documented[k] = true
		if !registered[k] {
			t.Errorf("%s is documented but the handler does not serve it", op.pattern)
		}
		if registered[k] && !slices.Contains(servedBesideRoutes, op.pattern) {
			assert.Assert(t, onMux(h, op), "the mux routes %s elsewhere", op.pattern)
		}
	}
	var undocumented []string
	for k := range registered {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	sort.Strings(undocumented)
	assert.Assert(t, len(undocumented) == 0, "undocumented routes (add them to apiOperations in openapi.go): %v", undocumented)
}

// getOpenAPI fetches the document from a real server.
func getOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	srv := httptest.NewServer(NewHandler(mockbroker.Start(t), Token("secret")))
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/openapi.json", nil)
	assert.NilError(t, err)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	assert.NilError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, resp.StatusCode, http.StatusOK)
	assert.Equal(t, resp.Header.Get("Content-Type"), "application/json")
	var doc map[string]any
	assert.NilError(t, json.NewDecoder(resp.Body).Decode(&doc))
	return doc
}

// TestOpenAPIDocumentIsValid checks the document's OpenAPI structure: every
// $ref resolves, every path parameter is declared (and only those), every
// operation has a summary, a unique operationId, a success answer and its
// error statuses with ErrorBody; and the answer schemas hold the members
// the Go types marshal.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := getOpenAPI(t)
	assert.Assert(t, strings.HasPrefix(doc["openapi"].(string), "3.0."), doc["openapi"])
	info := doc["info"].(map[string]any)
	assert.Assert(t, info["title"] != "" && info["version"] != "", "info: %v", info)

	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
	assert.Assert(t, len(refs) > 0)
	for _, r := range refs {
		assert.Assert(t, strings.HasPrefix(r, "#/"), "ref %q is not local", r)
		var at any = doc
		for _, seg := range strings.Split(r[2:], "/") {
			m, ok := at.(map[string]any)
			assert.Assert(t, ok, "ref %q: %q is not in an object", r, seg)
			at, ok = m[strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")]
			assert.Assert(t, ok, "ref %q does not resolve at %q", r, seg)
		}
	}

	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ops := map[string]apiOperation{}
	for _, op := range apiOperations() {
		ops[routeKey(op.pattern)] = op
	}
	ids := map[string]string{}
	paths := doc["paths"].(map[string]any)
	assert.Equal(t, len(paths) > 0, true)
	count := 0
	for path, item := range paths {
		for method, o := range item.(map[string]any) {
			count++
			where := method + " " + path
			op := o.(map[string]any)
			assert.Assert(t, op["summary"] != "", where)
			id := op["operationId"].(string)
			assert.Assert(t, ids[id] == "", "%s and %s share operationId %s", ids[id], where, id)
			ids[id] = where

			var declared []string
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				p := p.(map[string]any)
				assert.Assert(t, slices.Contains([]string{"path", "query", "header"}, p["in"].(string)), "%s: parameter %v", where, p)
				if p["in"] == "path" {
					assert.Equal(t, p["required"], true, "%s: path parameter %v", where, p["name"])
					declared = append(declared, p["name"].(string))
				}
			}
			if diff := cmp.Diff(pathParams(path), declared); diff != "" {
				t.Errorf("%s: declared path parameters (-template +declared):\n%s", where, diff)
			}

			goOp, ok := ops[where]
			assert.Assert(t, ok, "%s is in the document but not in apiOperations", where)
			responses := op["responses"].(map[string]any)
			var statuses []int
			for code, r := range responses {
				st, err := strconv.Atoi(code)
				assert.NilError(t, err, "%s: response %q", where, code)
				statuses = append(statuses, st)
				r := r.(map[string]any)
				assert.Assert(t, r["description"] != "" && r["description"] != nil, "%s %d: no description", where, st)
				if st >= 400 {
					schema := r["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
					assert.Equal(t, schema["$ref"], "#/components/schemas/ErrorBody", "%s %d", where, st)
				}
			}
			sort.Ints(statuses)
			want := append([]int{goOp.successStatus()}, goOp.errorStatuses()...)
			sort.Ints(want)
			if diff := cmp.Diff(want, statuses); diff != "" {
				t.Errorf("%s: statuses (-table +document):\n%s", where, diff)
			}
			if goOp.public {
				assert.Assert(t, !slices.Contains(statuses, http.StatusUnauthorized), where)
			} else {
				assert.Assert(t, slices.Contains(statuses, http.StatusUnauthorized), "%s: 401 undocumented", where)
			}

			// The Go value's members are the schema's, its required ones
			// among them.
			if goOp.response != nil && reflect.TypeOf(goOp.response).Kind() == reflect.Struct {
				ok := responses[strconv.Itoa(goOp.successStatus())].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)
				ref := ok["schema"].(map[string]any)["$ref"].(string)
				checkMembers(t, where, schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any), goOp.response)
			}
		}
	}
	assert.Equal(t, count, len(apiOperations()))
}

// checkMembers checks that the members v marshals to are the schema's and
// include its required ones.
func checkMembers(t *testing.T, where string, schema map[string]any, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	assert.NilError(t, err)
	var members map[string]any
	assert.NilError(t, json.Unmarshal(data, &members))
	props := schema["properties"].(map[string]any)
	for m := range members {
		_, ok := props[m]
		assert.Assert(t, ok, "%s: the answer has %q, the schema does not", where, m)
	}
	req, _ := schema["required"].([]any)
	for _, m := range req {
		_, ok := members[m.(string)]
		assert.Assert(t, ok, "%s: the schema requires %q, a zero answer does not have it", where, m)
	}
}

// TestOpenAPIStatusesAreAnswered drives every registered route with wrong
// input against a real broker on 127.0.0.1 (no token, a wrong token, a
// foreign Origin, "." and unknown path parameters, broken and oversized
// bodies, bad query parameters, a wrong method) and checks that each
// answer's status is one the document lists for the route, with an
// ErrorBody for every error.
func TestOpenAPIStatusesAreAnswered(t *testing.T) {
	const token = "secret"
	const maxBody = 1024
	b := mockbroker.Start(t)
	h := NewHandler(b, Token(token), MaxBody(maxBody), ClientChecks(nil))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	doc := getOpenAPI(t)
	registered := registeredRoutes(h)
	methodsOf := map[string][]string{} // path -> documented methods
	for _, op := range apiOperations() {
		method, path := openAPIPath(op.pattern)
		methodsOf[path] = append(methodsOf[path], strings.ToUpper(method))
	}
	type call struct {
		method, path, body string
		header             http.Header
	}
	send := func(c call) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		assert.NilError(t, err)
		req.URL.Opaque, _, _ = strings.Cut(c.path, "?") // sent as is: no dot segments resolved
		req.Header = c.header
		resp, err := http.DefaultClient.Do(req)
		assert.NilError(t, err)
		defer resp.Body.Close()
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			return resp.StatusCode, resp.Header, nil // a stream does not end
		}
		data, err := io.ReadAll(resp.Body)
		assert.NilError(t, err)
		return resp.StatusCode, resp.Header, data
	}
	authorized := func() http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

	// Bodies: none, broken, of the wrong shape, unknown members, too
	// large, and some that pass the checks of one route or another (a wait
	// that times out, a fixture, a real-clock advance, an unknown message).
	bodies := []string{"", "{", "[]", `"x"`, `{"noSuchMember": 1}`, `{"count": -1, "timeoutMs": -5}`, `{"count": 1, "timeoutMs": 1}`,
		`{"` + strings.Repeat("x", 2*maxBody) + `": 1}`, "{}", `{"seconds": 1}`, `{"groups": [{"name": "G"}]}`, `{"msgId": "no-such", "waitMs": 1}`,
		`{"topic": "no-such", "queueId": 0, "offset": 1}`, `{"addr": "127.0.0.1:1"}`, `{"code": 10, "fault": "delay", "delayMs": 1, "times": 1}`}

	// State, so that the lists have members whose schemas are checked too.
	c := testclient.Dial(t, b.Addr())
	assert.Equal(t, c.Call(testclient.Heartbeat("10.0.0.1@1", protocol.Java, protocol.V4_9_8, "PG")).ResponseCode(), protocol.Success)
	assert.Equal(t, c.Call(testclient.SendMessage("PG", "TopicTest", 0, "KEYS\x01k1\x02", []byte("hello"))).ResponseCode(), protocol.Success)
	assert.Equal(t, c.Call(testclient.HalfSend("PG", "TopicTest", "UNIQ-1")).ResponseCode(), protocol.Success)
	for _, s := range []call{
		{"POST", "/v1/fixtures", `{"groups": [{"name": "VG", "producers": [{"clientId": "v@1", "addr": "10.0.0.2:1", "language": "JAVA", "version": "V4_9_8"}]}],` +
			`"topics": [{"name": "T2"}], "subscriptionGroups": [{"groupName": "CG"}]}`, authorized()},
		{"POST", "/v1/faults", `{"code": "SEND_MESSAGE", "fault": "respond", "responseCode": "SYSTEM_BUSY", "remark": "busy", "times": 5}`, authorized()},
		{"PUT", "/v1/consumer-groups/CG/offsets", `{"topic": "TopicTest", "queueId": 0, "offset": 1}`, authorized()},
		{"PUT", "/v1/acl", `{"accounts": [{"accessKey": "RocketMQ", "secretKey": "12345678", "admin": true}]}`, authorized()},
	} {
		status, _, body := send(s)
		assert.Assert(t, status < 300, "%s %s: %d %s", s.method, s.path, status, body)
	}
	c.Send(testclient.Heartbeat("10.0.0.1@1", protocol.Java, protocol.V4_9_8, "PG")) // denied: a denial to list
	c.Read()
	known := map[string]string{"group": "PG", "topic": "TopicTest", "clientId": "10.0.0.1@1", "id": "1", "file": "index.html"}

	// drive sends every registered route its calls; with getsOnly, only
	// the GET routes one call each with the known path parameters.
	drive := func(closed, getsOnly bool) int {
		driven := 0
		for _, op := range apiOperations() {
			method, path := openAPIPath(op.pattern)
			method = strings.ToUpper(method)
			if getsOnly && method != http.MethodGet {
				continue
			}
			assert.Assert(t, registered[routeKey(op.pattern)], "%s is not registered", op.pattern)
			driven++
			documented := append([]int{op.successStatus()}, op.errorStatuses()...)
			check := func(c call, want ...int) {
				t.Helper()
				status, header, body := send(c)
				what := fmt.Sprintf("%s %s (body %.40q)", c.method, c.path, c.body)
				assert.Assert(t, slices.Contains(documented, status), "%s answered %d, documented: %v; body: %s", what, status, documented, body)
				if len(want) > 0 {
					assert.Assert(t, slices.Contains(want, status), "%s answered %d, want %v; body: %s", what, status, want, body)
				}
				if status >= 400 {
					assert.Equal(t, header.Get("Content-Type"), "application/json", what)
					var eb ErrorBody
					assert.NilError(t, json.Unmarshal(body, &eb), "%s: %s", what, body)
					assert.Assert(t, eb.Error != "", "%s: %s", what, body)
				}
				// The answer fits the documented schema.
				response := doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
				if content, ok := response["content"].(map[string]any)["application/json"].(map[string]any); ok {
					var v any
					assert.NilError(t, json.Unmarshal(body, &v), "%s: %s", what, body)
					assert.NilError(t, fitSchema(doc, content["schema"].(map[string]any), v, "answer"), "%s: %s", what, body)
				}
			}
			p := samplePath(path, "no-such-name")
			kp := path
			for _, name := range pathParams(path) {
				kp = strings.Replace(kp, "{"+name+"}", known[name], 1)
			}
			if getsOnly {
				check(call{method, kp, "", authorized()})
				continue
			}

			// The token and the Origin.
			switch {
			case op.public:
				check(call{method, p, "", http.Header{}})
			case op.optionalToken:
				if closed {
					check(call{method, p, "", http.Header{}}, http.StatusServiceUnavailable)
				} else {
					check(call{method, p, "", http.Header{}}, op.successStatus())
				}
				check(call{method, p, "", http.Header{"Authorization": {"Bearer wrong"}}}, http.StatusUnauthorized)
			default:
				check(call{method, p, "", http.Header{}}, http.StatusUnauthorized)
				check(call{method, p, "", http.Header{"Authorization": {"Bearer wrong"}}}, http.StatusUnauthorized)
			}
			foreign := authorized()
			foreign.Set("Origin", "http://evil.example")
			check(call{method, p, "", foreign}, http.StatusForbidden)

			// Path parameters: known ones, dot segments, unknown names, numbers.
			if len(pathParams(path)) > 0 {
				check(call{method, kp, "", authorized()})
				for _, v := range []string{".", ".."} {
					check(call{method, samplePath(path, v), "{}", authorized()}, http.StatusBadRequest)
				}
				for _, v := range []string{"no-such-name", "999999", "%25"} {
					check(call{method, samplePath(path, v), "{}", authorized()})
				}
			}

			// The bodies; a route that reads none gets two.
			opBodies := bodies
			if op.request == nil {
				opBodies = bodies[:2]
			}
			for _, body := range opBodies {
				check(call{method, p, body, authorized()})
			}
			if op.yamlBody {
				yaml := authorized()
				yaml.Set("Content-Type", "application/yaml")
				check(call{method, p, "accounts: [", yaml}, http.StatusBadRequest)
			}

			// Query parameters that are not what they should be.
			for _, q := range op.query {
				check(call{method, p + "?" + q.name + "=-1x", "", authorized()})
			}

			// A method the path does not have: 405 with the documented ones
			// (from the mux: a route served before it has none).
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodPatch} {
				if slices.Contains(methodsOf[path], m) || !onMux(h, op) {
					continue
				}
				status, header, body := send(call{m, p, "", authorized()})
				assert.Equal(t, status, http.StatusMethodNotAllowed, "%s %s: %s", m, p, body)
				allow := strings.Split(header.Get("Allow"), ", ")
				want := slices.Clone(methodsOf[path])
				if slices.Contains(want, http.MethodGet) {
					want = append(want, http.MethodHead)
				}
				sort.Strings(allow)
				sort.Strings(want)
				assert.DeepEqual(t, allow, want)
				break
			}
		}
		return driven
	}
	drive(false, true)
	assert.Equal(t, drive(false, false), len(apiOperations()))
	// Once the broker is closed.
	b.Close()
	drive(true, false)
}

// fitSchema checks v against the subset of JSON Schema the document uses
// ($ref, oneOf, type, properties, required, items, additionalProperties).
// It is stricter than OpenAPI on one point: an object member its schema
// does not name is an error, as it would mean the schema drifted.
func fitSchema(doc map[string]any, schema map[string]any, v any, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		return fitSchema(doc, doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any), v, at)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		for _, a := range alts {
			if fitSchema(doc, a.(map[string]any), v, at) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: %v fits none of %v", at, v, alts)
	}
	switch schema["type"] {
	case nil:
		return nil
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an object", at, v)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := m[r.(string)]; !ok {
				return fmt.Errorf("%s: required member %q missing", at, r)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, e := range m {
			s, ok := props[k].(map[string]any)
			if !ok {
				s = extra
			}
			if s == nil {
				return fmt.Errorf("%s: member %q is not in the schema", at, k)
			}
			if err := fitSchema(doc, s, e, at+"."+k); err != nil {
				return err
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %v is not an array", at, v)
		}
		for i, e := range a {
			if err := fitSchema(doc, schema["items"].(map[string]any), e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %v is not a string", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %v is not a boolean", at, v)
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok || schema["type"] == "integer" && f != float64(int64(f)) {
			return fmt.Errorf("%s: %v is not an %s", at, v, schema["type"])
		}
	default:
		return fmt.Errorf("%s: unknown schema type %v", at, schema["type"])
	}
	return nil
}
