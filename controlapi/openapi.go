package controlapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// The OpenAPI description of the control API, GET /v1/openapi.json. The
// table below names each endpoint's summary, body and answer types and the
// error statuses its handler can answer; the schemas are read from those
// Go types by reflection (JSON names, omitempty and pointers for optional
// members), so they follow the code. TestOpenAPI* check that the table
// and the registered routes agree and that every route answers only
// statuses it documents.

// openAPIRoutes serves the description.
func (h *Handler) openAPIRoutes() []route {
	return []route{{"GET /v1/openapi.json", h.openAPI}}
}

// openAPIDocument is the description, built at the first request.
var openAPIDocument = sync.OnceValues(func() (json.RawMessage, error) {
	return json.Marshal(buildOpenAPI(apiOperations()))
})

func (h *Handler) openAPI(*http.Request) (int, any, error) {
	doc, err := openAPIDocument()
	if err != nil {
		return 0, nil, fmt.Errorf("building the OpenAPI description: %w", err)
	}
	return http.StatusOK, doc, nil
}

// apiOperation documents one endpoint.
type apiOperation struct {
	pattern string // the ServeMux pattern: "GET /v1/groups/{group}/producers"
	summary string
	query   []apiParam
	headers []apiParam
	// request is a value of the JSON body's type (nil: no body read);
	// bodyOptional when an empty body is accepted.
	request      any
	bodyOptional bool
	// yamlBody also takes the body as YAML text (PUT /v1/acl).
	yamlBody bool
	// response is a value of the success answer's type (nil with media:
	// a non-JSON answer); status its status (0: 200).
	response any
	status   int
	media    []string // success media types, when not application/json
	// streamData is a value of the type each event's data line holds
	// (text/event-stream): documented as the media type's x-event-data.
	streamData any
	// errors are the error statuses besides those every endpoint has:
	// 401 (unless public) and 403; 400 for any path parameter (a "." or
	// ".." segment), 400 and 413 for any body are added too.
	errors []int
	// public endpoints answer without the token; optionalToken ones too,
	// but 401 a wrong one (GET /v1/health).
	public, optionalToken bool
}

// apiParam is a query parameter or a request header.
type apiParam struct {
	name, description string
	integer           bool
}

