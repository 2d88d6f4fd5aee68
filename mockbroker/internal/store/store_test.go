package store

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rocketmock/rocketmock/internal/fake"
	"github.com/rocketmock/rocketmock/protocol"
)

func newStore(t testing.TB, rel protocol.Release, mod func(*Options)) (*Store, *fake.Clock) {
	c := fake.NewClock(time.UnixMilli(1_700_000_000_000))
	o := Options{Release: rel, Now: c.Now}
	if mod != nil {
		mod(&o)
	}
	return New(o), c
}

// msg returns a message of exactly size encoded bytes (>= 100) with a tag.
func msg(size int, tag string) Message {
	m := Message{MessageExt: protocol.MessageExt{Topic: "T", Properties: map[string]string{"TAGS": tag}}}
	m.TagsCode = int64(protocol.JavaStringHash(tag))
	fixed := int(EncodedSize(&m.MessageExt))
	m.Body = make([]byte, size-fixed)
	return m
}

func appendN(t testing.TB, s *Store, topic string, q int32, n, size int, tag string) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := s.Append(topic, q, []Message{msg(size, tag)}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEncodedSize(t *testing.T) {
	for _, host := range []net.IP{net.IPv4(10, 0, 0, 1), net.ParseIP("::1")} {
		m := protocol.MessageExt{Topic: "TopicTest", Body: []byte("hello"), BornHost: host, StoreHost: host,
			Properties: map[string]string{"TAGS": "a", "KEYS": "k"}}
		b, err := protocol.EncodeMessageExt(&m)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodedSize(&m); int(got) != len(b) {
			t.Fatalf("%v: EncodedSize = %d, encoding is %d bytes", host, got, len(b))
		}
	}
}

func TestAppendOffsets(t *testing.T) {
	var events []AppendEvent
	s, c := newStore(t, protocol.Release533, func(o *Options) { o.OnAppend = func(e AppendEvent) { events = append(events, e) } })
	r, err := s.Append("T", 1, []Message{msg(100, "a"), msg(150, "b")})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	r2, _ := s.Append("U", 0, []Message{msg(120, "a")})
	r3, _ := s.Append("T", 1, []Message{msg(100, "a")})
	got := []int64{r.Messages[0].QueueOffset, r.Messages[0].CommitLogOffset, r.Messages[1].QueueOffset,
		r.Messages[1].CommitLogOffset, r2.Messages[0].QueueOffset, r2.Messages[0].CommitLogOffset,
		r3.Messages[0].QueueOffset, r3.Messages[0].CommitLogOffset}
	if want := []int64{0, 0, 1, 100, 0, 250, 2, 370}; !slices.Equal(got, want) {
		t.Fatalf("offsets = %v, want %v", got, want)
	}
	if !r2.Messages[0].StoreTimestamp.Equal(c.Now()) || r2.Messages[0].Topic != "U" || r3.Messages[0].QueueID != 1 {
		t.Fatalf("stored = %+v", r2.Messages[0].MessageExt)
	}
	if len(events) != 3 || events[0].MaxOffset != 2 || events[0].TagsCode != int64(protocol.JavaStringHash("b")) ||
		events[2].MaxOffset != 3 || events[1].Topic != "U" {
		t.Fatalf("OnAppend events = %+v", events)
	}
	if st := s.Stats(); st.Messages != 4 || st.Bytes != 470 || st.MaxPhysicalOffset != 470 || st.MinPhysicalOffset != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if m, ok := s.ByPhysicalOffset(250); !ok || m.Topic != "U" {
		t.Fatalf("ByPhysicalOffset(250) = %+v %v", m, ok)
	}
	if _, ok := s.ByPhysicalOffset(251); ok {
		t.Fatal("ByPhysicalOffset found a message mid-record")
	}
	if got := s.Range("T", 1, 1, 10); len(got) != 2 || got[0].QueueOffset != 1 {
		t.Fatalf("Range = %+v", got)
	}
	if info, ok := s.Topic("T"); !ok || info.ReadQueueNums != 4 || info.Perm != 6 {
		t.Fatalf("auto-created topic = %+v %v", info, ok)
	}
	if _, err := s.Append("T", -1, []Message{msg(100, "")}); err == nil {
		t.Fatal("negative queue id accepted")
	}
}

func TestGetMessageStatuses(t *testing.T) {
	tagA := func(code int64) bool { return code == int64(protocol.JavaStringHash("a")) }
	s, _ := newStore(t, protocol.Release533, nil)
	appendN(t, s, "T", 0, 3, 100, "b")
	appendN(t, s, "T", 0, 2, 100, "a")
	appendN(t, s, "T", 0, 1, 100, "b")
	s.EnsureTopic("Empty", 4)
	cases := []struct {
		name       string
		r          GetRequest
		status     GetMessageStatus
		next       int64
		n          int
		code       protocol.ResponseCode
		minO, maxO int64
	}{
		{"empty queue, offset 0", GetRequest{Topic: "Empty", Offset: 0, MaxMsgNums: 32}, NoMessageInQueue, 0, 0, protocol.PullNotFound, 0, 0},
		{"empty queue, offset 5", GetRequest{Topic: "Empty", Offset: 5, MaxMsgNums: 32}, NoMessageInQueue, 0, 0, protocol.PullOffsetMoved, 0, 0},
		{"unknown topic", GetRequest{Topic: "Nope", Offset: 3, MaxMsgNums: 32}, NoMessageInQueue, 0, 0, protocol.PullOffsetMoved, 0, 0},
		{"at max", GetRequest{Topic: "T", Offset: 6, MaxMsgNums: 32}, OffsetOverflowOne, 6, 0, protocol.PullNotFound, 0, 6},
		{"past max", GetRequest{Topic: "T", Offset: 9, MaxMsgNums: 32}, OffsetOverflowBadly, 6, 0, protocol.PullOffsetMoved, 0, 6},
		{"found, maxMsgNums", GetRequest{Topic: "T", Offset: 1, MaxMsgNums: 2}, Found, 3, 2, protocol.Success, 0, 6},
		{"found all", GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 32}, Found, 6, 6, protocol.Success, 0, 6},
		{"tag filter skips, next past the scan", GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 32, MatchTagsCode: tagA}, Found, 6, 2, protocol.Success, 0, 6},
		{"tag filter, batch full stops before the next match", GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 1, MatchTagsCode: tagA}, Found, 4, 1, protocol.Success, 0, 6},
		{"nothing matches", GetRequest{Topic: "T", Offset: 5, MaxMsgNums: 32, MatchTagsCode: tagA}, NoMatchedMessage, 6, 0, protocol.PullRetryImmediately, 0, 6},
		{"commit-log filter", GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 32,
			MatchMessage: func(m *Message) bool { return m.QueueOffset == 4 }}, Found, 6, 1, protocol.Success, 0, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.GetMessage(tc.r)
			if res.Status != tc.status || res.NextBeginOffset != tc.next || len(res.Messages) != tc.n ||
				res.MinOffset != tc.minO || res.MaxOffset != tc.maxO {
				t.Fatalf("got %v next %d n %d min %d max %d; want %v next %d n %d min %d max %d", res.Status,
					res.NextBeginOffset, len(res.Messages), res.MinOffset, res.MaxOffset, tc.status, tc.next, tc.n, tc.minO, tc.maxO)
			}
			if code := PullCode(res.Status, tc.r.Offset); code != tc.code {
				t.Fatalf("PullCode = %v, want %v", code, tc.code)
			}
			if res.Status.String() == "" || res.BufferTotalSize != 100*tc.n {
				t.Fatalf("remark %q, buffer %d", res.Status, res.BufferTotalSize)
			}
		})
	}
}

