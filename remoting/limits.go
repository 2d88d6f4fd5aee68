package remoting

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
)

// Running out of file descriptors: gnet v2.10.0 accepts on its own
// goroutine (acceptor_unix.go, accept0) and treats every accept error but
// EAGAIN, EINTR, ECONNRESET and ECONNABORTED as fatal: EMFILE returns
// ErrAcceptSocket, the main reactor exits and the whole engine shuts down,
// dropping every client. No gnet option changes that, and gnet.Run then
// returns nil. So the server makes sure accept never meets EMFILE:
//
//   - past Config.MaxConns open connections, or when an accepted socket's
//     descriptor number shows the process near its limit (descriptors are
//     allocated lowest first, so a number says how many are in use), the
//     connection is closed at once in OnOpen;
//   - accept still takes a descriptor for every connection in the queue
//     before OnOpen can close it, and gnet listens with a backlog of
//     somaxconn (often 4096): the server lowers the listen backlog to what
//     the headroom left below RLIMIT_NOFILE can absorb.
//
// If the engine stops anyway, Err says why and Done is closed.
//
// RLIMIT_NOFILE itself is left alone: a Go program already raises its soft
// limit to the hard one when it starts (since Go 1.19, package syscall), and
// a library that changes process limits behind its caller's back would
// surprise it.

// fdReserve is what the connection limit leaves below RLIMIT_NOFILE for
// everything else of the process (log files, the control API, pollers),
// beyond the listen backlog.
const fdReserve = 64

// FDLimits is what Listen derives its default connection limit from.
type FDLimits struct {
	Soft, Hard int // RLIMIT_NOFILE
	InUse      int // descriptors open when measured
}

// ReadFDLimits reads RLIMIT_NOFILE and counts the open descriptors.
func ReadFDLimits() (FDLimits, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return FDLimits{}, fmt.Errorf("reading RLIMIT_NOFILE: %w", err)
	}
	l := FDLimits{Soft: clampInt(rl.Cur), Hard: clampInt(rl.Max), InUse: fdReserve}
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		if ents, err := os.ReadDir(dir); err == nil {
			l.InUse = len(ents)
			break
		}
	}
	return l, nil
}

func clampInt(v uint64) int {
	if v > 1<<30 {
		return 1 << 30
	}
	return int(v)
}

// Backlog is the listen backlog the server keeps: an eighth of the free
// descriptors, from 16 to 1024 (Java RocketMQ's serverSocketBacklog).
func (l FDLimits) Backlog() int {
	return min(max((l.Soft-l.InUse)/8, 16), 1024)
}

// MaxConns is the default connection limit: the free descriptors less the
// backlog (connections accepted before OnOpen can refuse them) and a
// reserve for the rest of the process. At least 1.
func (l FDLimits) MaxConns() int {
	return max(l.Soft-l.InUse-l.Backlog()-fdReserve, 1)
}

// ceiling is the lowest descriptor number an accepted connection is
// refused at: the process as a whole is then near its limit.
func (l FDLimits) ceiling() int {
	return max(l.Soft-l.Backlog()-fdReserve/2, 1)
}

// refusals logs refused connections, one line per second at most.
type refusals struct {
	count   atomic.Int64
	since   atomic.Int64 // refused since the last log line
	lastLog atomic.Int64 // UnixNano of the last log line
}

// refuse counts one refusal and reports whether to log it now (then with
// how many were refused since the last line, this one included).
func (r *refusals) refuse(now time.Time) (log bool, n int64) {
	r.count.Add(1)
	n = r.since.Add(1)
	last := r.lastLog.Load()
	if now.UnixNano()-last < int64(time.Second) || !r.lastLog.CompareAndSwap(last, now.UnixNano()) {
		return false, 0
	}
	return true, r.since.Swap(0)
}

// setBacklog lowers the listen backlog of the engine's listener (listen(2)
// again on a listening socket only changes its backlog).
func setBacklog(dupFD func() (int, error), n int) error {
	fd, err := dupFD()
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.Listen(fd, n); err != nil {
		return fmt.Errorf("listen(2) with backlog %d: %w", n, err)
	}
	return nil
}
