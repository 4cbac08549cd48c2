package service

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limitRig is an http.Server on a limitListener on 127.0.0.1. GET /block
// answers once release is closed; any other path answers at once.
type limitRig struct {
	t       *testing.T
	l       *limitListener
	addr    string
	blocked chan struct{} // a value per request entering /block
	release func()
	// accepted counts the connections the listener has taken from the
	// kernel, admitted or not.
	accepted atomic.Int64
}

// countingListener counts the connections it accepts.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

// Accept implements net.Listener.
func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// newLimitRig serves on a listener capped at max connections, closing
// header-less ones after slowAfter to make room.
func newLimitRig(t *testing.T, max int, slowAfter time.Duration) *limitRig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	rig := &limitRig{t: t, addr: ln.Addr().String(), blocked: make(chan struct{}, 64)}
	rig.l = newLimitListener(countingListener{ln, &rig.accepted}, max, slog.New(slog.DiscardHandler), nil)
	rig.l.slowAfter = slowAfter
	release := make(chan struct{})
	var once sync.Once
	rig.release = func() { once.Do(func() { close(release) }) }
	mux := http.NewServeMux()
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		rig.blocked <- struct{}{}
		<-release
		_, _ = io.WriteString(w, "done")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	hs := &http.Server{Handler: mux, ConnState: rig.l.track, ReadHeaderTimeout: time.Minute}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = hs.Serve(rig.l)
	}()
	t.Cleanup(func() {
		rig.release()
		_ = hs.Close()
		<-served
	})
	return rig
}

// count returns how many connections the listener holds in state.
func (rig *limitRig) count(state http.ConnState) int {
	rig.l.mu.Lock()
	defer rig.l.mu.Unlock()
	n := 0
	for _, info := range rig.l.conns {
		if info.state == state {
			n++
		}
	}
	return n
}

// open returns the number of connections the listener holds.
func (rig *limitRig) open() int {
	rig.l.mu.Lock()
	defer rig.l.mu.Unlock()
	return len(rig.l.conns)
}

// slowOnes returns how many connections have gone without a request
// header for longer than slowAfter.
func (rig *limitRig) slowOnes() int {
	rig.l.mu.Lock()
	defer rig.l.mu.Unlock()
	n := 0
	for _, info := range rig.l.conns {
		if info.state == http.StateNew && time.Since(info.since) > rig.l.slowAfter {
			n++
		}
	}
	return n
}

// waitUntil waits for cond, checking it every millisecond in the calling
// goroutine, and fails the test if it does not hold within 5 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain until %s", what)
		}
	}
}

// client is one raw client connection.
type client struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

// dial opens a connection to the rig; the test closes it.
func (rig *limitRig) dial() *client {
	rig.t.Helper()
	c, err := net.Dial("tcp", rig.addr)
	require.NoError(rig.t, err)
	rig.t.Cleanup(func() { _ = c.Close() })
	require.NoError(rig.t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return &client{t: rig.t, Conn: c, r: bufio.NewReader(c)}
}

// send writes a GET of path, keeping the connection alive.
func (c *client) send(path string) {
	c.t.Helper()
	_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: roost.test\r\n\r\n")
	require.NoError(c.t, err)
}

// answer reads an answer and returns its status and body.
func (c *client) answer() (int, string, http.Header) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, string(body), resp.Header
}

// get sends a GET of path and returns the answer's status and body.
func (c *client) get(path string) (int, string) {
	c.t.Helper()
	c.send(path)
	status, body, _ := c.answer()
	return status, body
}

// closedByServer reports whether the server closed the connection: a
// read ends (EOF or reset) instead of waiting.
func (c *client) closedByServer() bool {
	_, err := c.r.ReadByte()
	return err != nil && !os.IsTimeout(err)
}

