package client

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Who sees a person's messages. One runtime may serve several tabs of a
// person (a SharedWorker serves every tab of the origin), each with the
// signature its page gave; a page may also give a signature that is not the
// person's. So a tab sees the person's messages (snapshots, in-app messages,
// message errors) and may change them (marks, clicks, dismissals, attributes)
// only while its own signature is one the server accepted for the person in
// this session: a poll, a check or an event post with it was answered, or
// the inbox the last page load kept was polled with exactly it. A tab that
// gives another signature than the session's has it checked by a poll of its
// own (a probe) while the session goes on polling with the accepted one; a
// refusal reaches only the tabs that gave the refused signature. Only when
// the server refused the session's own signature does a new one replace it.
// With a Coordinator a runtime serves one tab: a new signature starts the
// session over in the group of tabs with that signature (setSignature).

// defaultTokenLead is Options.TokenLead when zero.
const defaultTokenLead = 60 * time.Second

// minTokenLead is the least time before a token's expiry its tabs are asked
// for a fresh one, however short its life (unless Options.TokenLead is less).
const minTokenLead = time.Second

// identify moves tab p to user. An identify of the tab's own person without
// a signature keeps the tab's last one; the tab's signature is checked as
// above. Identifying a person the server refused tries again, once, with the
// (possibly new) signature. Attributes, when given, are queued for the server
// once the tab's signature is accepted.
func (r *Runtime) identify(p *port, user, signature string, attributes map[string]any) error {
	if err := checkAttributes(attributes); err != nil {
		return err
	}
	again := user == p.user
	if again && signature == "" {
		signature = p.signature
	}
	changed := !again || signature != p.signature
	p.signature = signature
	if changed {
		r.watchToken(p)
	}
	if s := r.sessions[user]; s != nil {
		r.check(s, p, again) // before the tab's views are posted: no empty list while it is checked
	}
	r.setUser(p, user) // starts the person's session with the tab's signature when none runs
	if attributes != nil {
		p.attributes = attributes
	}
	if again && changed {
		r.postSnapshots(p)
	}
	r.queueAttributes(p)
	return nil
}

// check makes sure the server checks tab p's signature for session s, and
// wakes the session when the tab identified its person again; r.mu is held.
func (r *Runtime) check(s *session, p *port, again bool) {
	signature := p.signature
	switch {
	case signature == s.signature:
		delete(s.rejected, signature)
		if s.refused {
			s.resume()
		} else if again || r.expired(signature) {
			s.loop.Wake() // an expired token: the server says so now, not at the next poll
		}
	case s.trusts(signature):
		if later(signature, s.signature) && r.opts.Coordinator == nil {
			s.useSignature(signature)
		}
		if again {
			s.loop.Wake()
		}
	case s.refused || r.opts.Coordinator != nil:
		// The session's signature is refused (or, with a Coordinator, the
		// tab is the session's only one): the new one replaces it.
		delete(s.rejected, signature)
		s = r.setSignature(s, signature)
		if s.refused {
			s.resume()
		} else if again {
			s.loop.Wake() // a follower asks the group's leader
		}
	default:
		delete(s.rejected, signature)
		s.probe(signature)
	}
}

// checkAttributes returns an error for attributes an identify may not give.
func checkAttributes(attributes map[string]any) error {
	if attributes == nil {
		return nil
	}
	raw, err := json.Marshal(attributes)
	switch {
	case err != nil:
		return fmt.Errorf("identify: the attributes are not JSON: %w", err)
	case len(raw) > inbox.MaxIdentifyJSON:
		return fmt.Errorf("identify: the attributes take %d bytes of JSON, over the limit of %d", len(raw), inbox.MaxIdentifyJSON)
	}
	return nil
}

// queueAttributes queues an identify event with the attributes tab p gave,
// once the server accepted its signature, unless the same ones were queued
// last for the person; r.mu is held. The event goes to the person's
// session, or waits for it.
func (r *Runtime) queueAttributes(p *port) {
	s := r.sessions[p.user]
	if p.attributes == nil || s == nil || !s.admits(p) {
		return
	}
	attributes := p.attributes
	p.attributes = nil
	raw, _ := json.Marshal(attributes) // checked by checkAttributes
	if r.attributes[p.user] == string(raw) {
		return
	}
	r.attributes[p.user] = string(raw)
	r.hold(p.user, []inbox.Event{{ID: newID(), Type: inbox.EventIdentify, Attributes: attributes, AtMs: r.opts.Clock.Now().UnixMilli()}})
}

