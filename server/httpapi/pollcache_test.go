package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// twin is a fixture whose server has the poll cache, and a second server
// without it on the same store and clock. Every write goes through the
// cached server; check asks both servers for the same poll, and they must
// answer alike.
type twin struct {
	*fixture
	// cached and uncached count the store reads of each server.
	cached, uncached *countingStore
	// plain is the handler of the server without the cache.
	plain http.Handler
}

// newTwin returns a seeded twin whose cached server has a cache of
// cacheBytes (0: the default).
func newTwin(tb testing.TB, cacheBytes int) *twin {
	tb.Helper()
	f := newFixture(tb)
	tw := &twin{fixture: f, cached: &countingStore{Store: f.db}, uncached: &countingStore{Store: f.db}}
	cfg := f.config()
	cfg.PollCacheBytes = cacheBytes
	f.serve(tw.cached, cfg)
	cfg.PollCacheBytes = -1
	tw.plain = mustHandler(tb, server.New(cfg.Config, tw.uncached), cfg.http)
	return tw
}

// polled is one poll's answer.
type polled struct {
	code int
	etag string
	body string
}

// check polls as user, with If-None-Match etag unless it is "", on both
// servers; it requires the same status, ETag and body of both, and returns
// the cached server's answer. what says, on failure, what led to the poll.
func (tw *twin) check(user, etag string, what ...any) polled {
	tw.tb.Helper()
	headers := []string{"X-Roost-Site", testSite, "X-Roost-User", user}
	if etag != "" {
		headers = append(headers, "If-None-Match", etag)
	}
	got := tw.do(http.MethodGet, "/v1/client/poll", "", headers...)
	req := httptest.NewRequest(http.MethodGet, "/v1/client/poll", nil)
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	want := httptest.NewRecorder()
	tw.plain.ServeHTTP(want, req)
	msg := fmt.Sprint(append([]any{"poll of ", user, " at ", tw.clock.Now().Format(time.RFC3339Nano), ": "}, what...)...)
	require.Equal(tw.tb, want.Code, got.Code, "status: %s\n%s", msg, want.Body.String())
	require.Equal(tw.tb, want.Header().Get("ETag"), got.Header().Get("ETag"), "ETag: %s", msg)
	require.Equal(tw.tb, want.Body.String(), got.Body.String(), "body: %s", msg)
	return polled{code: got.Code, etag: got.Header().Get("ETag"), body: got.Body.String()}
}

// reads is how many times the cached server has read a queue from the store.
func (tw *twin) reads() int64 { return tw.cached.findQueue.Load() }

// setClock moves the clock to at.
func (tw *twin) setClock(at time.Time) { tw.clock.Add(at.Sub(tw.clock.Now())) }

// delivery returns the stored delivery with id.
func (tw *twin) delivery(id string) *server.Delivery {
	tw.tb.Helper()
	d, err := tw.db.FindDelivery(context.Background(), id)
	require.NoError(tw.tb, err)
	return d
}

// sendTo is a send of template (id or trigger name) to person id, with extra fields.
func sendTo(template, person, extra string) string {
	body := fmt.Sprintf(`{"transactional_message_id":%q,"identifiers":{"id":%q},"message_data":{"order_id":"1"}`, template, person)
	if extra != "" {
		body += "," + extra
	}
	return body + "}"
}

// okStatus requires a 2xx answer.
func okStatus(tb testing.TB, w *httptest.ResponseRecorder) {
	tb.Helper()
	require.True(tb, w.Code >= 200 && w.Code < 300, "status %d: %s", w.Code, w.Body.String())
}

func TestPollCache_UnchangedPollReadsNothing(t *testing.T) {
	tw := newTwin(t, 0)
	tw.send("inbox_message", seedSend)
	first := tw.check("user_123", "")
	require.Equal(t, http.StatusOK, first.code)
	reads := tw.reads()
	for range 3 {
		assert.Equal(t, http.StatusNotModified, tw.check("user_123", first.etag).code)
		assert.Equal(t, first, tw.check("user_123", ""), "a 200 of the unchanged answer")
		tw.clock.Add(time.Minute)
	}
	assert.Equal(t, reads, tw.reads(), "no store read after the first poll")
	assert.Equal(t, int64(7), tw.uncached.findQueue.Load(), "the server without the cache reads every time")

	tw.send("inbox_message", seedSend)
	second := tw.check("user_123", first.etag)
	assert.Equal(t, http.StatusOK, second.code, "a send changes the answer")
	assert.Equal(t, reads+1, tw.reads())
	assert.Equal(t, http.StatusNotModified, tw.check("user_123", second.etag).code)
	assert.Equal(t, reads+1, tw.reads())
}

