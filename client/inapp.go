package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// In-app messages wait until the person is present: a tab of theirs is
// visible, has an in-app-message handler, and its route matches the
// message's page rule. The runtime then claims the message with a delivered
// event (the server acknowledges one claim per message, in any browser) and,
// once acknowledged, hands it to one such tab. One message at a time per
// person, higher priority first: the next is claimed when the current one is
// dismissed or its tab went away.

// Op names of the in-app part of the protocol.
const (
	// OpRoute (tab to runtime): path, the page's location.pathname, sent at
	// start and after every navigation.
	OpRoute = "route"
	// OpInApp from a tab: listening, whether the page has an in-app-message
	// handler (only such tabs are given in-app messages). To a tab: message,
	// the in-app message it is to show (an inbox.InAppMessage).
	OpInApp = "inapp"
	// OpDismiss (tab to runtime): rid, deliveryId: the page dismissed the in-app message.
	OpDismiss = "dismiss"
	// OpShown (tab to runtime): rid (optional), deliveryId: the tab showed the
	// in-app message it was given (the page heard in-app:message-opened); the
	// runtime queues an opened event for it, once per message.
	OpShown = "shown"
	// OpDecline (tab to runtime): deliveryId: the tab was given an in-app
	// message after its last handler went; another tab gets it.
	OpDecline = "decline"
)

// tabPresence is what a tab told the runtime about showing in-app messages.
type tabPresence struct {
	route     string
	listening bool
	// since orders tabs by their last navigation or handler change: of the
	// tabs that can show a message, the most recent one gets it.
	since uint64
}

// inAppRuntime is the in-app state of every person of the runtime. It
// outlives sessions, so a claim answered after the person's last tab left
// is shown by their next one.
type inAppRuntime struct {
	seq    uint64
	people map[string]*inAppPerson
}

// inAppPerson is one person's in-app delivery state.
type inAppPerson struct {
	// settled are messages never to claim again: claimed here or elsewhere, or dismissed.
	settled map[string]bool
	// shown are the messages handed to a tab (clicks on them are accepted),
	// true once dismissed.
	shown map[string]bool
	// opened are the messages a tab said it showed: their opened event is queued.
	opened map[string]bool
	// claims are claims not answered yet (sent, or failed on the network): a
	// retry reuses the event, so a claim whose answer was lost is
	// acknowledged, and the message stays a candidate even when a poll no
	// longer lists it.
	claims map[string]*claim
	// current is the message being claimed or shown; nil for none.
	current *showing
	// backoff holds claims back after one failed on the network, until the retry.
	backoff bool
	// kept are the persistent messages claimed here and not dismissed: they
	// show again, in another tab or page load, until dismissed.
	kept map[string]inbox.InAppMessage
}

type claim struct {
	event inbox.Event
	msg   inbox.InAppMessage
}

// showing is the in-app message of a person being claimed or shown.
type showing struct {
	msg inbox.InAppMessage
	// won: the server acknowledged the claim.
	won bool
	// port is the tab showing it; 0 while claiming or waiting for a tab.
	port int
}

func (a *inAppRuntime) person(user string) *inAppPerson {
	if a.people == nil {
		a.people = map[string]*inAppPerson{}
	}
	st := a.people[user]
	if st == nil {
		st = &inAppPerson{settled: map[string]bool{}, shown: map[string]bool{}, opened: map[string]bool{}, claims: map[string]*claim{}, kept: map[string]inbox.InAppMessage{}}
		a.people[user] = st
	}
	return st
}

func (a *inAppRuntime) next() uint64 {
	a.seq++
	return a.seq
}

// inAppOut is the runtime's OpInApp message to a tab.
type inAppOut struct {
	Op      string             `json:"op"`
	Message inbox.InAppMessage `json:"message"`
}

