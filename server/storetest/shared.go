package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// shared returns e's store as a server.SharedStore, or skips t when it is
// not one.
func (e *env) shared() server.SharedStore {
	ss, ok := e.store.(server.SharedStore)
	if !ok {
		e.t.Skip("the store is not a server.SharedStore")
	}
	return ss
}

// version returns personID's answer version, and checks that a queue read
// right after carries the same one.
func (e *env) version(personID string) int64 {
	e.t.Helper()
	ss := e.shared()
	v, err := ss.AnswerVersion(e.ctx, personID)
	require.NoError(e.t, err)
	q, err := ss.FindQueue(e.ctx, personID, e.clock.Now())
	require.NoError(e.t, err)
	assert.Equal(e.t, v, q.Version, "Queue.Version of %s is the answer version of its snapshot", personID)
	again, err := ss.AnswerVersion(e.ctx, personID)
	require.NoError(e.t, err)
	require.Equal(e.t, v, again, "a read changes no answer version")
	return v
}

// testShared checks what a server.SharedStore adds to a Store.
func testShared(t *testing.T, h Harness) {
	t.Run("AnswerVersion", func(t *testing.T) {
		e := open(t, h)
		e.shared()
		srv := e.server()
		assert.Zero(t, e.version("p1"), "an unknown person's version is 0")
		seen := map[int64]bool{0: true}
		changes := func(what string, write func() error) {
			t.Helper()
			before := e.version("p1")
			require.NoError(t, write(), what)
			after := e.version("p1")
			if assert.NotEqual(t, before, after, "%s changes p1's answer version", what) {
				assert.False(t, seen[after], "%s: an answer version never takes a value it had before (%d)", what, after)
			}
			seen[after] = true
		}
		keeps := func(what string, write func() error) {
			t.Helper()
			before := e.version("p1")
			err := write()
			after := e.version("p1")
			assert.Equal(t, before, after, "%s (error %v) leaves p1's answer version", what, err)
		}
		mine := errors.New("mine")
		d1 := newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0)
		draft := newDelivery("dlv_draft", "p1", inbox.ChannelInbox, t0)
		draft.Draft = true
		done := newDelivery("dlv_done", "p1", inbox.ChannelInApp, t0)
		done.DisableRetention, done.Dismissed = true, true

		changes("creating the person", func() error { _, err := e.store.CreatePersonIfMissing(e.ctx, newPerson("p1")); return err })
		changes("updating the person", func() error {
			_, err := e.store.UpdatePerson(e.ctx, "p1", func(p *server.Person) error { p.Attributes["a"] = "b"; return nil })
			return err
		})
		changes("creating a delivery", func() error { return e.store.CreateDelivery(e.ctx, d1) })
		changes("updating a delivery", func() error {
			_, err := e.store.UpdateDelivery(e.ctx, d1.ID, func(d *server.Delivery) error { d.Opened, d.OpenedAt = true, t0; return nil })
			return err
		})
		changes("an event", func() error {
			_, err := srv.ApplyEvents(e.ctx, "p1", []inbox.Event{event("c1", inbox.EventClicked, d1.ID, t0)})
			return err
		})
		changes("an identify event", func() error {
			_, err := srv.ApplyEvents(e.ctx, "p1", []inbox.Event{identify("i1", t0, "plan", "pro")})
			return err
		})
		changes("creating a draft", func() error { return e.store.CreateDelivery(e.ctx, draft) })
		changes("deleting a draft", func() error { return e.store.DeleteDraft(e.ctx, draft.ID) })
		changes("creating a finished delivery", func() error { return e.store.CreateDelivery(e.ctx, done) })
		changes("dropping finished content", func() error {
			n, err := e.store.DropFinishedContent(e.ctx, e.clock.Now())
			if err == nil && n != 1 {
				err = errors.New("nothing dropped")
			}
			return err
		})

		keeps("a failed person update", func() error {
			_, err := e.store.UpdatePerson(e.ctx, "p1", func(p *server.Person) error { p.Attributes["a"] = "lost"; return mine })
			return err
		})
		keeps("a failed delivery update", func() error {
			_, err := e.store.UpdateDelivery(e.ctx, d1.ID, func(d *server.Delivery) error { d.Deleted = true; return mine })
			return err
		})
		keeps("a failed events write", func() error {
			return e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
				d, err := tx.FindDelivery(d1.ID)
				if err != nil {
					return err
				}
				d.Deleted = true
				if err := tx.SaveDelivery(d); err != nil {
					return err
				}
				return mine
			})
		})
		keeps("deleting a delivery that is not a draft", func() error { return e.store.DeleteDraft(e.ctx, d1.ID) })
		keeps("template writes", func() error {
			tpl := newTemplate(1, "one", inbox.ChannelInbox)
			_, err := e.store.SeedTemplate(e.ctx, newTemplate(2, "two", inbox.ChannelInApp), "src")
			return errors.Join(err, e.store.UpsertTemplate(e.ctx, tpl), e.store.CreateTemplate(e.ctx, newTemplate(0, "three", inbox.ChannelInbox)),
				func() error {
					_, err := e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error { t.Name = "One"; return nil })
					return err
				}(), e.store.DeleteTemplate(e.ctx, 2))
		})
		keeps("another person's writes", func() error {
			other := newDelivery("dlv_other", "p2", inbox.ChannelInbox, t0)
			_, err := e.store.CreatePersonIfMissing(e.ctx, newPerson("p2"))
			err = errors.Join(err, e.store.CreateDelivery(e.ctx, other))
			_, err2 := e.store.UpdatePerson(e.ctx, "p2", func(p *server.Person) error { p.Attributes["x"] = "y"; return nil })
			_, err3 := e.store.UpdateDelivery(e.ctx, other.ID, func(d *server.Delivery) error { d.Opened = true; return nil })
			_, err4 := srv.ApplyEvents(e.ctx, "p2", []inbox.Event{event("c1", inbox.EventClicked, other.ID, t0), identify("i1", t0, "k", "v")})
			return errors.Join(err, err2, err3, err4)
		})
		assert.NotZero(t, e.version("p2"), "p2 exists")
	})

	t.Run("QueueVersionSnapshot", func(t *testing.T) {
		e := open(t, h)
		ss := e.shared()
		e.mustCreatePerson("p1")
		const writes = 40
		count := map[int64]int{} // answer version -> how many deliveries p1 had at it
		v, err := ss.AnswerVersion(e.ctx, "p1")
		require.NoError(t, err)
		count[v] = 0
		type sample struct {
			version int64
			n       int
		}
		var samples [][]sample
		var mu sync.Mutex
		run(workers, func(w int) {
			if w == 0 { // the one writer of p1
				for i := range writes {
					if !assert.NoError(t, ss.CreateDelivery(e.ctx, newDelivery(fmt.Sprintf("dlv_%02d", i), "p1", inbox.ChannelInbox, t0))) {
						return
					}
					v, err := ss.AnswerVersion(e.ctx, "p1")
					if !assert.NoError(t, err) {
						return
					}
					mu.Lock()
					count[v] = i + 1
					mu.Unlock()
				}
				return
			}
			var mine []sample
			for range writes {
				q, err := ss.FindQueue(e.ctx, "p1", t0)
				if !assert.NoError(t, err) {
					return
				}
				mine = append(mine, sample{q.Version, len(q.Deliveries)})
			}
			mu.Lock()
			samples = append(samples, mine)
			mu.Unlock()
		})
		require.Len(t, count, writes+1, "each write gave a new version")
		for _, mine := range samples {
			for _, s := range mine {
				n, ok := count[s.version]
				if assert.True(t, ok, "a queue's version %d is one p1 had", s.version) {
					assert.Equal(t, n, s.n, "the queue read at version %d is the one of that version", s.version)
				}
			}
		}
	})

	t.Run("Exclusive", func(t *testing.T) {
		e := open(t, h)
		ss := e.shared()
		started, release := make(chan struct{}), make(chan struct{})
		type result struct {
			ran bool
			err error
		}
		first := make(chan result, 1)
		go func() {
			ran, err := ss.Exclusive(e.ctx, "maintain", func(ctx context.Context) error {
				close(started)
				<-release
				return ctx.Err()
			})
			first <- result{ran, err}
		}()
		select {
		case <-started:
		case r := <-first:
			t.Fatalf("the first Exclusive did not run fn: %+v", r)
		}
		called := false
		ran, err := ss.Exclusive(e.ctx, "maintain", func(context.Context) error { called = true; return nil })
		assert.NoError(t, err)
		assert.False(t, ran, "the same name is running")
		assert.False(t, called)
		ran, err = ss.Exclusive(e.ctx, "other", func(context.Context) error { return nil })
		assert.NoError(t, err)
		assert.True(t, ran, "another name runs meanwhile")
		close(release)
		r := <-first
		assert.NoError(t, r.err)
		assert.True(t, r.ran)

		ran, err = ss.Exclusive(e.ctx, "maintain", func(context.Context) error { called = true; return nil })
		assert.NoError(t, err)
		assert.True(t, ran && called, "it runs again once the first returned")
		mine := errors.New("mine")
		ran, err = ss.Exclusive(e.ctx, "maintain", func(context.Context) error { return mine })
		assert.True(t, ran)
		assert.ErrorIs(t, err, mine, "fn's error is returned")
		ran, err = ss.Exclusive(e.ctx, "maintain", func(context.Context) error { return nil })
		assert.NoError(t, err)
		assert.True(t, ran, "an error ends the exclusion too")
	})

	t.Run("ClaimRound", func(t *testing.T) {
		e := open(t, h)
		ss := e.shared()
		claim := func(name string, every time.Duration) bool {
			t.Helper()
			claimed, err := ss.ClaimRound(e.ctx, name, every)
			require.NoError(t, err)
			return claimed
		}
		assert.True(t, claim("maintain", time.Hour), "the first round is claimed")
		assert.False(t, claim("maintain", time.Hour), "claimed less than an hour ago: not again")
		assert.True(t, claim("other", time.Hour), "another name has rounds of its own")
		assert.True(t, claim("maintain", 0), "every 0 always claims")
		assert.False(t, claim("maintain", time.Hour), "and that claim counts")
		assert.True(t, claim("maintain", time.Nanosecond), "a round claimed longer ago than every is claimed again")
	})

	t.Run("ExclusiveConcurrent", func(t *testing.T) {
		e := open(t, h)
		ss := e.shared()
		var inside, ranTotal atomic.Int32
		run(workers, func(int) {
			for range 10 {
				ran, err := ss.Exclusive(e.ctx, "race", func(ctx context.Context) error {
					assert.Equal(t, int32(1), inside.Add(1), "one fn of a name at a time")
					defer inside.Add(-1)
					_, err := e.store.CountQueued(ctx, t0) // some work, while others try
					return err
				})
				assert.NoError(t, err)
				if ran {
					ranTotal.Add(1)
				}
			}
		})
		assert.Positive(t, ranTotal.Load())
	})
}