// TestPollCache_Writes checks, for each kind of write, that polls of the
// person written and of another person get the answers of a server
// without the cache, right after the write, when their answers before it
// were cached.
func TestPollCache_Writes(t *testing.T) {
	people := []string{"user_123", "user_456"}
	const inApp = `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`
	at := func(d time.Duration) string { return fmt.Sprint(fixtureStart.Add(d).Unix()) }
	event := func(typ string, action ...string) func(tw *twin, id string) {
		return func(tw *twin, id string) { postEvents(tw.tb, tw.fixture, "user_123", ev("e-"+typ, id, typ, action...)) }
	}
	for _, c := range []struct {
		name string
		// setup runs before the answers are cached and returns a delivery
		// id for write ("" for none).
		setup func(tw *twin) string
		write func(tw *twin, id string)
	}{
		{"SendInbox", nil, func(tw *twin, _ string) { tw.send("inbox_message", seedSend) }},
		{"SendInApp", nil, func(tw *twin, _ string) { tw.send("in_app", inApp) }},
		{"SendScheduledSoon", nil, func(tw *twin, _ string) { tw.send("inbox_message", sendWith(`"send_at":`+at(2*time.Second))) }},
		{"SendScheduledLater", nil, func(tw *twin, _ string) { tw.send("inbox_message", sendWith(`"send_at":`+at(time.Hour))) }},
		{"SendDraft", nil, func(tw *twin, _ string) { tw.send("inbox_message", sendWith(`"queue_draft":true`)) }},
		{"SendSuppressed", func(tw *twin) string {
			okStatus(tw.tb, tw.app(http.MethodPut, "/v1/people/user_123", `{"unsubscribed":true}`))
			return ""
		}, func(tw *twin, _ string) { tw.send("inbox_message", sendWith(`"send_to_unsubscribed":false`)) }},
		{"SendToNewPerson", nil, func(tw *twin, _ string) { tw.send("inbox_message", sendTo("1", "user_456", "")) }},
		{"DraftSent", func(tw *twin) string { return tw.send("inbox_message", sendWith(`"queue_draft":true`)) },
			func(tw *twin, id string) { okStatus(tw.tb, tw.app(http.MethodPost, "/v1/drafts/"+id+"/send", "")) }},
		{"DraftDeleted", func(tw *twin) string { return tw.send("inbox_message", sendWith(`"queue_draft":true`)) },
			func(tw *twin, id string) { okStatus(tw.tb, tw.app(http.MethodDelete, "/v1/drafts/"+id, "")) }},
		{"InboxOpened", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, event(inbox.EventOpened)},
		{"InboxUnopened", func(tw *twin) string {
			id := tw.send("inbox_message", seedSend)
			postEvents(tw.tb, tw.fixture, "user_123", ev("open-first", id, inbox.EventOpened))
			return id
		}, event(inbox.EventUnopened)},
		{"InboxDeleted", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, event(inbox.EventDeleted)},
		{"InboxClicked", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, event(inbox.EventClicked, "open")},
		{"InboxDelivered", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, event(inbox.EventDelivered)},
		{"InAppDelivered", func(tw *twin) string { return tw.send("in_app", inApp) }, event(inbox.EventDelivered)},
		{"InAppDismissed", func(tw *twin) string { return tw.send("in_app", inApp) }, event(inbox.EventDismissed)},
		{"InAppClicked", func(tw *twin) string { return tw.send("in_app", inApp) }, event(inbox.EventClicked, "shop")},
		{"Identify", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, func(tw *twin, _ string) {
			postEvents(tw.tb, tw.fixture, "user_123", identifyEv("who", map[string]any{"first_name": "Grace"}))
		}},
		{"IdentifyNewPerson", nil, func(tw *twin, _ string) {
			postEvents(tw.tb, tw.fixture, "user_456", identifyEv("who", map[string]any{"first_name": "Bo"}))
		}},
		{"PutPerson", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, func(tw *twin, _ string) {
			putPerson(tw.tb, tw.fixture, "user_123", map[string]any{"first_name": "Grace"})
		}},
		{"PutPersonUnsubscribed", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, func(tw *twin, _ string) {
			okStatus(tw.tb, tw.app(http.MethodPut, "/v1/people/user_123", `{"unsubscribed":true}`))
		}},
		{"TemplateContentUpdated", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, func(tw *twin, _ string) {
			okStatus(tw.tb, tw.app(http.MethodPut, "/v1/transactional/1/content/1", `{"body":{"title":"new","body":"new"}}`))
		}},
		{"TemplateDeleted", func(tw *twin) string { return tw.send("inbox_message", seedSend) }, func(tw *twin, _ string) {
			okStatus(tw.tb, tw.app(http.MethodDelete, "/v1/transactional/1", ""))
		}},
		{"Maintain", func(tw *twin) string {
			tw.send("inbox_message", sendWith(`"disable_message_retention":true`))
			tw.send("inbox_message", seedSend)
			tw.clock.Add(61 * 24 * time.Hour)
			return ""
		}, func(tw *twin, _ string) { tw.srv.MaintainOnce(context.Background()) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			tw := newTwin(t, 0)
			id := ""
			if c.setup != nil {
				id = c.setup(tw)
			}
			before := map[string]polled{}
			for _, p := range people {
				before[p] = tw.check(p, "", "before")
			}
			reads := tw.reads()
			for _, p := range people {
				require.Equal(t, before[p], tw.check(p, "", "before, again"))
			}
			require.Equal(t, reads, tw.reads(), "the answers before the write are cached")
			c.write(tw, id)
			for _, p := range people {
				tw.check(p, "", "after")
				tw.check(p, before[p].etag, "after, with the ETag from before")
			}
		})
	}
}

