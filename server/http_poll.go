package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Poll tier names.
const (
	// TierActive is the tier of a person with messages queued.
	TierActive = "active"
	// TierInactive is the tier of a person sent a message in the last 30 days, none queued.
	TierInactive = "inactive"
	// TierLow is the tier of everyone else.
	TierLow = "low"
)

// recentWindow is how long after its last delivery was queued a person
// stays in the inactive tier rather than the low one.
const recentWindow = 30 * 24 * time.Hour

// handlePoll answers GET /v1/client/poll: the person's queued messages,
// with an ETag of the body so an unchanged answer costs a 304.
func (s *Server) handlePoll(w http.ResponseWriter, r *http.Request, personID string) error {
	now := s.now()
	q, err := s.store.FindQueue(r.Context(), personID, now)
	if err != nil {
		return err
	}
	body, err := json.Marshal(s.pollResponse(q, now))
	if err != nil {
		return err
	}
	etag := strongETag(body)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeBody(w, http.StatusOK, body)
	return nil
}

// pollResponse builds the answer to a poll from q.
func (s *Server) pollResponse(q *Queue, now time.Time) inbox.PollResponse {
	resp := inbox.PollResponse{Messages: make([]inbox.Message, 0, len(q.Deliveries))}
	var customer map[string]any
	if q.Person != nil {
		customer = q.Person.Attributes
	}
	for _, d := range q.Deliveries {
		resp.Messages = append(resp.Messages, d.Message(customer))
	}
	switch {
	case len(resp.Messages) > 0:
		resp.Tier, resp.NextPollMs = TierActive, s.cfg.TierActive.Milliseconds()
	case !q.LastQueuedAt.IsZero() && now.Sub(q.LastQueuedAt) < recentWindow:
		resp.Tier, resp.NextPollMs = TierInactive, s.cfg.TierInactive.Milliseconds()
	default:
		resp.Tier, resp.NextPollMs = TierLow, s.cfg.TierLow.Milliseconds()
	}
	// A message scheduled before the next poll would come is polled for at
	// the active interval, so it shows about when it is due. The answer
	// depends only on whether one is that close, so it keeps its ETag.
	if !q.NextSendAt.IsZero() && q.NextSendAt.Sub(now) < time.Duration(resp.NextPollMs)*time.Millisecond {
		resp.NextPollMs = s.cfg.TierActive.Milliseconds()
	}
	return resp
}

// strongETag returns a strong entity tag for body.
func strongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatch reports whether an If-None-Match header value matches etag
// (weak comparison, as RFC 9110 prescribes for If-None-Match).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
