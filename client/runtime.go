package client

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/roostmsg/roost/render"
)

// Options tune a Runtime; the zero value is the production setting.
type Options struct {
	// Tiers are the client's own poll tiers, used when the server gives no hint.
	Tiers poller.Tiers
	// Clock is the time source (the system clock when nil).
	Clock poller.Clock
	// EventRetry is how long unacknowledged events wait before they are sent
	// again (5 s when zero), or a 429's Retry-After when that is longer.
	EventRetry time.Duration
	// Coordinator, when set, makes the runtimes of one browser's tabs share
	// one poller per person (see Coordinator); nil when this runtime serves
	// every tab (SharedWorker).
	Coordinator Coordinator
	// PresenceEvery is how often a coordinated session repeats whether its
	// tab shows the person (5 s when zero).
	PresenceEvery time.Duration
	// Storage keeps what the runtime learns across page loads (IndexedDB in
	// the browser); nil keeps it in memory only.
	Storage Storage
	// FirstAnswerWait is how long a new view waits at most for the person's
	// messages (a poll answer, or the inbox the last page load kept) before
	// it shows an empty list; a failed poll ends the wait at once (2 s when zero).
	FirstAnswerWait time.Duration
	// TokenLead is how long before an identity token expires the tabs that
	// gave it are asked for a fresh one (identity-expiring), at most a tenth
	// of the token's remaining lifetime (60 s when zero).
	TokenLead time.Duration
	// StreamOpenTimeout (5 s when zero) and StreamBackoff (1 s) tune the push
	// channel (Streamer; poller.StreamOptions); its heartbeat is the server's.
	StreamOpenTimeout, StreamBackoff time.Duration
}

// Runtime is the one runtime instance of a browser (or of a tab, without
// SharedWorker). Its methods are safe for concurrent use and never block on
// the network.
type Runtime struct {
	host     Host
	opts     Options
	renderer *render.Renderer

	// storeMu serializes the reads and writes of stored outboxes (outbox.go).
	storeMu sync.Mutex

	mu       sync.Mutex
	endpoint string
	siteID   string
	ports    map[int]*port
	sessions map[string]*session
	// held are events of stopped sessions the server refused (401/403), by
	// person: they are sent by the person's next session.
	held map[string][]inbox.Event
	// inapp is the in-app presence and delivery state (inapp.go).
	inapp inAppRuntime
	// attributes is the JSON of the attributes last queued for each person,
	// so that identifying again with the same ones sends nothing.
	attributes map[string]string
	// skew is how far the server's clock is ahead of the runtime's, as its
	// answers' Date headers tell (clock.go); skewKnown once one did.
	skew      time.Duration
	skewKnown bool
}

// port is one connected tab.
type port struct {
	id   int
	user string
	// signature is the one the tab gave for user (its own: an identify
	// without one keeps the tab's last, never another tab's). The tab sees
	// the person's messages only while the server accepts it (identity.go).
	signature string
	// attributes wait for the server to accept signature: a tab queues
	// nothing for a person before its signature is accepted (identity.go).
	attributes map[string]any
	// tokenDone ends the wait for the expiry of the tab's identity token
	// (identity.go); nil when it gave none.
	tokenDone chan struct{}
	visible   bool
	views     map[int]inbox.Filter
	// resumed are the views a tab showed before its runtime died: they get
	// no snapshot (an empty one would blank the page) until the person's
	// session has a poll answer.
	resumed map[int]bool
	// tab is the tab's route and in-app handler (inapp.go).
	tab tabPresence
	// lock is the Web Lock the tab holds while it lives ("" until it said).
	lock string
}

// New returns a runtime that talks to tabs and the network through host.
func New(host Host, opts Options) *Runtime {
	if opts.Clock == nil {
		opts.Clock = poller.SystemClock{}
	}
	if opts.EventRetry <= 0 {
		opts.EventRetry = 5 * time.Second
	}
	if opts.PresenceEvery <= 0 {
		opts.PresenceEvery = defaultPresenceEvery
	}
	if opts.FirstAnswerWait <= 0 {
		opts.FirstAnswerWait = 2 * time.Second
	}
	if opts.TokenLead <= 0 {
		opts.TokenLead = defaultTokenLead
	}
	if opts.Storage == nil {
		opts.Storage = NewMemoryStorage()
	}
	return &Runtime{host: host, opts: opts, renderer: render.New(), ports: map[int]*port{}, sessions: map[string]*session{},
		held: map[string][]inbox.Event{}, attributes: map[string]string{}}
}

