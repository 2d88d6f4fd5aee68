package controlapi

import (
	"net/http"
	"slices"

	"github.com/rocketmock/rocketmock/mockbroker"
)

// journal lists the kept journal entries, those after ?since=SEQ, the last
// ?limit=N of them.
func (h *Handler) journal(r *http.Request) (int, any, error) {
	since, _, err := queryInt(r, "since")
	if err != nil {
		return 0, nil, err
	}
	limit, hasLimit, err := queryInt(r, "limit")
	if err != nil {
		return 0, nil, err
	}
	entries := h.b.Journal()
	entries = slices.DeleteFunc(entries, func(e mockbroker.JournalEntry) bool { return e.Seq <= uint64(since) })
	if hasLimit && int64(len(entries)) > limit {
		entries = entries[int64(len(entries))-limit:]
	}
	out := Journal{Dropped: h.b.JournalDropped(), Entries: make([]JournalEntry, len(entries))}
	for i, e := range entries {
		j := JournalEntry{
			Seq: e.Seq, Time: formatTime(e.Time), TimeMs: e.Time.UnixMilli(), Conn: connJSON(e.Conn),
			Code: int32(e.Code), CodeName: e.Code.String(), Opaque: e.Opaque, Oneway: e.Oneway,
			Outcome: e.Outcome.String(), Remark: e.Remark, Intercepted: e.Intercepted,
			DelayMs: e.Delay.Milliseconds(), DurationUs: e.Duration.Microseconds(), Denied: e.Denied,
			Messages: e.Messages,
		}
		if e.Outcome == mockbroker.OutcomeReplied || e.Outcome == mockbroker.OutcomeTruncated || e.Outcome == mockbroker.OutcomeAnswered ||
			e.Outcome == mockbroker.OutcomeIgnored {
			res := int32(e.Result)
			j.Result, j.ResultName = &res, e.Result.String()
		}
		if e.Outcome == mockbroker.OutcomeIgnored {
			j.CodeName = ""
		}
		out.Entries[i] = j
	}
	return http.StatusOK, out, nil
}

func (h *Handler) clearJournal(r *http.Request) (int, any, error) {
	h.b.ClearJournal()
	return http.StatusOK, Cleared{true}, nil
}
