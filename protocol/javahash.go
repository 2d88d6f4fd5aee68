package protocol

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf16"
)

// JavaHashMapOrder sorts keys into the order in which a java.util.HashMap
// created with the given initial capacity (0 means new HashMap(), 16) and
// then filled with them iterates them, and returns keys. hash is the keys'
// hashCode; keys that share a bucket are ordered by compare (Java keeps
// their insertion order, which a Go map does not record). The table grows
// past HashMap's load factor of 0.75 as Java's does.
func JavaHashMapOrder[K any](keys []K, capacity int, hash func(K) int32, compare func(a, b K) int) []K {
	if len(keys) < 2 {
		return keys
	}
	table := javaTableSize(capacity)
	for len(keys) > table*3/4 && table < javaMaxTable {
		table *= 2 // HashMap.resize
	}
	mask := uint32(table - 1)
	order := func(a, b K) int { // by bucket, then by compare
		if c := cmp.Compare(javaSpread(hash(a))&mask, javaSpread(hash(b))&mask); c != 0 {
			return c
		}
		return compare(a, b)
	}
	if len(keys) > 32 {
		// Not sort.Slice: its interface argument would move the caller's
		// stack buffer to the heap on every encode.
		slices.SortFunc(keys, order)
		return keys
	}
	// Insertion sort: extFields are small, and this does not allocate.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && order(keys[j], keys[j-1]) < 0; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// JavaStringKeys returns the keys of m in the order a new java.util.HashMap
// holding m's entries (as fastjson fills one) iterates them.
func JavaStringKeys[V any](m map[string]V) []string {
	return javaMapOrder(m, 0, make([]string, 0, len(m)))
}

// JavaLongKeys is JavaStringKeys for a map with Long keys.
func JavaLongKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return JavaHashMapOrder(keys, 0, JavaLongHash, cmp.Compare[int64])
}

// JavaStringHash is Java's String.hashCode of s: over its UTF-16 code
// units (invalid UTF-8 counts as U+FFFD).
func JavaStringHash(s string) int32 {
	var h uint32
	for _, r := range s {
		if r < 0x10000 {
			h = 31*h + uint32(r)
			continue
		}
		r1, r2 := utf16.EncodeRune(r)
		h = 31*h + uint32(r1)
		h = 31*h + uint32(r2)
	}
	return int32(h)
}

// JavaLongHash is Java's Long.hashCode of v.
func JavaLongHash(v int64) int32 { return int32(v ^ int64(uint64(v)>>32)) }

// javaMapOrder returns the keys of m, in buf, in the order a HashMap with
// the given initial capacity iterates them, so that extFields (or any
// String-keyed map) come out as a Java broker writes them.
func javaMapOrder[V any](m map[string]V, table int, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	return JavaHashMapOrder(keys, table, JavaStringHash, strings.Compare)
}

// javaMaxTable is HashMap.MAXIMUM_CAPACITY.
const javaMaxTable = 1 << 30

// javaTableSize is HashMap.tableSizeFor: the power of two a HashMap with the
// given initial capacity starts with; 0 (or less) means new HashMap(), 16.
func javaTableSize(capacity int) int {
	switch {
	case capacity <= 0:
		return 16
	case capacity >= javaMaxTable:
		return javaMaxTable
	}
	return 1 << bits.Len(uint(capacity-1))
}

// javaSpread is HashMap.hash: a key's hashCode with its high bits folded
// into the low ones that pick the bucket.
func javaSpread(h int32) uint32 {
	u := uint32(h)
	return u ^ u>>16
}
