package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// browser is one browser without SharedWorker: a runtime per tab, joined by
// an in-memory Coordinator (Web Locks and a BroadcastChannel in the real one).
type browser struct {
	server        *fakeServer
	presenceEvery time.Duration
	// poison, when set, is a raw message put first in every poll answer (poison_test.go).
	poison string
	// streams, when set, makes the tabs' hosts stream: each request comes here (stream_test.go).
	streams chan *memberConn

	mu      sync.Mutex
	holders map[string]*lockRequest   // by lock name
	waiting map[string][]*lockRequest // by lock name, in request order
	members []*member
}

type lockRequest struct {
	m       *member
	granted func()
}

// member is one tab: its runtime, what it posted to its tab (port 1), and its polls.
type member struct {
	b      *browser
	rt     *client.Runtime
	tabs   *tabs
	peer   chan []byte
	polls  atomic.Int64
	closed atomic.Bool
	// sent counts the messages of other runtimes put in peer, handled those
	// its runtime has handled; presences counts the presence messages its
	// runtime broadcast: one each PresenceEvery (its own clock, as it runs),
	// and one when its tab shows or hides or a peer says hello.
	sent, handled, presences atomic.Int64
}

func newBrowser(t *testing.T, nextPollMs int64, msgs ...inbox.Message) *browser {
	t.Helper()
	return &browser{
		server:        &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 1), nextPollMs: nextPollMs},
		presenceEvery: time.Second, holders: map[string]*lockRequest{}, waiting: map[string][]*lockRequest{},
	}
}

// open opens a tab identified as user (with signature, when not "") that shows
// an inbox view (view 1) and is visible.
func (b *browser) open(t *testing.T, user, signature string) *member {
	t.Helper()
	m := &member{b: b, tabs: &tabs{server: b.server, inbox: map[int]chan map[string]any{}}, peer: make(chan []byte, 10000)}
	var host client.Host = m
	if b.streams != nil {
		host = streamingMember{m}
	}
	m.rt = client.New(host, client.Options{Tiers: poller.Tiers{Active: 20 * time.Millisecond, Inactive: 20 * time.Millisecond, Low: 20 * time.Millisecond},
		EventRetry: 10 * time.Millisecond, Coordinator: coordinator{m}, PresenceEvery: b.presenceEvery})
	stopWhenDone(t, m.rt, m.tabs)
	go func() {
		for msg := range m.peer {
			m.rt.Peer(msg)
			m.handled.Add(1)
		}
	}()
	b.mu.Lock()
	b.members = append(b.members, m)
	b.mu.Unlock()
	send(m.rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
	if signature != "" {
		send(m.rt, 1, `{"op":"identify","user":"`+user+`","signature":"`+signature+`"}`)
	} else {
		send(m.rt, 1, `{"op":"identify","user":"`+user+`"}`)
	}
	send(m.rt, 1, `{"op":"view","view":1,"filter":{}}`)
	return m
}

// group opens n tabs of user_123, one after the other, each once the one
// before shows the message the server holds: the first is the leader.
func (b *browser) group(t *testing.T, n int) []*member {
	t.Helper()
	var tabs []*member
	for range n {
		m := b.open(t, "user_123", "")
		m.tabs.next(t, 1, snapshotWith(1, 1))
		tabs = append(tabs, m)
	}
	return tabs
}

// Post implements client.Host.
func (m *member) Post(port int, msg []byte) { m.tabs.Post(port, msg) }

// Fetch implements client.Host, counting this tab's polls. A crashed tab's
// runtime reaches nothing.
func (m *member) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	if m.closed.Load() {
		return client.Response{}, errors.New("the tab crashed")
	}
	if req.URL == "http://roost.test/v1/client/poll" {
		m.polls.Add(1)
		if m.b.poison != "" {
			res, err := m.b.server.Fetch(ctx, req)
			return withPoison(res, m.b.poison), err
		}
	}
	return m.b.server.Fetch(ctx, req)
}

// close closes the tab as a page does: it says bye.
func (m *member) close() { send(m.rt, 1, `{"op":"bye"}`) }

// crash ends the tab without a word: its locks pass on, nothing reaches it
// and its runtime reaches nothing any more.
func (m *member) crash() {
	m.closed.Store(true)
	b := m.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for name, req := range b.holders {
		if req.m == m {
			b.passOn(name)
		}
	}
}

// passOn gives lock name to the next waiting request; b.mu is held.
func (b *browser) passOn(name string) {
	delete(b.holders, name)
	for len(b.waiting[name]) > 0 {
		next := b.waiting[name][0]
		b.waiting[name] = b.waiting[name][1:]
		if !next.m.closed.Load() {
			b.holders[name] = next
			go next.granted()
			return
		}
	}
}

// polls returns every tab's poll count.
func (b *browser) polls() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []int64
	for _, m := range b.members {
		out = append(out, m.polls.Load())
	}
	return out
}

