package storetest

import (
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

// acks are the writes a store acknowledged, by kind.
type acks struct {
	mu        sync.Mutex
	n         atomic.Int64
	people    map[string]float64 // person -> the "i" attribute acked last
	created   map[string]bool    // acked deliveries
	opened    map[string]bool    // deliveries whose opened update was acked
	clicked   map[string]string  // delivery -> acked click event id
	templates []int
	// reached is closed once crashAcks writes are acknowledged.
	reached chan struct{}
}

// add records one acknowledged write.
func (a *acks) add(fn func()) {
	a.mu.Lock()
	fn()
	a.mu.Unlock()
	if a.n.Add(1) == crashAcks {
		close(a.reached)
	}
}

// crashAcks is how many acknowledged writes the crash check waits for
// before it reopens the store.
const crashAcks = 300

// testCrash checks that every acknowledged write survives Harness.Reopen,
// made while writes go on.
func testCrash(t *testing.T, h Harness) {
	e := open(t, h)
	e.mustTemplate(inbox.ChannelInbox)
	a := &acks{people: map[string]float64{}, created: map[string]bool{}, opened: map[string]bool{}, clicked: map[string]string{},
		reached: make(chan struct{})}
	old := e.store
	// a SharedStore's answer versions must not go back to a value they had
	seen, stable := map[int64]bool{}, int64(0)
	if _, ok := old.(server.SharedStore); ok {
		e.mustCreatePerson("stable")
		seen[e.version("stable")] = true
		_, err := old.UpdatePerson(e.ctx, "stable", func(p *server.Person) error { p.Attributes["v"] = 1.0; return nil })
		require.NoError(t, err)
		stable = e.version("stable")
		seen[0] = true
	}
	stop := make(chan struct{})
	var reopening atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			srv := server.New(server.Config{Now: e.clock.Now, PollCacheBytes: -1}, old)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := crashWrite(e, old, srv, a, w, i); err != nil {
					if !reopening.Load() { // once the store is closing, writes may fail
						t.Errorf("worker %d, write %d: %v", w, i, err)
					}
					return
				}
			}
		})
	}
	select {
	case <-a.reached:
	case <-time.After(10 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatalf("only %d writes were acknowledged in 10 s", a.n.Load())
	}

	e.clock.Add(time.Hour)
	reopening.Store(true)
	e.store = h.Reopen(t, old, e.clock.Now) // while the writers write
	close(stop)
	wg.Wait()

	a.mu.Lock()
	defer a.mu.Unlock()
	for id, i := range a.people {
		p, err := e.store.FindPerson(e.ctx, id)
		if assert.NoError(t, err, "acked person %s", id) {
			assert.Equal(t, i, number(p.Attributes["i"]), "%s: the last acked update", id)
		}
	}
	for id := range a.created {
		d, err := e.store.FindDelivery(e.ctx, id)
		if !assert.NoError(t, err, "acked delivery %s", id) {
			continue
		}
		assert.Equal(t, a.opened[id], d.Opened, "%s: opened as acked", id)
		if ev, ok := a.clicked[id]; ok {
			assert.Equal(t, []string{"primary"}, d.Clicks, "%s: the acked click", id)
			assert.Equal(t, map[string]bool{ev: true}, e.applied(d.PersonID, ev), "%s: the acked event id", id)
		}
	}
	for _, id := range a.templates {
		_, err := e.store.FindTemplateByID(e.ctx, id)
		assert.NoError(t, err, "acked template %d", id)
	}

	if len(seen) > 0 {
		if v := e.version("stable"); v != stable {
			assert.False(t, seen[v], "after a reopen, an answer version is the same or new, not one it had (%d)", v)
			seen[v] = true
		}
		_, err := e.store.UpdatePerson(e.ctx, "stable", func(p *server.Person) error { p.Attributes["v"] = 2.0; return nil })
		require.NoError(t, err)
		v := e.version("stable")
		assert.False(t, seen[v] || v == stable, "a write after a reopen gives a new answer version (%d)", v)
	}

	e.mustCreatePerson("after") // the reopened store works, with the clock it was given
	p, err := e.store.FindPersonByEmail(e.ctx, "none@example.com")
	assert.Nil(t, p)
	requireCode(t, server.ENOTFOUND, err)
	e.mustApply(e.server(), "after", identify("after-1", e.clock.Now(), "k", "v"))
	assert.Equal(t, map[string]bool{"after-1": true}, e.applied("after", "after-1"))
}

// crashWrite makes worker w's write number i on s, through srv for
// events, and records it in a if s acknowledges it. A round of five
// writes creates a person and a delivery, updates both, and clicks.
func crashWrite(e *env, s server.Store, srv *server.Server, a *acks, w, i int) error {
	pid := fmt.Sprintf("w%d-p%d", w, i/5)
	did := fmt.Sprintf("dlv_w%d_%d", w, i/5)
	switch i % 5 {
	case 0:
		_, err := s.CreatePersonIfMissing(e.ctx, newPerson(pid, "i", float64(i)))
		if err == nil {
			a.add(func() { a.people[pid] = float64(i) })
		}
		return err
	case 1:
		err := s.CreateDelivery(e.ctx, newDelivery(did, pid, inbox.ChannelInbox, t0))
		if err == nil {
			a.add(func() { a.created[did] = true })
		}
		return err
	case 2:
		_, err := s.UpdatePerson(e.ctx, pid, func(p *server.Person) error { p.Attributes["i"] = float64(i); return nil })
		if err == nil {
			a.add(func() { a.people[pid] = float64(i) })
		}
		return err
	case 3:
		_, err := s.UpdateDelivery(e.ctx, did, func(d *server.Delivery) error { d.Opened, d.OpenedAt = true, t0; return nil })
		if err == nil {
			a.add(func() { a.opened[did] = true })
		}
		return err
	}
	id := "click-" + did
	reasons, err := srv.ApplyEvents(e.ctx, pid, []inbox.Event{event(id, inbox.EventClicked, did, t0)})
	if err != nil {
		return err
	}
	if reasons[0] != "" {
		return fmt.Errorf("click rejected: %s", reasons[0])
	}
	a.add(func() { a.clicked[did] = id })
	if i%25 == 4 {
		tid := 1000 + w*1000 + i
		if err := s.UpsertTemplate(e.ctx, newTemplate(tid, fmt.Sprintf("t%d", tid), inbox.ChannelInApp)); err != nil {
			return err
		}
		a.add(func() { a.templates = append(a.templates, tid) })
	}
	return nil
}