// TestLimitListener_ShedsIdleThenSlow: at the cap, a new connection is
// admitted by closing an idle keep-alive connection first, and when none
// is idle, one that has sent no whole request header for slowAfter.
func TestLimitListener_ShedsIdleThenSlow(t *testing.T) {
	rig := newLimitRig(t, 3, 20*time.Millisecond)
	idle := rig.dial()
	status, _ := idle.get("/")
	require.Equal(t, http.StatusOK, status)
	waitUntil(t, "the keep-alive connection is idle", func() bool { return rig.count(http.StateIdle) == 1 })
	slow := rig.dial()
	_, err := io.WriteString(slow, "GET / HTTP/1.1\r\nHost: roost.test\r\n") // no blank line: the header never ends
	require.NoError(t, err)
	active := rig.dial()
	active.send("/block")
	<-rig.blocked
	waitUntil(t, "the header-less connection is slow", func() bool { return rig.slowOnes() == 1 })

	first := rig.dial()
	status, body := first.get("/")
	assert.Equal(t, http.StatusOK, status, body)
	assert.True(t, idle.closedByServer(), "the idle connection made room")

	first.send("/block") // now none is idle
	<-rig.blocked
	second := rig.dial()
	status, body = second.get("/")
	assert.Equal(t, http.StatusOK, status, body)
	assert.True(t, slow.closedByServer(), "the slow connection made room")

	rig.release()
	for _, c := range []*client{active, first} {
		status, body, _ = c.answer()
		assert.Equal(t, http.StatusOK, status, "an active request was not disturbed")
		assert.Equal(t, "done", body)
	}
	assert.LessOrEqual(t, rig.open(), 3)
}

// TestLimitListener_RefusesWhenAllBusy: at the cap with every connection
// active or not slow yet, a new connection is answered 503 with the JSON
// error and closed, and the others are left alone.
func TestLimitListener_RefusesWhenAllBusy(t *testing.T) {
	rig := newLimitRig(t, 2, time.Hour)
	active := rig.dial()
	active.send("/block")
	<-rig.blocked
	fresh := rig.dial() // no header yet, but not for slowAfter
	waitUntil(t, "both connections are held", func() bool { return rig.open() == 2 })

	for range 20 {
		c := rig.dial()
		c.send("/")
		status, body, h := c.answer()
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.JSONEq(t, `{"meta":{"error":"the server is at its connection limit; try again"}}`, body)
		assert.Equal(t, "1", h.Get("Retry-After"))
		assert.True(t, c.closedByServer())
	}
	assert.Equal(t, 2, rig.open())

	fresh.send("/")
	status, body, _ := fresh.answer()
	assert.Equal(t, http.StatusOK, status, "the fresh connection was kept: %s", body)
	rig.release()
	status, _, _ = active.answer()
	assert.Equal(t, http.StatusOK, status)
}

// TestLimitListener_NoLeak: many more slow connections than the cap hold
// no more than the cap on the server side, and once they are gone no file
// descriptor or goroutine is left behind.
func TestLimitListener_NoLeak(t *testing.T) {
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	const max, slow = 8, 100
	t.Run("load", func(t *testing.T) {
		rig := newLimitRig(t, max, time.Millisecond)
		for range slow {
			c := rig.dial()
			_, err := io.WriteString(c, "GET / HTTP/1.1\r\n")
			require.NoError(t, err)
			require.LessOrEqual(t, rig.open(), max)
		}
		// The client holds slow descriptors; the server at most max, the
		// listener, and a refused one being closed.
		assert.LessOrEqual(t, openFDs(t), fds+slow+max+2)
		waitUntil(t, "every one was accepted", func() bool { return rig.accepted.Load() == slow })
		waitUntil(t, "a connection is slow", func() bool { return rig.slowOnes() > 0 })
		c := rig.dial()
		status, body := c.get("/")
		assert.Equal(t, http.StatusOK, status, "a normal request still gets in: %s", body)
	})
	waitUntil(t, "every descriptor is closed", func() bool { return openFDs(t) <= fds })
	waitUntil(t, "every goroutine has ended", func() bool { return runtime.NumGoroutine() <= goroutines })
}

// openFDs returns the number of this process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd here: %v", err)
	}
	return len(entries)
}

// nopConn is a connection that closes at no cost, for the benchmark.
type nopConn struct{ net.Conn }

// Close implements net.Conn.
func (nopConn) Close() error { return nil }

// BenchmarkLimitListener_MakeRoomAtCap: admitting a connection at a cap of
// 10,000 slow ones (the default -max-conns under a slowloris attack) takes
// constant time. A scan of every connection took about 1 ms here, which
// capped accepting at about a thousand connections a second.
func BenchmarkLimitListener_MakeRoomAtCap(b *testing.B) {
	l := newLimitListener(nil, DefaultMaxConns, slog.New(slog.DiscardHandler), nil)
	l.slowAfter = 0
	add := func() {
		info := &connInfo{conn: &nopConn{}}
		l.conns[info.conn] = info
		l.enter(info, http.StateNew)
	}
	for range DefaultMaxConns {
		add()
	}
	for b.Loop() {
		if _, ok := l.makeRoom(); !ok {
			b.Fatal("no room made")
		}
		add()
	}
}
