package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// PollAnswer is the answer to a person's poll as it goes on the wire.
type PollAnswer struct {
	// Body is the JSON of an inbox.PollResponse; it may be shared with
	// other answers and must not be changed.
	Body []byte
	// ETag is the strong entity tag of Body.
	ETag string
	// Cached is whether the answer came from the poll cache, without
	// reading the store.
	Cached bool
	// Until is the earliest instant at which time alone could change the
	// answer (a scheduled message falling due, one expiring, a tier
	// ending); zero: only a write can. A stream checks again then.
	Until time.Time
}

// Poll returns personID's answer to a poll now: their queued messages and
// the interval of their tier. An answer still in the poll cache is
// returned without reading the store's queue; on a SharedStore, only
// after reading the person's answer version (one indexed read), so that a
// poll sees every write committed before it started, by any process.
func (s *Server) Poll(ctx context.Context, personID string) (PollAnswer, error) {
	if err := ValidatePersonID(personID); err != nil {
		return PollAnswer{}, err
	}
	now := s.Now()
	var version int64
	if s.shared != nil && s.polls != nil {
		var err error
		if version, err = s.shared.AnswerVersion(ctx, personID); err != nil {
			return PollAnswer{}, err
		}
	}
	a, ticket := s.polls.lookup(personID, now, version)
	if a != nil {
		s.stats.pollsCached.Add(1)
		return PollAnswer{Body: a.body, ETag: a.etag, Cached: true, Until: a.until}, nil
	}
	a, err := s.readPollAnswer(ctx, personID, now)
	if err != nil {
		return PollAnswer{}, err
	}
	s.polls.install(personID, ticket, a)
	s.stats.pollsRead.Add(1)
	return PollAnswer{Body: a.body, ETag: a.etag, Until: a.until}, nil
}

// readPollAnswer reads personID's queue at now from the store and returns
// the answer to their poll.
func (s *Server) readPollAnswer(ctx context.Context, personID string, now time.Time) (*pollAnswer, error) {
	q, err := s.store.FindQueue(ctx, personID, now)
	if err != nil {
		return nil, err
	}
	resp, until := s.pollResponse(q, now)
	body, err := json.Marshal(resp)
	if err != nil {
		return nil, err
	}
	return &pollAnswer{body: body, etag: strongETag(body), from: now, until: until, version: q.Version}, nil
}

// pollResponse builds the answer to a poll from q at now, and returns the
// earliest instant after now at which the answer from the same q could
// differ (zero: never): a queued message expiring, a scheduled one falling
// due, the inactive tier ending, the next scheduled message coming within
// the interval. Only a write can change the answer before then.
func (s *Server) pollResponse(q *Queue, now time.Time) (inbox.PollResponse, time.Time) {
	resp := inbox.PollResponse{Messages: make([]inbox.Message, 0, len(q.Deliveries))}
	var customer map[string]any
	if q.Person != nil {
		customer = q.Person.Attributes
	}
	until := q.NextSendAt // it joins the queue, or changes LastQueuedAt
	for _, d := range q.Deliveries {
		resp.Messages = append(resp.Messages, d.Message(customer))
		until = earliest(until, d.queuedUntil())
	}
	switch {
	case len(resp.Messages) > 0:
		resp.Tier, resp.NextPollMs = TierActive, s.cfg.TierActive.Milliseconds()
	case !q.LastQueuedAt.IsZero() && now.Sub(q.LastQueuedAt) < recentWindow:
		resp.Tier, resp.NextPollMs = TierInactive, s.cfg.TierInactive.Milliseconds()
		until = earliest(until, q.LastQueuedAt.Add(recentWindow))
	default:
		resp.Tier, resp.NextPollMs = TierLow, s.cfg.TierLow.Milliseconds()
	}
	// A message scheduled before the next poll would come is polled for at
	// the active interval, so it shows about when it is due. The answer
	// depends only on whether one is that close, so it keeps its ETag.
	if !q.NextSendAt.IsZero() {
		interval := time.Duration(resp.NextPollMs) * time.Millisecond
		if q.NextSendAt.Sub(now) < interval {
			resp.NextPollMs = s.cfg.TierActive.Milliseconds()
		} else {
			until = earliest(until, q.NextSendAt.Add(-interval))
		}
	}
	return resp, until
}

// earliest returns the earlier of a and b, where the zero time means never.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// strongETag returns a strong entity tag for body.
func strongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}