// apiOperations is the table of every endpoint.
func apiOperations() []apiOperation {
	limit := apiParam{"limit", "only the last N", true}
	waitErrs := []int{http.StatusRequestTimeout, http.StatusServiceUnavailable}
	return []apiOperation{
		{pattern: "GET /v1/health", summary: "Whether the broker is up, with its addresses, release, clock, version and expiry settings (no token needed without an Authorization header)",
			response: Health{}, errors: []int{http.StatusServiceUnavailable}, optionalToken: true},
		{pattern: "PUT /v1/advertise", summary: "Change the ip:port that routes and message ids name (SetAdvertise); answers as GET /v1/health",
			request: AdvertiseRequest{}, response: Health{}, errors: []int{http.StatusServiceUnavailable}},
		{pattern: "GET /v1/clock", summary: "The broker's clock (Now)", response: Clock{}},
		{pattern: "POST /v1/clock/advance", summary: "Move the virtual clock forward by seconds or a Go duration, running the scans that fall due (AdvanceClock)",
			request: AdvanceRequest{}, response: Clock{}, errors: []int{http.StatusConflict}},
		{pattern: "GET /v1/groups", summary: "Producer groups with their producer counts (Groups)", response: GroupList{}},
		{pattern: "GET /v1/groups/{group}/producers", summary: "A group's producers with their last heartbeat (GroupProducers)",
			response: ProducerList{}, errors: []int{http.StatusNotFound}},
		{pattern: "POST /v1/groups/{group}/wait", summary: "Wait until a producer group has exactly count producers (WaitProducers)",
			request: WaitRequest{}, response: ProducersWaited{}, errors: waitErrs},
		{pattern: "POST /v1/groups/{group}/producers/{clientId}/expire", summary: "Drop one producer registration now, as the expiry scan would (ExpireProducer)",
			request: struct{}{}, bodyOptional: true, response: ProducerExpired{}, errors: []int{http.StatusNotFound}},
		{pattern: "POST /v1/clients/{clientId}/close", summary: "Close a client's connections from the broker's side; asynchronous (CloseClient)",
			request: struct{}{}, bodyOptional: true, response: ClientClosing{}, status: http.StatusAccepted,
			errors: []int{http.StatusNotFound, http.StatusInternalServerError}},
		{pattern: "POST /v1/scan", summary: "Run the expiry scan now (Scan)", request: struct{}{}, bodyOptional: true, response: ScanResult{}},
		{pattern: "POST /v1/fixtures", summary: "Load a state fixture: producer groups with virtual producers, topics, subscription groups (LoadFixture)",
			request: mockbroker.Fixture{}, response: FixtureLoaded{}, errors: []int{http.StatusConflict, http.StatusServiceUnavailable}},
		{pattern: "POST /v1/reset", summary: "Bring the broker back to a fresh start, keeping the clock (Reset)",
			request: struct{}{}, bodyOptional: true, response: ResetDone{}, errors: waitErrs},

		{pattern: "GET /v1/consumer-groups", summary: "Consumer groups with their consumer counts (ConsumerGroups)", response: ConsumerGroupList{}},
		{pattern: "GET /v1/consumer-groups/{group}/consumers", summary: "A consumer group's consumers: connection, subscriptions, last heartbeat (Consumers)",
			response: ConsumerList{}, errors: []int{http.StatusNotFound}},
		{pattern: "POST /v1/consumer-groups/{group}/wait", summary: "Wait until a consumer group has exactly count consumers (WaitConsumers)",
			request: WaitRequest{}, response: ConsumersWaited{}, errors: waitErrs},
		{pattern: "GET /v1/consumer-groups/{group}/offsets", summary: "A group's committed, min and max offsets and lag per queue (ConsumerOffsets)",
			response: ConsumerOffsetList{}},
		{pattern: "PUT /v1/consumer-groups/{group}/offsets", summary: "Set one queue's offset, or reset a topic's offsets to a time (SetConsumerOffset, ResetConsumerOffsets)",
			request: SetOffsetsRequest{}, response: OffsetsSet{}, errors: []int{http.StatusNotFound}},
		{pattern: "POST /v1/consumer-groups/{group}/consumed/wait", summary: "Wait until the group's committed offsets in a topic sum to count (WaitConsumed)",
			request: WaitConsumedRequest{}, response: ConsumedWaited{}, errors: waitErrs},
		{pattern: "POST /v1/consumer-groups/{group}/consumers/{clientId}/expire", summary: "Drop a consumer's connections from its group now, as the scan would (ExpireConsumer)",
			request: struct{}{}, bodyOptional: true, response: ConsumerExpired{}, errors: []int{http.StatusNotFound}},
		{pattern: "GET /v1/consumer-groups/{group}/redeliveries", summary: "Messages the group's consumers sent back: retries and dead letters (Redeliveries)",
			response: RedeliveryList{}},
		{pattern: "GET /v1/pulls", summary: "What each pull returned, oldest first (Pulls)",
			query:    []apiParam{{"group", "only this consumer group's", false}, {"topic", "only this topic's", false}, limit},
			response: PullList{}, errors: []int{http.StatusBadRequest}},

		{pattern: "GET /v1/topics", summary: "The topic config table, system topics included (Topics)", response: TopicList{}},
		{pattern: "PUT /v1/topics/{topic}", summary: "Create or update a topic (CreateTopic)",
			request: topicRequest{}, bodyOptional: true, response: Topic{}},
		{pattern: "DELETE /v1/topics/{topic}", summary: "Delete a topic; the name server stops routing it (DeleteTopic)", response: TopicDeleted{}},
		{pattern: "GET /v1/subscription-groups", summary: "The subscription groups, system ones included (SubscriptionGroups)", response: SubscriptionGroupList{}},
		{pattern: "PUT /v1/subscription-groups/{group}", summary: "Create or replace a subscription group's config; fields left out keep the defaults (CreateGroup)",
			request: mockbroker.FixtureSubscriptionGroup{}, bodyOptional: true, response: SubscriptionGroup{},
			errors: []int{http.StatusInternalServerError}},
		{pattern: "DELETE /v1/subscription-groups/{group}", summary: "Delete a subscription group's config (DeleteGroup)",
			query:    []apiParam{{"removeOffset", "true also drops the group's committed offsets", false}},
			response: SubscriptionGroupDeleted{}},

		{pattern: "GET /v1/messages", summary: "The kept messages, oldest first (Messages)",
			query: []apiParam{{"topic", "only this topic's", false}, limit}, response: MessageList{}, errors: []int{http.StatusBadRequest}},
		{pattern: "DELETE /v1/messages", summary: "Forget the kept messages and send counts (ClearMessages)", response: Cleared{}},
		{pattern: "GET /v1/topics/{topic}/messages", summary: "A topic's kept messages, oldest first (Messages)",
			query: []apiParam{limit}, response: MessageList{}},
		{pattern: "POST /v1/topics/{topic}/messages/wait", summary: "Wait until at least count messages of the topic were accepted (WaitMessages)",
			request: WaitRequest{}, response: MessageList{}, errors: waitErrs},
		{pattern: "GET /v1/send-counts", summary: "How many messages each producer connection sent to each queue (SendCounts)",
			query:    []apiParam{{"topic", "only this topic's", false}, {"clientId", "only this client's", false}, {"group", "only this producer group's", false}},
			response: SendCountList{}},
		{pattern: "GET /v1/transactions", summary: "The kept END_TRANSACTION requests (EndTransactions)", response: EndTransactionList{}},
		{pattern: "POST /v1/groups/{group}/check-transaction", summary: "Send CHECK_TRANSACTION_STATE for a kept message to a producer of the group, optionally waiting for its END_TRANSACTION (CheckTransaction)",
			request: CheckTransactionRequest{}, response: TransactionCheck{},
			errors: []int{http.StatusNotFound, http.StatusRequestTimeout, http.StatusConflict, http.StatusServiceUnavailable, http.StatusInternalServerError}},
		{pattern: "GET /v1/transactions/pending", summary: "Half messages no END_TRANSACTION resolved (PendingTransactions)", response: PendingTransactionList{}},
		{pattern: "POST /v1/transactions/check-now", summary: "Run one pass of the transaction check service now (RunTransactionCheck)",
			request: struct{}{}, bodyOptional: true, response: TransactionCheckRun{}, errors: []int{http.StatusServiceUnavailable}},
		{pattern: "GET /v1/scheduled", summary: "Messages held for later delivery, by due time (ScheduledMessages)", response: ScheduledMessageList{}},
		{pattern: "GET /v1/journal", summary: "The kept journal of requests and what became of them (Journal)",
			query:    []apiParam{{"since", "only entries with a greater seq", true}, limit},
			response: Journal{}, errors: []int{http.StatusBadRequest}},
		{pattern: "DELETE /v1/journal", summary: "Forget the journal (ClearJournal)", response: Cleared{}},

		{pattern: "GET /v1/faults", summary: "The faults added through this API, with their hits", response: FaultList{}},
		{pattern: "POST /v1/faults", summary: "Add a fault: an interception that responds, delays, drops, disconnects or truncates (Intercept)",
			request: FaultSpec{}, response: Fault{}, status: http.StatusCreated},
		{pattern: "DELETE /v1/faults", summary: "Remove every interception, also those made in Go (ClearInterceptions)", response: Cleared{}},
		{pattern: "DELETE /v1/faults/{id}", summary: "Remove one fault (Interception.Remove)", response: Fault{}, errors: []int{http.StatusNotFound}},

		{pattern: "GET /v1/acl", summary: "The access-control configuration in force (ACL); enabled false when off", response: ACL{}},
		{pattern: "PUT /v1/acl", summary: "Turn access control on or replace its configuration: plain_acl.yml as JSON, or as YAML with Content-Type application/yaml (SetACL)",
			request: ACLConfig{}, yamlBody: true, response: ACL{}},
		{pattern: "DELETE /v1/acl", summary: "Turn access control off (SetACL(nil))", response: ACL{}},
		{pattern: "GET /v1/acl/denials", summary: "Requests the access control refused (Denials)", response: DenialList{}},
		{pattern: "DELETE /v1/acl/denials", summary: "Forget the kept denials (ClearDenials)", response: Cleared{}},

		{pattern: "GET /v1/clients/report", summary: "What the client checks found (rocketmock serve --client-checks); 404 when they are off",
			response: ClientReport{}, errors: []int{http.StatusNotFound}},
		{pattern: "GET /v1/openapi.json", summary: "This description of the control API (OpenAPI 3.0)", response: map[string]any{}},

		// The event stream, the metrics and the dashboard.
		{pattern: "GET /v1/events", summary: "Server-Sent Events: producer, consumer, fault and clock events (Subscribe), resumable with Last-Event-ID from a bounded buffer; " +
			"each event is \"id: <n>\", \"event: <kind>\", \"data: <one-line JSON Event>\"; a gap event says which ids were lost",
			query:   []apiParam{{"after", "resume after this event id (0: everything still buffered); Last-Event-ID wins", true}},
			headers: []apiParam{{"Last-Event-ID", "resume after this event id", true}},
			media:   []string{"text/event-stream"}, streamData: Event{}, errors: []int{http.StatusBadRequest, http.StatusServiceUnavailable}},
		{pattern: "GET /metrics", summary: "Prometheus metrics: requests, connections, producers and consumers per group, heartbeat ages, messages per queue, dropped records, event-loop lag; 503 past 4 scrapes at once",
			media: []string{"text/plain"}, errors: []int{http.StatusServiceUnavailable}},
		{pattern: "GET /", summary: "The heartbeat dashboard page (no token: it holds no data and asks for the token)",
			media: []string{"text/html"}, public: true},
		{pattern: "GET /dashboard/{file}", summary: "The dashboard's embedded assets (no token)",
			media: []string{"text/html", "text/css", "text/javascript"}, errors: []int{http.StatusNotFound}, public: true},
	}
}

