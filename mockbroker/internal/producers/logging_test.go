package producers

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"gotest.tools/v3/assert"
)

// One heartbeat naming 100,000 groups logs a few lines, not 100,000; its
// close and its expiry too; a 1 MiB client id is cut short in each line
// (issue 12, item 5).
func TestFloodsLogFewShortLines(t *testing.T) {
	for _, mode := range pmModes {
		t.Run(mode.name, func(t *testing.T) {
			f := newPMFixture(mode.compat49)
			f.pm = New(Config{Now: f.clock.Now, Release: releaseOf(mode.compat49), Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
			groups := make([]string, 100_000)
			for i := range groups {
				groups[i] = fmt.Sprint("PG", i)
			}
			huge := strings.Repeat("c", 1<<20)
			c1 := f.channel("10.0.0.1:1001", true)
			f.pm.RegisterProducers(groups, pmInfo(c1, huge))
			lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
			assert.Equal(t, len(lines), maxBurstLines+1, "%v", lines[len(lines)-1])
			assert.Assert(t, strings.Contains(lines[maxBurstLines], "new producer connected, 99990 more groups"), lines[maxBurstLines])
			assert.Assert(t, f.logs.Len() < 64<<10, "%d bytes of log", f.logs.Len())

			f.logs.Reset()
			f.clock.Advance(3 * time.Minute)
			f.pm.ScanNotActiveChannel()
			assert.Assert(t, f.logs.Len() < 64<<10, "%d bytes of log: %s", f.logs.Len(), f.logs.String()[:min(2000, f.logs.Len())])
			assert.Assert(t, strings.Contains(f.logs.String(), "99990 more expired entries"), f.logs.String())

			f.logs.Reset()
			c2 := f.channel("10.0.0.1:1002", true)
			f.pm.RegisterProducers(groups[:50_000], pmInfo(c2, "B"))
			f.logs.Reset()
			assert.NilError(t, c2.Close())
			assert.Assert(t, f.logs.Len() < 64<<10, "%d bytes of log", f.logs.Len())
			assert.Assert(t, strings.Contains(f.logs.String(), "remove channel from 49990 more producer groups"), f.logs.String())
		})
	}
}
