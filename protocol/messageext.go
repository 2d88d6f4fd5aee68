package protocol

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net"
	"time"
)

// MessageMagicV1 is MessageDecoder.MESSAGE_MAGIC_CODE: the magic code of a
// stored message whose topic length is one byte, the only format the Go
// client reads.
const MessageMagicV1 uint32 = 0xDAA320A7

// MessageExt is a stored message as a broker sends it to clients (Java
// MessageExt), for instance as the body of CHECK_TRANSACTION_STATE.
type MessageExt struct {
	Topic           string
	QueueID         int32
	Flag            int32 // Message.flag
	QueueOffset     int64
	CommitLogOffset int64
	// SysFlag is written as given except for the SysFlagBornHostV6 and
	// SysFlagStoreHostV6 bits, which follow BornHost and StoreHost.
	SysFlag        int32
	BornTimestamp  time.Time // written in milliseconds
	BornHost       net.IP    // nil is written as 0.0.0.0
	BornPort       int32
	StoreTimestamp time.Time // written in milliseconds
	StoreHost      net.IP
	StorePort      int32
	ReconsumeTimes int32
	// PreparedTransactionOffset is the half message's commit-log offset in
	// a transaction's commit or rollback record; 0 otherwise.
	PreparedTransactionOffset int64
	Body                      []byte // written as given (compressed or not, per SysFlag)
	Properties                map[string]string
	// PropertiesString, when not empty, is written instead of
	// FormatProperties(Properties): the exact string a broker stored (see
	// FormatPropertiesAs). DecodeMessageExt fills both.
	PropertiesString string
}

// EncodeMessageExt encodes m as MessageDecoder.encode(msgExt, false) does:
// V1 magic, storeSize and bodyCRC computed, IPv4 hosts in 4 bytes and
// others in 16. It fails when the topic is over 255 bytes or the encoded
// properties over 32767.
func EncodeMessageExt(m *MessageExt) ([]byte, error) {
	return AppendMessageExt(nil, m)
}

// AppendMessageExt appends the encoding of m (see EncodeMessageExt) to dst;
// on error it returns dst unchanged.
func AppendMessageExt(dst []byte, m *MessageExt) ([]byte, error) {
	if len(m.Topic) > 255 {
		return dst, fmt.Errorf("topic %q is %d bytes: a V1 message holds at most 255", m.Topic, len(m.Topic))
	}
	props := m.PropertiesString
	if props == "" {
		props = FormatProperties(m.Properties)
	}
	if len(props) > 32767 {
		return dst, fmt.Errorf("properties are %d bytes: a message holds at most 32767", len(props))
	}
	bornIP, storeIP := m.BornHost, m.StoreHost
	if bornIP == nil {
		bornIP = net.IPv4zero
	}
	born4, store4 := bornIP.To4(), storeIP.To4()
	sysFlag := m.SysFlag &^ (SysFlagBornHostV6 | SysFlagStoreHostV6)
	if born4 == nil {
		sysFlag |= SysFlagBornHostV6
	}
	if store4 == nil {
		sysFlag |= SysFlagStoreHostV6
	}
	host := func(dst []byte, ip4, ip net.IP, port int32) []byte {
		if ip4 != nil {
			dst = append(dst, ip4...)
		} else {
			dst = append(dst, ip.To16()...)
		}
		return binary.BigEndian.AppendUint32(dst, uint32(port))
	}
	start := len(dst)
	out := dst
	if out == nil {
		out = make([]byte, 0, 128+len(m.Body)+len(m.Topic)+len(props))
	}
	out = append(out, 0, 0, 0, 0) // storeSize, set below
	out = binary.BigEndian.AppendUint32(out, MessageMagicV1)
	out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(m.Body)&0x7FFFFFFF)
	out = binary.BigEndian.AppendUint32(out, uint32(m.QueueID))
	out = binary.BigEndian.AppendUint32(out, uint32(m.Flag))
	out = binary.BigEndian.AppendUint64(out, uint64(m.QueueOffset))
	out = binary.BigEndian.AppendUint64(out, uint64(m.CommitLogOffset))
	out = binary.BigEndian.AppendUint32(out, uint32(sysFlag))
	out = binary.BigEndian.AppendUint64(out, uint64(m.BornTimestamp.UnixMilli()))
	out = host(out, born4, bornIP, m.BornPort)
	out = binary.BigEndian.AppendUint64(out, uint64(m.StoreTimestamp.UnixMilli()))
	out = host(out, store4, storeIP, m.StorePort)
	out = binary.BigEndian.AppendUint32(out, uint32(m.ReconsumeTimes))
	out = binary.BigEndian.AppendUint64(out, uint64(m.PreparedTransactionOffset))
	out = binary.BigEndian.AppendUint32(out, uint32(len(m.Body)))
	out = append(out, m.Body...)
	out = append(out, byte(len(m.Topic)))
	out = append(out, m.Topic...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(props)))
	out = append(out, props...)
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start))
	return out, nil
}
