package protocol

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf16"
)

// javaMapOrder returns the keys of m in the order a java.util.HashMap with
// the given initial table size (0 means the default 16) iterates them, so
// that extFields come out as a Java broker writes them. Keys that share a
// bucket keep sorted order (Java keeps insertion order, which m does not
// record).
func javaMapOrder(m map[string]string, table int, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) < 2 {
		return keys
	}
	table = javaTableSize(table)
	for len(keys) > table*3/4 && table < javaMaxTable {
		table *= 2 // HashMap.resize past its load factor of 0.75
	}
	mask := uint32(table - 1)
	order := func(a, b string) int { // by bucket, then by key
		if c := cmp.Compare(javaSpread(a)&mask, javaSpread(b)&mask); c != 0 {
			return c
		}
		return strings.Compare(a, b)
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

// javaSpread is HashMap.hash(key) for a String key.
func javaSpread(s string) uint32 {
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
	return h ^ h>>16
}
