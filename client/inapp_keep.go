package client

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/roostmsg/roost/inbox"
)

// A person's persistent in-app messages that were claimed here and not
// dismissed yet are kept under inAppPrefix + the person's id, so the next
// page load (or revived runtime) shows them again until the person
// dismisses them; the server lists a claimed message no more.
const inAppPrefix = "inapp/"

// storedInApp is the stored form of a person's kept in-app messages;
// Signature as in storedInbox.
type storedInApp struct {
	Signature string      `json:"signature"`
	Messages  []keptInApp `json:"messages"`
}

// keptInApp is a kept in-app message with the fields the runtime needs to show it again.
type keptInApp struct {
	Message  inbox.InAppMessage `json:"message"`
	PageRule string             `json:"page_rule,omitempty"`
	SentAtMs int64              `json:"sent_at_ms"`
	// Opened: a tab showed it and its opened event is queued; showing it
	// again after a reload records no second one.
	Opened bool `json:"opened,omitempty"`
}

// keepInApp hands the person's kept in-app messages to storage; r.mu is held.
func (r *Runtime) keepInApp(user string, st *inAppPerson) {
	s := r.sessions[user]
	if s == nil || s.forgotten {
		return // kept in memory: the next session of this runtime shows it
	}
	out := storedInApp{Signature: signatureDigest(s.signature), Messages: []keptInApp{}}
	for _, m := range st.kept {
		out.Messages = append(out.Messages, keptInApp{Message: m, PageRule: m.PageRule, SentAtMs: m.SentAtMs, Opened: st.opened[m.DeliveryID]})
	}
	sort.Slice(out.Messages, func(i, j int) bool {
		return inbox.CompareInApp(out.Messages[i].Message, out.Messages[j].Message) < 0
	})
	value, err := json.Marshal(out)
	if err != nil {
		return // only encodable values
	}
	s.inAppKeeper.put(value)
}

// restoreInApp takes the persistent in-app messages an earlier page load
// kept; it runs on the loop's goroutine before the first poll. A bad value
// is reported and ignored.
func (s *session) restoreInApp(session context.Context) {
	var kept storedInApp
	if !s.readKept(session, inAppPrefix+s.user, "the kept in-app messages", &kept) {
		return
	}
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.forgotten || kept.Signature != signatureDigest(s.signature) {
		return
	}
	st := r.inapp.person(s.user)
	for _, k := range kept.Messages {
		id := k.Message.DeliveryID
		if dismissed := st.shown[id]; dismissed || id == "" {
			continue
		}
		m := k.Message
		m.PageRule, m.SentAtMs, m.Persistent = k.PageRule, k.SentAtMs, true
		st.kept[id] = m
		st.settled[id] = true // claimed: never claimed again
		if k.Opened {
			st.opened[id] = true
		}
	}
	r.pumpInApp(s.user)
}