// TestPollCache_TimeBoundaries checks that a cached answer is not served
// at or past an instant at which time alone changes the answer, and is
// served up to it.
func TestPollCache_TimeBoundaries(t *testing.T) {
	const day = 24 * time.Hour
	sendAt := func(d time.Duration) string { return fmt.Sprintf(`"send_at":%d`, fixtureStart.Add(d).Unix()) }
	for _, c := range []struct {
		name string
		// setup writes, moves the clock to where the cached answer is read,
		// and returns the first millisecond at which the answer differs.
		setup func(tw *twin) time.Time
	}{
		{"InboxExpiry", func(tw *twin) time.Time {
			return tw.delivery(tw.send("inbox_message", seedSend)).ExpiresAt // 60 days
		}},
		{"InAppExpiry", func(tw *twin) time.Time {
			id := tw.send("in_app", `{"transactional_message_id":"welcome_offer","identifiers":{"id":"user_123"}}`)
			return tw.delivery(id).ExpiresAt // 14 days
		}},
		{"ScheduledFallsDue", func(tw *twin) time.Time {
			d := tw.delivery(tw.send("inbox_message", sendWith(sendAt(time.Hour))))
			tw.setClock(d.SendAt.Add(-2 * time.Second)) // within the interval already
			return d.SendAt
		}},
		{"ScheduledWithinTheNextPoll", func(tw *twin) time.Time {
			d := tw.delivery(tw.send("inbox_message", sendWith(sendAt(time.Hour))))
			// user_123 is in the low tier (3 s): from just after 3 s before
			// the send, the next poll is asked for at the active interval.
			return d.SendAt.Add(-3*time.Second + time.Millisecond)
		}},
		{"ScheduledWithinTheNextPollInactive", func(tw *twin) time.Time {
			postEvents(tw.tb, tw.fixture, "user_123", ev("gone", tw.send("inbox_message", seedSend), inbox.EventDeleted))
			d := tw.delivery(tw.send("inbox_message", sendWith(sendAt(time.Hour))))
			return d.SendAt.Add(-2*time.Second + time.Millisecond) // the inactive tier's 2 s
		}},
		{"InactiveBecomesLow", func(tw *twin) time.Time {
			d := tw.delivery(tw.send("inbox_message", seedSend))
			postEvents(tw.tb, tw.fixture, "user_123", ev("gone", d.ID, inbox.EventDeleted))
			return d.SendAt.Add(30 * day)
		}},
		{"FirstOfTwoExpiries", func(tw *twin) time.Time {
			tw.send("inbox_message", seedSend)
			tw.clock.Add(day)
			id := tw.send("in_app", `{"transactional_message_id":"maintenance_notice","identifiers":{"id":"user_123"}}`)
			return tw.delivery(id).ExpiresAt // 2 days, before the inbox message's 60
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tw := newTwin(t, 0)
			change := c.setup(tw)
			start := tw.check("user_123", "", "start")
			reads := tw.reads()
			tw.setClock(change.Add(-2 * time.Millisecond))
			require.Equal(t, start, tw.check("user_123", "", "2 ms before the change"))
			assert.Equal(t, reads, tw.reads(), "served from the cache up to the change")
			tw.setClock(change.Add(-time.Millisecond))
			require.Equal(t, start, tw.check("user_123", "", "1 ms before the change"))
			tw.setClock(change)
			assert.NotEqual(t, start.body, tw.check("user_123", "", "at the change").body, "the answer changes")
			tw.clock.Add(time.Millisecond)
			tw.check("user_123", start.etag, "1 ms after the change")
		})
	}

	t.Run("DeliveredInboxNeverExpires", func(t *testing.T) {
		tw := newTwin(t, 0)
		id := tw.send("inbox_message", seedSend)
		postEvents(t, tw.fixture, "user_123", ev("seen", id, inbox.EventOpened))
		start := tw.check("user_123", "")
		reads := tw.reads()
		tw.setClock(tw.delivery(id).ExpiresAt.Add(365 * day))
		assert.Equal(t, start, tw.check("user_123", ""))
		assert.Equal(t, reads, tw.reads(), "served from the cache a year after the expiry")
	})

	t.Run("ClockGoesBack", func(t *testing.T) {
		tw := newTwin(t, 0)
		id := tw.send("inbox_message", seedSend)
		tw.setClock(tw.delivery(id).ExpiresAt)
		gone := tw.check("user_123", "")
		tw.clock.Add(-time.Millisecond)
		assert.NotEqual(t, gone.body, tw.check("user_123", "").body, "shown again before its expiry")
	})
}

