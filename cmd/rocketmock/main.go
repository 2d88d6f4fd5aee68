// Command rocketmock runs the mock RocketMQ broker and name server.
//
//	rocketmock serve [--addr 127.0.0.1:9876] [--advertise ip:port] [--control 127.0.0.1:9877] [--fixture file] ...
//	rocketmock healthcheck [--control 127.0.0.1:9877]
//	rocketmock version
//
// Every serve and healthcheck flag can also be set with an environment
// variable ROCKETMOCK_<FLAG> (upper case, '-' as '_'), for example
// ROCKETMOCK_ADVERTISE or ROCKETMOCK_CONTROL_TOKEN.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rocketmock/rocketmock/internal/buildinfo"
)

// version, when set at build time with -ldflags "-X main.version=...",
// wins over the module version in the build information
// (buildinfo.Version).
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// run executes a subcommand and returns the exit code. stop, when non-nil,
// replaces the signal wait of serve (for tests).
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr, stop)
	case "healthcheck":
		return healthcheck(args[1:], stdout, stderr)
	case "bench":
		return runBench(args[1:], stdout, stderr, stop)
	case "check":
		return check(args[1:], stdout, stderr, stop)
	case "admin":
		return admin(args[1:], stdout, stderr, stop)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "rocketmock", buildinfo.Version(version))
		return 0
	case "help", "--help", "-h":
		fmt.Fprintln(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "rocketmock: unknown command %q\n%s\n", args[0], usage)
	return 2
}

const usage = `usage: rocketmock <command> [flags]

commands:
  serve        run the mock broker and name server (see rocketmock serve -h)
  healthcheck  exit 0 if the running mock answers healthy, 1 if not (for container HEALTHCHECK)
  bench        measure a broker (the mock or a real one) under load, optionally against an echo baseline (see rocketmock bench -h)
  check        run the conformance suite against a broker and name server (see rocketmock check -h)
  admin        mqadmin's subcommands for producers, consumers, topics, groups and brokers (see rocketmock admin -h)
  version      print the version`
