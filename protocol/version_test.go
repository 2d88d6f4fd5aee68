package protocol

import (
	"errors"
	"testing"

	"gotest.tools/v3/assert"
)

func TestParseMQVersion(t *testing.T) {
	for v := MQVersion(0); v <= HigherVersion; v++ {
		got, err := ParseMQVersion(v.String())
		assert.NilError(t, err)
		assert.Equal(t, got, v)
	}
	for name, want := range map[string]MQVersion{"V4_5_2": V4_5_2, "V4_9_8": V4_9_8, "V5_3_3": V5_3_3, "HIGHER_VERSION": HigherVersion} {
		got, err := ParseMQVersion(name)
		assert.NilError(t, err)
		assert.Equal(t, got, want, name)
	}
	for _, name := range []string{"", "v5_3_3", "5.3.3", "V5_3_3 ", "MQVersion(-1)"} {
		_, err := ParseMQVersion(name)
		var ve *MQVersionError
		assert.Assert(t, errors.As(err, &ve), "%q: got %v, want a *MQVersionError", name, err)
		assert.Equal(t, ve.Name, name)
	}
	_, err := ParseMQVersion("V9")
	assert.Error(t, err, `MQVersion "V9": want a MQVersion.Version name such as V5_3_3`)
}
