package protocol

import (
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
)

func TestJavaMapOrder(t *testing.T) {
	// Orders observed in real broker output (spec 1.10c and 8.4).
	m := map[string]string{"queueId": "", "transactionId": "", "msgId": "", "TRACE_ON": "", "MSG_REGION": "", "queueOffset": ""}
	assert.DeepEqual(t, javaMapOrder(m, JavaAddExtFieldTable, nil), []string{"queueId", "transactionId", "msgId", "TRACE_ON", "MSG_REGION", "queueOffset"})
	// 4.9.8's default HashMap(16) orders the same keys by their low 4 bits.
	assert.DeepEqual(t, javaMapOrder(m, 0, nil), []string{"queueId", "TRACE_ON", "MSG_REGION", "msgId", "queueOffset", "transactionId"})
	// More than 12 keys make Java resize to 32 buckets; the order must still be a permutation.
	big := map[string]string{}
	for _, k := range strings.Fields("a b c d e f g h i j k l m n o p q r") {
		big[k] = k
	}
	got := javaMapOrder(big, 0, nil)
	assert.Equal(t, len(got), len(big))
	// Java: single-letter keys hash to their code point, so buckets follow it.
	assert.DeepEqual(t, got, strings.Fields("a b c d e f g h i j k l m n o p q r"))

	// Java rounds the initial capacity up to a power of two (HashMap(100)
	// has 128 buckets) and caps it at 1<<30. Found by FuzzEncodeDecode: a
	// huge table used to loop forever.
	assert.DeepEqual(t, javaMapOrder(m, 100, nil), javaMapOrder(m, 128, nil))
	for _, table := range []int{1 << 30, 1<<30 + 1, 1 << 62, math.MaxInt} {
		assert.Equal(t, len(javaMapOrder(m, table, nil)), len(m), "table %d", table)
	}
	for capacity, want := range map[int]int{-1: 16, 0: 16, 1: 1, 2: 2, 3: 4, 16: 16, 17: 32, 256: 256, 1 << 40: 1 << 30} {
		assert.Equal(t, javaTableSize(capacity), want, "capacity %d", capacity)
	}

	// Over 32 keys take another sort with the same rule: by bucket of a
	// 64-bucket table (40 keys > 0.75*32), then by key.
	many := map[string]string{}
	for i := range 40 {
		many["key"+strconv.Itoa(i)] = ""
	}
	want := slices.Collect(maps.Keys(many))
	sort.Slice(want, func(i, j int) bool {
		bi, bj := javaSpread(JavaStringHash(want[i]))&63, javaSpread(JavaStringHash(want[j]))&63
		return bi < bj || bi == bj && want[i] < want[j]
	})
	assert.DeepEqual(t, javaMapOrder(many, 0, nil), want)
}

func TestJavaKeys(t *testing.T) {
	// Buckets of a 16-entry table from String.hashCode: "a1" 3056 -> 0,
	// "b" 98 -> 2, "DefaultCluster" 1874216089 -> 15.
	got := JavaStringKeys(map[string]int{"b": 0, "a1": 0, "DefaultCluster": 0})
	assert.DeepEqual(t, []string{"a1", "b", "DefaultCluster"}, got)
	// Long keys hash to themselves: 16 shares bucket 0 with 0.
	assert.DeepEqual(t, []int64{0, 16, 1, 2}, JavaLongKeys(map[int64]string{16: "", 2: "", 1: "", 0: ""}))
	// More than 12 keys grow the table to 32: 16 gets a bucket of its own.
	m := map[int64]string{}
	for i := int64(0); i <= 16; i++ {
		m[i] = ""
	}
	assert.DeepEqual(t, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, JavaLongKeys(m))
	assert.DeepEqual(t, JavaLongKeys(map[int64]bool{}), []int64{})
}

func TestJavaHashes(t *testing.T) {
	// Values of "...".hashCode() and Long.hashCode(...) in Java.
	for s, want := range map[string]int32{"": 0, "a1": 3056, "b": 98, "DefaultCluster": 1874216089,
		"\U0001F600": 1772899, "ünï": 252*961 + 110*31 + 239, "\xff": 0xFFFD} {
		assert.Equal(t, JavaStringHash(s), want, "%q", s)
	}
	for v, want := range map[int64]int32{0: 0, 1: 1, -1: 0, 1 << 32: 1, math.MaxInt64: math.MinInt32, 16: 16} {
		assert.Equal(t, JavaLongHash(v), want, "%d", v)
	}
}

func TestJavaHashMapOrderSmall(t *testing.T) {
	assert.DeepEqual(t, JavaHashMapOrder([]string{}, 0, JavaStringHash, strings.Compare), []string{})
	assert.DeepEqual(t, JavaHashMapOrder([]string{"x"}, 0, JavaStringHash, strings.Compare), []string{"x"})
	// "Aa" and "BB" share a hash: the bucket's order comes from compare.
	assert.DeepEqual(t, JavaHashMapOrder([]string{"BB", "Aa"}, 0, JavaStringHash, strings.Compare), []string{"Aa", "BB"})
}
