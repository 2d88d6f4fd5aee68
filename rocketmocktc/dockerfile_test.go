package rocketmocktc

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// finalStage returns the lines from the last FROM on, without the COPY
// of the binary (the one line that differs).
func finalStage(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "FROM ") {
			start = i
		}
	}
	if start < 0 {
		t.Fatalf("%s: no FROM", path)
	}
	var out []string
	for _, l := range lines[start:] {
		if !strings.HasPrefix(l, "COPY ") {
			out = append(out, l)
		}
	}
	return out
}

// TestPrebuiltDockerfileMatches keeps the image the tests build equal to
// the one users build.
func TestPrebuiltDockerfileMatches(t *testing.T) {
	if d := cmp.Diff(finalStage(t, "../Dockerfile"), finalStage(t, "../Dockerfile.prebuilt")); d != "" {
		t.Errorf("the final stage of Dockerfile and Dockerfile.prebuilt differ (-Dockerfile +prebuilt):\n%s", d)
	}
}
