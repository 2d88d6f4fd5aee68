package store

import (
	"slices"
	"strings"

	"github.com/rocketmock/rocketmock/protocol"
)

// offsetKey is ConsumerOffsetManager's "topic@group".
func offsetKey(topic, group string) string { return topic + "@" + group }

// splitKey splits "topic@group" at the first '@' (topics cannot hold one).
func splitKey(k string) (topic, group string, ok bool) {
	return strings.Cut(k, "@")
}

// MaxOffset is getMaxOffsetInQueue (GET_MAX_OFFSET): the next offset to
// be written; 0 for an unknown queue.
func (s *Store) MaxOffset(topic string, queueID int32) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queueLocked(topic, queueID); q != nil {
		return q.max()
	}
	return 0
}

// MinOffset is getMinOffsetInQueue (GET_MIN_OFFSET): the first offset
// still held; 0 for an unknown queue.
func (s *Store) MinOffset(topic string, queueID int32) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.queueLocked(topic, queueID); q != nil {
		return q.min
	}
	return 0
}

// CommitOffset is UPDATE_CONSUMER_OFFSET (and the commit offset a pull
// carries): ConsumerOffsetManager.commitOffset, which stores any value,
// lower ones included. 5.x ignores it while a broker-side reset of that
// queue is pending (it reports false then).
func (s *Store) CommitOffset(group, topic string, queueID int32, offset int64) bool {
	s.mu.Lock()
	k := offsetKey(topic, group)
	if s.v5() {
		if _, pending := s.resets[k][queueID]; pending {
			s.mu.Unlock()
			return false
		}
	}
	s.setOffsetLocked(k, queueID, offset)
	s.mu.Unlock()
	s.committed(group)
	return true
}

// committed reports a change of group's committed offsets (OnCommit).
func (s *Store) committed(group string) {
	if s.opts.OnCommit != nil {
		s.opts.OnCommit(group)
	}
}

// deleteOffsetsLocked forgets the committed offsets, and pending resets,
// of every topic@group that match picks.
func (s *Store) deleteOffsetsLocked(match func(topic, group string) bool) {
	for k := range s.offsets {
		if t, g, _ := splitKey(k); match(t, g) {
			delete(s.offsets, k)
			delete(s.resets, k)
		}
	}
}

func (s *Store) v5() bool { return s.opts.Release != protocol.Release498 }

func (s *Store) setOffsetLocked(k string, queueID int32, offset int64) {
	m := s.offsets[k]
	if m == nil {
		m = map[int32]int64{}
		s.offsets[k] = m
	}
	m[queueID] = offset
}

// Offset is ConsumerOffsetManager.queryOffset: the committed offset (5.x:
// a pending reset first), or false where Java answers -1.
func (s *Store) Offset(group, topic string, queueID int32) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offsetLocked(group, topic, queueID)
}

func (s *Store) offsetLocked(group, topic string, queueID int32) (int64, bool) {
	k := offsetKey(topic, group)
	if s.v5() {
		if o, ok := s.resets[k][queueID]; ok {
			return o, true
		}
	}
	o, ok := s.offsets[k][queueID]
	return o, ok
}

// OffsetAnswer is what QUERY_CONSUMER_OFFSET (14) answers: Code is
// SUCCESS with Offset, or QUERY_NOT_FOUND (22) with Remark.
type OffsetAnswer struct {
	Code   protocol.ResponseCode
	Offset int64
	Remark string
}

// Remarks of QUERY_NOT_FOUND.
const (
	RemarkOffsetNotFound = "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first"
	RemarkNotSetZero     = "Not found, do not set to zero, maybe this group boot first"
)

