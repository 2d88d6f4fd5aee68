package remoting

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseProxyV1(t *testing.T) {
	for _, tc := range []struct {
		line string
		want ProxyHeader
		bad  bool
	}{
		{line: "PROXY TCP4 192.0.2.7 10.0.0.1 50001 10911", want: ProxyHeader{1, "192.0.2.7:50001", "10.0.0.1:10911"}},
		{line: "PROXY TCP6 2001:db8::7 ::1 50001 10911", want: ProxyHeader{1, "2001:db8::7:50001", "::1:10911"}},
		{line: "PROXY UNKNOWN", want: ProxyHeader{Version: 1}},
		{line: "PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2", want: ProxyHeader{Version: 1}},
		{line: "PROXY TCP4 192.0.2.7 10.0.0.1 0 10911", want: ProxyHeader{1, "", "10.0.0.1:10911"}}, // port 0: no client address
		{line: "PROXY", bad: true},
		{line: "PROXY UDP4 1.2.3.4 5.6.7.8 1 2", bad: true},
		{line: "PROXY TCP4 1.2.3.4 5.6.7.8 1", bad: true},
		{line: "PROXY TCP4 ::1 5.6.7.8 1 2", bad: true},
		{line: "PROXY TCP6 1.2.3.4 ::1 1 2", bad: true},
		{line: "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2", bad: true},
		{line: "PROXY TCP4 1.2.3.4 5.6.7.8 x 2", bad: true},
		{line: "PROXYTCP4", bad: true},
	} {
		got, err := parseProxyV1(tc.line)
		if tc.bad {
			if !errors.Is(err, ErrProxyHeader) {
				t.Errorf("%q: err %v, want ErrProxyHeader", tc.line, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.line, d)
		}
	}
}

func TestParseProxyV2(t *testing.T) {
	sig := hex.EncodeToString(proxyV2Sig)
	for _, tc := range []struct {
		name, hex string
		want      ProxyHeader
		bad       bool
	}{
		{"tcp4", sig + "2111000c" + "c0000207" + "0a000001" + "c351" + "2a9f", ProxyHeader{2, "192.0.2.7:50001", "10.0.0.1:10911"}, false},
		{"tcp4 with a TLV", sig + "21110010" + "c0000207" + "0a000001" + "c351" + "2a9f" + "04000100", ProxyHeader{2, "192.0.2.7:50001", "10.0.0.1:10911"}, false},
		{"tcp6", sig + "21210024" + "20010db8000000000000000000000007" + "00000000000000000000000000000001" + "c351" + "2a9f",
			ProxyHeader{2, "2001:db8:0:0:0:0:0:7:50001", "0:0:0:0:0:0:0:1:10911"}, false},
		{"local", sig + "20000000", ProxyHeader{Version: 2}, false},
		{"unspec", sig + "21000000", ProxyHeader{Version: 2}, false},
		{"version 1", sig + "1111000c" + "c0000207" + "0a000001" + "c351" + "2a9f", ProxyHeader{}, true},
		{"command 2", sig + "2211000c" + "c0000207" + "0a000001" + "c351" + "2a9f", ProxyHeader{}, true},
		{"family 4", sig + "2141000c" + "c0000207" + "0a000001" + "c351" + "2a9f", ProxyHeader{}, true},
		{"short addresses", sig + "21110008" + "c0000207" + "0a000001", ProxyHeader{}, true},
	} {
		raw, err := hex.DecodeString(tc.hex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseProxyV2(raw)
		if tc.bad {
			if !errors.Is(err, ErrProxyHeader) {
				t.Errorf("%s: err %v, want ErrProxyHeader", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestProxyV2HeaderRoundTrips(t *testing.T) {
	for _, src := range []string{"192.0.2.7:50001", "[2001:db8::7]:50001"} {
		dst := "10.0.0.1:10911"
		want := "192.0.2.7:50001"
		if src[0] == '[' {
			dst, want = "[::1]:10911", "2001:db8:0:0:0:0:0:7:50001"
		}
		b, err := ProxyV2Header(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		h, err := parseProxyV2(b)
		if err != nil || h.Source != want {
			t.Errorf("%s: source %q, err %v; want %q", src, h.Source, err, want)
		}
	}
	if _, err := ProxyV2Header("1.2.3.4:1", "[::1]:2"); err == nil {
		t.Error("mixed families: want an error")
	}
}