// Receive handles one JSON message from tab portID. A malformed message is
// answered with an error reply (when it has a request id) and changes nothing.
func (r *Runtime) Receive(portID int, raw []byte) {
	var m inMsg
	if err := json.Unmarshal(raw, &m); err != nil {
		r.emit(portID, EventMessageError, map[string]string{"error": "runtime: malformed message from the page: " + err.Error()})
		return
	}
	r.mu.Lock()
	durable, err := r.receive(portID, m)
	r.mu.Unlock()
	if durable != nil {
		// The page hears of a mark, click or dismiss once its event is stored
		// (or storage failed, which is a storage-error: the change is applied
		// and the event sent from memory all the same).
		_ = durable.persistOutbox()
	}
	if m.Rid != 0 {
		reply := outMsg{Op: OpReply, Rid: m.Rid}
		if err != nil {
			reply.Error = err.Error()
		}
		r.host.Post(portID, encode(reply))
	}
}

// receive handles a message with r.mu held; it returns the error to reply
// with, and the session whose outbox must be stored before the reply.
func (r *Runtime) receive(portID int, m inMsg) (durable *session, err error) {
	p := r.ports[portID]
	if p == nil {
		p = &port{id: portID, visible: true, views: map[int]inbox.Filter{}}
		r.ports[portID] = p
	}
	switch m.Op {
	case OpInit:
		if r.endpoint == "" && m.Endpoint != "" {
			r.endpoint, r.siteID = m.Endpoint, m.SiteID
			r.startWaitingSessions()
		}
	case OpIdentify:
		err = r.identify(p, m.User, m.Signature, m.Attributes)
		durable = r.sessions[m.User]
	case OpReset:
		if s := r.sessions[p.user]; s != nil && r.usersPorts(p.user) == 1 && s.mayChange(p) == nil {
			s.forgetInbox() // the person logged out: what this browser kept of their inbox goes
		}
		r.setUser(p, "")
	case OpVisible:
		p.visible = m.Visible
		r.updateVisibility(p.user)
	case OpView:
		p.views[m.View] = m.Filter
		if s := r.sessions[p.user]; m.Resume && (s == nil || !s.answered) {
			if p.resumed == nil {
				p.resumed = map[int]bool{}
			}
			p.resumed[m.View] = true
		}
		r.postSnapshot(p, m.View)
	case OpUnview:
		delete(p.views, m.View)
	case OpMark:
		if m.DeliveryIDs == nil { // one message: a batch of one
			m.DeliveryIDs, m.DeliveryID = []string{m.DeliveryID}, ""
		}
		err = r.markBatch(p, m)
		durable = r.sessions[p.user]
	case OpClick:
		err = r.click(p, m)
		durable = r.sessions[p.user]
	case OpRoute, OpInApp, OpDismiss, OpDecline, OpShown:
		changes := m.Op == OpDismiss || m.Op == OpShown
		if s := r.sessions[p.user]; changes && s != nil {
			if err = s.mayChange(p); err != nil {
				break
			}
		}
		err = r.receiveInApp(p, m)
		if changes {
			durable = r.sessions[p.user]
		}
	case OpBye:
		r.leave(p)
	case OpLock:
		err = r.watchTab(p, m.Lock)
	default:
		err = fmt.Errorf("unknown op %q", m.Op)
	}
	return durable, err
}

// setUser moves tab p to another person (or to none), starting that person's
// session if needed and stopping one no tab uses any more.
func (r *Runtime) setUser(p *port, user string) {
	old := p.user
	if old == user {
		return
	}
	p.user = user
	p.attributes = nil
	if user == "" {
		p.signature = ""
		r.watchToken(p)
	}
	if s := r.sessions[old]; s != nil && r.usersPorts(old) == 0 {
		s.stop()
		delete(r.sessions, old)
	}
	if user != "" && r.sessions[user] == nil && r.endpoint != "" {
		r.sessions[user] = r.startSession(user, p.signature, nil)
	}
	r.updateVisibility(old)
	r.updateVisibility(user)
	r.postSnapshots(p)
}

// postSnapshots posts a fresh snapshot to every view of tab p; r.mu is held.
func (r *Runtime) postSnapshots(p *port) {
	for view := range p.views {
		r.postSnapshot(p, view)
	}
}

// setSignature makes signature the one session s polls with and returns the
// person's session; r.mu is held. With a Coordinator the tabs that share
// answers are those with the same signature, so the session starts over in
// the group of the new one (its unsent events go with it): it must neither
// keep serving the old group with answers the old signature did not earn,
// nor pass a refusal of the new one to tabs whose signature is good. The new
// session takes over the person's messages, so the tab's views do not blank
// while the new signature is checked (they show nothing new until then).
func (r *Runtime) setSignature(s *session, signature string) *session {
	if signature == s.signature {
		return s
	}
	if r.opts.Coordinator == nil {
		s.useSignature(signature)
		s.pending = true // until the server's verdict, or a failed poll
		return s
	}
	s.stop()
	ns := r.startSession(s.user, signature, s)
	r.sessions[s.user] = ns
	r.updateVisibility(s.user)
	return ns
}

