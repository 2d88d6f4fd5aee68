// Package rocketmocktc runs rocketmock as a testcontainers-go container:
// Run starts the image with random host ports, waits until the mock is
// ready, advertises the mapped name-server port (so the routes clients get
// name an address they can reach) and returns the addresses with a typed
// client of the control API.
//
//	ctr, err := rocketmocktc.Run(ctx, "rocketmock:latest")
//	if err != nil { ... }
//	defer testcontainers.TerminateContainer(ctr)
//	p, _ := rocketmq.NewProducer(producer.WithNameServer([]string{ctr.NameServer}), ...)
//	...
//	msgs, err := ctr.Control.WaitMessages(ctx, "TopicTest", 1)
//
// It is its own Go module so that rocketmock's main module does not
// depend on testcontainers-go.
package rocketmocktc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/rocketmock/rocketmock/controlapi"
)

// The container ports the image serves on.
const (
	NameServerPort = "9876/tcp" // name server and broker
	ControlPort    = "9877/tcp" // HTTP control API
)

// ReadyLine starts the line `rocketmock serve` prints once it serves.
const ReadyLine = "rocketmock ready:"

// DefaultStartTimeout bounds the wait for ReadyLine.
const DefaultStartTimeout = 30 * time.Second

// Container is a running rocketmock container.
type Container struct {
	testcontainers.Container
	// NameServer is the "ip:port" on this host mapped to NameServerPort:
	// give it to clients as the name-server address. The mock advertises
	// it, so routes point there too.
	NameServer string
	// ControlURL is the control API's base URL on this host, such as
	// "http://127.0.0.1:32772".
	ControlURL string
	// Token is the control API's bearer token (WithControlToken, or a
	// random one).
	Token string
	// Control is a client of the control API at ControlURL with Token.
	Control *controlapi.Client
}

// WithControlToken sets the control API's bearer token
// (ROCKETMOCK_CONTROL_TOKEN); without it Run makes a random one.
func WithControlToken(token string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"ROCKETMOCK_CONTROL_TOKEN": token})
}

// WithCompat sets the broker release the mock imitates ("5" or "4.9",
// ROCKETMOCK_COMPAT).
func WithCompat(compat string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{"ROCKETMOCK_COMPAT": compat})
}

// Run starts image (built from the repository's Dockerfile; "" with
// testcontainers.WithDockerfile builds one) with both ports mapped to
// random host ports, waits for ReadyLine (not the image's HEALTHCHECK,
// which some engines, such as podman without systemd, never run), sets
// the advertised address to the mapped name-server port (PUT
// /v1/advertise) and checks the mock's health. opts are any
// testcontainers-go customizers: environment (ROCKETMOCK_<FLAG> sets each
// serve flag), wait strategies, log consumers. On an error after the
// container started, the container is returned with the error: terminate
// it.
func Run(ctx context.Context, image string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	all := []testcontainers.ContainerCustomizer{
		testcontainers.WithExposedPorts(NameServerPort, ControlPort),
		testcontainers.WithEnv(map[string]string{
			"ROCKETMOCK_ADDR":          "0.0.0.0:9876",
			"ROCKETMOCK_CONTROL":       "0.0.0.0:9877",
			"ROCKETMOCK_CONTROL_TOKEN": token,
		}),
		testcontainers.WithWaitStrategyAndDeadline(DefaultStartTimeout, wait.ForLog(ReadyLine)),
	}
	all = append(all, opts...)
	ctr, err := testcontainers.Run(ctx, image, all...)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("rocketmocktc: start %q: %w", image, err)
	}
	if err := c.connect(ctx, ctr); err != nil {
		return c, fmt.Errorf("rocketmocktc: %w", err)
	}
	return c, nil
}

// connect reads the mapped ports and the token, and advertises the mapped
// name-server address.
func (c *Container) connect(ctx context.Context, ctr *testcontainers.DockerContainer) error {
	inspect, err := ctr.Inspect(ctx)
	if err != nil {
		return fmt.Errorf("inspect the container: %w", err)
	}
	for _, kv := range inspect.Config.Env {
		if v, ok := strings.CutPrefix(kv, "ROCKETMOCK_CONTROL_TOKEN="); ok {
			c.Token = v // the last one set wins, as in the container
		}
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		return fmt.Errorf("container host: %w", err)
	}
	ip, err := hostIP(ctx, host)
	if err != nil {
		return err
	}
	ns, err := ctr.MappedPort(ctx, NameServerPort)
	if err != nil {
		return fmt.Errorf("mapped name-server port: %w", err)
	}
	cp, err := ctr.MappedPort(ctx, ControlPort)
	if err != nil {
		return fmt.Errorf("mapped control port: %w", err)
	}
	c.NameServer = net.JoinHostPort(ip, ns.Port())
	c.ControlURL = "http://" + net.JoinHostPort(ip, cp.Port())
	c.Control = controlapi.NewClient(c.ControlURL, c.Token)
	h, err := c.Control.SetAdvertise(ctx, c.NameServer)
	if err != nil {
		return fmt.Errorf("advertise the mapped address %s: %w", c.NameServer, err)
	}
	if h.Status != "ok" || h.Advertise != c.NameServer {
		return fmt.Errorf("health after advertising %s: want status ok advertising it, got %+v", c.NameServer, *h)
	}
	return nil
}

// hostIP turns the container host into an IP literal: routes must name
// one (clients match brokers by ip:port).
func hostIP(ctx context.Context, host string) (string, error) {
	if net.ParseIP(host) != nil {
		return host, nil
	}
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return "", fmt.Errorf("container host %q: want an IP address or a name that resolves to one: %v", host, err)
	}
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip.String(), nil // IPv4 first: every client parses it
		}
	}
	return ips[0].String(), nil
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("rocketmocktc: control token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
