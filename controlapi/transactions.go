package controlapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rocketmock/rocketmock/mockbroker"
)

func endTransactionJSON(e mockbroker.EndTransaction) EndTransaction {
	return EndTransaction{
		Seq: e.Seq, Group: e.Group, ClientID: e.ClientID, Addr: e.Addr, Topic: e.Topic, MsgID: e.MsgID,
		TransactionID: e.TransactionID, CommitLogOffset: e.CommitLogOffset, TranStateTableOffset: e.TranStateTableOffset,
		State: e.State.String(), FromCheck: e.FromCheck, Remark: e.Remark, Time: formatTime(e.Time), TimeMs: e.Time.UnixMilli(),
	}
}

// transactions lists the kept END_TRANSACTION requests.
func (h *Handler) transactions(r *http.Request) (int, any, error) {
	out := EndTransactionList{EndTransactions: []EndTransaction{}}
	for _, e := range h.b.EndTransactions() {
		out.EndTransactions = append(out.EndTransactions, endTransactionJSON(e))
	}
	return http.StatusOK, out, nil
}

// checkTransaction sends CHECK_TRANSACTION_STATE for a kept message to a
// producer of the group: {"msgId": "...", "waitMs": 5000}. With waitMs it
// also waits for the producer's END_TRANSACTION.
func (h *Handler) checkTransaction(r *http.Request) (int, any, error) {
	const example = `{"msgId": "<UNIQ_KEY or offset msg id>", "waitMs": 5000}`
	var req CheckTransactionRequest
	if err := decodeBody(r, &req, true, example); err != nil {
		return 0, nil, err
	}
	if req.MsgID == "" {
		return 0, nil, requestErr(http.StatusBadRequest, "\"msgId\": missing: want JSON such as %s", example)
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if req.WaitMs != nil {
		var err error
		if ctx, cancel, err = waitContext(r, req.WaitMs); err != nil {
			return 0, nil, err
		}
		defer cancel()
	}
	msgs := h.b.Messages("")
	var msg *mockbroker.Message
	for j := len(msgs) - 1; j >= 0; j-- {
		if msgs[j].MsgID == req.MsgID || msgs[j].OffsetMsgID == req.MsgID {
			msg = &msgs[j]
			break
		}
	}
	if msg == nil {
		return 0, nil, &causeError{fmt.Sprintf("no kept message has msgId or offsetMsgId %q", req.MsgID), mockbroker.ErrUnknownMessage}
	}
	group := r.PathValue("group")
	tc, err := h.b.CheckTransaction(group, *msg)
	if err != nil {
		return 0, nil, err
	}
	out := TransactionCheck{Group: group, Conn: connJSON(tc.Conn), MsgID: msg.MsgID}
	if ctx != nil {
		e, err := tc.Wait(ctx)
		if err != nil {
			return 0, nil, fmt.Errorf("the check went to %s; waiting for its END_TRANSACTION: %w", tc.Conn.Addr, err)
		}
		ej := endTransactionJSON(e)
		out.EndTransaction = &ej
	}
	return http.StatusOK, out, nil
}

func connJSON(ci mockbroker.ConnInfo) Conn { return Conn{ci.ID, ci.Addr, ci.ClientID} }