// startWaitingSessions starts the sessions of tabs that identified before the
// runtime knew its endpoint: with the signature of the first of the person's
// tabs; the others' are checked (identity.go).
func (r *Runtime) startWaitingSessions() {
	for _, p := range r.ports {
		if p.user != "" && r.sessions[p.user] == nil {
			r.sessions[p.user] = r.startSession(p.user, p.signature, nil)
			r.updateVisibility(p.user)
		}
	}
	for _, p := range r.ports {
		if s := r.sessions[p.user]; s != nil {
			r.check(s, p, false)
			r.postSnapshots(p)
		}
	}
}

func (r *Runtime) usersPorts(user string) int {
	n := 0
	for _, p := range r.ports {
		if p.user == user {
			n++
		}
	}
	return n
}

// updateVisibility lets the person's poll loop run while any of their tabs is visible.
func (r *Runtime) updateVisibility(user string) {
	s := r.sessions[user]
	if s == nil {
		return
	}
	visible := false
	for _, p := range r.ports {
		visible = visible || (p.user == user && p.visible)
	}
	s.loop.SetVisible(visible)
	r.pumpInApp(user)
}

// postSnapshot posts view's snapshot to tab p; r.mu is held. A tab sees
// the person's messages only with a signature the server accepted
// (identity.go); while its signature is being checked it gets nothing (no
// empty list that only means "not known yet"), and once refused, or not
// known after the first answer's wait, an empty list.
func (r *Runtime) postSnapshot(p *port, view int) {
	snap := inbox.Snapshot{Messages: []inbox.ViewMessage{}}
	if s := r.sessions[p.user]; s != nil {
		switch {
		case p.resumed[view] && !s.answered:
			return // a view resumed from a dead runtime waits for an answer
		case s.admits(p):
			if !s.settled {
				return // no empty list before the person's messages are known (session.settle)
			}
			snap = s.store.Snapshot(p.views[view])
		case s.checking(p.signature):
			return
		}
	}
	r.host.Post(p.id, encode(outMsg{Op: OpSnapshot, View: view, Snapshot: &snap}))
}

// broadcast posts fresh snapshots to every view of every tab of user.
func (r *Runtime) broadcast(user string) {
	for _, p := range r.ports {
		if p.user != user {
			continue
		}
		for view := range p.views {
			r.postSnapshot(p, view)
		}
	}
}

// endResumed makes the resumed views of user's tabs plain views, once the
// person's messages are known; r.mu is held.
func (r *Runtime) endResumed(user string) {
	for _, p := range r.ports {
		if p.user == user {
			p.resumed = nil
		}
	}
}

// emitUser sends an analytics.on() event to every tab of user that has
// the session's signature or one the server accepted (identity.go).
func (r *Runtime) emitUser(user, name string, data any) {
	s := r.sessions[user]
	for _, p := range r.ports {
		if p.user == user && (s == nil || s.admits(p) || p.signature == s.signature) {
			r.emit(p.id, name, data)
		}
	}
}

func (r *Runtime) emit(portID int, name string, data any) {
	r.host.Post(portID, encode(outMsg{Op: OpEmit, Name: name, Data: data}))
}

// click records a page's click on a message (inbox, or an in-app message
// shown here) and queues its event for the server. Marks (opened,
// unopened, deleted) go through markBatch, one id or many.
func (r *Runtime) click(p *port, m inMsg) error {
	s := r.sessions[p.user]
	if s == nil {
		return fmt.Errorf("no person is identified")
	}
	if err := s.mayChange(p); err != nil {
		return err
	}
	event := inbox.Event{DeliveryID: m.DeliveryID, Action: m.Action, Type: inbox.EventClicked}
	if s.store.Has(m.DeliveryID) {
		changed, err := s.store.MarkDelivered(m.DeliveryID)
		if err != nil {
			return err
		}
		if changed {
			s.applied(true)
			s.loop.share(event) // the person's tabs with their own runtime show it at once
		}
	} else if !r.inAppShown(p.user, m.DeliveryID) {
		return fmt.Errorf("%w %q", inbox.ErrUnknownMessage, m.DeliveryID)
	}
	event.ID = newID()
	event.AtMs = r.opts.Clock.Now().UnixMilli()
	s.queue(event)
	return nil
}
