package protocol

// RequestCode identifies what a request asks for (Java RequestCode).
type RequestCode int32

// Request codes a producer, admin tool, broker or name server sends.
const (
	SendMessage                   RequestCode = 10
	PullMessage                   RequestCode = 11
	QueryMessage                  RequestCode = 12
	QueryConsumerOffset           RequestCode = 14
	UpdateConsumerOffset          RequestCode = 15
	UpdateAndCreateTopic          RequestCode = 17
	GetAllTopicConfig             RequestCode = 21
	UpdateBrokerConfig            RequestCode = 25
	GetBrokerConfig               RequestCode = 26
	GetBrokerRuntimeInfo          RequestCode = 28
	SearchOffsetByTimestamp       RequestCode = 29
	GetMaxOffset                  RequestCode = 30
	GetMinOffset                  RequestCode = 31
	ViewMessageByID               RequestCode = 33
	HeartBeat                     RequestCode = 34
	UnregisterClient              RequestCode = 35
	ConsumerSendMsgBack           RequestCode = 36
	EndTransaction                RequestCode = 37
	GetConsumerListByGroup        RequestCode = 38
	CheckTransactionState         RequestCode = 39
	NotifyConsumerIDsChanged      RequestCode = 40
	LockBatchMQ                   RequestCode = 41
	UnlockBatchMQ                 RequestCode = 42
	GetAllConsumerOffset          RequestCode = 43
	GetAllDelayOffset             RequestCode = 45
	CheckClientConfig             RequestCode = 46
	RegisterBroker                RequestCode = 103
	GetRouteInfoByTopic           RequestCode = 105
	GetBrokerClusterInfo          RequestCode = 106
	UpdateAndCreateSubscription   RequestCode = 200
	GetAllSubscriptionGroupConfig RequestCode = 201
	GetTopicStatsInfo             RequestCode = 202
	GetConsumerConnectionList     RequestCode = 203
	GetProducerConnectionList     RequestCode = 204
	GetConsumeStats               RequestCode = 208
	GetAllTopicListFromNameServer RequestCode = 206
	DeleteSubscriptionGroup       RequestCode = 207
	DeleteTopicInBroker           RequestCode = 215
	DeleteTopicInNamesrv          RequestCode = 216
	ResetConsumerClientOffset     RequestCode = 220
	GetConsumerStatusFromClient   RequestCode = 221
	GetTopicsByCluster            RequestCode = 224
	GetConsumerRunningInfo        RequestCode = 307
	ConsumeMessageDirectly        RequestCode = 309
	SendMessageV2                 RequestCode = 310
	GetBrokerConsumeStats         RequestCode = 317
	GetNamesrvConfig              RequestCode = 319
	SendBatchMessage              RequestCode = 320
	QueryDataVersion              RequestCode = 322
	SendReplyMessage              RequestCode = 324
	SendReplyMessageV2            RequestCode = 325
	PushReplyMessageToClient      RequestCode = 326
	GetAllProducerInfo            RequestCode = 328
	GetTopicConfig                RequestCode = 351
	QueryAssignment               RequestCode = 400
	GetBrokerMemberGroup          RequestCode = 901
	PopMessage                    RequestCode = 200050
	AckMessage                    RequestCode = 200051
)