// receiveInApp handles a tab's in-app ops; r.mu is held.
func (r *Runtime) receiveInApp(p *port, m inMsg) error {
	switch m.Op {
	case OpRoute:
		p.tab.route, p.tab.since = m.Path, r.inapp.next()
	case OpInApp:
		p.tab.listening, p.tab.since = m.Listening, r.inapp.next()
	case OpDecline:
		st := r.inapp.person(p.user)
		if cur := st.current; cur != nil && cur.port == p.id && cur.msg.DeliveryID == m.DeliveryID {
			cur.port = 0
			delete(st.shown, m.DeliveryID)
			p.tab.listening = false
		}
	case OpDismiss:
		if err := r.dismiss(p, m.DeliveryID); err != nil {
			return err
		}
	case OpShown:
		if err := r.opened(p, m.DeliveryID); err != nil {
			return err
		}
	}
	r.pumpInApp(p.user)
	return nil
}

// dismiss records that the page dismissed an in-app message and queues the
// dismissed event; r.mu is held.
func (r *Runtime) dismiss(p *port, id string) error {
	st := r.inapp.person(p.user)
	dismissed, shown := st.shown[id]
	if !shown {
		return fmt.Errorf("%w %q: no in-app message with this id was shown", inbox.ErrUnknownMessage, id)
	}
	if dismissed {
		return nil
	}
	st.shown[id] = true
	if st.current != nil && st.current.msg.DeliveryID == id {
		st.current = nil
	}
	if _, kept := st.kept[id]; kept {
		delete(st.kept, id)
		r.keepInApp(p.user, st)
	}
	r.hold(p.user, []inbox.Event{{ID: newID(), DeliveryID: id, Type: inbox.EventDismissed, AtMs: r.opts.Clock.Now().UnixMilli()}})
	return nil
}

// opened records that a tab showed an in-app message and queues its opened
// event, once per message: a persistent message shown again (in another tab,
// or after a reload, see keptInApp.Opened) records nothing more; r.mu is held.
func (r *Runtime) opened(p *port, id string) error {
	st := r.inapp.person(p.user)
	if _, shown := st.shown[id]; !shown {
		return fmt.Errorf("%w %q: no in-app message with this id was shown", inbox.ErrUnknownMessage, id)
	}
	if st.opened[id] {
		return nil
	}
	st.opened[id] = true
	if _, kept := st.kept[id]; kept {
		r.keepInApp(p.user, st)
	}
	r.hold(p.user, []inbox.Event{{ID: newID(), DeliveryID: id, Type: inbox.EventOpened, AtMs: r.opts.Clock.Now().UnixMilli()}})
	return nil
}

// inAppShown reports whether the in-app message was handed to a tab of user.
func (r *Runtime) inAppShown(user, id string) bool {
	_, shown := r.inapp.person(user).shown[id]
	return shown
}

// pumpInApp moves user's in-app delivery on: it notices that the tab
// showing a message went away, shows a claimed message once a tab can, or
// claims the next message some tab can show; r.mu is held.
func (r *Runtime) pumpInApp(user string) {
	if user == "" {
		return
	}
	st := r.inapp.person(user)
	if cur := st.current; cur != nil {
		switch {
		case !cur.won:
			return // the claim is on its way
		case cur.port == 0:
			if p := r.inAppTab(user, cur.msg.PageRule); p != nil {
				r.showInApp(p, st, cur)
			}
			return
		}
		if p := r.ports[cur.port]; p != nil && p.user == user {
			return // shown until dismissed
		}
		if cur.msg.Persistent {
			cur.port = 0 // its tab went away undismissed: another shows it
			if p := r.inAppTab(user, cur.msg.PageRule); p != nil {
				r.showInApp(p, st, cur)
			}
			return
		}
		st.current = nil // its tab went away: it was shown, once
	}
	if len(st.kept) > 0 {
		kept := slices.Collect(maps.Values(st.kept))
		inbox.SortInApp(kept)
		for _, m := range kept {
			if p := r.inAppTab(user, m.PageRule); p != nil {
				cur := &showing{msg: m, won: true}
				st.current = cur
				r.showInApp(p, st, cur)
				return
			}
		}
	}
	s := r.sessions[user]
	if s == nil || s.refused || st.backoff {
		return
	}
	for _, m := range st.candidates(s.store.InApp()) {
		if r.inAppTab(user, m.PageRule) == nil {
			continue
		}
		c := st.claims[m.DeliveryID]
		if c == nil {
			c = &claim{event: inbox.Event{ID: newID(), DeliveryID: m.DeliveryID, Type: inbox.EventDelivered, AtMs: r.opts.Clock.Now().UnixMilli()}}
			st.claims[m.DeliveryID] = c
		}
		c.msg = m
		st.current = &showing{msg: m}
		go s.claim(c.event)
		return
	}
}