func TestPullCodes(t *testing.T) {
	for _, tc := range []struct {
		st     GetMessageStatus
		offset int64
		code   protocol.ResponseCode
		name   string
	}{
		{Found, 3, protocol.Success, "FOUND"},
		{NoMatchedMessage, 3, protocol.PullRetryImmediately, "NO_MATCHED_MESSAGE"},
		{MessageWasRemoving, 3, protocol.PullRetryImmediately, "MESSAGE_WAS_REMOVING"},
		{OffsetFoundNull, 3, protocol.PullNotFound, "OFFSET_FOUND_NULL"},
		{OffsetOverflowBadly, 3, protocol.PullOffsetMoved, "OFFSET_OVERFLOW_BADLY"},
		{OffsetOverflowOne, 3, protocol.PullNotFound, "OFFSET_OVERFLOW_ONE"},
		{OffsetTooSmall, 3, protocol.PullOffsetMoved, "OFFSET_TOO_SMALL"},
		{NoMatchedLogicQueue, 3, protocol.PullOffsetMoved, "NO_MATCHED_LOGIC_QUEUE"},
		{NoMatchedLogicQueue, 0, protocol.PullNotFound, "NO_MATCHED_LOGIC_QUEUE"},
		{NoMessageInQueue, 3, protocol.PullOffsetMoved, "NO_MESSAGE_IN_QUEUE"},
		{NoMessageInQueue, 0, protocol.PullNotFound, "NO_MESSAGE_IN_QUEUE"},
		{OffsetReset, 0, protocol.PullOffsetMoved, "OFFSET_RESET"},
	} {
		if got := PullCode(tc.st, tc.offset); got != tc.code || tc.st.String() != tc.name {
			t.Errorf("%v at %d: code %v (%s), want %v (%s)", tc.st, tc.offset, got, tc.st, tc.code, tc.name)
		}
	}
}

