package main

import (
	"flag"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Flag values whose errors say what was expected (the flag package's own
// say "parse error"), on the command line and in ROCKETMOCK_* variables.

type durationValue struct{ d *time.Duration }

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 10s, 1m30s or 500ms")
	}
	*v.d = d
	return nil
}

func (v durationValue) String() string {
	if v.d == nil {
		return time.Duration(0).String() // the zero value, for flag's usage
	}
	return v.d.String()
}

type intValue struct{ n *int }

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("want a whole number such as 4")
	}
	*v.n = n
	return nil
}

func (v intValue) String() string {
	if v.n == nil {
		return "0"
	}
	return strconv.Itoa(*v.n)
}

type boolValue struct{ b *bool }

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	*v.b = b
	return nil
}

func (v boolValue) String() string {
	if v.b == nil {
		return "false"
	}
	return strconv.FormatBool(*v.b)
}

func (v boolValue) IsBoolFlag() bool { return true }

// durationVar, intVar and boolVar define flags of those values; usage
// names the value in backquotes, as flag.UnquoteUsage wants.
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fs.Var(durationValue{p}, name, usage)
}

func intVar(fs *flag.FlagSet, p *int, name string, def int, usage string) {
	*p = def
	fs.Var(intValue{p}, name, usage)
}

func boolVar(fs *flag.FlagSet, p *bool, name string, def bool, usage string) {
	*p = def
	fs.Var(boolValue{p}, name, usage)
}

// checkListen refuses a listen address that is not host:port with a
// numeric port; what refuses to bind is found when listening.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !validPort(port, 0) || !validHost(host) {
		return fmt.Errorf("%q: want host:port with a port from 0 to 65535, such as 127.0.0.1:9876 or 0.0.0.0:9876", addr)
	}
	return nil
}

// checkAdvertise refuses an address routes cannot carry: clients match
// routes against ip:port.
func checkAdvertise(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) == nil || !validPort(port, 1) {
		return fmt.Errorf("%q: want ip:port, the address clients reach (an IP address, not a name, and a port from 1 to 65535), such as 10.0.0.5:9876", addr)
	}
	return nil
}

func validPort(port string, min uint64) bool {
	p, err := strconv.ParseUint(port, 10, 16)
	return err == nil && p >= min
}

// validHost accepts "", an IP address or a DNS name.
func validHost(host string) bool {
	if host == "" || net.ParseIP(host) != nil {
		return true
	}
	if len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(host, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