// blockingStore holds one store call, at the point a test names, until
// told to go on: a FindQueue after it read the store, or a write of a
// delivery, an event or a person before it starts (UpdateDelivery: before
// it commits).
type blockingStore struct {
	server.Store
	// at is what is held: "read" or "write".
	at         string
	held       atomic.Bool
	hold, goOn chan struct{}
}

// wait holds the first call made at point.
func (s *blockingStore) wait(point string) {
	if s.at == point && s.held.CompareAndSwap(false, true) {
		s.hold <- struct{}{}
		<-s.goOn
	}
}

func (s *blockingStore) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	q, err := s.Store.FindQueue(ctx, personID, now)
	s.wait("read")
	return q, err
}

func (s *blockingStore) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	s.wait("write")
	return s.Store.CreateDelivery(ctx, d)
}

// UpdateDelivery holds inside the write, after fn ran, before the commit.
func (s *blockingStore) UpdateDelivery(ctx context.Context, id string, fn func(d *server.Delivery) error) (*server.Delivery, error) {
	return s.Store.UpdateDelivery(ctx, id, func(d *server.Delivery) error {
		err := fn(d)
		s.wait("write")
		return err
	})
}

func (s *blockingStore) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	s.wait("write")
	return s.Store.UpdateEvents(ctx, personID, fn)
}

func (s *blockingStore) UpdatePerson(ctx context.Context, id string, fn func(p *server.Person) error) (*server.Person, error) {
	s.wait("write")
	return s.Store.UpdatePerson(ctx, id, fn)
}

