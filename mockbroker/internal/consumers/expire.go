package consumers

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
	expired, evs := m.expireLocked(g, func(c *ClientInfo) bool { return c.ClientID == clientID }, nil, nil)
	m.mu.Unlock()
	m.closeExpired(expired, evs)
	return expired
}

// expireLocked removes the channels of g that dead picks, in one pass, and
// appends them and their Expired events to expired and evs. A group left
// empty is dropped the way Java's scan does it (it.remove(): no
// GroupRemoved event, and 5.x leaves topicGroupTable as it is).
func (m *Manager) expireLocked(g *group, dead func(*ClientInfo) bool, expired []ClientInfo, evs []Event) ([]ClientInfo, []Event) {
	kept := g.order[:0]
	for _, ch := range g.order {
		info := g.chans[ch]
		if !dead(info) {
			kept = append(kept, ch)
			continue
		}
		delete(g.chans, ch)
		expired = append(expired, *info)
		evs = append(evs, Event{Kind: Expired, Group: g.name, Client: *info})
	}
	clear(g.order[len(kept):])
	g.order = kept
	if len(g.chans) == 0 {
		delete(m.groups, g.name)
	}
	return expired, evs
}

// closeExpired closes the channels expireLocked removed, then delivers
// its events; the caller must not hold m.mu.
func (m *Manager) closeExpired(expired []ClientInfo, evs []Event) {
	for _, c := range expired {
		_ = c.Channel.Close()
	}
	m.emit(evs)
}
