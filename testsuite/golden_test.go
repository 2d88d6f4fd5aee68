package testsuite_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/mockbroker"
	"github.com/rocketmock/rocketmock/protocol"
	"github.com/rocketmock/rocketmock/testsuite"
)

// fakeAdminEnv makes the test binary act as an external admin tool (see
// fakeAdmin), so that ExecCommand runs a real separate process.
const fakeAdminEnv = "TESTSUITE_FAKE_ADMIN"

func TestMain(m *testing.M) {
	if os.Getenv(fakeAdminEnv) == "1" {
		os.Exit(fakeAdmin(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeAdmin is `fakeadmin -n ADDR -g GROUP`: it lists the group's
// connections, last first (as a HashSet might), or reports the error on
// stderr and exits 3.
func fakeAdmin(args []string) int {
	fs := flag.NewFlagSet("fakeadmin", flag.ContinueOnError)
	n := fs.String("n", "", "name server")
	g := fs.String("g", "", "group")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := testsuite.Dial(ctx, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer c.Close()
	h := protocol.GetProducerConnectionListRequestHeader{ProducerGroup: *g}
	resp, err := c.Call(protocol.NewRequest(protocol.GetProducerConnectionList, h.Encode(), nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if resp.Code != 0 {
		fmt.Fprintf(os.Stderr, "CODE: %d  DESC: %s BROKER: %s\n", resp.Code, resp.Remark, *n)
		return 3
	}
	pc, err := protocol.DecodeProducerConnection(resp.Body)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	for i := len(pc.ConnectionSet) - 1; i >= 0; i-- {
		cc := pc.ConnectionSet[i]
		fmt.Printf("%04d  %-32s %-22s %-8s %s\n", len(pc.ConnectionSet)-i, cc.ClientID, cc.ClientAddr, cc.Language, protocol.MQVersion(cc.Version))
	}
	return 0
}

func fakeAdminCommand(t *testing.T) testsuite.AdminCommand {
	t.Setenv(fakeAdminEnv, "1")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return testsuite.ExecCommand(exe)
}

// An external command against a mock loaded with a shipped fixture.
func TestGoldenExternalCommand(t *testing.T) {
	run := fakeAdminCommand(t)
	testsuite.CheckGolden(t, run, testsuite.GoldenCase{
		Fixture:   "../fixtures/state/orders.json",
		Args:      []string{"-n", "{namesrv}", "-g", "PG_orders"},
		Golden:    "testdata/fakeadmin-orders.golden",
		Normalize: testsuite.UnorderedLines,
	})
	// Errors: stderr and the exit code are part of the golden text; the
	// mock's address is written {namesrv}.
	testsuite.CheckGolden(t, run, testsuite.GoldenCase{
		Mock:   []mockbroker.Option{mockbroker.WithRelease(protocol.Release498)},
		Args:   []string{"-n", "{namesrv}", "-g", "PG_none"},
		Golden: "testdata/fakeadmin-unknown-group.golden",
		Stderr: true,
	})
	// Prepare changes the state after the fixture: the stale producer of
	// about-to-expire.json is gone after the first scan.
	testsuite.CheckGolden(t, run, testsuite.GoldenCase{
		Fixture: "../fixtures/state/about-to-expire.json",
		Mock:    []mockbroker.Option{mockbroker.WithVirtualClock(time.Now())},
		Prepare: func(_ testsuite.T, b *mockbroker.Broker) { b.Advance(10 * time.Second) },
		Args:    []string{"-n", "{namesrv}", "-g", "PG_inventory"},
		Golden:  "testdata/fakeadmin-about-to-expire.golden",
	})
}
