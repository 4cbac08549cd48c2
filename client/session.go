package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
)

// session is one identified person's poll loop, message store and event outbox.
type session struct {
	r      *Runtime
	user   string
	store  *inbox.Store
	loop   *poller.Loop
	cancel context.CancelFunc
	// stopped is closed when no tab shows the person any more: polling ends,
	// and the event sender ends once the outbox is empty.
	stopped chan struct{}

	// outbox holds events until the server acknowledged them (guarded by r.mu).
	outbox []inbox.Event
	flush  chan struct{}
}

// startSession starts polling for user; r.mu is held.
func (r *Runtime) startSession(user string) *session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{r: r, user: user, cancel: cancel, flush: make(chan struct{}, 1), stopped: make(chan struct{}),
		store: inbox.NewStore(r.renderer, r.opts.Clock.Now)}
	s.loop = poller.NewLoop(transport{s}, poller.NewSchedule(r.opts.Tiers, 0), r.opts.Clock, s.deliver, s.reportPollError)
	go s.loop.Run(ctx)
	go s.sendEvents()
	return s
}

// stop ends polling; events already queued are still sent.
func (s *session) stop() {
	s.cancel()
	close(s.stopped)
}

// deliver takes a new poll answer into the store and tells the tabs.
func (s *session) deliver(res inbox.PollResponse) int {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	changed, problems := s.store.Replace(res.Messages)
	for _, p := range problems {
		s.r.emitUser(s.user, "message-error", map[string]string{"deliveryId": p.DeliveryID, "error": p.Err.Error()})
	}
	if changed {
		s.r.broadcast(s.user)
	}
	return s.store.Queued()
}

func (s *session) reportPollError(err error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.emitUser(s.user, "message-error", map[string]string{"error": err.Error()})
}

// queue adds an event to the outbox and wakes the sender; r.mu is held.
func (s *session) queue(e inbox.Event) {
	s.outbox = append(s.outbox, e)
	select {
	case s.flush <- struct{}{}:
	default:
	}
}

// maxEventBatch is the most events the server takes in one request.
const maxEventBatch = 500

// sendEvents sends the outbox whenever it grows, and retries until
// acknowledged; after stop it ends once the outbox is empty.
func (s *session) sendEvents() {
	stopped := s.stopped
	for {
		s.r.mu.Lock()
		batch := append([]inbox.Event(nil), s.outbox[:min(len(s.outbox), maxEventBatch)]...)
		s.r.mu.Unlock()
		var retry <-chan time.Time
		if len(batch) > 0 {
			if err := s.post(context.Background(), batch); err != nil {
				retry = s.r.opts.Clock.After(s.r.opts.EventRetry)
			} else if len(batch) == maxEventBatch {
				continue // more to send
			}
		} else if stopped == nil {
			return // stopped and nothing left to send
		}
		select {
		case <-stopped:
			stopped = nil
		case <-s.flush:
		case <-retry:
		}
	}
}

// post sends one batch and drops from the outbox what the server acknowledged or rejected for good.
func (s *session) post(ctx context.Context, batch []inbox.Event) error {
	body, _ := json.Marshal(inbox.EventBatch{Events: batch})
	res, err := s.r.host.Fetch(ctx, s.request("POST", "/v1/client/events", body))
	if err != nil {
		return err
	}
	if res.Status != 200 {
		return fmt.Errorf("events: server answered %d", res.Status)
	}
	var ack inbox.EventsResponse
	if err := json.Unmarshal(res.Body, &ack); err != nil {
		return fmt.Errorf("events: bad response body: %w", err)
	}
	done := map[string]bool{}
	for _, id := range ack.Acknowledged {
		done[id] = true
	}
	for _, rej := range ack.Rejected {
		done[rej.ID] = true
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	for _, rej := range ack.Rejected {
		s.r.emitUser(s.user, "message-error", map[string]string{"error": "event " + rej.ID + " rejected: " + rej.Error})
	}
	kept := s.outbox[:0]
	for _, e := range s.outbox {
		if !done[e.ID] {
			kept = append(kept, e)
		}
	}
	s.outbox = kept
	s.loop.Wake() // the next poll shows the server's new state
	return nil
}

// request builds a browser-side request with the identity headers.
func (s *session) request(method, path string, body []byte) Request {
	s.r.mu.Lock()
	endpoint, site := s.r.endpoint, s.r.siteID
	s.r.mu.Unlock()
	req := Request{Method: method, URL: endpoint + path, Body: body,
		Header: map[string]string{"X-Roost-Site": site, "X-Roost-User": s.user}}
	if body != nil {
		req.Header["Content-Type"] = "application/json"
	}
	return req
}

// transport polls the server for a session.
type transport struct{ s *session }

// Poll implements poller.Transport.
func (t transport) Poll(ctx context.Context, etag string) (poller.Response, error) {
	req := t.s.request("GET", "/v1/client/poll", nil)
	if etag != "" {
		req.Header["If-None-Match"] = etag
	}
	res, err := t.s.r.host.Fetch(ctx, req)
	return poller.Response{Status: res.Status, ETag: res.ETag, Body: res.Body, RetryAfter: res.RetryAfter}, err
}

// newID returns a random event id.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
