package testsuite

import (
	"os"
	"strings"
	"testing"
)

// The README's scenario table lists every scenario, under its stable name.
func TestReadmeListsEveryScenario(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range Scenarios() {
		if !strings.Contains(string(readme), "| `"+sc.Name+"` |") {
			t.Errorf("README.md does not list scenario %s", sc.Name)
		}
	}
}
