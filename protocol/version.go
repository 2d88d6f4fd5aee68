package protocol

import "strconv"

//go:generate go run ./internal/gen-versions -o version_names.go

// MQVersion is the ordinal of Java's MQVersion.Version, sent in every
// command's version field.
type MQVersion int32

// Versions that real clients and brokers send.
const (
	V4_5_2        MQVersion = 317 // rocketmq-client-go (all v2 releases)
	V4_9_4        MQVersion = 401 // name servers quote route map keys from here on
	V4_9_8        MQVersion = 409 // CURRENT_VERSION of 4.9.8
	V5_3_1        MQVersion = 475
	V5_3_3        MQVersion = 479 // CURRENT_VERSION of 5.3.3
	HigherVersion MQVersion = MQVersion(len(mqVersionNames) - 1)
)

// String returns the name mqadmin prints for the version
// (MQVersion.getVersionDesc): values past the table give HIGHER_VERSION.
// Java throws on negative values; this returns "MQVersion(-N)".
func (v MQVersion) String() string {
	switch {
	case v < 0:
		return "MQVersion(" + itoa(int64(v)) + ")"
	case int(v) >= len(mqVersionNames):
		return mqVersionNames[len(mqVersionNames)-1]
	}
	return mqVersionNames[v]
}

// MQVersionError reports a name ParseMQVersion does not know.
type MQVersionError struct{ Name string }

func (e *MQVersionError) Error() string {
	return "MQVersion " + strconv.Quote(e.Name) + ": want a MQVersion.Version name such as V5_3_3"
}

// ParseMQVersion returns the version Java names name, such as "V4_9_8":
// the inverse of String for every version up to HigherVersion
// ("HIGHER_VERSION"). Other names give a *MQVersionError.
func ParseMQVersion(name string) (MQVersion, error) {
	for v, n := range mqVersionNames {
		if n == name {
			return MQVersion(v), nil
		}
	}
	return 0, &MQVersionError{Name: name}
}