var requestCodeNames = map[RequestCode]string{
	SendMessage: "SEND_MESSAGE", PullMessage: "PULL_MESSAGE", QueryMessage: "QUERY_MESSAGE",
	QueryConsumerOffset: "QUERY_CONSUMER_OFFSET", UpdateConsumerOffset: "UPDATE_CONSUMER_OFFSET",
	UpdateAndCreateTopic: "UPDATE_AND_CREATE_TOPIC", GetAllTopicConfig: "GET_ALL_TOPIC_CONFIG",
	GetBrokerConfig: "GET_BROKER_CONFIG", GetBrokerRuntimeInfo: "GET_BROKER_RUNTIME_INFO",
	SearchOffsetByTimestamp: "SEARCH_OFFSET_BY_TIMESTAMP", GetMaxOffset: "GET_MAX_OFFSET",
	GetMinOffset: "GET_MIN_OFFSET", ViewMessageByID: "VIEW_MESSAGE_BY_ID", HeartBeat: "HEART_BEAT",
	UnregisterClient: "UNREGISTER_CLIENT", ConsumerSendMsgBack: "CONSUMER_SEND_MSG_BACK",
	EndTransaction: "END_TRANSACTION", GetConsumerListByGroup: "GET_CONSUMER_LIST_BY_GROUP",
	CheckTransactionState: "CHECK_TRANSACTION_STATE", NotifyConsumerIDsChanged: "NOTIFY_CONSUMER_IDS_CHANGED",
	LockBatchMQ: "LOCK_BATCH_MQ", UnlockBatchMQ: "UNLOCK_BATCH_MQ", GetAllConsumerOffset: "GET_ALL_CONSUMER_OFFSET",
	GetAllDelayOffset: "GET_ALL_DELAY_OFFSET", CheckClientConfig: "CHECK_CLIENT_CONFIG",
	RegisterBroker: "REGISTER_BROKER", GetRouteInfoByTopic: "GET_ROUTEINFO_BY_TOPIC",
	GetBrokerClusterInfo: "GET_BROKER_CLUSTER_INFO", UpdateAndCreateSubscription: "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP",
	GetAllSubscriptionGroupConfig: "GET_ALL_SUBSCRIPTIONGROUP_CONFIG", GetTopicStatsInfo: "GET_TOPIC_STATS_INFO",
	GetConsumerConnectionList: "GET_CONSUMER_CONNECTION_LIST", GetProducerConnectionList: "GET_PRODUCER_CONNECTION_LIST",
	GetConsumeStats:               "GET_CONSUME_STATS",
	GetAllTopicListFromNameServer: "GET_ALL_TOPIC_LIST_FROM_NAMESERVER", ResetConsumerClientOffset: "RESET_CONSUMER_CLIENT_OFFSET",
	GetConsumerStatusFromClient: "GET_CONSUMER_STATUS_FROM_CLIENT", GetTopicsByCluster: "GET_TOPICS_BY_CLUSTER",
	GetConsumerRunningInfo: "GET_CONSUMER_RUNNING_INFO", ConsumeMessageDirectly: "CONSUME_MESSAGE_DIRECTLY",
	SendMessageV2: "SEND_MESSAGE_V2", GetBrokerConsumeStats: "GET_BROKER_CONSUME_STATS",
	GetNamesrvConfig: "GET_NAMESRV_CONFIG", SendBatchMessage: "SEND_BATCH_MESSAGE", QueryDataVersion: "QUERY_DATA_VERSION",
	SendReplyMessage: "SEND_REPLY_MESSAGE", SendReplyMessageV2: "SEND_REPLY_MESSAGE_V2",
	PushReplyMessageToClient: "PUSH_REPLY_MESSAGE_TO_CLIENT", GetAllProducerInfo: "GET_ALL_PRODUCER_INFO",
	GetTopicConfig: "GET_TOPIC_CONFIG", QueryAssignment: "QUERY_ASSIGNMENT", GetBrokerMemberGroup: "GET_BROKER_MEMBER_GROUP",
	PopMessage: "POP_MESSAGE", AckMessage: "ACK_MESSAGE",
	UpdateBrokerConfig: "UPDATE_BROKER_CONFIG", DeleteSubscriptionGroup: "DELETE_SUBSCRIPTIONGROUP",
	DeleteTopicInBroker: "DELETE_TOPIC_IN_BROKER", DeleteTopicInNamesrv: "DELETE_TOPIC_IN_NAMESRV",
}

// String returns the Java constant name, or "RequestCode(N)".
func (c RequestCode) String() string {
	if n, ok := requestCodeNames[c]; ok {
		return n
	}
	return "RequestCode(" + itoa(int64(c)) + ")"
}

// ResponseCode is the outcome a response reports (Java ResponseCode and
// RemotingSysResponseCode).
type ResponseCode int32