func (b *browser) total() int64 {
	var n int64
	for _, p := range b.polls() {
		n += p
	}
	return n
}

// pollers returns the tabs that polled.
func (b *browser) pollers() []*member {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []*member
	for _, m := range b.members {
		if m.polls.Load() > 0 {
			out = append(out, m)
		}
	}
	return out
}

// coordinator is a member's client.Coordinator.
type coordinator struct{ m *member }

func (c coordinator) Lock(name string, granted func()) func() {
	b := c.m.b
	req := &lockRequest{m: c.m, granted: granted}
	b.mu.Lock()
	if b.holders[name] == nil {
		b.holders[name] = req
		go granted()
	} else {
		b.waiting[name] = append(b.waiting[name], req)
	}
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.holders[name] == req {
			b.passOn(name)
			return
		}
		for i, w := range b.waiting[name] {
			if w == req {
				b.waiting[name] = append(b.waiting[name][:i:i], b.waiting[name][i+1:]...)
				return
			}
		}
	}
}

func (c coordinator) Broadcast(msg []byte) {
	var kind struct{ Kind string }
	if json.Unmarshal(msg, &kind) == nil && kind.Kind == "presence" {
		c.m.presences.Add(1)
	}
	b := c.m.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.m.closed.Load() { // checked with b.mu held: nothing comes from a tab once crash returned
		return
	}
	for _, other := range b.members {
		if other != c.m && !other.closed.Load() {
			other.sent.Add(1)
			other.peer <- append([]byte(nil), msg...)
		}
	}
}

func (b *browser) addMessage(msg inbox.Message) {
	b.server.mu.Lock()
	defer b.server.mu.Unlock()
	b.server.messages = append(b.server.messages, msg)
}

func TestDedicatedTabsShareOnePoller(t *testing.T) {
	b := newBrowser(t, 20, message("d1", "orders", `"Hi"`))
	tabs := b.group(t, 3)
	require.Eventually(t, func() bool { return b.total() >= 20 }, 5*time.Second, 5*time.Millisecond)
	assert.Len(t, b.pollers(), 1, "one tab polls for all: %v", b.polls())

	// A new message reaches every tab, from the one poll.
	b.addMessage(message("d2", "orders", `"Again"`))
	for _, m := range tabs {
		m.tabs.next(t, 1, snapshotWith(1, 2))
	}
	assert.Len(t, b.pollers(), 1)
}

func TestNewTabGetsTheLastAnswerWithoutAPoll(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	b.group(t, 2)
	assert.Equal(t, []int64{1, 0}, b.polls(), "the newcomer shows the leader's last answer")
}

func TestLeaderGoneFollowerPollsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*member)
	}{{"closed", (*member).close}, {"crashed", (*member).crash}} {
		t.Run(tc.name, func(t *testing.T) {
			// The server asks for the next poll in 10 s: a poll sooner is the takeover.
			b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
			tabs := b.group(t, 3)
			leader, followers := tabs[0], tabs[1:]
			require.Equal(t, []int64{1, 0, 0}, b.polls())

			b.addMessage(message("d2", "orders", `"Again"`))
			start := time.Now()
			tc.end(leader)
			require.Eventually(t, func() bool { return b.total() == 2 }, 2*time.Second, time.Millisecond, "a follower polls at once")
			t.Logf("takeover poll %v after the leader ended", time.Since(start))
			for _, m := range followers {
				m.tabs.next(t, 1, snapshotWith(1, 2))
			}
			assert.Len(t, b.pollers(), 2, "the old leader and one follower: %v", b.polls())
		})
	}
}

// pollsGoOn waits until the group polls n more times.
func (b *browser) pollsGoOn(t *testing.T, n int64, msgAndArgs ...any) {
	t.Helper()
	before := b.total()
	require.Eventually(t, func() bool { return b.total() >= before+n }, 5*time.Second, time.Millisecond, msgAndArgs...)
}

// heard waits until m's runtime has handled every message the others sent it so far.
func (m *member) heard(t *testing.T) {
	t.Helper()
	sent := m.sent.Load()
	require.Eventually(t, func() bool { return m.handled.Load() >= sent }, 5*time.Second, time.Millisecond)
}

// rounds waits until m's runtime has broadcast its presence n more times:
// while no tab shows or hides and no peer comes, n PresenceEvery have passed
// for it (and it has checked its peers' presence after all but the last),
// however slowly a loaded machine runs it.
func (m *member) rounds(t *testing.T, n int64) {
	t.Helper()
	before := m.presences.Load()
	require.Eventually(t, func() bool { return m.presences.Load() >= before+n }, 5*time.Second, time.Millisecond)
}

// pollsStop asserts that the group stops polling, once its leader knows that
// no tab shows the person: the poll it was about to start when it learned may
// still go out, then none comes. Time is counted in the leader's presence
// rounds (of one poll interval here), not on the wall clock, so that a
// machine that stalls the test's goroutines cannot look like a quiet leader.
func (b *browser) pollsStop(t *testing.T, leader *member, msgAndArgs ...any) {
	t.Helper()
	before := b.total()
	leader.rounds(t, 10)
	stopped := b.total()
	assert.LessOrEqual(t, stopped-before, int64(1), msgAndArgs...)
	leader.rounds(t, 10)
	assert.Equal(t, stopped, b.total(), msgAndArgs...)
}

