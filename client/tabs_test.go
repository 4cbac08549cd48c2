package client_test

import (
	"sync"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockingTabs is a host with Web Locks: the test plays the browser granting a tab's lock.
type lockingTabs struct {
	*tabs
	mu      sync.Mutex
	watched map[string]func() // by lock name
	ports   map[string]int
}

func (l *lockingTabs) WatchTab(port int, lock string, gone func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.watched[lock] = gone
	l.ports[lock] = port
}

// grant plays the browser granting lock: the tab that held it is gone.
func (l *lockingTabs) grant(t *testing.T, lock string) {
	t.Helper()
	l.mu.Lock()
	gone := l.watched[lock]
	l.mu.Unlock()
	require.NotNil(t, gone, "the runtime watches %s", lock)
	gone()
}

func newLockingRuntime(t *testing.T) (*client.Runtime, *lockingTabs) {
	t.Helper()
	srv := &fakeServer{polls: map[string]int{}, eventPost: make(chan struct{}, 100)}
	h := &lockingTabs{tabs: &tabs{server: srv, inbox: map[int]chan map[string]any{}}, watched: map[string]func(){}, ports: map[string]int{}}
	rt := client.New(h, client.Options{Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond}})
	stopWhenDone(t, rt, h.tabs)
	return rt, h
}

func (f *fakeServer) pollsOf(user string) int { return f.count(func() int { return f.polls[user] }) }

// stopsPolling waits until user's polls stop: none for 10 intervals of 20 ms.
func stopsPolling(t *testing.T, f *fakeServer, user string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last, since := f.pollsOf(user), time.Now()
	for time.Since(since) < 200*time.Millisecond {
		require.True(t, time.Now().Before(deadline), "polling for %s never stopped", user)
		time.Sleep(5 * time.Millisecond)
		if n := f.pollsOf(user); n != last {
			last, since = n, time.Now()
		}
	}
}

func TestCrashedTabNoLongerCountsAsVisible(t *testing.T) {
	rt, h := newLockingRuntime(t)
	open(rt, 1, "user_123")
	open(rt, 2, "user_123")
	send(rt, 1, `{"op":"lock","lock":"roost-tab-one"}`)
	send(rt, 2, `{"op":"lock","lock":"roost-tab-two"}`)
	send(rt, 2, `{"op":"visible","visible":false}`)
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") >= 3 }, 5*time.Second, time.Millisecond, "tab 1 is visible: polling")

	h.grant(t, "roost-tab-one") // tab 1 crashed without a bye
	stopsPolling(t, h.server, "user_123")

	// Tab 2 still belongs to the runtime: shown again, it is served at once.
	before := h.server.pollsOf("user_123")
	send(rt, 2, `{"op":"visible","visible":true}`)
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") > before }, 5*time.Second, time.Millisecond)
	send(rt, 2, `{"op":"view","view":1,"filter":{}}`)
	h.next(t, 2, snapshotWith(1, 0))
}

func TestLastTabCrashedEndsThePersonsPolling(t *testing.T) {
	rt, h := newLockingRuntime(t)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"lock","lock":"roost-tab-only"}`)
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") >= 1 }, 5*time.Second, time.Millisecond)
	h.grant(t, "roost-tab-only")
	stopsPolling(t, h.server, "user_123")
}

func TestLockOfATabThatSaidByeChangesNothing(t *testing.T) {
	rt, h := newLockingRuntime(t)
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"lock","lock":"roost-tab-a"}`)
	send(rt, 1, `{"op":"bye"}`)
	open(rt, 2, "user_123")
	send(rt, 2, `{"op":"lock","lock":"roost-tab-b"}`)
	h.grant(t, "roost-tab-a") // the closed tab's lock comes free after its bye
	before := h.server.pollsOf("user_123")
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") > before+2 }, 5*time.Second, time.Millisecond,
		"tab 2 is still served")

	// A tab that names a new lock is watched by that one only.
	send(rt, 2, `{"op":"lock","lock":"roost-tab-c"}`)
	h.grant(t, "roost-tab-b")
	before = h.server.pollsOf("user_123")
	require.Eventually(t, func() bool { return h.server.pollsOf("user_123") > before+2 }, 5*time.Second, time.Millisecond)
}

func TestBadLockName(t *testing.T) {
	rt, h := newLockingRuntime(t)
	send(rt, 1, `{"op":"lock","rid":1,"lock":"-reserved"}`)
	assert.Contains(t, h.next(t, 1, reply(1))["error"], `must start with "roost-tab-"`)
	h.mu.Lock()
	defer h.mu.Unlock()
	assert.Empty(t, h.watched)
}