func TestTransferLimits(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			s, _ := newStore(t, rel, nil)
			appendN(t, s, "T", 0, 40, 100, "")
			// maxTransferCountOnMessageInMemory caps at 32 whatever maxMsgNums says.
			if res := s.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 64}); len(res.Messages) != 32 || res.NextBeginOffset != 32 {
				t.Fatalf("count cap: n %d next %d", len(res.Messages), res.NextBeginOffset)
			}
			// 5.x's byte budget (max(maxMsgBytes, 100)); 4.9.8 has none.
			res := s.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 32, MaxMsgBytes: 250})
			want := 32
			if rel == protocol.Release533 {
				want = 2
			}
			if len(res.Messages) != want {
				t.Fatalf("maxMsgBytes 250: n %d, want %d", len(res.Messages), want)
			}
			if res := s.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 32, MaxMsgBytes: 1}); rel == protocol.Release533 && len(res.Messages) != 1 {
				t.Fatalf("maxMsgBytes below 100: n %d, want 1 (the first always goes)", len(res.Messages))
			}
			big, _ := newStore(t, rel, nil)
			appendN(t, big, "T", 0, 3, 100<<10, "")
			if res := big.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 32}); len(res.Messages) != 2 || res.NextBeginOffset != 2 {
				t.Fatalf("256 KiB cap: n %d next %d", len(res.Messages), res.NextBeginOffset)
			}
			huge, _ := newStore(t, rel, nil)
			appendN(t, huge, "T", 0, 2, 300<<10, "")
			if res := huge.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 32}); len(res.Messages) != 1 {
				t.Fatalf("an oversize first message: n %d, want 1", len(res.Messages))
			}
		})
	}
}

