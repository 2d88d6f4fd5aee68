package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rocketmock/rocketmock/metrics"
	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/remoting"
)

// Serve a broker's metrics and scrape them: here, the producers a client
// registered and its heartbeat request. controlapi serves the same at
// /metrics.
func Example() {
	b, err := mockbroker.New()
	if err != nil {
		panic(err)
	}
	defer b.Close()
	srv := httptest.NewServer(metrics.Handler(b))
	defer srv.Close()

	c, err := remoting.Dial(context.Background(), b.Addr())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	hb := protocol.HeartbeatData{ClientID: "10.0.0.1@orders", ProducerDataSet: []protocol.ProducerData{{GroupName: "PG_orders"}}}
	if _, err := c.Call(protocol.NewRequest(protocol.HeartBeat, nil, hb.Marshal())); err != nil {
		panic(err)
	}

	resp, err := http.Get(srv.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "rocketmock_producers") || strings.HasPrefix(sc.Text(), "rocketmock_requests_total") {
			fmt.Println(sc.Text())
		}
	}
	// Output:
	// rocketmock_producers{group="PG_orders"} 1
	// rocketmock_requests_total{code="34",code_name="HEART_BEAT",result="SUCCESS"} 1
}
