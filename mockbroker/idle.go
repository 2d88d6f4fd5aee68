package mockbroker

// housekeeping runs on the scan schedule: the producer and consumer expiry
// scans (ClientHousekeepingService), then the idle close.
func (b *Broker) housekeeping() {
	b.producers.ScanNotActiveChannel()
	b.consumers.ScanNotActive()
	b.closeIdle()
}

// closeIdle closes connections that neither read nor wrote for the idle
// timeout, as a real broker's IdleStateHandler(0, 0, 120 s) does; their
// producers then leave through the close path. A real broker notices at
// once; here it happens at the next scan, within one scan interval.
func (b *Broker) closeIdle() int {
	if b.cfg.idle <= 0 {
		return 0
	}
	now := b.Now()
	var idle []*conn
	b.connsMu.Lock()
	for c := range b.conns {
		if now.Sub(c.rc.LastActive()) > b.cfg.idle {
			idle = append(idle, c)
		}
	}
	b.connsMu.Unlock()
	for _, c := range idle {
		b.log.Info("closing idle connection", "remote", c.addr, "idle", b.cfg.idle.String())
		_ = c.Close()
	}
	return len(idle)
}