func TestScanLimit(t *testing.T) {
	s, _ := newStore(t, protocol.Release498, nil)
	appendN(t, s, "T", 0, 1000, 100, "b")
	none := func(int64) bool { return false }
	res := s.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 32, MatchTagsCode: none})
	if res.Status != NoMatchedMessage || res.NextBeginOffset != 800 {
		t.Fatalf("status %v next %d, want NO_MATCHED_MESSAGE 800", res.Status, res.NextBeginOffset)
	}
	res = s.GetMessage(GetRequest{Topic: "T", MaxMsgNums: 900, MatchTagsCode: none})
	if res.NextBeginOffset != 900 {
		t.Fatalf("maxMsgNums 900: next %d, want 900", res.NextBeginOffset)
	}
}

func TestBoundsAndOffsetMoved(t *testing.T) {
	s, _ := newStore(t, protocol.Release498, func(o *Options) { o.MaxBytes = 1000 })
	appendN(t, s, "T", 0, 6, 100, "")
	appendN(t, s, "T", 1, 6, 100, "")
	r, _ := s.Append("T", 0, []Message{msg(100, "")})
	if r.DroppedMessages != 1 || r.DroppedBytes != 100 {
		t.Fatalf("append dropped %d/%d, want 1/100", r.DroppedMessages, r.DroppedBytes)
	}
	st := s.Stats()
	if st.Messages != 10 || st.Bytes != 1000 || st.DroppedMessages != 3 || st.DroppedBytes != 300 || st.MinPhysicalOffset != 300 {
		t.Fatalf("stats = %+v", st)
	}
	if s.MinOffset("T", 0) != 3 || s.MaxOffset("T", 0) != 7 || s.MinOffset("T", 1) != 0 {
		t.Fatalf("min/max: q0 %d..%d q1 min %d", s.MinOffset("T", 0), s.MaxOffset("T", 0), s.MinOffset("T", 1))
	}
	res := s.GetMessage(GetRequest{Topic: "T", QueueID: 0, Offset: 1, MaxMsgNums: 32})
	if res.Status != OffsetTooSmall || res.NextBeginOffset != 3 || PullCode(res.Status, 1) != protocol.PullOffsetMoved {
		t.Fatalf("pull below min: %v next %d", res.Status, res.NextBeginOffset)
	}
	if _, ok := s.ByPhysicalOffset(0); ok {
		t.Fatal("evicted message still found by physical offset")
	}
	c, _ := newStore(t, protocol.Release498, func(o *Options) { o.MaxMessages = 2; o.MaxBytes = -1 })
	appendN(t, c, "T", 0, 5, 100, "")
	if st := c.Stats(); st.Messages != 2 || st.DroppedMessages != 3 || c.MinOffset("T", 0) != 3 {
		t.Fatalf("count bound: %+v min %d", st, c.MinOffset("T", 0))
	}
	// A queue emptied by eviction: min == max, pulls there wait (OVERFLOW_ONE).
	appendN(t, c, "U", 0, 2, 100, "")
	if c.MinOffset("T", 0) != 5 || c.GetMessage(GetRequest{Topic: "T", Offset: 5, MaxMsgNums: 1}).Status != OffsetOverflowOne {
		t.Fatalf("emptied queue: min %d", c.MinOffset("T", 0))
	}
}

func TestMessageWasRemoving(t *testing.T) {
	s, _ := newStore(t, protocol.Release533, nil)
	appendN(t, s, "T", 0, 4, 100, "")
	if n, b := s.RemoveBodiesBefore(200); n != 2 || b != 200 {
		t.Fatalf("removed %d/%d", n, b)
	}
	// Removed entries before a found one: FOUND, the scan passes them.
	res := s.GetMessage(GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 32})
	if res.Status != Found || len(res.Messages) != 2 || res.NextBeginOffset != 4 {
		t.Fatalf("got %v n %d next %d", res.Status, len(res.Messages), res.NextBeginOffset)
	}
	s.RemoveBodiesBefore(400)
	res = s.GetMessage(GetRequest{Topic: "T", Offset: 1, MaxMsgNums: 32})
	if res.Status != MessageWasRemoving || res.NextBeginOffset != 4 || res.MinOffset != 0 ||
		PullCode(res.Status, 1) != protocol.PullRetryImmediately {
		t.Fatalf("got %v next %d min %d", res.Status, res.NextBeginOffset, res.MinOffset)
	}
	if a := s.QueryConsumerOffset("g", "T", 0, nil); a.Code != protocol.QueryNotFound {
		t.Fatalf("5.x query with message 0 gone: %+v", a)
	}
	s.CorrectMinOffsets()
	res = s.GetMessage(GetRequest{Topic: "T", Offset: 0, MaxMsgNums: 32})
	if res.Status != OffsetTooSmall || res.NextBeginOffset != 4 {
		t.Fatalf("after correction: %v next %d", res.Status, res.NextBeginOffset)
	}
}