// TestPollCache_Races checks that a poll that read the store before a
// write committed, and so may have read a stale answer, does not leave
// that answer in the cache: whether it read before the write started
// ("read": its answer is refused) or while it ran ("write": its answer is
// dropped when the write returns).
func TestPollCache_Races(t *testing.T) {
	writes := []struct {
		name  string
		write func(f *fixture, id, draft string)
	}{
		{"Send", func(f *fixture, _, _ string) { f.send("inbox_message", seedSend) }},
		{"Event", func(f *fixture, id, _ string) { postEvents(f.tb, f, "user_123", ev("del", id, inbox.EventDeleted)) }},
		{"Identify", func(f *fixture, _, _ string) {
			postEvents(f.tb, f, "user_123", identifyEv("who", map[string]any{"first_name": "Grace"}))
		}},
		{"PutPerson", func(f *fixture, _, _ string) { putPerson(f.tb, f, "user_123", map[string]any{"first_name": "Grace"}) }},
		{"DraftSent", func(f *fixture, _, draft string) {
			okStatus(f.tb, f.app(http.MethodPost, "/v1/drafts/"+draft+"/send", ""))
		}},
	}
	for _, at := range []string{"read", "write"} {
		for _, c := range writes {
			t.Run(at+"/"+c.name, func(t *testing.T) {
				f := newFixture(t)
				id := f.send("inbox_message", seedSend)
				draft := f.send("inbox_message", sendWith(`"queue_draft":true`))
				store := &blockingStore{Store: f.db, hold: make(chan struct{}), goOn: make(chan struct{})}
				f.serve(store, f.config())
				before := f.poll("user_123")
				if at == "read" {
					f.serve(store, f.config()) // an empty cache: the next poll reads
				}
				store.at = at

				done := make(chan string)
				if at == "read" { // the poll reads, then waits for the write
					go func() { done <- f.client(http.MethodGet, "/v1/client/poll", "user_123", "").Header().Get("ETag") }()
					<-store.hold
					c.write(f, id, draft)
					close(store.goOn)
					assert.Equal(t, before.ETag, <-done, "the poll answered what it read")
				} else { // the write waits to start while the poll reads
					go func() { c.write(f, id, draft); done <- "" }()
					<-store.hold
					assert.Equal(t, before.ETag, f.poll("user_123").ETag, "the poll read before the write")
					close(store.goOn)
					<-done
				}
				after := f.poll("user_123")
				assert.NotEqual(t, before.ETag, after.ETag, "the next poll does not get the stale answer")
				assert.Equal(t, after.ETag, f.poll("user_123").ETag)
			})
		}
	}
}

func TestPollCache_Off(t *testing.T) {
	f := newFixtureWith(t, func(cfg *config) { cfg.PollCacheBytes = -1 })
	store := &countingStore{Store: f.db}
	f.serve(store, f.config())
	etag := f.poll("user_123").ETag
	w := f.client(http.MethodGet, "/v1/client/poll", "user_123", "", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, w.Code)
	assert.Equal(t, int64(2), store.findQueue.Load(), "every poll reads the store")
}

// TestPollCache_SameAnswersAsUncached runs random writes, clock moves and
// polls, and compares every poll with a server without the cache.
func TestPollCache_SameAnswersAsUncached(t *testing.T) {
	for _, budget := range []int{0, 1000} { // the default; room for about one answer
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("budget%d/seed%d", budget, seed), func(t *testing.T) {
				runRandomPolls(t, newTwin(t, budget), rand.New(rand.NewPCG(seed, 7)), 150)
			})
		}
	}
}

