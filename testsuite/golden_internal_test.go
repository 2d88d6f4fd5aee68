package testsuite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
)

func TestCompareGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.golden")
	assert.NilError(t, os.WriteFile(path, []byte("0001  a\n0002  b\n"), 0o644))
	assert.NilError(t, compareGolden(path, "0001  a\n0002  b\n"))
	err := compareGolden(path, "0001  a\n0002  c\n")
	assert.ErrorContains(t, err, "output differs from "+path)
	assert.Assert(t, strings.Contains(err.Error(), "-0002  b\n+0002  c\n"), err.Error())
	assert.ErrorContains(t, compareGolden(filepath.Join(dir, "none.golden"), ""), "run with ROCKETMOCK_UPDATE_GOLDEN=1 to create it")
}

func TestUnorderedLines(t *testing.T) {
	assert.Equal(t, UnorderedLines("0001  b x\n0002  a y\n"), "0001  a y\n0002  b x\n")
	assert.Equal(t, UnorderedLines(""), "")
}