func TestQueryConsumerOffset(t *testing.T) {
	f := false
	tr := true
	for _, tc := range []struct {
		rel     protocol.Release
		setup   func(s *Store)
		setZero *bool
		code    protocol.ResponseCode
		offset  int64
		remark  string
	}{
		{protocol.Release498, func(s *Store) {}, nil, protocol.Success, 0, ""},
		{protocol.Release498, func(s *Store) { appendN(t, s, "T", 0, 2, 100, "") }, nil, protocol.Success, 0, ""},
		{protocol.Release498, func(s *Store) { appendN(t, s, "T", 0, 5, 100, "") }, nil, protocol.QueryNotFound, 0, RemarkOffsetNotFound},
		{protocol.Release498, func(s *Store) { appendN(t, s, "T", 0, 5, 100, ""); s.CommitOffset("g", "T", 0, 4) }, nil, protocol.Success, 4, ""},
		{protocol.Release533, func(s *Store) {}, nil, protocol.QueryNotFound, 0, RemarkOffsetNotFound},
		{protocol.Release533, func(s *Store) { appendN(t, s, "T", 0, 2, 100, "") }, nil, protocol.Success, 0, ""},
		{protocol.Release533, func(s *Store) { appendN(t, s, "T", 0, 2, 100, "") }, &tr, protocol.Success, 0, ""},
		{protocol.Release533, func(s *Store) { appendN(t, s, "T", 0, 2, 100, "") }, &f, protocol.QueryNotFound, 0, RemarkNotSetZero},
		{protocol.Release533, func(s *Store) { appendN(t, s, "T", 0, 5, 100, "") }, nil, protocol.QueryNotFound, 0, RemarkOffsetNotFound},
		{protocol.Release533, func(s *Store) { s.CommitOffset("g", "T", 0, 7) }, &f, protocol.Success, 7, ""},
	} {
		s, _ := newStore(t, tc.rel, func(o *Options) { o.MaxMessages = 3 })
		tc.setup(s)
		a := s.QueryConsumerOffset("g", "T", 0, tc.setZero)
		if a.Code != tc.code || a.Offset != tc.offset || a.Remark != tc.remark {
			t.Errorf("%s min %d max %d: %+v, want %v %d %q", tc.rel, s.MinOffset("T", 0), s.MaxOffset("T", 0), a,
				tc.code, tc.offset, tc.remark)
		}
	}
}