// Response codes.
const (
	Success                    ResponseCode = 0
	SystemError                ResponseCode = 1
	SystemBusy                 ResponseCode = 2
	RequestCodeNotSupported    ResponseCode = 3
	TransactionFailed          ResponseCode = 4
	FlushDiskTimeout           ResponseCode = 10
	SlaveNotAvailable          ResponseCode = 11
	FlushSlaveTimeout          ResponseCode = 12
	MessageIllegal             ResponseCode = 13
	ServiceNotAvailable        ResponseCode = 14
	VersionNotSupported        ResponseCode = 15
	NoPermission               ResponseCode = 16
	TopicNotExist              ResponseCode = 17
	TopicExistAlready          ResponseCode = 18
	PullNotFound               ResponseCode = 19
	PullRetryImmediately       ResponseCode = 20
	PullOffsetMoved            ResponseCode = 21
	QueryNotFound              ResponseCode = 22
	SubscriptionParseFailed    ResponseCode = 23
	SubscriptionNotExist       ResponseCode = 24
	SubscriptionNotLatest      ResponseCode = 25
	SubscriptionGroupNotExist  ResponseCode = 26
	InvalidParameter           ResponseCode = 29
	TransactionShouldCommit    ResponseCode = 200
	TransactionShouldRollback  ResponseCode = 201
	TransactionStateUnknow     ResponseCode = 202
	TransactionStateGroupWrong ResponseCode = 203
	NoBuyerID                  ResponseCode = 204
	NotInCurrentUnit           ResponseCode = 205
	ConsumerNotOnline          ResponseCode = 206
	ConsumeMsgTimeout          ResponseCode = 207
	NoMessage                  ResponseCode = 208
	FlowControl                ResponseCode = 215
	NotLeaderForQueue          ResponseCode = 501
	IllegalOperation           ResponseCode = 604
	GoAway                     ResponseCode = 1500
)

var responseCodeNames = map[ResponseCode]string{
	Success: "SUCCESS", SystemError: "SYSTEM_ERROR", SystemBusy: "SYSTEM_BUSY",
	RequestCodeNotSupported: "REQUEST_CODE_NOT_SUPPORTED", TransactionFailed: "TRANSACTION_FAILED",
	FlushDiskTimeout: "FLUSH_DISK_TIMEOUT", SlaveNotAvailable: "SLAVE_NOT_AVAILABLE",
	FlushSlaveTimeout: "FLUSH_SLAVE_TIMEOUT", MessageIllegal: "MESSAGE_ILLEGAL",
	ServiceNotAvailable: "SERVICE_NOT_AVAILABLE", VersionNotSupported: "VERSION_NOT_SUPPORTED",
	NoPermission: "NO_PERMISSION", TopicNotExist: "TOPIC_NOT_EXIST", TopicExistAlready: "TOPIC_EXIST_ALREADY",
	PullNotFound: "PULL_NOT_FOUND", PullRetryImmediately: "PULL_RETRY_IMMEDIATELY",
	PullOffsetMoved: "PULL_OFFSET_MOVED", QueryNotFound: "QUERY_NOT_FOUND",
	SubscriptionParseFailed: "SUBSCRIPTION_PARSE_FAILED", SubscriptionNotExist: "SUBSCRIPTION_NOT_EXIST",
	SubscriptionNotLatest: "SUBSCRIPTION_NOT_LATEST", SubscriptionGroupNotExist: "SUBSCRIPTION_GROUP_NOT_EXIST",
	InvalidParameter: "INVALID_PARAMETER", TransactionShouldCommit: "TRANSACTION_SHOULD_COMMIT",
	TransactionShouldRollback: "TRANSACTION_SHOULD_ROLLBACK", TransactionStateUnknow: "TRANSACTION_STATE_UNKNOW",
	TransactionStateGroupWrong: "TRANSACTION_STATE_GROUP_WRONG", NoBuyerID: "NO_BUYER_ID",
	NotInCurrentUnit: "NOT_IN_CURRENT_UNIT", ConsumerNotOnline: "CONSUMER_NOT_ONLINE",
	ConsumeMsgTimeout: "CONSUME_MSG_TIMEOUT", NoMessage: "NO_MESSAGE", FlowControl: "FLOW_CONTROL",
	NotLeaderForQueue: "NOT_LEADER_FOR_QUEUE", IllegalOperation: "ILLEGAL_OPERATION", GoAway: "GO_AWAY",
}

// String returns the Java constant name, or "ResponseCode(N)".
func (c ResponseCode) String() string {
	if n, ok := responseCodeNames[c]; ok {
		return n
	}
	return "ResponseCode(" + itoa(int64(c)) + ")"
}
