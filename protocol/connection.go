package protocol

// Bodies about producer connections: GET_PRODUCER_CONNECTION_LIST (204)
// answers ProducerConnection, GET_ALL_PRODUCER_INFO (328) answers
// ProducerTableInfo.

// Connection is one client connection of a group.
type Connection struct {
	ClientAddr string       // "clientAddr": the peer "ip:port", no leading slash
	ClientID   string       // "clientId"
	Language   LanguageCode // "language": written as its name; left out when !Known()
	Version    int32        // "version": the client's MQVersion ordinal
}

// ProducerConnection is the GET_PRODUCER_CONNECTION_LIST reply body.
type ProducerConnection struct {
	ConnectionSet []Connection // "connectionSet"
}

// Marshal encodes c as the broker does:
// {"connectionSet":[{"clientAddr":…,"clientId":…,"language":…,"version":…}]}.
// A nil or empty set gives {"connectionSet":[]}.
func (c *ProducerConnection) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 24+112*len(c.ConnectionSet))}
	w.open('{')
	w.key("connectionSet")
	fjArray(&w, c.ConnectionSet, (*Connection).write)
	w.close('}')
	return w.b
}

func (c *Connection) write(w *fjWriter) {
	w.open('{')
	w.strFieldOmitEmpty("clientAddr", c.ClientAddr)
	w.strFieldOmitEmpty("clientId", c.ClientID)
	if c.Language.Known() {
		w.strField("language", c.Language.String())
	}
	w.intField("version", int64(c.Version))
	w.close('}')
}

type connectionWire struct {
	ClientAddr string     `json:"clientAddr"`
	ClientID   string     `json:"clientId"`
	Language   fjLanguage `json:"language"`
	Version    int32      `json:"version"`
}

func (c *connectionWire) conn() Connection {
	return Connection{ClientAddr: c.ClientAddr, ClientID: c.ClientID, Language: c.Language.code(), Version: c.Version}
}

// DecodeProducerConnection decodes a GET_PRODUCER_CONNECTION_LIST reply
// body. A missing, null or unknown language gives LanguageUnknown.
func DecodeProducerConnection(body []byte) (*ProducerConnection, error) {
	var w struct {
		ConnectionSet []connectionWire `json:"connectionSet"`
	}
	if err := fjDecodeBody("ProducerConnection", body, &w); err != nil {
		return nil, err
	}
	pc := &ProducerConnection{ConnectionSet: make([]Connection, len(w.ConnectionSet))}
	for i := range w.ConnectionSet {
		pc.ConnectionSet[i] = w.ConnectionSet[i].conn()
	}
	return pc, nil
}

// ProducerInfo is one producer instance in ProducerTableInfo.
type ProducerInfo struct {
	ClientID            string       // "clientId"
	RemoteIP            string       // "remoteIP": SocketAddress.toString(), e.g. "/127.0.0.1:5555"
	Language            LanguageCode // "language": left out when !Known()
	Version             int32        // "version"
	LastUpdateTimestamp int64        // "lastUpdateTimestamp": epoch ms of the last heartbeat
}

// ProducerTableInfo is the GET_ALL_PRODUCER_INFO reply body: producers by group.
type ProducerTableInfo struct {
	Data map[string][]ProducerInfo // "data"
}

// Marshal encodes t like the broker, groups in sorted order (Java: HashMap
// order): {"data":{"PG":[{"clientId":…,"language":…,"lastUpdateTimestamp":…,
// "remoteIP":…,"version":…}]}}. A nil map gives {"data":{}}.
func (t *ProducerTableInfo) Marshal() []byte {
	w := fjWriter{b: make([]byte, 0, 64)}
	w.open('{')
	w.key("data")
	fjSortedObject(&w, t.Data, func(w *fjWriter, ps []ProducerInfo) { fjArray(w, ps, (*ProducerInfo).write) })
	w.close('}')
	return w.b
}

func (p *ProducerInfo) write(w *fjWriter) {
	w.open('{')
	w.strFieldOmitEmpty("clientId", p.ClientID)
	if p.Language.Known() {
		w.strField("language", p.Language.String())
	}
	w.intField("lastUpdateTimestamp", p.LastUpdateTimestamp)
	w.strFieldOmitEmpty("remoteIP", p.RemoteIP)
	w.intField("version", int64(p.Version))
	w.close('}')
}

// DecodeProducerTableInfo decodes a GET_ALL_PRODUCER_INFO reply body.
func DecodeProducerTableInfo(body []byte) (*ProducerTableInfo, error) {
	type infoWire struct {
		ClientID            string     `json:"clientId"`
		RemoteIP            string     `json:"remoteIP"`
		Language            fjLanguage `json:"language"`
		Version             int32      `json:"version"`
		LastUpdateTimestamp int64      `json:"lastUpdateTimestamp"`
	}
	var w struct {
		Data map[string][]infoWire `json:"data"`
	}
	if err := fjDecodeBody("ProducerTableInfo", body, &w); err != nil {
		return nil, err
	}
	t := &ProducerTableInfo{Data: make(map[string][]ProducerInfo, len(w.Data))}
	for g, list := range w.Data {
		out := make([]ProducerInfo, len(list))
		for i, p := range list {
			out[i] = ProducerInfo{ClientID: p.ClientID, RemoteIP: p.RemoteIP, Language: p.Language.code(),
				Version: p.Version, LastUpdateTimestamp: p.LastUpdateTimestamp}
		}
		t.Data[g] = out
	}
	return t, nil
}