func TestCommitAndReset(t *testing.T) {
	for _, rel := range []protocol.Release{protocol.Release498, protocol.Release533} {
		t.Run(rel.String(), func(t *testing.T) {
			s, _ := newStore(t, rel, nil)
			s.CommitOffset("g", "T", 1, 10)
			s.CommitOffset("g", "T", 1, 4) // lower values are stored too
			if o, ok := s.Offset("g", "T", 1); !ok || o != 4 {
				t.Fatalf("Offset = %d %v", o, ok)
			}
			if _, ok := s.Offset("g", "T", 2); ok {
				t.Fatal("offset of an uncommitted queue")
			}
			s.ResetOffset("g", "T", 1, 2)
			stored := s.CommitOffset("g", "T", 1, 9)
			o, _ := s.Offset("g", "T", 1)
			r, pending := s.TakeReset("g", "T", 1)
			if rel == protocol.Release533 {
				if stored || o != 2 || !pending || r != 2 {
					t.Fatalf("5.x reset: commit stored %v, offset %d, pending %v %d", stored, o, pending, r)
				}
				if _, again := s.TakeReset("g", "T", 1); again || !s.CommitOffset("g", "T", 1, 9) {
					t.Fatal("reset not erased by TakeReset")
				}
			} else if !stored || o != 9 || pending {
				t.Fatalf("4.9.8 reset: commit stored %v, offset %d, pending %v", stored, o, pending)
			}
			if got := s.GroupOffsets("g"); got["T"][1] != 9 {
				t.Fatalf("GroupOffsets = %v", got)
			}
			if got := s.OffsetGroups("T"); !slices.Equal(got, []string{"g"}) {
				t.Fatalf("OffsetGroups = %v", got)
			}
			if s.ResetOffset("g", "T", 1, -1) {
				t.Fatal("negative reset accepted")
			}
		})
	}
}

func TestSearchOffset(t *testing.T) {
	// Store times (s): 10 10 20 20 30 at offsets 0..4.
	build := func(rel protocol.Release) *Store {
		s, c := newStore(t, rel, nil)
		c.Set(time.Unix(10, 0))
		for i, at := range []int64{10, 10, 20, 20, 30} {
			c.Set(time.Unix(at, 0))
			appendN(t, s, "T", 0, 1, 100, fmt.Sprint(i))
		}
		return s
	}
	ms := func(sec float64) int64 { return int64(sec * 1000) }
	v4 := build(protocol.Release498)
	for _, tc := range []struct {
		ts   int64
		want int64
	}{
		{ms(5), 0}, {ms(10), 0}, {ms(14), 1}, {ms(15), 1}, {ms(16), 2}, {ms(20), 2}, {ms(29), 4}, {ms(99), 4},
	} {
		if got := v4.SearchOffset("T", 0, tc.ts, BoundaryLower); got != tc.want {
			t.Errorf("4.9.8 at %d: %d, want %d", tc.ts, got, tc.want)
		}
	}
	v5 := build(protocol.Release533)
	for _, tc := range []struct {
		ts   int64
		b    BoundaryType
		want int64
	}{
		{ms(5), BoundaryLower, 0}, {ms(5), BoundaryUpper, 0},
		{ms(10), BoundaryLower, 0}, {ms(10), BoundaryUpper, 1},
		{ms(15), BoundaryLower, 2}, {ms(15), BoundaryUpper, 1},
		{ms(20), BoundaryLower, 2}, {ms(20), BoundaryUpper, 3},
		{ms(30), BoundaryLower, 4}, {ms(99), BoundaryLower, 5}, {ms(99), BoundaryUpper, 4},
	} {
		if got := v5.SearchOffset("T", 0, tc.ts, tc.b); got != tc.want {
			t.Errorf("5.x at %d boundary %d: %d, want %d", tc.ts, tc.b, got, tc.want)
		}
	}
	if v5.StoreTimestamp("T", 0, 4) != ms(30) || v5.StoreTimestamp("T", 0, 5) != -1 || v5.StoreTimestamp("X", 0, 0) != -1 {
		t.Error("StoreTimestamp")
	}
	if v5.SearchOffset("T", 3, 1, BoundaryLower) != 0 || v4.SearchOffset("X", 0, 1, BoundaryLower) != 0 {
		t.Error("empty queue not 0")
	}
	got := v5.ResetOffsetToTime("g", "T", ms(15))
	if got[0] != 2 || got[1] != 0 || len(got) != 4 {
		t.Errorf("ResetOffsetToTime = %v", got)
	}
}

