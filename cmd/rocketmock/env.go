package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

const envPrefix = "ROCKETMOCK_"

// envName is the variable that sets a flag: ROCKETMOCK_<FLAG>, upper case,
// '-' as '_'.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// knownEnv lists every ROCKETMOCK_ variable rocketmock reads: the flags of
// serve and healthcheck (which share the container's environment) and the
// ones the tests read.
func knownEnv() []string {
	known := []string{"ROCKETMOCK_SOAK", "ROCKETMOCK_CAPTURE_DIR", "ROCKETMOCK_UPDATE_GOLDEN"}
	for _, fs := range []*flag.FlagSet{(&serveFlags{}).flagSet(io.Discard), (&healthFlags{}).flagSet(io.Discard)} {
		fs.VisitAll(func(fl *flag.Flag) { known = append(known, envName(fl.Name)) })
	}
	slices.Sort(known)
	return slices.Compact(known)
}

// applyEnv sets each flag of fs from its ROCKETMOCK_<FLAG> variable in
// environ ("NAME=value" entries, as os.Environ); command-line flags parsed
// afterwards win. It returns the flags it set, each with its variable, and
// warns on warn about ROCKETMOCK_ variables that rocketmock does not read,
// naming the closest known one.
func applyEnv(fs *flag.FlagSet, environ []string, warn io.Writer) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, envPrefix) {
			env[k] = v
		}
	}
	known := knownEnv()
	var unknown []string
	for k := range env {
		if _, ok := slices.BinarySearch(known, k); !ok {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		msg := fmt.Sprintf("warning: %s is not a rocketmock setting; it is ignored", k)
		if c := closest(k, known); c != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", c)
		}
		fmt.Fprintln(warn, msg)
	}
	set := map[string]string{}
	var err error
	fs.VisitAll(func(fl *flag.Flag) {
		name := envName(fl.Name)
		if v, ok := env[name]; ok && err == nil {
			if e := fl.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
				return
			}
			set[fl.Name] = name
		}
	})
	return set, err
}

// closest returns the known name nearest to name (edit distance at most a
// third of its length, and 4), or "".
func closest(name string, known []string) string {
	best, bestD := "", min(4, len(name)/3)+1
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