// runRandomPolls makes steps random writes or clock moves on tw, each
// followed by polls of everyone compared by twin.check.
func runRandomPolls(t *testing.T, tw *twin, rng *rand.Rand, steps int) {
	people := []string{"user_123", "user_456", "user_789"}
	templates := []string{"order_shipped", "comment_reply", "welcome_offer", "maintenance_notice"}
	var ids, drafts []string
	etags := map[string]string{}
	var log []string
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	boundaries := func() []time.Time {
		var ts []time.Time
		for _, id := range ids {
			d := tw.delivery(id)
			for _, at := range []time.Time{d.SendAt, d.ExpiresAt, d.SendAt.Add(30 * 24 * time.Hour),
				d.SendAt.Add(-time.Second), d.SendAt.Add(-2 * time.Second), d.SendAt.Add(-3 * time.Second)} {
				if at.After(tw.clock.Now()) {
					ts = append(ts, at)
				}
			}
		}
		return ts
	}
	moves := []time.Duration{time.Millisecond, 999 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second,
		time.Minute, time.Hour, 24 * time.Hour, 13 * 24 * time.Hour, 29 * 24 * time.Hour, 59 * 24 * time.Hour}
	for step := range steps {
		var what string
		switch op := rng.IntN(12); op {
		case 0, 1: // a send, maybe scheduled, a draft, or without retention
			tpl, person := pick(templates), pick(people)
			var extra []string
			if rng.IntN(3) == 0 {
				ahead := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second, time.Hour, 10 * 24 * time.Hour}
				extra = append(extra, fmt.Sprintf(`"send_at":%d`, tw.clock.Now().Add(ahead[rng.IntN(len(ahead))]).Unix()))
			}
			draft := rng.IntN(5) == 0
			if draft {
				extra = append(extra, `"queue_draft":true`)
			}
			if rng.IntN(4) == 0 {
				extra = append(extra, `"disable_message_retention":true`)
			}
			channel := "inbox_message"
			if tpl == "welcome_offer" || tpl == "maintenance_notice" {
				channel = "in_app"
			}
			id := tw.send(channel, sendTo(tpl, person, strings.Join(extra, ",")))
			ids = append(ids, id)
			if draft {
				drafts = append(drafts, id)
			}
			what = fmt.Sprintf("send %s to %s %v", tpl, person, extra)
		case 2, 3: // an event about a delivery, by its person or another
			if len(ids) == 0 {
				continue
			}
			id := pick(ids)
			person := tw.delivery(id).PersonID
			if rng.IntN(5) == 0 {
				person = pick(people)
			}
			typ := pick([]string{inbox.EventOpened, inbox.EventUnopened, inbox.EventDeleted, inbox.EventClicked,
				inbox.EventDelivered, inbox.EventDismissed})
			action := []string{}
			if typ == inbox.EventClicked {
				action = append(action, "shop")
			}
			postEvents(t, tw.fixture, person, ev(fmt.Sprint("e", step), id, typ, action...))
			what = fmt.Sprintf("%s event by %s on %s", typ, person, id)
		case 4: // identify or PUT person
			person := pick(people)
			attrs := map[string]any{"first_name": pick([]string{"Ada", "Grace", "Bo"})}
			if rng.IntN(2) == 0 {
				postEvents(t, tw.fixture, person, identifyEv(fmt.Sprint("id", step), attrs))
			} else {
				attrs["unsubscribed"] = rng.IntN(3) == 0
				putPerson(t, tw.fixture, person, attrs)
			}
			what = fmt.Sprintf("attributes %v of %s", attrs, person)
		case 5: // a draft sent or deleted
			if len(drafts) == 0 {
				continue
			}
			i := rng.IntN(len(drafts))
			id := drafts[i]
			drafts = append(drafts[:i], drafts[i+1:]...)
			if rng.IntN(2) == 0 {
				okStatus(t, tw.app(http.MethodPost, "/v1/drafts/"+id+"/send", ""))
				what = "draft sent " + id
			} else {
				okStatus(t, tw.app(http.MethodDelete, "/v1/drafts/"+id, ""))
				ids = removeString(ids, id)
				what = "draft deleted " + id
			}
		case 6: // a template's content changes, and maintenance runs
			okStatus(t, tw.app(http.MethodPut, "/v1/transactional/1/content/1", fmt.Sprintf(`{"body":{"title":"v%d"}}`, step)))
			tw.srv.MaintainOnce(context.Background())
			what = "template content and maintenance"
		case 7, 8, 9: // the clock moves
			d := moves[rng.IntN(len(moves))]
			tw.clock.Add(d)
			what = fmt.Sprint("clock +", d)
		default: // the clock moves to around an instant where an answer may change
			bs := boundaries()
			if len(bs) == 0 {
				continue
			}
			to := bs[rng.IntN(len(bs))].Add(time.Duration(rng.IntN(3)-1) * time.Millisecond)
			if !to.After(tw.clock.Now()) {
				continue
			}
			tw.setClock(to)
			what = "clock to a boundary"
		}
		log = append(log, what)
		for _, p := range people {
			a := tw.check(p, etags[p], strings.Join(log, "\n"))
			if a.code == http.StatusOK {
				etags[p] = a.etag
			}
			tw.check(p, "", strings.Join(log, "\n"))
		}
	}
	t.Logf("%d polls read the store with the cache, %d without", tw.reads(), tw.uncached.findQueue.Load())
	assert.Less(t, tw.reads(), tw.uncached.findQueue.Load(), "some polls were answered from the cache")
}

// removeString returns s without the elements equal to v.
func removeString(s []string, v string) []string {
	out := s[:0]
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