func TestGroupPollsWhileAnyTabIsVisible(t *testing.T) {
	b := newBrowser(t, 20, message("d1", "orders", `"Hi"`))
	b.presenceEvery = 20 * time.Millisecond // as often as the leader polls
	tabs := b.group(t, 2)
	leader, follower := tabs[0], tabs[1]

	// The leader's tab is hidden, the follower's visible: polls go on.
	send(leader.rt, 1, `{"op":"visible","visible":false}`)
	b.pollsGoOn(t, 3, "a visible follower keeps the leader polling")

	// Every tab hidden: no polls, once the leader heard it.
	send(follower.rt, 1, `{"op":"visible","visible":false}`)
	leader.heard(t)
	b.pollsStop(t, leader, "no polls while every tab is hidden")

	// The follower shows again: polls resume.
	send(follower.rt, 1, `{"op":"visible","visible":true}`)
	b.pollsGoOn(t, 3, "polls resume when a tab shows again")

	// The follower crashes: its "visible" expires. It lasts three presence
	// rounds from when the leader heard it last; the leader drops it at the
	// first of its own rounds after that.
	follower.crash()
	leader.heard(t)
	leader.rounds(t, 5)
	b.pollsStop(t, leader, "a crashed tab's visibility expires")
	assert.Len(t, b.pollers(), 1)
}

func TestFollowersChangeWakesTheLeader(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	tabs := b.group(t, 2)
	leader, follower := tabs[0], tabs[1]

	send(follower.rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	follower.tabs.next(t, 1, reply(1))
	require.Eventually(t, func() bool { return leader.polls.Load() == 2 }, 2*time.Second, time.Millisecond,
		"the event's acknowledgement makes the leader poll, long before its 10 s")
	assert.Zero(t, follower.polls.Load())
}

func TestTabsWithOtherSignaturesDoNotShare(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	good := b.open(t, "user_123", "sig-a")
	good.tabs.next(t, 1, snapshotWith(1, 1))
	other := b.open(t, "user_123", "sig-b")
	other.tabs.next(t, 1, snapshotWith(1, 1))
	assert.Equal(t, []int64{1, 1}, b.polls(), "a tab with another signature polls with it, and gets only what the server gives it")
}

func TestRefusalReachesEveryTabOfTheGroup(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	b.server.signatures = map[string]string{"user_123": "good"}
	leader := b.open(t, "user_123", "bad")
	leader.tabs.next(t, 1, identityError)
	follower := b.open(t, "user_123", "bad")
	send(leader.rt, 1, `{"op":"identify","user":"user_123","signature":"bad"}`) // polls again, refused again
	m := follower.tabs.next(t, 1, identityError)
	assert.Equal(t, float64(403), m["data"].(map[string]any)["status"])
	require.Eventually(t, func() bool { return b.polls()[0] == 2 }, 2*time.Second, time.Millisecond, "the leader polls again on identify")
	assert.Equal(t, []int64{2, 0}, b.polls(), "the follower never polls with the refused signature")
}

func TestNewSignatureLeavesTheOldGroup(t *testing.T) {
	b := newBrowser(t, 10_000, message("d1", "orders", `"Hi"`))
	b.server.signatures = map[string]string{"user_123": "good"}
	a := b.open(t, "user_123", "bad")
	a.tabs.next(t, 1, identityError)
	send(a.rt, 1, `{"op":"identify","user":"user_123","signature":"good"}`)
	a.tabs.next(t, 1, snapshotWith(1, 1))

	other := b.open(t, "user_123", "bad")
	other.tabs.next(t, 1, identityError) // it polls for itself and is refused...
	for drained := false; !drained; {    // ...and never gets the answers the good signature earned
		select {
		case m := <-other.tabs.ch(1):
			assert.False(t, snapshotWith(1, 1)(m), "a tab with a bad signature got the person's messages: %v", m)
		default:
			drained = true
		}
	}

	good := b.open(t, "user_123", "good")
	good.tabs.next(t, 1, snapshotWith(1, 1))
	send(a.rt, 1, `{"op":"identify","user":"user_123","signature":"bad"}`) // a goes bad again: refused alone
	a.tabs.next(t, 1, identityError)
	send(good.rt, 1, `{"op":"mark","rid":1,"deliveryId":"d1","state":"opened"}`)
	m := good.tabs.next(t, 1, reply(1))
	assert.Nil(t, m["error"], "the good tab is not refused because another tab went bad")
	for drained := false; !drained; {
		select {
		case m := <-good.tabs.ch(1):
			assert.False(t, identityError(m), "the refusal of another signature reached a good tab")
		default:
			drained = true
		}
	}
}
