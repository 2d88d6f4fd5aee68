package rocketmocktc

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
	"github.com/apache/rocketmq-client-go/v2/rlog"
	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// requireEngine skips the test without a container engine, unless
// ROCKETMOCK_TC_REQUIRED=1 (./test-container.sh) makes that a failure.
func requireEngine(t *testing.T) {
	t.Helper()
	if os.Getenv("ROCKETMOCK_TC_REQUIRED") == "1" {
		p, err := testcontainers.NewDockerProvider()
		if err != nil {
			t.Fatalf("ROCKETMOCK_TC_REQUIRED=1 but no container engine: %v", err)
		}
		defer p.Close()
		if err := p.Health(t.Context()); err != nil {
			t.Fatalf("ROCKETMOCK_TC_REQUIRED=1 but the container engine is not healthy: %v", err)
		}
		return
	}
	testcontainers.SkipIfProviderIsNotHealthy(t)
}

// imageContext builds the static binary into a directory with
// Dockerfile.prebuilt: the image needs no base image to pull.
func imageContext(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-o", filepath.Join(dir, "rocketmock"), "./cmd/rocketmock")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	df, err := os.ReadFile("../Dockerfile.prebuilt")
	assert.NilError(t, err)
	assert.NilError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644))
	return dir
}

// withLimitsWithinSandbox caps the container's open-file limit at this
// process's hard limit and its process limit at podman's own default:
// rootful podman otherwise asks for 1048576 files (and, over the Docker
// API, the host's process limit), which an engine without
// CAP_SYS_RESOURCE (as in a sandbox) cannot grant, and the container
// fails to start ("error setting rlimit type 7", "type 6").
func withLimitsWithinSandbox() testcontainers.CustomizeRequestOption {
	return testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Max < 1<<20 {
			hc.Ulimits = append(hc.Ulimits, &container.Ulimit{Name: "nofile", Soft: int64(lim.Max), Hard: int64(lim.Max)})
		}
		hc.Ulimits = append(hc.Ulimits, &container.Ulimit{Name: "nproc", Soft: 32768, Hard: 32768})
	})
}

// TestRunRealProducer is the container as CI users run it: random host
// ports, a real rocketmq-client-go v2.1.2 producer through the mapped
// port, its registration seen over the control API (the state behind
// GET_PRODUCER_CONNECTION_LIST, 204), closed by the control client, and
// the container stopping within a second.
func TestRunRealProducer(t *testing.T) {
	requireEngine(t)
	rlog.SetLogLevel("error")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	start := time.Now()
	ctr, err := Run(ctx, "", testcontainers.WithDockerfile(testcontainers.FromDockerfile{
		Context: imageContext(t), Dockerfile: "Dockerfile", Repo: "rocketmock", Tag: "tc-test",
	}), withLimitsWithinSandbox())
	testcontainers.CleanupContainer(t, ctr)
	assert.NilError(t, err)
	t.Logf("built and started in %v: name server %s, control %s", time.Since(start).Round(time.Millisecond), ctr.NameServer, ctr.ControlURL)
	assert.Assert(t, ctr.NameServer != "127.0.0.1:9876", "a random host port, not the container's")
	h, err := ctr.Control.Health(ctx)
	assert.NilError(t, err)
	assert.Equal(t, h.Advertise, ctr.NameServer)

	const group, topic = "PG_tc", "TopicTC"
	p, err := rocketmq.NewProducer(
		producer.WithNsResolver(primitive.NewPassthroughResolver([]string{ctr.NameServer})),
		producer.WithGroupName(group), producer.WithRetry(0), producer.WithSendMsgTimeout(5*time.Second))
	assert.NilError(t, err)
	assert.NilError(t, p.Start())
	defer p.Shutdown()
	res, err := p.SendSync(ctx, primitive.NewMessage(topic, []byte("through the mapped port")))
	assert.NilError(t, err)
	assert.Equal(t, res.Status, primitive.SendOK)
	assert.Equal(t, res.MessageQueue.BrokerName, "broker-a")

	msgs, err := ctr.Control.WaitMessages(ctx, topic, 1)
	assert.NilError(t, err)
	assert.Equal(t, *msgs.Messages[0].Body, "through the mapped port")

	// The Go client registers with its first heartbeat, about a second
	// after the first send.
	assert.NilError(t, ctr.Control.WaitProducers(ctx, group, 1))
	prods, err := ctr.Control.Producers(ctx, group)
	assert.NilError(t, err)
	assert.Equal(t, len(prods), 1)
	assert.Equal(t, prods[0].Language, "GO")

	assert.NilError(t, ctr.Control.CloseClient(ctx, prods[0].ClientID))
	deadline := time.Now().Add(5 * time.Second)
	for {
		prods, err = ctr.Control.Producers(ctx, group)
		if len(prods) == 0 || errors.Is(err, mockbroker.ErrUnknownGroup) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("producer still registered 5 s after CloseClient: %+v, %v", prods, err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	timeout := 10 * time.Second
	stop := time.Now()
	assert.NilError(t, ctr.Stop(ctx, &timeout))
	took := time.Since(stop)
	t.Logf("stopped in %v", took.Round(time.Millisecond))
	assert.Assert(t, took < time.Second, "stop took %v: want under 1 s (SIGTERM, not the kill after the timeout)", took)
	_, err = ctr.Control.Health(ctx)
	assert.Assert(t, err != nil, "the control API still answers after stop")
}
