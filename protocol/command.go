package protocol

// SerializeType says how a frame's header is encoded: the high byte of the
// frame's second int32.
type SerializeType byte

const (
	// JSON is the fastjson-compatible text header (RocketMQ's default).
	JSON SerializeType = 0
	// RocketMQ is the compact binary header (RocketMQSerializable).
	RocketMQ SerializeType = 1
)

// String returns the name Java uses for the type.
func (s SerializeType) String() string {
	switch s {
	case JSON:
		return "JSON"
	case RocketMQ:
		return "ROCKETMQ"
	}
	return "SerializeType(" + itoa(int64(s)) + ")"
}

// Flag bits of a command.
const (
	FlagResponse int32 = 1 << 0 // the command answers a request with the same opaque
	FlagOneway   int32 = 1 << 1 // the sender expects no reply
)

// Command is one remoting command, request or response.
//
// Remark "" means no remark (the binary header cannot carry an empty one
// either). ExtFields nil means absent; an empty non-nil map is written as
// "extFields":{}. Body nil means no body.
type Command struct {
	Code      int32
	Language  LanguageCode
	Version   MQVersion
	Opaque    int32
	Flag      int32
	Remark    string
	ExtFields map[string]string
	Body      []byte
	// Serialize is the header encoding the command arrived in or is to be
	// written in.
	Serialize SerializeType
	// ExtFieldsTable is the initial capacity of the Java HashMap whose
	// iteration order extFields are written in (rounded up to a power of two
	// as Java does): 0 means 16 (new HashMap()); 5.x's addExtField makes
	// HashMap(256). It only orders keys on the wire.
	ExtFieldsTable int
}

// JavaAddExtFieldTable is the HashMap size 5.x's RemotingCommand.addExtField
// creates; 4.9.8 uses the default (0).
const JavaAddExtFieldTable = 256

// IsResponse reports whether the response bit is set.
func (c *Command) IsResponse() bool { return c.Flag&FlagResponse != 0 }

// IsOneway reports whether the oneway bit is set: such a request gets no reply.
func (c *Command) IsOneway() bool { return c.Flag&FlagOneway != 0 }

// NewResponse returns a response to req: same opaque and serialize type,
// the response bit set, language JAVA. The caller sets Version (the
// server's own) before writing it.
func NewResponse(req *Command, code ResponseCode, remark string) *Command {
	return &Command{
		Code:      int32(code),
		Language:  Java,
		Opaque:    req.Opaque,
		Flag:      FlagResponse,
		Remark:    remark,
		Serialize: req.Serialize,
	}
}

// NewRequest returns a request with the given code and extFields.
func NewRequest(code RequestCode, ext map[string]string, body []byte) *Command {
	return &Command{Code: int32(code), Language: Java, ExtFields: ext, Body: body}
}

// RequestCode returns Code as a request code.
func (c *Command) RequestCode() RequestCode { return RequestCode(c.Code) }

// ResponseCode returns Code as a response code.
func (c *Command) ResponseCode() ResponseCode { return ResponseCode(c.Code) }