// QueryConsumerOffset is ConsumerManageProcessor.queryConsumerOffset.
// With no committed offset, 4.9.8 answers 0 when the queue's min offset
// is <= 0 and message 0 is not "in disk" (always, in memory; an empty or
// unknown queue included), else QUERY_NOT_FOUND. 5.x answers
// QUERY_NOT_FOUND when setZeroIfNotFound is false, 0 when the min offset
// is <= 0 and message 0 is held in memory (so not for an empty queue),
// else QUERY_NOT_FOUND. setZeroIfNotFound nil means absent (true).
func (s *Store) QueryConsumerOffset(group, topic string, queueID int32, setZeroIfNotFound *bool) OffsetAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.offsetLocked(group, topic, queueID); ok && o >= 0 {
		return OffsetAnswer{Code: protocol.Success, Offset: o}
	}
	q := s.queueLocked(topic, queueID)
	if q == nil {
		q = &queue{}
	}
	notFound := OffsetAnswer{Code: protocol.QueryNotFound, Remark: RemarkOffsetNotFound}
	if !s.v5() {
		if q.min <= 0 {
			return OffsetAnswer{Code: protocol.Success}
		}
		return notFound
	}
	if setZeroIfNotFound != nil && !*setZeroIfNotFound {
		return OffsetAnswer{Code: protocol.QueryNotFound, Remark: RemarkNotSetZero}
	}
	if q.min <= 0 && len(q.entries) > 0 && !q.entries[0].removed {
		return OffsetAnswer{Code: protocol.Success}
	}
	return notFound
}

// ResetOffset sets a group's offset of one queue, as the admin reset does.
// On 5.x (useServerSideResetOffset) the reset is also pending: the next
// pull of that queue answers OFFSET_RESET (see TakeReset) and commits are
// ignored until then. Negative offsets are refused (false).
func (s *Store) ResetOffset(group, topic string, queueID int32, offset int64) bool {
	if offset < 0 || topic == "" || group == "" || queueID < 0 {
		return false
	}
	s.mu.Lock()
	k := offsetKey(topic, group)
	if s.v5() {
		m := s.resets[k]
		if m == nil {
			m = map[int32]int64{}
			s.resets[k] = m
		}
		m[queueID] = offset
	}
	s.setOffsetLocked(k, queueID, offset)
	s.mu.Unlock()
	s.committed(group)
	return true
}

// ResetOffsetToTime resets every queue of topic for group to the offset
// SearchOffset finds for the timestamp (ms), with the 5.x lower bound,
// and returns the offsets by queue id.
func (s *Store) ResetOffsetToTime(group, topic string, timestampMs int64) map[int32]int64 {
	s.mu.Lock()
	var ids []int32
	if t := s.topics[topic]; t != nil {
		for id := int32(0); id < t.info.ReadQueueNums; id++ {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	out := make(map[int32]int64, len(ids))
	for _, id := range ids {
		o := s.SearchOffset(topic, id, timestampMs, BoundaryLower)
		s.ResetOffset(group, topic, id, o)
		out[id] = o
	}
	return out
}

// TakeReset is 5.x queryThenEraseResetOffset, which a pull calls first:
// a pending reset of the queue, removed as it is returned. The pull then
// answers OFFSET_RESET with the offset as nextBeginOffset. Never found on
// 4.9.8.
func (s *Store) TakeReset(group, topic string, queueID int32) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := offsetKey(topic, group)
	o, ok := s.resets[k][queueID]
	if ok {
		delete(s.resets[k], queueID)
		if len(s.resets[k]) == 0 {
			delete(s.resets, k)
		}
	}
	return o, ok
}

// GroupOffsets returns a group's committed offsets: topic -> queue ->
// offset.
func (s *Store) GroupOffsets(group string) map[string]map[int32]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]map[int32]int64{}
	for k, m := range s.offsets {
		t, g, _ := splitKey(k)
		if g != group {
			continue
		}
		c := make(map[int32]int64, len(m))
		for q, o := range m {
			c[q] = o
		}
		out[t] = c
	}
	return out
}

// OffsetGroups returns the groups with committed offsets, sorted; with a
// topic, only those with offsets in it (GET_CONSUME_STATS takes topics
// from committed offsets).
func (s *Store) OffsetGroups(topic string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]struct{}{}
	for k := range s.offsets {
		t, g, _ := splitKey(k)
		if topic == "" || t == topic {
			set[g] = struct{}{}
		}
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}

// BoundaryType is 5.x's SEARCH_OFFSET_BY_TIMESTAMP boundaryType.
type BoundaryType uint8