// admits reports whether tab p may see and change the person's messages:
// the server accepted its signature in this session, and it has not expired
// since (trusts); r.mu is held.
func (s *session) admits(p *port) bool { return s.trusts(p.signature) }

// trusts reports whether the server accepted signature for the person in
// this session and, when it is an identity token, its expiry has not passed
// by the runtime's clock: an accepted token that expired since counts as
// never accepted, so that a tab giving it has it checked by the server
// (which refuses it) rather than seeing the person's messages. r.mu is held.
func (s *session) trusts(signature string) bool {
	if !s.accepted[signature] {
		return false
	}
	if s.r.expired(signature) {
		delete(s.accepted, signature) // the server refuses it now
		return false
	}
	return true
}

// expired reports whether signature is an identity token whose expiry has
// passed by the server's clock as the runtime knows it (serverNow); r.mu is held.
func (r *Runtime) expired(signature string) bool {
	exp, ok := tokenExpiry(signature)
	return ok && !r.serverNow().Before(exp)
}

// checking reports whether signature is being checked: by a probe, or as the
// session's own before its first answer (or its wait) came; r.mu is held.
func (s *session) checking(signature string) bool {
	return s.probing[signature] || (signature == s.signature && s.pending)
}

// errNotAdmitted is the error of a change from a tab whose signature the
// server has not accepted for the person.
var errNotAdmitted = fmt.Errorf("the server has not accepted this page's signature for the person (yet): identify them with their own")

// mayChange returns an error when tab p may not change the person's
// messages: its signature is neither accepted nor the session's own (whose
// events wait for an accepted one); r.mu is held.
func (s *session) mayChange(p *port) error {
	if s.admits(p) || p.signature == s.signature {
		return nil
	}
	return errNotAdmitted
}

// accept records that the server accepted signature for the person; the
// tabs that gave it see the person's messages. A session the server refused
// polls with it from now on, as does one whose signature expires sooner.
// A token expired by the runtime's clock is not recorded (an answer with it
// may have been on its way at the expiry); r.mu is held.
func (s *session) accept(signature string) {
	if s.trusts(signature) || s.r.expired(signature) {
		return
	}
	s.accepted[signature] = true
	delete(s.rejected, signature)
	if signature == s.signature {
		s.pending = false
	}
	r := s.r
	if r.opts.Coordinator == nil && signature != s.signature && (s.refused || later(signature, s.signature)) {
		s.useSignature(signature)
		if s.refused {
			s.resume()
		}
	}
	for _, p := range r.ports {
		if p.user == s.user && p.signature == signature {
			r.queueAttributes(p)
			r.postSnapshots(p)
		}
	}
	r.pumpInApp(s.user) // an in-app message may now show in their tab
}

// reject records that the server refused signature for the person: the
// tabs that gave it hear of it once (until they give it again), see an
// empty list, and their waiting attributes go; r.mu is held.
func (s *session) reject(signature string, status int, body []byte) {
	delete(s.accepted, signature)
	if signature == s.signature {
		s.pending = false
	}
	if s.rejected[signature] {
		return
	}
	s.rejected[signature] = true
	r := s.r
	for _, p := range r.ports {
		if p.user == s.user && p.signature == signature {
			p.attributes = nil
			msg := serverError(status, body)
			r.emit(p.id, EventIdentityError, map[string]any{"user": s.user, "status": status, "reason": identityReason(status, msg), "error": msg})
			r.postSnapshots(p)
		}
	}
}

// alternative returns the signature, other than the session's, that a tab
// of the person gave and the server accepted, the one expiring last; "" when
// there is none (always with a Coordinator: one tab, one signature); r.mu is held.
func (s *session) alternative() string {
	best := ""
	if s.r.opts.Coordinator != nil {
		return ""
	}
	for _, p := range s.r.ports {
		if p.user == s.user && p.signature != s.signature && s.trusts(p.signature) && (best == "" || later(p.signature, best)) {
			best = p.signature
		}
	}
	return best
}

// probe checks signature for the person with a poll of its own, unless one
// is on its way; r.mu is held.
func (s *session) probe(signature string) {
	if s.probing[signature] {
		return
	}
	s.probing[signature] = true
	go s.runProbe(signature)
}