func TestTopics(t *testing.T) {
	s, _ := newStore(t, protocol.Release533, nil)
	if _, created := s.EnsureTopic(RetryTopic("g"), 1); !created {
		t.Fatal("not created")
	}
	if info, created := s.EnsureTopic(RetryTopic("g"), 8); created || info.ReadQueueNums != 1 {
		t.Fatalf("re-ensure changed it: %+v %v", info, created)
	}
	s.Append("Big", 9, []Message{msg(100, "")})
	s.SetTopic(TopicInfo{Name: "Set", ReadQueueNums: 2, WriteQueueNums: 3, Perm: PermRead})
	var names []string
	for _, ti := range s.Topics() {
		names = append(names, fmt.Sprintf("%s/%d/%d", ti.Name, ti.ReadQueueNums, ti.Perm))
	}
	if want := []string{"%RETRY%g/1/6", "Big/10/6", "Set/2/4"}; !slices.Equal(names, want) {
		t.Fatalf("topics = %v, want %v", names, want)
	}
	if !IsRetryTopic("%RETRY%g") || IsRetryTopic("g") || DLQTopic("g") != "%DLQ%g" || !IsDLQTopic(DLQTopic("g")) {
		t.Fatal("retry/DLQ names")
	}
	s.CommitOffset("g", "Big", 9, 1)
	if !s.DeleteTopic("Big") || s.DeleteTopic("Big") || len(s.GroupOffsets("g")) != 0 || s.MaxOffset("Big", 9) != 0 {
		t.Fatal("DeleteTopic")
	}
}

func TestConcurrent(t *testing.T) {
	var woke sync.WaitGroup
	s, _ := newStore(t, protocol.Release533, func(o *Options) {
		o.MaxMessages = 500
		o.OnAppend = func(AppendEvent) { woke.Add(0) }
	})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				s.Append("T", int32(w), []Message{msg(120, "a")})
			}
		}(w)
		go func(w int) {
			defer wg.Done()
			next := int64(0)
			for i := 0; i < 500; i++ {
				res := s.GetMessage(GetRequest{Topic: "T", QueueID: int32(w), Offset: next, MaxMsgNums: 32})
				if res.Status == Found || res.Status == OffsetTooSmall {
					next = res.NextBeginOffset
				}
				s.CommitOffset("g", "T", int32(w), next)
				s.QueryConsumerOffset("g", "T", int32(w), nil)
				s.SearchOffset("T", int32(w), 0, BoundaryLower)
			}
		}(w)
	}
	wg.Wait()
	if st := s.Stats(); st.Messages != 500 || st.DroppedMessages != 1500 {
		t.Fatalf("stats = %+v", st)
	}
}

func BenchmarkAppend(b *testing.B) {
	s, _ := newStore(b, protocol.Release533, nil)
	m := []Message{msg(300, "a")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Append("T", int32(i&3), m)
	}
}

func BenchmarkGetMessage(b *testing.B) {
	s, _ := newStore(b, protocol.Release533, nil)
	appendN(b, s, "T", 0, 10_000, 300, "a")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := s.GetMessage(GetRequest{Topic: "T", Offset: int64(i*32) % 9_000, MaxMsgNums: 32})
		if len(res.Messages) != 32 {
			b.Fatal(res.Status)
		}
	}
}

func TestPutsSince(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	s := New(Options{Now: func() time.Time { return now }})
	for i := range 5 {
		now = now.Add(time.Second)
		if _, err := s.Append("T", 0, []Message{{MessageExt: protocol.MessageExt{Body: []byte{byte(i)}}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		since time.Duration
		want  int
	}{{0, 0}, {time.Second, 1}, {2500 * time.Millisecond, 3}, {time.Hour, 5}} {
		if got := s.PutsSince(now.Add(-tc.since)); got != tc.want {
			t.Errorf("PutsSince(now-%v) = %d, want %d", tc.since, got, tc.want)
		}
	}
}
