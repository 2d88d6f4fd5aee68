// Package protocol is the RocketMQ remoting codec: frames, the JSON and
// ROCKETMQ binary headers, request and response codes, and the typed headers
// and bodies that producers, consumers, brokers, name servers and admin tools
// exchange, the stored-message format (MessageExt, encoded and decoded as a
// pull returns it), and Release: what differs between the RocketMQ releases
// it imitates (4.9.8 and 5.3.3).
//
// It does no I/O and starts no goroutines. A server reads a frame like this:
//
//	n, err := protocol.PeekFrame(buffered, protocol.DefaultMaxFrame)
//	if err != nil { /* close the connection: the stream is corrupt */ }
//	if n == 0 { /* wait for more bytes */ }
//	cmd, err := protocol.DecodeFrame(buffered[:n])
//	out, err = resp.AppendFrame(out)
//
// The references are shared/docs/wire-spec.md and consumer-spec.md; the Java
// source wins where they disagree.
package protocol
