package protocol

import (
	"fmt"
	"time"
)

// Release is the Apache RocketMQ release a broker, name server or client
// imitates where releases differ. The zero value is Release533.
type Release uint8

const (
	// Release533 is RocketMQ 5.x as of 5.3.3.
	Release533 Release = iota
	// Release498 is RocketMQ 4.9.8 (the 4.9.4 to 4.9.8 line).
	Release498
)

// String returns "5" or "4.9", the names ParseRelease accepts and the
// --compat flag and the control API's health report use.
func (r Release) String() string {
	switch r {
	case Release533:
		return "5"
	case Release498:
		return "4.9"
	}
	return "Release(" + itoa(int64(r)) + ")"
}

// ReleaseError reports a release name ParseRelease does not know.
type ReleaseError struct{ Name string }

func (e *ReleaseError) Error() string {
	return fmt.Sprintf("compat %q: want 5 or 4.9", e.Name)
}

// ParseRelease parses "5" or "4.9", or a full version of either line such
// as "5.3.3" or "4.9.8". Other names give a *ReleaseError.
func ParseRelease(s string) (Release, error) {
	switch {
	case s == "5" || len(s) > 2 && s[:2] == "5.":
		return Release533, nil
	case s == "4.9" || len(s) > 4 && s[:4] == "4.9.":
		return Release498, nil
	}
	return 0, &ReleaseError{Name: s}
}

// Version is the release's MQVersion.CURRENT_VERSION, which its broker
// writes in replies and its clients and admin tools in requests.
func (r Release) Version() MQVersion {
	if r == Release498 {
		return V4_9_8
	}
	return V5_3_3
}

// VersionPrefix is the name prefix every version of the release's line
// has: "V5_" or "V4_9_".
func (r Release) VersionPrefix() string {
	if r == Release498 {
		return "V4_9_"
	}
	return "V5_"
}

// ExtFieldsTable is the Java HashMap size of the extFields a broker of the
// release writes (see Command.ExtFieldsTable): 5.x's addExtField makes a
// HashMap(256), 4.9.8 a default one.
func (r Release) ExtFieldsTable() int {
	if r == Release498 {
		return 0
	}
	return JavaAddExtFieldTable
}

// HasV5BodyFields reports whether the release's body classes have the
// properties 5.x added: BrokerData's enableActingMaster and zoneName,
// HeartbeatData's heartbeatFingerprint and withoutSub, OffsetWrapper's
// pullOffset and LockBatchRequestBody's onlyThisBroker.
func (r Release) HasV5BodyFields() bool { return r != Release498 }

// FAQURL is where the release's remarks and mqadmin's error reports send
// users (FAQUrl.DEFAULT_FAQ_URL, also UNEXPECTED_EXCEPTION_URL).
func (r Release) FAQURL() string {
	if r == Release498 {
		return "http://rocketmq.apache.org/docs/faq/"
	}
	return "https://rocketmq.apache.org/docs/bestPractice/06FAQ"
}

// KeepsEmptiedProducerGroups reports whether the broker's ProducerManager
// keeps a group whose last producer closed or expired (4.9.8: it then
// answers GET_PRODUCER_CONNECTION_LIST with an empty set) instead of
// removing it (5.x: "the producer group[...] not exist").
func (r Release) KeepsEmptiedProducerGroups() bool { return r == Release498 }

// HeartbeatReplyExtFields returns a new copy of the extFields of the
// broker's reply to a HEART_BEAT: 5.x says it supports heartbeat v2;
// 4.9.8 sends none (nil).
func (r Release) HeartbeatReplyExtFields() map[string]string {
	if r == Release498 {
		return nil
	}
	return map[string]string{"IS_SUPPORT_HEART_BEAT_V2": "true", "IS_SUB_CHANGE": "true"}
}

// ClientHeartbeatHasExtFields reports whether a Java client of the release
// sends its HEART_BEAT with "extFields":{} (5.x) rather than none (4.9.8).
func (r Release) ClientHeartbeatHasExtFields() bool { return r != Release498 }

// IllegalQueueIDCode is the code a send to a queue id beyond the topic's
// write queues gets: INVALID_PARAMETER in 5.x, SYSTEM_ERROR in 4.9.8.
func (r Release) IllegalQueueIDCode() ResponseCode {
	if r == Release498 {
		return SystemError
	}
	return InvalidParameter
}

// SendReplyHasTransactionID reports whether the broker's reply to a single
// (not batch) send carries the message's UNIQ_KEY as transactionId (5.x).
func (r Release) SendReplyHasTransactionID() bool { return r != Release498 }

// CheckTransactionNamesHalfTopic reports whether CHECK_TRANSACTION_STATE
// headers carry the half topic and the broker name (5.x).
func (r Release) CheckTransactionNamesHalfTopic() bool { return r != Release498 }

// RuntimeInfoTransferredKey is the key of the transferred-TPS statistic in
// GET_BROKER_RUNTIME_INFO: 4.9.8 spells it "getTransferedTps".
func (r Release) RuntimeInfoTransferredKey() string {
	if r == Release498 {
		return "getTransferedTps"
	}
	return "getTransferredTps"
}

// HasPopAndTimer reports whether the broker has 5.x's pop consumption and
// timer wheel, whose statistics GET_BROKER_RUNTIME_INFO then includes
// (ackThreadPool*, timer*).
func (r Release) HasPopAndTimer() bool { return r != Release498 }

// RepliesInRequestSerialize reports whether the broker answers in the
// request's header serialize type (4.9.4 to 4.9.8) rather than its
// configured default (5.x; JSON unless changed).
func (r Release) RepliesInRequestSerialize() bool { return r == Release498 }

// PullReplyHasSysFlags reports whether the broker's PULL_MESSAGE replies
// that read the queue carry the topic's and group's sysFlags
// (PullMessageResponseHeader topicSysFlag and groupSysFlag, 5.x).
func (r Release) PullReplyHasSysFlags() bool { return r != Release498 }

// DetectsConnectionPreface reports whether the remoting server inspects
// the first bytes of a connection before framing them (5.x's
// HandshakeHandler: it waits for 12 bytes, then reads a HAProxy PROXY
// header if one starts there) rather than framing from the first byte
// (4.9.8).
func (r Release) DetectsConnectionPreface() bool { return r != Release498 }

// TransactionCheckInterval is BrokerConfig.transactionCheckInterval, how
// often the broker checks half messages: 30 s in 5.3.3, 60 s in 4.9.8.
func (r Release) TransactionCheckInterval() time.Duration {
	if r == Release498 {
		return 60 * time.Second
	}
	return 30 * time.Second
}

// TransactionTimeout is BrokerConfig.transactionTimeOut, the age from which
// a half message is checked: 6 s in both releases.
func (r Release) TransactionTimeout() time.Duration { return 6 * time.Second }

// TransactionCheckMax is BrokerConfig.transactionCheckMax, the checks a half
// message gets before it is discarded: 15 in both releases.
func (r Release) TransactionCheckMax() int { return 15 }
