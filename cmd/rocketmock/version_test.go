package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/controlapi"
)

// TestVersionFromBuildInfo builds the binary as a user would and checks
// that `rocketmock version` prints the module version `go version -m`
// reads from it (a pseudo-version in a git checkout, "devel" with the
// revision otherwise), that /v1/health reports the same, and that
// -ldflags "-X main.version=..." still wins.
func TestVersionFromBuildInfo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary twice")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary:", err)
	}
	dir := t.TempDir()
	build := func(name string, args ...string) string {
		t.Helper()
		bin := filepath.Join(dir, name)
		out, err := exec.Command(goTool, append(append([]string{"build"}, args...), "-o", bin, ".")...).CombinedOutput()
		assert.NilError(t, err, "go build: %s", out)
		return bin
	}
	version := func(bin string) string {
		t.Helper()
		out, err := exec.Command(bin, "version").CombinedOutput()
		assert.NilError(t, err, "%s", out)
		return strings.TrimSuffix(string(out), "\n")
	}
	health := func(bin string) controlapi.Health {
		t.Helper()
		p := startBinary(t, bin, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0")
		status, body := httpDo(t, "GET", "http://"+p.ready.control+"/v1/health", "", "")
		assert.Equal(t, status, 200, body)
		var h controlapi.Health
		assert.NilError(t, json.Unmarshal([]byte(body), &h))
		return h
	}

	bin := build("rocketmock")
	out, err := exec.Command(goTool, "version", "-m", bin).CombinedOutput()
	assert.NilError(t, err, "go version -m: %s", out)
	var mod, rev string
	var modified bool
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod" && f[1] == "github.com/rocketmock/rocketmock":
			mod = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && f[1] == "vcs.modified=true":
			modified = true
		}
	}
	assert.Assert(t, mod != "", "no module line in go version -m:\n%s", out)
	want := mod
	if mod == "(devel)" {
		want = "devel"
		if rev != "" {
			want += "-" + rev[:min(len(rev), 12)]
		}
		if modified {
			want += "+dirty"
		}
	}
	t.Logf("module version %s", mod)
	assert.Equal(t, version(bin), "rocketmock "+want)
	assert.Equal(t, health(bin).Version, want)

	stamped := build("rocketmock-stamped", "-ldflags", "-X main.version=v9.8.7-stamped")
	assert.Equal(t, version(stamped), "rocketmock v9.8.7-stamped")
	h := health(stamped)
	assert.Equal(t, h.Version, "v9.8.7-stamped")
	assert.Equal(t, h.ExpiryMs, int64(120000))
	assert.Equal(t, h.ScanIntervalMs, int64(10000))
}
