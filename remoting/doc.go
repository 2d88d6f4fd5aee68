// Package remoting is the RocketMQ remoting transport of rocketmock: a
// server on gnet event loops that splits the byte stream into frames,
// routes each request by its code (Mux) through middleware to a Handler,
// and writes the handler's Reply in request order, held back if the reply
// asks for a Delay; requests the server sends to a client (Conn.Send,
// Conn.Request); a blocking Client; and a Loopback that serves requests
// without a socket, for unit tests and benchmarks.
//
// Before framing, a connection may go through RocketMQ 5.x's preface
// (Config.Preface, preface.go: nothing is framed before 12 bytes, and a
// HAProxy PROXY v1/v2 header gives the client's address) and the TLS
// decision on its first byte (Config.TLSMode, tls.go).
//
// It knows nothing of brokers: a server reports connections opening and
// closing through Config.OnOpen and Config.OnClose, and keeps whatever its
// user needs per connection in Conn.Value.
package remoting
