package testsuite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/rocketmock/rocketmock/internal/textdiff"
	"github.com/rocketmock/rocketmock/mockbroker"
)

// UpdateGoldenEnv names the environment variable that, set to 1, makes
// CheckGolden write the golden files instead of comparing with them.
const UpdateGoldenEnv = "ROCKETMOCK_UPDATE_GOLDEN"

// AdminCommand runs an admin tool with the given arguments and returns
// what it printed and its exit code. ExecCommand makes one for an external
// program (mqadmin, or the rocketmock binary).
type AdminCommand func(ctx context.Context, args []string) (stdout, stderr string, exitCode int, err error)

// ExecCommand returns an AdminCommand that runs the program with the
// leading arguments first, e.g. ExecCommand("mqadmin") or
// ExecCommand("./rocketmock", "admin").
func ExecCommand(program string, leading ...string) AdminCommand {
	return func(ctx context.Context, args []string) (string, string, int, error) {
		cmd := exec.CommandContext(ctx, program, append(append([]string(nil), leading...), args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), errb.String(), ee.ExitCode(), nil
		}
		if err != nil {
			return out.String(), errb.String(), -1, err
		}
		return out.String(), errb.String(), 0, nil
	}
}

// GoldenCase is one admin command against a mock in a known state.
type GoldenCase struct {
	// Fixture is a state fixture file (see fixtures/state) loaded into the
	// mock before the command runs; "" loads none.
	Fixture string
	// Mock are the options the mock starts with (compat, clock, ...).
	Mock []mockbroker.Option
	// Prepare, when set, runs after the fixture is loaded (advance the
	// clock, register live producers, intercept a request).
	Prepare func(t T, b *mockbroker.Broker)
	// Args are the command's arguments; "{namesrv}" in them stands for
	// the mock's address.
	Args []string
	// Golden is the golden file. It holds stdout; with Stderr, also a
	// "--- stderr" section; a non-zero exit code adds "--- exit N".
	Golden string
	// Stderr compares stderr too (rocketmock admin: yes; mqadmin, whose
	// stack traces name JVM frames: no).
	Stderr bool
	// Normalize, when set, rewrites stdout before the comparison, e.g.
	// UnorderedLines for tools that print a HashSet.
	Normalize func(string) string
}

// CheckGolden starts a mock, loads the case's fixture, runs the command
// and compares its output with the golden file, reporting a diff. The
// mock's listen address is written {namesrv} in the output compared. With
// ROCKETMOCK_UPDATE_GOLDEN=1 it writes the golden file instead.
func CheckGolden(t T, run AdminCommand, c GoldenCase) {
	t.Helper()
	b := mockbroker.Start(t, c.Mock...)
	if c.Fixture != "" {
		f, err := mockbroker.ReadFixture(c.Fixture)
		if err != nil {
			t.Fatalf("golden %s: %v", c.Golden, err)
		}
		if err := b.LoadFixture(f); err != nil {
			t.Fatalf("golden %s: loading %s: %v", c.Golden, c.Fixture, err)
		}
	}
	if c.Prepare != nil {
		c.Prepare(t, b)
	}
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = strings.ReplaceAll(a, "{namesrv}", b.Addr())
	}
	stdout, stderr, code, err := run(t.Context(), args)
	if err != nil {
		t.Fatalf("golden %s: running %v: %v", c.Golden, args, err)
	}
	got := goldenText(b, stdout, stderr, code, c)
	if os.Getenv(UpdateGoldenEnv) == "1" {
		if err := os.MkdirAll(filepath.Dir(c.Golden), 0o755); err != nil {
			t.Fatalf("golden %s: %v", c.Golden, err)
		}
		if err := os.WriteFile(c.Golden, []byte(got), 0o644); err != nil {
			t.Fatalf("golden %s: %v", c.Golden, err)
		}
		t.Logf("wrote %s", c.Golden)
		return
	}
	if err := compareGolden(c.Golden, got); err != nil {
		t.Errorf("%v: %v", c.Args, err)
	}
}

// compareGolden compares got with the golden file and describes any
// difference as a diff.
func compareGolden(path, got string) error {
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("golden %s: %w (run with %s=1 to create it)", path, err, UpdateGoldenEnv)
	}
	if d := textdiff.Lines(string(want), got); d != "" {
		return fmt.Errorf("output differs from %s (-golden +got; %s=1 rewrites it):\n%s", path, UpdateGoldenEnv, d)
	}
	return nil
}

// goldenText is what the golden file holds for one run.
func goldenText(b *mockbroker.Broker, stdout, stderr string, code int, c GoldenCase) string {
	// The mock's address is random; an address given WithAdvertise is
	// not, and stays (so that column widths stay too).
	addrs := strings.NewReplacer(b.Addr(), "{namesrv}")
	stdout = addrs.Replace(stdout)
	if c.Normalize != nil {
		stdout = c.Normalize(stdout)
	}
	var sb strings.Builder
	sb.WriteString(stdout)
	if c.Stderr && stderr != "" {
		sb.WriteString("--- stderr\n")
		sb.WriteString(addrs.Replace(stderr))
	}
	if code != 0 {
		fmt.Fprintf(&sb, "--- exit %d\n", code)
	}
	return sb.String()
}

var connectionIndex = regexp.MustCompile(`^\d{4}  `)

// UnorderedLines sorts the lines of a producerConnection listing and
// renumbers them: mqadmin prints the connections of a HashSet, whose
// order is arbitrary.
func UnorderedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = connectionIndex.ReplaceAllString(l, "")
	}
	sort.Strings(lines)
	var sb strings.Builder
	n := 0
	for _, l := range lines {
		if l != "" {
			n++
			fmt.Fprintf(&sb, "%04d  %s\n", n, l)
		}
	}
	return sb.String()
}
