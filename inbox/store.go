package inbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"time"

	"github.com/roostmsg/roost/render"
)

// Store is one person's messages in the browser runtime: the server's queue as
// last polled, rendered once per delivery, with the local changes the server has
// not confirmed yet laid on top.
type Store struct {
	renderer *render.Renderer
	now      func() time.Time
	items    map[string]*item
	// local holds changes made in the browser until a poll shows the server agrees.
	local map[string]localState
	// failed remembers deliveries whose content could not be rendered, so each is reported once.
	failed map[string]bool
	// pending holds changes (event types, oldest first) to messages the store
	// does not have yet, applied when a message arrives (see Overlay).
	pending map[string][]string
}

type item struct {
	msg   Message
	props json.RawMessage
}

type localState struct {
	opened  bool
	deleted bool
	// delivered is set once the page marked the message (opened, unopened,
	// deleted or clicked): the server then no longer expires it.
	delivered bool
}

// Problem is a message that could not be shown, with the reason.
type Problem struct {
	DeliveryID string
	Err        error
}

// NewStore returns an empty store rendering with r; now is the clock (time.Now when nil).
func NewStore(r *render.Renderer, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{renderer: r, now: now, items: map[string]*item{}, local: map[string]localState{}, failed: map[string]bool{},
		pending: map[string][]string{}}
}

// Replace makes msgs the server's current queue. New or changed messages are
// rendered; a message that is invalid or fails to render is left out and
// returned as a Problem (once per delivery). It reports whether anything a
// page can see changed.
func (s *Store) Replace(msgs []Message) (changed bool, problems []Problem) {
	next := make(map[string]*item, len(msgs))
	for i := range msgs {
		m := msgs[i]
		if err := m.Validate(); err != nil {
			problems = s.fail(problems, m.DeliveryID, err)
			continue
		}
		old, ok := s.items[m.DeliveryID]
		if ok && sameContent(&old.msg, &m) {
			if !equalState(&old.msg, &m) {
				changed = true
			}
			old.msg = m
			next[m.DeliveryID] = old
			continue
		}
		props, err := s.renderer.Content(m.Content, m.Customer, m.Trigger)
		if err != nil {
			problems = s.fail(problems, m.DeliveryID, err)
			continue
		}
		next[m.DeliveryID] = &item{msg: m, props: props}
		changed = true
	}
	if len(next) != len(s.items) {
		changed = true
	}
	s.items = next
	for id, l := range s.local {
		it, ok := s.items[id]
		if !ok || (it.msg.Opened == l.opened && !l.deleted && (it.msg.ExpiresAtMs == 0 || !l.delivered)) {
			delete(s.local, id) // the server agrees, or the message is gone
		}
	}
	for id, types := range s.pending {
		if _, ok := s.items[id]; ok {
			delete(s.pending, id)
			for _, typ := range types {
				c, _ := s.apply(id, typ)
				changed = changed || c
			}
		}
	}
	return changed, problems
}

// Overlay applies changes the page made that the server may not know of
// yet: the opened, unopened, deleted and clicked events still waiting to be
// sent (say, stored before a reload), oldest first. A change to a message
// the store does not hold yet is applied when it arrives. Other events are
// ignored. It reports whether anything a page can see changed.
func (s *Store) Overlay(events []Event) (changed bool) {
	for _, e := range events {
		if _, ok := s.items[e.DeliveryID]; !ok {
			if e.DeliveryID != "" && marks(e.Type) {
				s.pending[e.DeliveryID] = append(s.pending[e.DeliveryID], e.Type)
			}
			continue
		}
		c, _ := s.apply(e.DeliveryID, e.Type)
		changed = changed || c
	}
	return changed
}

// marks reports whether an event of type typ is a page's mark of an inbox message.
func marks(typ string) bool {
	switch typ {
	case EventOpened, EventUnopened, EventDeleted, EventClicked:
		return true
	}
	return false
}

// apply makes the change an event of type typ stands for to message id.
func (s *Store) apply(id, typ string) (bool, error) {
	switch typ {
	case EventOpened, EventUnopened:
		return s.SetOpened(id, typ == EventOpened)
	case EventDeleted:
		return s.Delete(id)
	case EventClicked:
		return s.MarkDelivered(id)
	}
	return false, nil
}

// Reject records messages of a poll answer that could not be decoded
// (PollResponse.Dropped) and returns those not reported before: each
// delivery is reported once, as by Replace.
func (s *Store) Reject(dropped []Problem) (problems []Problem) {
	for _, p := range dropped {
		problems = s.fail(problems, p.DeliveryID, p.Err)
	}
	return problems
}

func (s *Store) fail(problems []Problem, id string, err error) []Problem {
	if s.failed[id] {
		return problems
	}
	s.failed[id] = true
	return append(problems, Problem{DeliveryID: id, Err: err})
}

func sameContent(a, b *Message) bool {
	return string(a.Content) == string(b.Content) && jsonEqual(a.Trigger, b.Trigger) && jsonEqual(a.Customer, b.Customer)
}

// jsonEqual reports whether two values decoded from JSON (maps, slices,
// strings, numbers, booleans and nil) are equal. An unchanged poll answer
// compares every message's data with it, so it matters that it is cheap.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case string, float64, bool, nil, json.Number:
		return a == b
	}
	return reflect.DeepEqual(a, b) // a Go value, from a test or an embedder
}

