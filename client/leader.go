package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
)

// Coordinator connects the runtimes of one browser's tabs when each tab runs
// its own (a dedicated Worker per tab, where SharedWorker is missing), so that
// they poll once per person instead of once per tab. The browser's is Web
// Locks and a BroadcastChannel (wasm/); tests use an in-memory one.
type Coordinator interface {
	// Lock asks for the browser-wide exclusive lock name and calls granted,
	// on any goroutine, once this runtime holds it. The lock is held until
	// release is called or the runtime ends (its tab closes or crashes);
	// release before the grant withdraws the request. Neither blocks, and
	// neither calls back into the runtime before returning.
	Lock(name string, granted func()) (release func())
	// Broadcast sends msg to every other runtime of the browser (never to
	// this one), which gets it through (*Runtime).Peer, in order. It must not
	// block nor call back into the runtime before returning.
	Broadcast(msg []byte)
}

// defaultPresenceEvery is how often a coordinated session repeats its
// visibility to the others (Options.PresenceEvery when zero).
const defaultPresenceEvery = 5 * time.Second

// presenceTTL is how many PresenceEvery a peer's "visible" lasts without news
// (a tab that crashed says no bye).
const presenceTTL = 3

// Kinds of the messages the runtimes of one browser exchange (peerMsg.Kind).
const (
	peerHello    = "hello"    // a session started: visible; the others answer with presence, the leader with its last answer
	peerPresence = "presence" // visible: whether any tab of the sender shows the person
	peerBye      = "bye"      // the sender's session ended
	peerWake     = "wake"     // the leader should poll now (a tab identified again)
	peerRefresh  = "refresh"  // the leader should poll now unless its stream pushes the change (the server took a tab's events)
	peerAnswer   = "answer"   // answer: the leader's last poll answer (a 200's body)
	peerRefused  = "refused"  // status, body: the server refused the group's identity (401/403)
	peerMark     = "mark"     // mark or marks: a tab marked messages (opened, unopened, deleted, clicked); the others show it at once
)

// peerMsg is a message between the runtimes of one browser, about one group
// of sessions (Key: the lock's name).
type peerMsg struct {
	Kind    string          `json:"kind"`
	Key     string          `json:"key"`
	From    string          `json:"from"`
	Visible bool            `json:"visible,omitempty"`
	Answer  json.RawMessage `json:"answer,omitempty"`
	Status  int             `json:"status,omitempty"`
	Body    []byte          `json:"body,omitempty"`
	Mark    *inbox.Event    `json:"mark,omitempty"`
	// Marks are the marks of a batch (a mark op's deliveryIds), in one message.
	Marks []inbox.Event `json:"marks,omitempty"`
	// Dropped are the messages of Answer's poll answer that could not be decoded (poison.go).
	Dropped []peerDrop `json:"dropped,omitempty"`
}

// sharedLoop is a session's poll loop. Without a coordinator it is the
// poller.Loop alone. With one, the sessions of one person in the browser's
// tabs form a group: the one holding the group's lock (the leader) polls and
// broadcasts each answer, which the others (followers) take into their store
// as if they had polled; the leader polls while any tab of the group is
// visible; a follower's Wake asks the leader to poll. When the leader ends
// (its tab closes or crashes) the lock passes to a follower, which polls at
// once. Its fields are guarded by r.mu.
type sharedLoop struct {
	s     *session
	loop  *poller.Loop
	coord Coordinator
	// key names the group: endpoint, site, person and a digest of the
	// signature, so only tabs that identified the person alike share answers.
	key string
	// id names this session in the group's messages.
	id string

	leading bool
	local   bool                 // a tab of this runtime shows the person
	peers   map[string]time.Time // visible peers, until when
	last    json.RawMessage      // the group's last poll answer, for a newcomer
	dropped []peerDrop           // the messages last could not hold (poison.go)
}