// statusReasons describe each error status in the document.
var statusReasons = map[int]string{
	http.StatusBadRequest:            "Bad input: the message says which member or parameter and gives an example; also a path with \"//\", \".\" or \"..\" segments",
	http.StatusUnauthorized:          "Missing or wrong bearer token (Authorization: Bearer <token>)",
	http.StatusForbidden:             "A Host or Origin header that names neither loopback, an IP address nor the control address (a web page steering the mock)",
	http.StatusNotFound:              "No such group, client, producer, consumer, topic, message or fault (the message says which, and what there is)",
	http.StatusRequestTimeout:        "The wait timed out; the message says what the broker had",
	http.StatusConflict:              "The broker's state refuses: real clock, no producer to ask, fixture conflict",
	http.StatusRequestEntityTooLarge: "The body is larger than the handler's limit (MaxBody)",
	http.StatusInternalServerError:   "An unexpected broker error",
	http.StatusServiceUnavailable:    "The broker is closed or stopped serving, or the server is stopping",
}

// openAPIPath splits a ServeMux pattern into the OpenAPI method and path.
func openAPIPath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	path = strings.ReplaceAll(path, "...}", "}")
	return strings.ToLower(method), path
}

// pathParams lists a path's {names}.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// errorStatuses returns every error status of op, sorted.
func (op apiOperation) errorStatuses() []int {
	set := map[int]bool{http.StatusForbidden: true}
	if !op.public {
		set[http.StatusUnauthorized] = true
	}
	_, path := openAPIPath(op.pattern)
	if len(pathParams(path)) > 0 {
		set[http.StatusBadRequest] = true
	}
	if op.request != nil {
		set[http.StatusBadRequest] = true
		set[http.StatusRequestEntityTooLarge] = true
	}
	for _, s := range op.errors {
		set[s] = true
	}
	out := make([]int, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

func (op apiOperation) successStatus() int {
	if op.status == 0 {
		return http.StatusOK
	}
	return op.status
}

// jsonObject is one object of the document.
type jsonObject = map[string]any

func buildOpenAPI(ops []apiOperation) jsonObject {
	s := newSchemaSet()
	errorBody := s.of(reflect.TypeFor[ErrorBody]())
	paths := jsonObject{}
	for _, op := range ops {
		method, path := openAPIPath(op.pattern)
		item, _ := paths[path].(jsonObject)
		if item == nil {
			item = jsonObject{}
			paths[path] = item
		}
		o := jsonObject{"summary": op.summary, "operationId": operationID(method, path)}
		var params []any
		for _, p := range pathParams(path) {
			params = append(params, jsonObject{"name": p, "in": "path", "required": true, "schema": jsonObject{"type": "string"}})
		}
		for _, q := range op.query {
			params = append(params, q.object("query"))
		}
		for _, hd := range op.headers {
			params = append(params, hd.object("header"))
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.request != nil {
			content := jsonObject{"application/json": jsonObject{"schema": s.of(reflect.TypeOf(op.request))}}
			if op.yamlBody {
				yaml := jsonObject{"schema": jsonObject{"type": "string", "description": "plain_acl.yml as is"}}
				for _, m := range []string{"application/yaml", "text/yaml", "application/x-yaml"} {
					content[m] = yaml
				}
			}
			o["requestBody"] = jsonObject{"required": !op.bodyOptional, "content": content}
		}
		success := jsonObject{"description": http.StatusText(op.successStatus())}
		switch {
		case op.response != nil:
			success["content"] = jsonObject{"application/json": jsonObject{"schema": s.of(reflect.TypeOf(op.response))}}
		case len(op.media) > 0:
			content := jsonObject{}
			for _, m := range op.media {
				mt := jsonObject{"schema": jsonObject{"type": "string"}}
				if op.streamData != nil {
					mt["x-event-data"] = s.of(reflect.TypeOf(op.streamData))
				}
				content[m] = mt
			}
			success["content"] = content
		}
		responses := jsonObject{fmt.Sprint(op.successStatus()): success}
		for _, st := range op.errorStatuses() {
			r := jsonObject{"description": statusReasons[st], "content": jsonObject{"application/json": jsonObject{"schema": errorBody}}}
			if st == http.StatusUnauthorized {
				r["headers"] = jsonObject{"WWW-Authenticate": jsonObject{"schema": jsonObject{"type": "string"}, "description": `Bearer realm="rocketmock"`}}
			}
			responses[fmt.Sprint(st)] = r
		}
		o["responses"] = responses
		switch {
		case op.public:
			o["security"] = []any{}
		case op.optionalToken:
			o["security"] = []any{jsonObject{}, jsonObject{"bearer": []any{}}}
		}
		item[method] = o
	}
	return jsonObject{
		"openapi": "3.0.3",
		"info": jsonObject{
			"title":   "rocketmock control API",
			"version": "v1",
			"description": "The HTTP control API of a rocketmock broker (package controlapi). Every answer is JSON; errors are {\"error\": \"...\"} (ErrorBody). " +
				"A path no endpoint has answers 404, a method the path does not have 405 with an Allow header; past the server's connection limit a new connection gets 503.",
		},
		"servers":    []any{jsonObject{"url": "http://127.0.0.1:9877"}},
		"security":   []any{jsonObject{"bearer": []any{}}},
		"paths":      paths,
		"components": jsonObject{"schemas": s.defs, "securitySchemes": jsonObject{"bearer": jsonObject{"type": "http", "scheme": "bearer", "description": "the --control-token value"}}},
	}
}

func (p apiParam) object(in string) jsonObject {
	typ := "string"
	if p.integer {
		typ = "integer"
	}
	return jsonObject{"name": p.name, "in": in, "description": p.description, "schema": jsonObject{"type": typ}}
}

// operationID names an operation after its method and path:
// "getV1GroupsGroupProducers".
func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(method)
	for _, word := range strings.FieldsFunc(path, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) {
		b.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	if path == "/" {
		b.WriteString("Root")
	}
	return b.String()
}

// schemaSet builds JSON schemas of Go types into components/schemas.
type schemaSet struct {
	defs  jsonObject
	names map[reflect.Type]string
}

func newSchemaSet() *schemaSet {
	return &schemaSet{defs: jsonObject{}, names: map[reflect.Type]string{}}
}

// typeSchemas are the types that do not marshal as their fields say.
var typeSchemas = map[reflect.Type]func() jsonObject{
	reflect.TypeFor[json.RawMessage](): func() jsonObject { return jsonObject{"description": "any JSON value"} },
	// FixtureProducer has a MarshalJSON of its own (fixtureProducerJSON).
	reflect.TypeFor[mockbroker.FixtureProducer](): func() jsonObject {
		return jsonObject{"type": "object", "required": []any{"clientId", "addr", "language", "version"},
			"properties": jsonObject{
				"clientId":         jsonObject{"type": "string"},
				"addr":             jsonObject{"type": "string", "description": "the client's ip:port"},
				"language":         jsonObject{"type": "string", "description": "LanguageCode name, such as JAVA"},
				"version":          jsonObject{"oneOf": []any{jsonObject{"type": "string"}, jsonObject{"type": "integer"}}, "description": "MQVersion name (V4_9_8) or ordinal (409)"},
				"lastHeartbeatAge": jsonObject{"type": "string", "description": "a Go duration such as 90s"},
			}}
	},
}

// fieldSchemas replace the schema of some members ("Type.member"), and
// requiredFields say where a handler requires a member the type's tags
// leave optional, or accepts one they make required.
var (
	codeSchema   = jsonObject{"oneOf": []any{jsonObject{"type": "integer"}, jsonObject{"type": "string"}}, "description": "a number or its Java constant name"}
	fieldSchemas = map[string]jsonObject{
		"FaultSpec.code":         {"oneOf": []any{jsonObject{"type": "integer"}, jsonObject{"type": "string"}}, "description": "request code: a number, its Java name, or \"*\" for every code"},
		"FaultSpec.responseCode": codeSchema,
	}
	requiredFields = map[string]bool{
		"WaitRequest.count": true, "WaitConsumedRequest.count": true, "FaultSpec.code": true,
		"Fixture.groups": false, // or topics, or subscriptionGroups
	}
)

// of returns the schema of t: a $ref for a struct.
func (s *schemaSet) of(t reflect.Type) jsonObject {
	if f, ok := typeSchemas[t]; ok {
		return f()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return s.of(t.Elem())
	case reflect.String:
		return jsonObject{"type": "string"}
	case reflect.Bool:
		return jsonObject{"type": "boolean"}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16:
		return jsonObject{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		o := jsonObject{"type": "integer", "format": "int64"}
		if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64 {
			o["minimum"] = 0
		}
		return o
	case reflect.Float32, reflect.Float64:
		return jsonObject{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return jsonObject{"type": "string", "format": "byte"}
		}
		return jsonObject{"type": "array", "items": s.of(t.Elem())}
	case reflect.Map:
		return jsonObject{"type": "object", "additionalProperties": s.of(t.Elem())}
	case reflect.Interface:
		return jsonObject{}
	case reflect.Struct:
		return s.ref(t)
	}
	panic(fmt.Sprintf("controlapi: no OpenAPI schema for %v", t))
}

// ref names a struct's schema in components/schemas, built once.
func (s *schemaSet) ref(t reflect.Type) jsonObject {
	if t.NumField() == 0 {
		return jsonObject{"type": "object", "description": "{} or nothing"}
	}
	name, ok := s.names[t]
	if !ok {
		name = capitalize(t.Name())
		if _, taken := s.defs[name]; taken { // the same name in two packages
			pkg := t.PkgPath()
			name = capitalize(pkg[strings.LastIndex(pkg, "/")+1:]) + name
		}
		s.names[t] = name
		s.defs[name] = jsonObject{} // a placeholder for recursive types
		s.defs[name] = s.object(t)
	}
	return jsonObject{"$ref": "#/components/schemas/" + name}
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// object is a struct's schema as encoding/json writes and reads it: the
// json names, omitempty and pointer members optional, embedded structs'
// members inline. (The handlers refuse unknown members in a body.)
func (s *schemaSet) object(t reflect.Type) jsonObject {
	props := jsonObject{}
	var required []any
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type)
				continue
			}
			if name == "" {
				name = f.Name
			}
			key := t.Name() + "." + name
			schema, ok := fieldSchemas[key]
			if !ok {
				schema = s.of(f.Type)
			}
			props[name] = schema
			req := !strings.Contains(","+opts+",", ",omitempty,") && !strings.Contains(","+opts+",", ",omitzero,") && f.Type.Kind() != reflect.Pointer
			if r, ok := requiredFields[key]; ok {
				req = r
			}
			if req {
				required = append(required, name)
			}
		}
	}
	walk(t)
	o := jsonObject{"type": "object", "properties": props}
	if required != nil {
		o["required"] = required
	}
	return o
}
