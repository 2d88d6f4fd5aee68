package consumers

import "slices"

// Expire removes every channel of the group with the client id and closes
// it, as ScanNotActive does for a silent one (an Expired event each, no
// notification, the group dropped when empty), whatever its last
// heartbeat. It returns the removed clients.
func (m *Manager) Expire(group, clientID string) []ClientInfo {
	m.mu.Lock()
	g := m.groups[group]
	if g == nil {
		m.mu.Unlock()
		return nil
	}
	var expired []ClientInfo
	var evs []Event
	for _, ch := range slices.Clone(g.order) {
		if info := g.chans[ch]; info.ClientID == clientID {
			g.removeChannel(ch)
			expired = append(expired, *info)
			evs = append(evs, Event{Kind: Expired, Group: group, Client: *info})
		}
	}
	if len(g.chans) == 0 {
		delete(m.groups, group)
	}
	m.mu.Unlock()
	for _, c := range expired {
		_ = c.Channel.Close()
	}
	m.emit(evs)
	return expired
}