func equalState(a, b *Message) bool {
	return a.Opened == b.Opened && a.ExpiresAtMs == b.ExpiresAtMs && a.SentAtMs == b.SentAtMs &&
		a.Type == b.Type && slices.Equal(a.Topics, b.Topics) && a.Priority == b.Priority
}

// Has reports whether the store holds the delivery.
func (s *Store) Has(id string) bool {
	_, ok := s.items[id]
	return ok
}

// ErrUnknownMessage is returned for a delivery id the store does not hold.
var ErrUnknownMessage = fmt.Errorf("unknown message")

// SetOpened marks an inbox message opened or unopened locally, which also
// delivers it (it no longer expires); it reports whether the state changed.
func (s *Store) SetOpened(id string, opened bool) (bool, error) {
	return s.change(id, func(l *localState) { l.opened = opened })
}

// Delete removes an inbox message locally; it reports whether it was visible.
func (s *Store) Delete(id string) (bool, error) {
	return s.change(id, func(l *localState) { l.deleted = true })
}

// MarkDelivered records that the page marked a message in a way that does
// not change what it shows (a click): it no longer expires. It reports
// whether the state changed.
func (s *Store) MarkDelivered(id string) (bool, error) {
	return s.change(id, func(*localState) {})
}

// change applies set to message id's local state and delivers it; it
// reports whether the state changed.
func (s *Store) change(id string, set func(*localState)) (bool, error) {
	it, ok := s.items[id]
	if !ok {
		return false, fmt.Errorf("%w %q", ErrUnknownMessage, id)
	}
	old := s.state(it)
	l := old
	set(&l)
	l.delivered = true
	if l == old {
		return false, nil
	}
	s.local[id] = l
	return true, nil
}

func (s *Store) state(it *item) localState {
	if l, ok := s.local[it.msg.DeliveryID]; ok {
		return l
	}
	return localState{opened: it.msg.Opened, delivered: it.msg.ExpiresAtMs == 0}
}

// expiresAtMs is when message it expires, in unix ms (0: never): a message
// the page marked no longer expires.
func (s *Store) expiresAtMs(it *item) int64 {
	if s.state(it).delivered {
		return 0
	}
	return it.msg.ExpiresAtMs
}

// expired reports whether message it has expired at nowMs.
func (s *Store) expired(it *item, nowMs int64) bool {
	at := s.expiresAtMs(it)
	return at != 0 && at <= nowMs
}

// NextExpiry returns the first time after since when a message expires (one
// the page has not marked), or the zero time when none does: the runtime
// refreshes the pages then, without a poll. With since the last time it did,
// an expiry already past is returned too: the pages may still show that message.
func (s *Store) NextExpiry(since time.Time) time.Time {
	sinceMs := since.UnixMilli()
	var next int64
	for _, it := range s.items {
		if at := s.expiresAtMs(it); at != 0 && at > sinceMs && (next == 0 || at < next) {
			next = at
		}
	}
	if next == 0 {
		return time.Time{}
	}
	return time.UnixMilli(next)
}

// ViewMessage is an inbox message as page JS sees it (the shim adds methods).
type ViewMessage struct {
	DeliveryID  string          `json:"deliveryId"`
	Opened      bool            `json:"opened"`
	Properties  json.RawMessage `json:"properties"`
	SentAtMs    int64           `json:"sentAt"`
	ExpiresAtMs int64           `json:"expiresAt,omitempty"`
	Type        string          `json:"type"`
	Topics      []string        `json:"topics"`
}

// Snapshot is what one analytics.inbox() view shows: its messages, newest first, and counts.
type Snapshot struct {
	Messages []ViewMessage `json:"messages"`
	Total    int           `json:"total"`
	Unopened int           `json:"unopened"`
}

// Snapshot returns the visible inbox messages that pass f: not deleted, not expired.
func (s *Store) Snapshot(f Filter) Snapshot {
	nowMs := s.now().UnixMilli()
	snap := Snapshot{Messages: []ViewMessage{}}
	for _, it := range s.items {
		m := &it.msg
		l := s.state(it)
		if m.Channel != ChannelInbox || l.deleted || s.expired(it, nowMs) || !f.Match(m) {
			continue
		}
		topics := m.Topics
		if topics == nil {
			topics = []string{}
		}
		snap.Messages = append(snap.Messages, ViewMessage{
			DeliveryID: m.DeliveryID, Opened: l.opened, Properties: it.props,
			SentAtMs: m.SentAtMs, ExpiresAtMs: s.expiresAtMs(it), Type: m.Type, Topics: topics,
		})
		if !l.opened {
			snap.Unopened++
		}
	}
	// sort.Slice rather than slices.SortFunc: each struct type slices sorts
	// adds some 25 KB of generic code to the browser build.
	sort.Slice(snap.Messages, func(i, j int) bool {
		a, b := snap.Messages[i], snap.Messages[j]
		return cmp.Or(cmp.Compare(b.SentAtMs, a.SentAtMs), cmp.Compare(b.DeliveryID, a.DeliveryID)) < 0
	})
	snap.Total = len(snap.Messages)
	return snap
}

// Queued reports how many unexpired messages the server has queued for the
// person; the poll schedule uses it to pick the Active tier.
func (s *Store) Queued() int {
	nowMs := s.now().UnixMilli()
	n := 0
	for _, it := range s.items {
		if !s.expired(it, nowMs) {
			n++
		}
	}
	return n
}
