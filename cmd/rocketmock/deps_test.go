package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The binary links no test package: testing, go-cmp and gotest.tools
// belong to tests only (issue 11).
func TestBinaryLinksNoTestPackages(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH:", err)
	}
	cmd := exec.CommandContext(t.Context(), gotool, "list", "-deps", ".")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.String())
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "github.com/rocketmock/rocketmock/cmd/rocketmock" {
		t.Fatalf("go list -deps did not list this package last: %q", out)
	}
	for _, p := range deps {
		if p == "testing" || strings.HasPrefix(p, "testing/") ||
			strings.HasPrefix(p, "github.com/google/go-cmp/") || strings.HasPrefix(p, "gotest.tools/") {
			t.Errorf("cmd/rocketmock depends on %s, a test-only package", p)
		}
	}
}