// candidates are the messages that may be claimed, in show order: the
// store's, and those of unanswered claims, less the settled ones.
func (st *inAppPerson) candidates(stored []inbox.InAppMessage) []inbox.InAppMessage {
	out := stored[:0:0]
	for _, m := range stored {
		if !st.settled[m.DeliveryID] && st.claims[m.DeliveryID] == nil {
			out = append(out, m)
		}
	}
	for _, c := range st.claims {
		out = append(out, c.msg)
	}
	inbox.SortInApp(out)
	return out
}

// inAppTab returns the tab of user that is to show a message with the page
// rule, or nil when none can: visible, with a handler, on a matching route.
func (r *Runtime) inAppTab(user, rule string) *port {
	var best *port
	s := r.sessions[user]
	for _, p := range r.ports {
		if p.user != user || !p.visible || !p.tab.listening || !inbox.MatchPage(rule, p.tab.route) || s == nil || !s.admits(p) {
			continue
		}
		if best == nil || p.tab.since > best.tab.since || (p.tab.since == best.tab.since && p.id < best.id) {
			best = p
		}
	}
	return best
}

func (r *Runtime) showInApp(p *port, st *inAppPerson, cur *showing) {
	cur.port = p.id
	st.shown[cur.msg.DeliveryID] = false
	b, _ := json.Marshal(inAppOut{Op: OpInApp, Message: cur.msg}) // only encodable values
	r.host.Post(p.id, b)
}

// claimTimeout is how long a claim waits for the server's answer before it
// counts as not answered.
const claimTimeout = 30 * time.Second

// claim posts the delivered event that claims an in-app message, waits for
// the answer and moves on: acknowledged, the message is shown; rejected
// (another browser claimed it), it is dropped, silently when it was already
// delivered; not answered, it is claimed again after EventRetry (or the
// longer Retry-After of a 429: claims share the person's events budget).
func (s *session) claim(e inbox.Event) {
	// A stalled connection must not hold every later in-app message back:
	// give up after claimTimeout (the retry reuses the event id, so a claim
	// that landed is still acknowledged then).
	ctx, cancel := context.WithTimeout(context.Background(), claimTimeout)
	defer cancel()
	ack, err := s.postEvents(ctx, []inbox.Event{e})
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.inapp.person(s.user)
	id := e.DeliveryID
	cur := st.current
	if cur == nil || cur.msg.DeliveryID != id {
		return // cannot happen: nothing else starts while a claim is on its way
	}
	if err == nil {
		rejected := slices.IndexFunc(ack.Rejected, func(x inbox.RejectedEvent) bool { return x.ID == e.ID })
		switch {
		case slices.Contains(ack.Acknowledged, e.ID):
			cur.won = true
			if cur.msg.Persistent {
				st.kept[id] = cur.msg
				r.keepInApp(s.user, st)
			}
		case rejected >= 0:
			st.current = nil
			if reason := ack.Rejected[rejected].Error; reason != inbox.RejectAlreadyDelivered {
				r.emitUser(s.user, EventMessageError, map[string]string{"deliveryId": id, "error": "in-app message not shown: its claim was rejected: " + reason})
			}
		default:
			err = errors.New("events: the answer neither acknowledged nor rejected the claim")
		}
		if err == nil {
			delete(st.claims, id)
			st.settled[id] = true
		}
	}
	if err != nil {
		st.current = nil
		switch {
		case errors.Is(err, errRefused): // claimed again once the page identifies the person again
		case errors.Is(err, errStaleSignature): // claimed again at once, with the new signature
		default:
			st.backoff = true
			go r.endBackoff(s.user, r.retryWait(err))
		}
	}
	r.pumpInApp(s.user)
}

func (r *Runtime) endBackoff(user string, after time.Duration) {
	<-r.opts.Clock.After(after)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inapp.person(user).backoff = false
	r.pumpInApp(user)
}
