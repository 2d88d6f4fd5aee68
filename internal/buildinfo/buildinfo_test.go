package buildinfo

import (
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go install at a tag", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{"git checkout, Go 1.24+", debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261129221234-0123456789ab+dirty"}},
			"v0.0.0-20261129221234-0123456789ab+dirty"},
		{"devel without VCS", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
		{"no version at all", debug.BuildInfo{}, "devel"},
		{"devel with VCS", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "false"}}},
			"devel-0123456789ab"},
		{"devel with modified VCS", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			"devel-abc+dirty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, FromBuildInfo(&tc.bi)); diff != "" {
				t.Errorf("FromBuildInfo (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVersionOverrideWins(t *testing.T) {
	if got := Version("v9.9.9"); got != "v9.9.9" {
		t.Errorf("Version(\"v9.9.9\") = %q", got)
	}
	if got := Version(""); got == "" {
		t.Error("Version(\"\") is empty")
	}
}
