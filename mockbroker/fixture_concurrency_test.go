package mockbroker

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gotest.tools/v3/assert"

	"github.com/rocketmock/rocketmock/protocol"
)

// Concurrent loads of one fixture must register each producer once
// (before the fix 32 loads of 50 producers left 59 to 89).
func TestLoadFixtureConcurrentLoadsRegisterOnce(t *testing.T) {
	f := &Fixture{Groups: []FixtureGroup{{Name: "PG_many"}, {Name: "PG_empty"}}}
	for i := range 50 {
		f.Groups[0].Producers = append(f.Groups[0].Producers, FixtureProducer{
			ClientID: fmt.Sprintf("10.0.0.1@%d", i), Addr: fmt.Sprintf("10.0.0.1:%d", 20000+i),
			Language: protocol.Java, Version: protocol.V4_9_8,
		})
	}
	for round := range 10 {
		b := Start(t)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 32)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- b.LoadFixture(f)
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			assert.NilError(t, err)
		}
		assert.Equal(t, len(b.Producers("PG_many")), 50, "round %d", round)
		// A group without producers is created, not ignored.
		assert.Assert(t, slices.Contains(b.Groups(), "PG_empty"), "groups: %v", b.Groups())
		b.Close()
	}
}

// Error lists are bounded: 30 groups list the first 20 and "… 10 more".
func TestErrorListsAreBounded(t *testing.T) {
	b := Start(t)
	f := &Fixture{}
	for i := range 30 {
		f.Groups = append(f.Groups, FixtureGroup{Name: fmt.Sprintf("PG%02d", i), Producers: []FixtureProducer{{
			ClientID: fmt.Sprintf("c%02d@%s", i, strings.Repeat("x", 2000)), Addr: fmt.Sprintf("10.0.0.1:%d", 20000+i),
			Language: protocol.Java, Version: protocol.V4_9_8,
		}}})
	}
	assert.NilError(t, b.LoadFixture(f))
	err := b.CloseClient("nobody")
	assert.ErrorContains(t, err, "… 10 more]")
	assert.Assert(t, len(err.Error()) < 20*1100+200, "%d bytes", len(err.Error()))
	assert.Assert(t, !strings.Contains(err.Error(), "c20@"), err.Error())
	_, err = b.CheckTransaction("OTHER", Message{})
	assert.ErrorContains(t, err, "PG19 … 10 more])")
	assert.Equal(t, b.ScanInterval(), 10*time.Second)
}
