package main

import (
	"os"
	"testing"

	"gotest.tools/v3/assert"
)

// TestVersionNamesUpToDate: go generate ./protocol reproduces the
// committed version_names.go byte for byte.
func TestVersionNamesUpToDate(t *testing.T) {
	want, err := os.ReadFile("../../version_names.go")
	assert.NilError(t, err)
	got, err := generate(names)
	assert.NilError(t, err)
	assert.Equal(t, string(got), string(want), "version_names.go is stale: run go generate ./protocol")
}

func TestGenerateRejects(t *testing.T) {
	for list, msg := range map[string]string{
		"V1\nv2\nHIGHER_VERSION\n":   `mqversion.txt:2: "v2": want a Java constant name`,
		"V1\nV1\nHIGHER_VERSION\n":   "mqversion.txt:2: V1 is already ordinal 0",
		"# c\nV1\nV2\n":              "want HIGHER_VERSION as the last name",
		"HIGHER_VERSION\nV1\n":       "want HIGHER_VERSION as the last name",
		"V1\n\"V2\"\nHIGHER_VERSION": `mqversion.txt:2: "\"V2\""`,
	} {
		_, err := generate(list)
		assert.ErrorContains(t, err, msg, list)
	}
	src, err := generate("# c\n\nV1\nHIGHER_VERSION\n")
	assert.NilError(t, err)
	assert.Assert(t, len(src) > 0)
}