// newSharedLoop makes session s's loop; r.mu is held.
func newSharedLoop(s *session, schedule *poller.Schedule) *sharedLoop {
	r := s.r
	l := &sharedLoop{s: s, coord: r.opts.Coordinator, id: newID(), peers: map[string]time.Time{}}
	l.loop = poller.NewLoop(transport{s}, schedule, r.opts.Clock, l.deliver, l.report)
	r.enableStream(s, l.loop)
	l.key = "roost-poll:" + r.endpoint + ":" + r.siteID + ":" + s.user
	if s.signature != "" {
		l.key += ":" + signatureDigest(s.signature)
	}
	return l
}

// signatureDigest names a signature without giving it away. It is FNV-1a,
// not SHA-256: it only tells signatures apart in lock names and in this
// origin's own storage (whoever can read it can read what it guards), and
// crypto/sha256 would link Go's FIPS module, some 45 KB brotli, into the
// browser build.
func signatureDigest(signature string) string {
	h := fnv.New64a()
	h.Write([]byte(signature))
	return fmt.Sprintf("%016x", h.Sum64())
}

// share tells the group's other sessions of the marks this session applied,
// in one message; their tabs show them at once, and the events themselves
// are sent by this session. One mark goes as Mark, more as Marks. r.mu is held.
func (l *sharedLoop) share(events ...inbox.Event) {
	if l.coord == nil || len(events) == 0 {
		return
	}
	marks := make([]inbox.Event, len(events))
	for i, e := range events {
		marks[i] = inbox.Event{DeliveryID: e.DeliveryID, Type: e.Type}
	}
	if len(marks) == 1 {
		l.broadcast(peerMsg{Kind: peerMark, Mark: &marks[0]})
		return
	}
	l.broadcast(peerMsg{Kind: peerMark, Marks: marks})
}

// Run polls until ctx ends: alone, or as the group's leader once this
// runtime holds the lock.
func (l *sharedLoop) Run(ctx context.Context) {
	if l.coord == nil {
		l.loop.Run(ctx)
		return
	}
	r := l.s.r
	release := l.coord.Lock(l.key, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		l.leading = true
		go l.loop.Run(ctx) // polls at once while a tab of the group is visible
	})
	r.mu.Lock()
	l.broadcast(peerMsg{Kind: peerHello, Visible: l.local})
	r.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			release()
			r.mu.Lock()
			l.leading = false
			l.broadcast(peerMsg{Kind: peerBye})
			r.mu.Unlock()
			return
		case <-r.opts.Clock.After(r.opts.PresenceEvery):
			r.mu.Lock()
			l.broadcast(peerMsg{Kind: peerPresence, Visible: l.local})
			l.update() // a crashed peer's "visible" expires
			r.mu.Unlock()
		}
	}
}

// SetVisible records whether a tab of this runtime shows the person; r.mu is held.
func (l *sharedLoop) SetVisible(v bool) {
	changed := v != l.local
	l.local = v
	if l.coord != nil && changed {
		l.broadcast(peerMsg{Kind: peerPresence, Visible: v})
	}
	l.update()
}

// Wake asks for a poll now: of this loop, or of the group's leader; r.mu is held.
func (l *sharedLoop) Wake() {
	if l.coord == nil || l.leading {
		l.loop.Wake()
		return
	}
	l.broadcast(peerMsg{Kind: peerWake})
}

// Refresh asks for a poll now unless the stream will push the change: of
// this loop, or of the group's leader; r.mu is held.
func (l *sharedLoop) Refresh() {
	if l.coord == nil || l.leading {
		l.loop.Refresh()
		return
	}
	l.broadcast(peerMsg{Kind: peerRefresh})
}

// update lets the loop poll while a tab of the group is visible; r.mu is held.
func (l *sharedLoop) update() {
	visible := l.local
	now := l.s.r.opts.Clock.Now()
	for id, until := range l.peers {
		if now.After(until) {
			delete(l.peers, id)
			continue
		}
		visible = true
	}
	l.loop.SetVisible(visible)
}