// Boundaries. 4.9.8 has neither: it returns the entry whose store time is
// nearest.
const (
	BoundaryLower BoundaryType = iota // first offset stored at or after the time (the 5.x default)
	BoundaryUpper                     // last offset stored at or before the time
)

// SearchOffset is getOffsetInQueueByTime (SEARCH_OFFSET_BY_TIMESTAMP) with
// the release's binary search over the queue's store timestamps (ms):
// 4.9.8 the nearest entry (the earlier on a tie, the last entry when all
// are older); 5.x the given boundary. 0 for an empty queue.
func (s *Store) SearchOffset(topic string, queueID int32, timestampMs int64, b BoundaryType) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(topic, queueID)
	if q == nil || len(q.entries) == 0 {
		return 0
	}
	minPhys := s.minPhysLocked()
	if s.v5() {
		return searchV5(q, timestampMs, b, minPhys)
	}
	return searchV4(q, timestampMs, minPhys)
}

// storeTime is pickupStoreTimestamp: -1 when the body is gone.
func storeTime(e *entry) int64 {
	if e.removed {
		return -1
	}
	return e.msg.StoreTimestamp.UnixMilli()
}

// searchV4 is 4.9.8 ConsumeQueue.getOffsetInQueueByTime over one file.
func searchV4(q *queue, ts, minPhys int64) int64 {
	low, high := q.min, q.max()-1
	target, left, right := int64(-1), int64(-1), int64(-1)
	leftV, rightV := int64(-1), int64(-1)
	for high >= low {
		mid := (low + high) / 2
		e := q.entries[mid-q.min]
		if e.msg.CommitLogOffset < minPhys {
			low, left = mid+1, mid
			continue
		}
		st := storeTime(e)
		switch {
		case st < 0:
			return 0
		case st == ts:
			target = mid
		case st > ts:
			high, right, rightV = mid-1, mid, st
		default:
			low, left, leftV = mid+1, mid, st
		}
		if target != -1 {
			break
		}
	}
	switch {
	case target != -1:
		return target
	case leftV == -1:
		return right
	case rightV == -1:
		return left
	case abs(ts-leftV) > abs(ts-rightV):
		return right
	}
	return left
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// searchV5 is 5.3.3 ConsumeQueue.binarySearchInQueueByTime over the file
// holding the queue's min offset.
func searchV5(q *queue, ts int64, b BoundaryType, minPhys int64) int64 {
	fileFrom := q.min - q.min%CQEntriesPerFile
	floor, ceiling := q.min, q.max()-1
	at := func(o int64) *entry { return q.entries[o-q.min] }
	if storeTime(at(ceiling)) < ts {
		if b == BoundaryLower {
			return ceiling + 1
		}
		return ceiling
	}
	if storeTime(at(floor)) > ts {
		if b == BoundaryLower {
			return fileFrom
		}
		return 0
	}
	low, high := floor, ceiling
	target, left, right := int64(-1), int64(-1), int64(-1)
	for high >= low {
		mid := (low + high) / 2
		e := at(mid)
		if e.msg.CommitLogOffset < minPhys {
			low, left = mid+1, mid
			continue
		}
		st := storeTime(e)
		if st < 0 {
			return 0
		} else if st == ts {
			target = mid
			break
		} else if st > ts {
			high, right = mid-1, mid
		} else {
			low, left = mid+1, mid
		}
	}
	if target != -1 {
		o := target
		if b == BoundaryLower {
			for o-1 >= floor && storeTime(at(o-1)) == ts {
				o--
			}
		} else {
			for o+1 <= ceiling && storeTime(at(o+1)) == ts {
				o++
			}
		}
		return o
	}
	if b == BoundaryLower {
		return max(right, 0)
	}
	return max(left, 0)
}

// StoreTimestamp is getMessageStoreTimeStamp: the store time (ms) of the
// message at a queue offset, or -1 when it is not held (GET_CONSUME_STATS
// reports it for consumerOffset-1 as lastTimestamp when > 0).
func (s *Store) StoreTimestamp(topic string, queueID int32, offset int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queueLocked(topic, queueID)
	if q == nil || offset < q.min || offset >= q.max() {
		return -1
	}
	return storeTime(q.entries[offset-q.min])
}
