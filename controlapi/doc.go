// Package controlapi is the HTTP control API of a mockbroker.Broker, for
// tests in other languages, and a Go client of it. NewHandler serves JSON
// in and out under /v1/, the same operations as the Go hooks (each
// endpoint calls the Broker method named beside it); `rocketmock serve
// --control` serves it. Errors are {"error": "..."} with a 4xx or 5xx
// status that follows from the broker's typed error: 400 for a bad request
// (the message says where and gives an example body) or a path with "//",
// "." or ".." segments, 401 without the token (GET /v1/health needs none),
// 403 for a Host or Origin header that names neither loopback, an IP
// address nor the control address (a web page steering the mock through a
// browser), 404 for an unknown client, producer, consumer, group, topic, message or
// path,
// 405 (with Allow), 408 when a wait times out, 409 when the state refuses
// (real clock, no producer to ask, fixture conflict), 413 past the body
// limit, 503 once the broker is closed. Error messages are bounded: lists
// name their first 20 items and count the rest.
//
// NewServer and LimitListener serve the handler within Limits (timeouts,
// and a connection limit past which new connections get 503).
//
//	GET    /v1/health                                  up? addresses, compat, clock, version, expiry; 503 closed or stopped (Err)
//	GET    /v1/openapi.json                            this list as OpenAPI 3.0, with schemas and error statuses
//	PUT    /v1/advertise {"addr":"127.0.0.1:32771"}    SetAdvertise: routes and message ids name addr (a mapped port)
//	GET    /v1/clock                                   Now
//	POST   /v1/clock/advance {"seconds":121} or {"duration":"2m1s"}        AdvanceClock
//	GET    /v1/groups                                  Groups, with producer counts
//	GET    /v1/groups/{group}/producers                GroupProducers, with last heartbeat
//	POST   /v1/groups/{group}/wait {"count":1,"timeoutMs":5000}            WaitProducers
//	POST   /v1/groups/{group}/producers/{clientId}/expire                  ExpireProducer
//	POST   /v1/clients/{clientId}/close                CloseClient (202: the close is asynchronous)
//	POST   /v1/scan                                    Scan
//	GET    /v1/consumer-groups                         ConsumerGroups, with consumer counts
//	GET    /v1/consumer-groups/{group}/consumers       Consumers: connection, subscriptions, last heartbeat
//	POST   /v1/consumer-groups/{group}/wait {"count":1,"timeoutMs":5000}   WaitConsumers
//	GET    /v1/consumer-groups/{group}/offsets         ConsumerOffsets: committed, min, max, lag per queue
//	PUT    /v1/consumer-groups/{group}/offsets {"topic":"T","queueId":0,"offset":5}  SetConsumerOffset
//	PUT    /v1/consumer-groups/{group}/offsets {"topic":"T","timestampMs":1700000000000}  ResetConsumerOffsets
//	POST   /v1/consumer-groups/{group}/consumed/wait {"topic":"T","count":10,"timeoutMs":5000}  WaitConsumed
//	POST   /v1/consumer-groups/{group}/consumers/{clientId}/expire         ExpireConsumer
//	GET    /v1/topics                                  Topics: the topic config table, system topics included
//	PUT    /v1/topics/{topic} {"readQueueNums":8,"writeQueueNums":8,"perm":6}  CreateTopic
//	DELETE /v1/topics/{topic}                          DeleteTopic (the route is gone)
//	GET    /v1/subscription-groups                     SubscriptionGroups
//	PUT    /v1/subscription-groups/{group} {"consumeEnable":false,"retryMaxTimes":3}  CreateGroup
//	DELETE /v1/subscription-groups/{group}[?removeOffset=true]  DeleteGroup
//	GET    /v1/consumer-groups/{group}/redeliveries    Redeliveries: retries and dead letters
//	POST   /v1/fixtures <fixture JSON>                 ParseFixture, LoadFixture
//	POST   /v1/reset                                   Reset
//	GET    /v1/messages[?topic=T&limit=N]              Messages
//	GET    /v1/topics/{topic}/messages[?limit=N]       Messages
//	POST   /v1/topics/{topic}/messages/wait {"count":1,"timeoutMs":5000}   WaitMessages
//	DELETE /v1/messages                                ClearMessages
//	GET    /v1/send-counts[?topic=&clientId=&group=]   SendCounts
//	GET    /v1/transactions                            EndTransactions
//	POST   /v1/groups/{group}/check-transaction {"msgId":"...","waitMs":5000}  CheckTransaction
//	GET    /v1/transactions/pending                    PendingTransactions
//	POST   /v1/transactions/check-now                  RunTransactionCheck
//	GET    /v1/scheduled                               ScheduledMessages
//	GET    /v1/journal[?since=SEQ&limit=N]             Journal
//	GET    /v1/pulls[?group=G&topic=T&limit=N]         Pulls: what each pull returned
//	DELETE /v1/journal                                 ClearJournal
//	GET    /v1/faults                                  the faults added here
//	POST   /v1/faults {"code":"SEND_MESSAGE","fault":"respond","responseCode":"SYSTEM_BUSY","times":1}  Intercept
//	DELETE /v1/faults/{id}                             Interception.Remove
//	DELETE /v1/faults                                  ClearInterceptions
//	GET    /v1/acl                                     ACL ({"enabled":false,...} when off)
//	PUT    /v1/acl <plain_acl.yml as JSON, or YAML with Content-Type application/yaml>  SetACL
//	DELETE /v1/acl                                     SetACL(nil): access control off
//	GET    /v1/acl/denials                             Denials
//	DELETE /v1/acl/denials                             ClearDenials
//	GET    /v1/events[?after=ID] (or Last-Event-ID)    Subscribe as Server-Sent Events (events.go)
//	GET    /metrics                                    Prometheus text format (package metrics; MetricsClientIDs)
//
// `rocketmock serve --client-checks` mounts GET /v1/clients/report too.
// GET / and GET /dashboard/{file} are the heartbeat dashboard (package
// dashboard), served without the token: a static page that reads the
// endpoints above with it.
// The request and answer bodies are the exported types of this package,
// which the handler writes and the Client reads, so both sides agree on
// every JSON name. A Client's errors for a 4xx or 5xx answer are *Error;
// where the status implies a mockbroker sentinel (ErrClosed,
// ErrUnknownClient, ErrRealClock, ...) errors.Is matches it.
package controlapi