// runProbe polls once with signature and records the server's verdict in
// the person's session. A failure (the network, a 5xx) is no verdict: the
// tabs that gave it see an empty list for now, and it is checked again
// after EventRetry (or a 429's longer Retry-After) while a tab of the
// person still has it.
func (s *session) runProbe(signature string) {
	req := s.requestWith("GET", inbox.PathPoll, nil, signature)
	res, err := s.r.fetch(s.ctx, req)
	r := s.r
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(s.probing, signature)
	cur := r.sessions[s.user] // the person's session now (a Coordinator may have started another)
	if cur == nil {
		return
	}
	switch {
	case err == nil && (res.Status == 200 || res.Status == 304):
		cur.accept(signature)
	case err == nil && (res.Status == 401 || res.Status == 403):
		cur.reject(signature, res.Status, res.Body)
	default:
		problem := fmt.Sprintf("identify: the signature could not be checked: %v", err)
		if err == nil {
			problem = fmt.Sprintf("identify: the signature could not be checked: the server answered %d", res.Status)
			err = &answerError{status: res.Status, retryAfter: res.RetryAfter}
		}
		wait := r.retryWait(err)
		for _, p := range r.ports {
			if p.user == cur.user && p.signature == signature {
				r.emit(p.id, EventMessageError, map[string]string{"error": problem})
				r.postSnapshots(p)
			}
		}
		go func() {
			select {
			case <-cur.stopped:
				return
			case <-r.opts.Clock.After(wait):
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			if r.sessions[cur.user] == cur && cur.needs(signature) {
				cur.probe(signature)
			}
		}()
	}
}

// needs reports whether a tab of the person has signature and no verdict
// on it; r.mu is held.
func (s *session) needs(signature string) bool {
	if s.trusts(signature) || s.rejected[signature] || signature == s.signature {
		return false
	}
	for _, p := range s.r.ports {
		if p.user == s.user && p.signature == signature {
			return true
		}
	}
	return false
}

// EventIdentityExpiring asks the page for a fresh identity token before the
// one it gave expires: data {"user", "expiresAt"} (unix ms). The page
// answers with analytics.identify(user, null, {signature: <fresh token>}).
const EventIdentityExpiring = "identity-expiring"

// tokenExpiry returns when an identity token expires: a token
// "v1.<exp>.<hmac>" (exp in unix seconds) at exp; any other signature
// never (ok false). The runtime reads nothing else of a token.
func tokenExpiry(signature string) (exp time.Time, ok bool) {
	rest, found := strings.CutPrefix(signature, "v1.")
	if !found {
		return time.Time{}, false
	}
	digits, _, found := strings.Cut(rest, ".")
	secs, err := strconv.ParseInt(digits, 10, 64)
	if !found || err != nil || secs < 0 || secs > math.MaxInt64/1000 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// later reports whether signature a expires after b (one that never
// expires is the latest; between equals, a, the newer, wins).
func later(a, b string) bool {
	ea, aExpires := tokenExpiry(a)
	eb, bExpires := tokenExpiry(b)
	switch {
	case !aExpires:
		return true
	case !bExpires:
		return false
	}
	return !ea.Before(eb)
}

// watchToken emits identity-expiring to tab p ahead of the expiry of the
// identity token it gave (Options.TokenLead before, at most a tenth of its
// remaining lifetime; at once when it is past), unless the tab gives
// another signature or another person first; it ends the wait for the
// tab's last token. r.mu is held.
func (r *Runtime) watchToken(p *port) {
	if p.tokenDone != nil {
		close(p.tokenDone)
		p.tokenDone = nil
	}
	exp, ok := tokenExpiry(p.signature)
	if !ok {
		return
	}
	done := make(chan struct{})
	p.tokenDone = done
	remaining := exp.Sub(r.serverNow())
	if remaining <= 0 && !r.skewKnown {
		return // past by this browser's clock only, maybe: the server's first answer watches it again (noteServerTime)
	}
	// A tenth of the remaining life, but never under a second (the server's
	// clock is known from whole-second Date headers: to half a second).
	lead := max(min(r.opts.TokenLead, remaining/10), min(r.opts.TokenLead, minTokenLead))
	due := r.opts.Clock.After(max(remaining-lead, 0)) // started now, not when the goroutine runs
	go func() {
		select {
		case <-done:
			return
		case <-due:
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if p.tokenDone == done && r.ports[p.id] == p && p.user != "" {
			r.emit(p.id, EventIdentityExpiring, map[string]any{"user": p.user, "expiresAt": exp.UnixMilli()})
		}
	}()
}
