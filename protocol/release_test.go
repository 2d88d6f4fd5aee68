package protocol

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gotest.tools/v3/assert"
)

func TestParseRelease(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Release
	}{
		{"5", Release533}, {"5.3.3", Release533}, {"5.0.0", Release533},
		{"4.9", Release498}, {"4.9.8", Release498}, {"4.9.4", Release498},
	} {
		got, err := ParseRelease(tc.in)
		assert.NilError(t, err, tc.in)
		assert.Equal(t, got, tc.want, tc.in)
	}
	for _, in := range []string{"", "3", "4", "4.8", "4.9x", "5x", "V5_3_3"} {
		_, err := ParseRelease(in)
		var re *ReleaseError
		assert.Assert(t, errors.As(err, &re), "%q: got %v, want a *ReleaseError", in, err)
		assert.Equal(t, re.Name, in)
	}
	_, err := ParseRelease("3")
	assert.Error(t, err, `compat "3": want 5 or 4.9`)
}

func TestReleaseString(t *testing.T) {
	var zero Release
	assert.Equal(t, zero, Release533, "the zero value is 5.3.3")
	assert.Equal(t, Release533.String(), "5")
	assert.Equal(t, Release498.String(), "4.9")
	assert.Equal(t, Release(9).String(), "Release(9)")
	for _, r := range []Release{Release533, Release498} {
		back, err := ParseRelease(r.String())
		assert.NilError(t, err)
		assert.Equal(t, back, r)
	}
}

func TestReleaseProperties(t *testing.T) {
	assert.Equal(t, Release533.Version(), V5_3_3)
	assert.Equal(t, Release498.Version(), V4_9_8)
	for _, r := range []Release{Release533, Release498} {
		assert.Assert(t, len(r.Version().String()) > len(r.VersionPrefix()) &&
			r.Version().String()[:len(r.VersionPrefix())] == r.VersionPrefix(), r)
	}
	assert.Equal(t, Release533.ExtFieldsTable(), JavaAddExtFieldTable)
	assert.Equal(t, Release498.ExtFieldsTable(), 0)
	assert.Assert(t, Release533.HasV5BodyFields() && !Release498.HasV5BodyFields())
	assert.Assert(t, !Release533.KeepsEmptiedProducerGroups() && Release498.KeepsEmptiedProducerGroups())
	assert.Equal(t, Release533.IllegalQueueIDCode(), InvalidParameter)
	assert.Equal(t, Release498.IllegalQueueIDCode(), SystemError)
	assert.DeepEqual(t, Release533.HeartbeatReplyExtFields(), map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "true"})
	assert.Assert(t, Release498.HeartbeatReplyExtFields() == nil)
	ext := Release533.HeartbeatReplyExtFields()
	ext["x"] = "y"
	assert.Equal(t, len(Release533.HeartbeatReplyExtFields()), 2, "each call returns a new map")
	assert.Equal(t, Release533.RuntimeInfoTransferredKey(), "getTransferredTps")
	assert.Equal(t, Release498.RuntimeInfoTransferredKey(), "getTransferedTps")
	assert.Equal(t, Release533.FAQURL(), "https://rocketmq.apache.org/docs/bestPractice/06FAQ")
	assert.Equal(t, Release498.FAQURL(), "http://rocketmq.apache.org/docs/faq/")
}

// The defaults each release carries, from its BrokerConfig (5.3.3 lines
// 276-288, 4.9.8 lines 168-180) and its remoting server.
func TestReleaseDefaults(t *testing.T) {
	type defaults struct {
		CheckInterval, Timeout time.Duration
		CheckMax               int
		Preface                bool
	}
	of := func(r Release) defaults {
		return defaults{r.TransactionCheckInterval(), r.TransactionTimeout(), r.TransactionCheckMax(), r.DetectsConnectionPreface()}
	}
	if d := cmp.Diff(defaults{30 * time.Second, 6 * time.Second, 15, true}, of(Release533)); d != "" {
		t.Errorf("5.3.3 (-want +got):\n%s", d)
	}
	if d := cmp.Diff(defaults{60 * time.Second, 6 * time.Second, 15, false}, of(Release498)); d != "" {
		t.Errorf("4.9.8 (-want +got):\n%s", d)
	}
}
