// Package buildinfo says which version of rocketmock runs, from the build
// information the Go toolchain writes into every binary.
package buildinfo

import (
	"runtime/debug"
)

// Version returns override when it is set (the command's
// -ldflags "-X main.version=..."), else the main module's version in the
// build information: v1.2.3 for `go install ...@v1.2.3`, the VCS
// pseudo-version (possibly with +dirty) for a build in a git checkout with
// Go 1.24 or later. A build without one ("(devel)", or no build
// information at all) is "devel", followed by "-" and the first 12
// characters of the VCS revision and "+dirty" for modified sources when
// the build recorded them.
func Version(override string) string {
	if override != "" {
		return override
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return FromBuildInfo(bi)
}

// FromBuildInfo returns the version Version reads from bi.
func FromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	out := "devel"
	var rev string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		out += "-" + rev[:min(len(rev), 12)]
	}
	if modified {
		out += "+dirty"
	}
	return out
}
