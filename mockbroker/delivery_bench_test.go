package mockbroker

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/protocol"
)

// BenchmarkEndToEndDelivery measures the send → pull delivery rate on
// loopback: 8 producers each send b.N/8 messages of 128 bytes to their
// own queue of one topic (16 sends in flight each) while 8 consumers
// long-poll those queues (one pull of up to 32 messages in flight each)
// until every message came. It reports delivered messages per second;
// ns/op is per message.
//
//	go test -run '^$' -bench EndToEndDelivery -benchtime 200000x ./mockbroker
func BenchmarkEndToEndDelivery(b *testing.B) {
	const pairs, window = 8, 16
	br := Start(b, WithQueueNums(pairs))
	per := (b.N + pairs - 1) / pairs
	body := make([]byte, 128)
	errs := make(chan error, 2*pairs)
	conns := make([]*loadConn, 2*pairs)
	for i := range conns {
		c, err := dialLoad(br.Addr())
		if err != nil {
			b.Fatal(err)
		}
		defer c.nc.Close()
		conns[i] = c
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for q := range pairs {
		wg.Add(2)
		go func() { // producer q
			defer wg.Done()
			errs <- conns[q].produce(sendCmd("PG", "T", q, "", body), per, window)
		}()
		go func() { // consumer of queue q
			defer wg.Done()
			errs <- conns[pairs+q].consume("CG", "T", int32(q), int64(per))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pairs*per)/elapsed.Seconds(), "msgs/s")
}

// loadConn is a remoting connection whose errors are returned, so that
// goroutines of a benchmark can use it.
type loadConn struct {
	nc     net.Conn
	r      *bufio.Reader
	opaque int32
}

func dialLoad(addr string) (*loadConn, error) {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &loadConn{nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}, nil
}

func (c *loadConn) write(cmd *protocol.Command) error {
	c.opaque++
	cmd.Opaque = c.opaque
	f, err := cmd.Encode()
	if err != nil {
		return err
	}
	_, err = c.nc.Write(f)
	return err
}

func (c *loadConn) read() (*protocol.Command, error) {
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	return protocol.ReadFrame(c.r, 0)
}

// produce sends n copies of send, window of them in flight.
func (c *loadConn) produce(send *protocol.Command, n, window int) error {
	sent, acked := 0, 0
	for acked < n {
		for sent < n && sent-acked < window {
			if err := c.write(send); err != nil {
				return fmt.Errorf("producer: %w", err)
			}
			sent++
		}
		resp, err := c.read()
		if err != nil {
			return fmt.Errorf("producer, %d of %d sends answered: %w", acked, n, err)
		}
		if resp.Code != 0 {
			return fmt.Errorf("producer: send answered %d %s", resp.Code, resp.Remark)
		}
		acked++
	}
	return nil
}

// consume long-polls the queue until n messages came, for a minute at
// most; the replies' nextBeginOffset counts them (no filter: every
// message is returned).
func (c *loadConn) consume(group, topic string, queue int32, n int64) error {
	flag := protocol.BuildPullSysFlag(false, true, true, false)
	deadline := time.Now().Add(time.Minute)
	for offset := int64(0); offset < n; {
		if time.Now().After(deadline) {
			return fmt.Errorf("consumer of queue %d: %d of %d messages in a minute", queue, offset, n)
		}
		h := protocol.PullMessageRequestHeader{ConsumerGroup: group, Topic: topic, QueueID: queue, QueueOffset: offset,
			MaxMsgNums: 32, SysFlag: flag, SuspendTimeoutMillis: 5000, Subscription: "*", ExpressionType: protocol.ExpressionTypeTag}
		if err := c.write(protocol.NewRequest(protocol.PullMessage, h.Encode(), nil)); err != nil {
			return fmt.Errorf("consumer: %w", err)
		}
		resp, err := c.read()
		if err != nil {
			return fmt.Errorf("consumer of queue %d at offset %d: %w", queue, offset, err)
		}
		switch resp.ResponseCode() {
		case protocol.Success:
			var rh protocol.PullMessageResponseHeader
			if err := rh.Decode(resp.ExtFields); err != nil {
				return fmt.Errorf("consumer: %w", err)
			}
			offset = rh.NextBeginOffset
		case protocol.TopicNotExist: // no send has created it yet
			time.Sleep(time.Millisecond)
		case protocol.PullNotFound, protocol.PullRetryImmediately:
		default:
			return fmt.Errorf("consumer of queue %d at offset %d: %d %s", queue, offset, resp.Code, resp.Remark)
		}
	}
	return nil
}
