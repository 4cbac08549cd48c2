package service

import (
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// defaultSlowAfter is how long a connection may go without sending a
// whole request header before a full listener may close it to make room.
const defaultSlowAfter = time.Second

// overloadedBody is the JSON error a connection past the cap is told.
const overloadedBody = `{"meta":{"error":"the server is at its connection limit; try again"}}` + "\n"

// overloaded is the whole answer a connection past the cap gets before it
// is closed.
var overloaded = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n" +
	"Connection: close\r\nContent-Length: " + strconv.Itoa(len(overloadedBody)) + "\r\n\r\n" + overloadedBody)

// limitListener caps the open connections of a listener at max, so that
// many slow or idle clients cannot use up the process's file descriptors
// and lock everyone else out. At the cap, accepting a connection first
// makes room: it closes an idle keep-alive connection (its client simply
// reconnects), else the oldest connection that has not sent a request
// header within l.slowAfter (a slow client, or an attack); failing both, the
// new connection is answered 503 and closed at once. track must be the
// http.Server's ConnState.
type limitListener struct {
	net.Listener
	max int
	log *slog.Logger
	// slowAfter is how long a connection may go without a whole request
	// header before it may be closed to make room (defaultSlowAfter).
	slowAfter time.Duration

	mu    sync.Mutex
	conns map[net.Conn]*connInfo
	shed  int // connections closed to make room or refused, for the log
}

// connInfo is what the listener knows of an open connection.
type connInfo struct {
	state http.ConnState
	since time.Time // when it entered state
}

// newLimitListener returns ln capped at max open connections (0: no cap).
func newLimitListener(ln net.Listener, max int, log *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, max: max, log: log, slowAfter: defaultSlowAfter, conns: map[net.Conn]*connInfo{}}
}

// Accept implements net.Listener.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.max <= 0 {
			return c, err
		}
		l.mu.Lock()
		victim, ok := l.makeRoom()
		if ok {
			l.conns[c] = &connInfo{state: http.StateNew, since: time.Now()}
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
	if len(l.conns) < l.max {
		return nil, true
	}
	var victim net.Conn
	var oldest time.Time
	slowBefore := time.Now().Add(-l.slowAfter)
	for c, info := range l.conns {
		switch {
		case info.state == http.StateIdle && (victim == nil || l.conns[victim].state != http.StateIdle || info.since.Before(oldest)):
			victim, oldest = c, info.since
		case info.state == http.StateNew && info.since.Before(slowBefore) &&
			(victim == nil || (l.conns[victim].state == http.StateNew && info.since.Before(oldest))):
			victim, oldest = c, info.since
		}
	}
	l.shed++
	if l.shed == 1 || l.shed%1000 == 0 {
		l.log.Warn("at the connection limit: closing idle and slow connections, refusing new ones if none", "max_conns", l.max, "shed_so_far", l.shed)
	}
	if victim == nil {
		return nil, false
	}
	delete(l.conns, victim) // closed by the caller; ConnState then reports it closed
	return victim, true
}

// track follows each connection's state (http.Server.ConnState).
func (l *limitListener) track(c net.Conn, state http.ConnState) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
	default:
		if info, ok := l.conns[c]; ok {
			info.state, info.since = state, time.Now()
		}
	}
}
