package controlapi_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/rocketmock/rocketmock/controlapi"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// Serve a broker's control API and steer the broker with the Go client:
// load a virtual producer, let the virtual clock run past the expiry scan,
// and see a typed error for an unknown client.
func Example() {
	b, err := mockbroker.New(mockbroker.WithVirtualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	srv := httptest.NewServer(controlapi.NewHandler(b, controlapi.Token("s3cret")))
	defer srv.Close()

	ctx := context.Background()
	c := controlapi.NewClient(srv.URL, "s3cret")
	_, err = c.LoadFixture(ctx, []byte(`{"groups": [{"name": "PG_orders", "producers": [
	  {"clientId": "10.0.0.5@1", "addr": "10.0.0.5:50001", "language": "JAVA", "version": "V4_9_8"}]}]}`))
	if err != nil {
		log.Fatal(err)
	}
	groups, _ := c.Groups(ctx)
	fmt.Println(groups)

	clock, _ := c.Advance(ctx, 131*time.Second) // the scan at 130 s expires producers silent for 120 s
	groups, _ = c.Groups(ctx)
	fmt.Println(clock.Now, groups)

	err = c.CloseClient(ctx, "10.0.0.5@1")
	var apiErr *controlapi.Error
	fmt.Println(errors.As(err, &apiErr), apiErr.Status, errors.Is(err, mockbroker.ErrUnknownClient))
	// Output:
	// [{PG_orders 1}]
	// 2024-01-01T00:02:11.000Z []
	// true 404 true
}
