package service

import (
	"container/list"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// defaultSlowAfter is how long a connection may go without sending a
// whole request header before a full listener may close it to make room.
const defaultSlowAfter = time.Second

// shedLogEvery is how often, at most, a listener at its cap says so in the log.
const shedLogEvery = 10 * time.Second

// overloadedBody is the JSON error a connection past the cap is told.
const overloadedBody = `{"meta":{"error":"the server is at its connection limit; try again"}}` + "\n"

// overloaded is the whole answer a connection past the cap gets before it
// is closed.
var overloaded = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
	"Connection: close\r\nContent-Length: " + strconv.Itoa(len(overloadedBody)) + "\r\n\r\n" + overloadedBody)

// limitListener caps the open connections of a listener at max, so that
// many slow or idle clients cannot use up the process's file descriptors
// and lock everyone else out. At the cap, accepting a connection first
// makes room: it closes the oldest idle keep-alive connection (its client
// simply reconnects), else the oldest connection that has not sent a
// request header within slowAfter (a slow client, or an attack); failing
// both, the new connection is answered 503 and closed at once. Making room
// takes constant time: the idle and the header-less connections wait in
// two queues, oldest first. track must be the http.Server's ConnState.
type limitListener struct {
	net.Listener
	max int
	log *slog.Logger
	// slowAfter is how long a connection may go without a whole request
	// header before it may be closed to make room (defaultSlowAfter).
	slowAfter time.Duration
	// stats counts open and shed connections, for the metrics.
	stats *connStats

	closeOnce sync.Once
	closeErr  error

	mu    sync.Mutex
	conns map[net.Conn]*connInfo
	// idle and fresh queue the connections in StateIdle and in StateNew,
	// oldest first: the first of either is the one to close.
	idle, fresh list.List
	loggedAt    time.Time // of the last shedding line (logShedding)
}

// connInfo is what the listener knows of an open connection.
type connInfo struct {
	conn  net.Conn
	state http.ConnState
	since time.Time     // when it entered state
	queue *list.List    // idle, fresh, or nil when it is in neither
	elem  *list.Element // its place in queue
}

// connStats counts a listener's connections for the metrics.
type connStats struct {
	open                atomic.Int64
	idle, slow, refused atomic.Uint64 // closed to make room, or refused
}

// newLimitListener returns ln capped at max open connections (0: no
// cap), counting them in stats (nil: counts of its own).
func newLimitListener(ln net.Listener, max int, log *slog.Logger, stats *connStats) *limitListener {
	if stats == nil {
		stats = &connStats{}
	}
	return &limitListener{Listener: ln, max: max, log: log, slowAfter: defaultSlowAfter, stats: stats, conns: map[net.Conn]*connInfo{}}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return c, err
		}
		l.mu.Lock()
		victim, ok := l.makeRoom()
		if ok {
			info := &connInfo{conn: c}
			l.conns[c] = info
			l.enter(info, http.StateNew)
			l.stats.open.Add(1)
		}
		l.mu.Unlock()
		if victim != nil {
			victim.Close()
		}
		if ok {
			return c, nil
		}
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write(overloaded)
		c.Close()
	}
}

// makeRoom reports whether one more connection may be open, and the
// connection to close for it, if one must go. l.mu is held.
func (l *limitListener) makeRoom() (net.Conn, bool) {
	if l.max <= 0 || len(l.conns) < l.max {
		return nil, true
	}
	defer l.logShedding()
	var victim *connInfo
	if e := l.idle.Front(); e != nil {
		victim = e.Value.(*connInfo)
		l.stats.idle.Add(1)
	} else if e := l.fresh.Front(); e != nil && time.Since(e.Value.(*connInfo).since) >= l.slowAfter {
		victim = e.Value.(*connInfo)
		l.stats.slow.Add(1)
	} else {
		l.stats.refused.Add(1)
		return nil, false
	}
	l.forget(victim) // closed by the caller; ConnState then reports it closed
	return victim.conn, true
}

// logShedding logs that the listener is at its cap, at most every
// shedLogEvery, with the connections shed so far. l.mu is held.
func (l *limitListener) logShedding() {
	if now := time.Now(); now.Sub(l.loggedAt) >= shedLogEvery {
		l.loggedAt = now
		l.log.Warn("at the connection limit: closing idle and slow connections, refusing new ones if none", "max_conns", l.max,
			"closed_idle", l.stats.idle.Load(), "closed_slow", l.stats.slow.Load(), "refused", l.stats.refused.Load())
	}
}

// track follows each connection's state (http.Server.ConnState).
func (l *limitListener) track(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	info, ok := l.conns[c]
	switch {
	case !ok: // closed to make room
	case state == http.StateClosed || state == http.StateHijacked:
		l.forget(info)
	default:
		l.enter(info, state)
	}
}

// enter moves info to state, at the back of its state's queue. l.mu is held.
func (l *limitListener) enter(info *connInfo, state http.ConnState) {
	if info.queue != nil {
		info.queue.Remove(info.elem)
	}
	info.state, info.since, info.queue, info.elem = state, time.Now(), nil, nil
	switch state {
	case http.StateIdle:
		info.queue = &l.idle
	case http.StateNew:
		info.queue = &l.fresh
	}
	if info.queue != nil {
		info.elem = info.queue.PushBack(info)
	}
}

// forget drops info from the listener. l.mu is held.
func (l *limitListener) forget(info *connInfo) {
	if info.queue != nil {
		info.queue.Remove(info.elem)
	}
	delete(l.conns, info.conn)
	l.stats.open.Add(-1)
}

// Close implements net.Listener; closing it again does nothing (Serve
// closes it before http.Server.Shutdown does).
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	return l.closeErr
}

// drain waits until no connection is open, for grace at most, or until
// ctx is done.
func (l *limitListener) drain(ctx context.Context, grace time.Duration) {
	timeout := time.NewTimer(grace)
	defer timeout.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for l.stats.open.Load() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-timeout.C:
			return
		case <-tick.C:
		}
	}
}
