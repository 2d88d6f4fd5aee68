package protocol

import "fmt"

// TopicOffset is one queue's line of a TopicStatsTable.
type TopicOffset struct {
	MinOffset           int64 // "minOffset"
	MaxOffset           int64 // "maxOffset"
	LastUpdateTimestamp int64 // "lastUpdateTimestamp" (ms; 0 for an empty queue)
}

// TopicStatsTable is the GET_TOPIC_STATS_INFO (202) reply body.
type TopicStatsTable struct {
	OffsetTable map[MessageQueue]TopicOffset
}

// MarshalAs encodes t as the broker of the release does, with object keys
// (not JSON), 4.9.8 from a HashMap, 5.x from a ConcurrentHashMap:
//
//	{"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0}}}
func (t *TopicStatsTable) MarshalAs(r Release) []byte {
	w := fjWriter{b: make([]byte, 0, 24+120*len(t.OffsetTable))}
	w.open('{')
	w.key("offsetTable")
	writeOffsetTable(&w, r, t.OffsetTable, func(w *fjWriter, o TopicOffset) {
		w.open('{')
		w.intField("lastUpdateTimestamp", o.LastUpdateTimestamp)
		w.intField("maxOffset", o.MaxOffset)
		w.intField("minOffset", o.MinOffset)
		w.close('}')
	})
	w.close('}')
	return w.b
}

// DecodeTopicStatsTable decodes a GET_TOPIC_STATS_INFO reply body, with
// the offsetTable keys written as objects (fastjson) or as quoted JSON.
func DecodeTopicStatsTable(body []byte) (*TopicStatsTable, error) {
	const what = "TopicStatsTable"
	members, err := fjTopMembers(what, body)
	if err != nil {
		return nil, err
	}
	t := &TopicStatsTable{OffsetTable: map[MessageQueue]TopicOffset{}}
	for _, m := range members {
		if m.name != "offsetTable" {
			continue
		}
		err := fjObjectKeyed(m.value, func(q MessageQueue, raw []byte) error {
			var o topicOffsetWire
			if err := fjUnmarshal(raw, &o); err != nil {
				return err
			}
			t.OffsetTable[q] = TopicOffset(o)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: offsetTable: %w", what, err)
		}
	}
	return t, nil
}

type topicOffsetWire struct {
	MinOffset           int64 `json:"minOffset"`
	MaxOffset           int64 `json:"maxOffset"`
	LastUpdateTimestamp int64 `json:"lastUpdateTimestamp"`
}