// broadcast sends m to the group's other sessions; r.mu is held.
func (l *sharedLoop) broadcast(m peerMsg) {
	m.Key, m.From = l.key, l.id
	b, _ := json.Marshal(m) // peerMsg holds only encodable values
	l.coord.Broadcast(b)
}

// deliver takes the loop's poll answer into the store and, when leading,
// gives it to the group, with the messages that could not be decoded (each
// tab reports them).
func (l *sharedLoop) deliver(res inbox.PollResponse) int {
	if l.coord != nil {
		b, err := json.Marshal(res)
		l.s.r.mu.Lock()
		if err == nil && l.leading {
			l.last, l.dropped = b, peerDrops(res.Dropped)
			l.broadcast(peerMsg{Kind: peerAnswer, Answer: b, Dropped: l.dropped})
		}
		l.s.r.mu.Unlock()
	}
	l.s.rejectDropped(res.Dropped)
	return l.s.deliver(res)
}

// report tells this runtime's tabs about a failed poll and, when the server
// refused the identity, the group's other tabs too: they identified the
// person with the same signature.
func (l *sharedLoop) report(err error) {
	l.s.reportPollError(err)
	var refused *poller.RefusedError
	if l.coord != nil && errors.As(err, &refused) {
		l.s.r.mu.Lock()
		defer l.s.r.mu.Unlock()
		if l.leading && l.s.refused {
			l.broadcast(peerMsg{Kind: peerRefused, Status: refused.Status, Body: refused.Body})
		}
	}
}

// receive handles a message of another session of the group; r.mu is held.
// It returns an answer (kind peerAnswer) to take into the store once r.mu
// is released.
func (l *sharedLoop) receive(m peerMsg) (answer *peerMsg) {
	switch m.Kind {
	case peerHello, peerPresence:
		if m.Visible {
			l.peers[m.From] = l.s.r.opts.Clock.Now().Add(presenceTTL * l.s.r.opts.PresenceEvery)
		} else {
			delete(l.peers, m.From)
		}
		l.update()
		if m.Kind == peerHello {
			l.broadcast(peerMsg{Kind: peerPresence, Visible: l.local})
			if l.leading && l.last != nil {
				l.broadcast(peerMsg{Kind: peerAnswer, Answer: l.last, Dropped: l.dropped})
			}
		}
	case peerBye:
		delete(l.peers, m.From)
		l.update()
	case peerWake:
		if l.leading {
			l.loop.Wake()
		}
	case peerRefresh:
		if l.leading {
			l.loop.Refresh()
		}
	case peerRefused:
		if !l.leading {
			l.s.refuse(l.s.signature, m.Status, m.Body)
		}
	case peerMark:
		marks := m.Marks
		if m.Mark != nil {
			marks = append([]inbox.Event{*m.Mark}, marks...)
		}
		l.s.applied(l.s.store.Overlay(marks))
	case peerAnswer:
		if !l.leading {
			l.last, l.dropped = m.Answer, m.Dropped
			return &m
		}
	}
	return nil
}

// Peer handles a message from the runtime of another tab of the browser,
// sent through the Coordinator's Broadcast. Unknown or malformed messages
// (say, from a runtime of another version) are ignored.
func (r *Runtime) Peer(raw []byte) {
	var m peerMsg
	if json.Unmarshal(raw, &m) != nil {
		return
	}
	r.mu.Lock()
	var (
		target *session
		answer *peerMsg
	)
	for _, s := range r.sessions {
		if s.loop.key == m.Key {
			target, answer = s, s.loop.receive(m)
			break
		}
	}
	r.mu.Unlock()
	if answer == nil {
		return
	}
	res, err := inbox.DecodePollResponse(answer.Answer)
	if err != nil { // the leader decoded it: a runtime of another version sent it
		target.reportPollError(fmt.Errorf("poll: bad answer from another tab: %w", err))
		return
	}
	target.rejectDropped(append(problems(answer.Dropped), res.Dropped...))
	target.deliver(res)
}
