// Package testchild runs a test again in a child process (the test binary
// itself), for tests that change what a process may do, such as its
// RLIMIT_NOFILE, and takes a process's file descriptors.
package testchild

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"gotest.tools/v3/assert"
)

// Run runs child when this process is the child, with env set, and
// otherwise runs t's test again in a child process (this test binary)
// with env=1 in its environment, and fails t unless the child passes.
func Run(t *testing.T, env string, child func(t *testing.T)) {
	t.Helper()
	if os.Getenv(env) != "" {
		child(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.timeout=60s", "-test.v")
	cmd.Env = append(os.Environ(), env+"=1")
	out, err := cmd.CombinedOutput()
	assert.NilError(t, err, "the child:\n%s", out)
	assert.Assert(t, strings.Contains(string(out), "--- PASS"), "%s", out)
}

// LimitFDs lowers the process's RLIMIT_NOFILE to n descriptors.
func LimitFDs(t testing.TB, n uint64) {
	t.Helper()
	assert.NilError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: n, Max: n}))
}

// HoardFDs opens /dev/null until the process is out of descriptors, then
// gives keep of them back; it returns how many it holds and a function
// that closes them.
func HoardFDs(keep int) (held int, release func()) {
	var files []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		files = append(files, f)
	}
	for range min(keep, len(files)) {
		files[len(files)-1].Close()
		files = files[:len(files)-1]
	}
	return len(files), func() {
		for _, f := range files {
			f.Close()
		}
	}
}
