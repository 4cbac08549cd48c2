package storetest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// Concurrency of the concurrent tests: workers goroutines (each with a
// server.Server of its own, as separate processes would have) doing
// rounds operations each.
const (
	workers = 8
	rounds  = 50
)

// run runs fn(w) for each of n workers at once and waits for them. fn
// reports failures with assert, never require.
func run(n int, fn func(w int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range n {
		wg.Go(func() {
			<-start
			fn(w)
		})
	}
	close(start)
	wg.Wait()
}

// testConcurrency checks concurrent use: no error but documented ones,
// and a final state that is exactly what the acknowledged operations say.
func testConcurrency(t *testing.T, h Harness) {
	t.Run("SendPollEvents", func(t *testing.T) {
		e := open(t, h)
		e.mustTemplate(inbox.ChannelInbox)
		const people = 10
		var mu sync.Mutex
		sent := map[string][]string{}        // person -> acked delivery ids
		attrs := map[string]map[string]any{} // person -> what acked identifies set
		events := map[string][]string{}      // person -> acked event ids
		run(workers, func(w int) {
			srv := e.server()
			for i := range rounds {
				pid := fmt.Sprintf("p%d", (w*rounds+i)%people)
				d, err := srv.Send(e.ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateID: 1,
					IdentifierKind: server.IdentifierID, Identifier: pid})
				if !assert.NoError(t, err, "send") {
					return
				}
				mu.Lock()
				sent[pid] = append(sent[pid], d.ID)
				mu.Unlock()
				q, err := e.store.FindQueue(e.ctx, pid, e.clock.Now())
				if !assert.NoError(t, err, "poll") || !assert.Contains(t, ids(q.Deliveries), d.ID, "a poll sees an acknowledged send") {
					return
				}
				key := fmt.Sprintf("w%d", w)
				batch := []inbox.Event{event("open-"+d.ID, inbox.EventOpened, d.ID, t0),
					identify(fmt.Sprintf("id-%d-%d", w, i), t0, key, float64(i))}
				if i%5 == 0 {
					batch = append(batch, batch[0]) // a resend in the batch
				}
				reasons, err := srv.ApplyEvents(e.ctx, pid, batch)
				if !assert.NoError(t, err, "events") {
					return
				}
				for j, r := range reasons {
					assert.Empty(t, r, "event %s", batch[j].ID)
				}
				mu.Lock()
				if attrs[pid] == nil {
					attrs[pid] = map[string]any{}
				}
				attrs[pid][key] = float64(i)
				events[pid] = append(events[pid], batch[0].ID, batch[1].ID)
				mu.Unlock()
			}
		})
		if t.Failed() {
			return
		}
		total := 0
		for pid, want := range sent {
			q, err := e.store.FindQueue(e.ctx, pid, e.clock.Now())
			require.NoError(t, err)
			assert.ElementsMatch(t, want, ids(q.Deliveries), "%s's queue is every acknowledged send", pid)
			for _, d := range q.Deliveries {
				assert.True(t, d.Opened && d.Delivered, "%s: its acknowledged opened event applied", d.ID)
			}
			assertAttributes(t, attrs[pid], q.Person, "%s: every acknowledged identify merged", pid)
			total += len(want)
		}
		assert.Equal(t, workers*rounds, total)
		n, err := e.store.CountQueued(e.ctx, e.clock.Now())
		require.NoError(t, err)
		assert.Equal(t, total, n)
		for pid, evs := range events {
			assert.Len(t, e.applied(pid, evs...), len(evs), "%s: every acknowledged event is recorded", pid)
		}
	})

	t.Run("InAppClaimedOnce", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		var ds []*server.Delivery
		for i := range 20 {
			ds = append(ds, e.send(srv, inbox.ChannelInApp, fmt.Sprintf("p%d", i%4)))
		}
		var mu sync.Mutex
		wins := map[string][]int{} // delivery -> the claimers that won
		run(workers, func(w int) {
			srv := e.server() // one process per claimer
			for _, i := range rand.Perm(len(ds)) {
				d := ds[i]
				reasons, err := srv.ApplyEvents(e.ctx, d.PersonID, []inbox.Event{event(fmt.Sprintf("claim-%d-%s", w, d.ID), inbox.EventDelivered, d.ID, t0)})
				if !assert.NoError(t, err) {
					return
				}
				if reasons[0] == "" {
					mu.Lock()
					wins[d.ID] = append(wins[d.ID], w)
					mu.Unlock()
				} else {
					assert.Equal(t, server.RejectAlreadyDelivered, reasons[0], "the loser of a claim is told so")
				}
			}
		})
		for _, d := range ds {
			if assert.Len(t, wins[d.ID], 1, "%s is claimed by exactly one", d.ID) {
				winner := fmt.Sprintf("claim-%d-%s", wins[d.ID][0], d.ID)
				assert.True(t, e.mustFind(d.ID).Delivered)
				assert.True(t, e.applied(d.PersonID, winner)[winner], "the winner's claim is recorded")
			}
		}
	})

	t.Run("SameEventOnce", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		var ds []*server.Delivery
		for i := range 10 {
			ds = append(ds, e.send(srv, inbox.ChannelInbox, fmt.Sprintf("p%d", i%2)))
		}
		run(workers, func(w int) {
			srv := e.server()
			for _, d := range ds {
				reasons, err := srv.ApplyEvents(e.ctx, d.PersonID, []inbox.Event{event("click-"+d.ID, inbox.EventClicked, d.ID, t0),
					identify("same-identify", t0, "from", "browser")})
				if assert.NoError(t, err, "an event sent by several at once is no error") {
					assert.Equal(t, []string{"", ""}, reasons)
				}
			}
		})
		for _, d := range ds {
			assert.Len(t, e.mustFind(d.ID).Clicks, 1, "%s: one event id applies once", d.ID)
		}
	})

	t.Run("CreatePersonIfMissing", func(t *testing.T) {
		e := open(t, h)
		got := make([][]*server.Person, workers)
		run(workers, func(w int) {
			for i := range 20 {
				p, err := e.store.CreatePersonIfMissing(e.ctx, newPerson(fmt.Sprintf("p%d", i), "by", float64(w)))
				if !assert.NoError(t, err) {
					return
				}
				got[w] = append(got[w], p)
			}
		})
		for i := range 20 {
			stored := e.mustPerson(fmt.Sprintf("p%d", i))
			for w := range workers {
				if assert.Len(t, got[w], 20) {
					assertAttributes(t, stored.Attributes, got[w][i], "every caller gets the one stored person")
				}
			}
		}
	})

	t.Run("AutoCreateTemplates", func(t *testing.T) {
		e := open(t, h)
		made := make([][]*server.Delivery, workers)
		run(workers, func(w int) {
			srv := e.server()
			for i := range 6 {
				name := fmt.Sprintf("shared_%d", i)
				if i == 5 {
					name = fmt.Sprintf("own_%d", w)
				}
				d, err := srv.Send(e.ctx, server.SendRequest{Channel: inbox.ChannelInApp, TemplateName: name, AutoCreate: true,
					IdentifierKind: server.IdentifierID, Identifier: "p1"})
				if !assert.NoError(t, err, "auto-create %s", name) {
					return
				}
				made[w] = append(made[w], d)
			}
		})
		list, err := e.store.ListTemplates(e.ctx)
		require.NoError(t, err)
		assert.Len(t, list, 5+workers, "one template per name")
		for w := range workers {
			for i, d := range made[w] {
				name := fmt.Sprintf("shared_%d", i)
				if i == 5 {
					name = fmt.Sprintf("own_%d", w)
				}
				tpl, err := e.store.FindTemplateByTrigger(e.ctx, name)
				require.NoError(t, err)
				assert.Equal(t, tpl.ID, d.TemplateID, "every send of %s used the one template", name)
			}
		}
	})

	t.Run("DraftSentOrDeleted", func(t *testing.T) {
		e := open(t, h)
		const drafts = 20
		for i := range drafts {
			d := newDelivery(fmt.Sprintf("dlv_%02d", i), "p1", inbox.ChannelInbox, t0)
			d.Draft = true
			e.mustCreate(d)
		}
		sendErrs, deleteErrs := make([]error, drafts), make([]error, drafts)
		sender, deleter := e.server(), e.server()
		for i := range drafts { // both at once, for each draft
			id := fmt.Sprintf("dlv_%02d", i)
			run(2, func(w int) {
				if w == 0 {
					_, sendErrs[i] = sender.SendDraft(e.ctx, id)
				} else {
					deleteErrs[i] = deleter.DeleteDraft(e.ctx, id)
				}
			})
		}
		for i := range drafts {
			id := fmt.Sprintf("dlv_%02d", i)
			d, err := e.store.FindDelivery(e.ctx, id)
			if deleteErrs[i] == nil {
				requireCode(t, server.ENOTFOUND, sendErrs[i], "%s was deleted before it was sent", id)
				requireCode(t, server.ENOTFOUND, err, "%s is deleted", id)
			} else {
				requireCode(t, server.ECONFLICT, deleteErrs[i], "%s was sent before it was deleted", id)
				require.NoError(t, sendErrs[i])
				require.NoError(t, err)
				assert.False(t, d.Draft, "%s is sent", id)
			}
		}
	})

	t.Run("UpdatesAreAtomic", func(t *testing.T) {
		e := open(t, h)
		e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		const each = 20
		run(workers, func(w int) {
			for range each {
				_, err := e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error {
					d.Clicks = append(d.Clicks, fmt.Sprintf("w%d", w))
					return nil
				})
				assert.NoError(t, err)
				_, err = e.store.UpdatePerson(e.ctx, "p1", func(p *server.Person) error {
					p.Attributes["n"] = number(p.Attributes["n"]) + 1
					return nil
				})
				assert.NoError(t, err)
			}
		})
		assert.Len(t, e.mustFind("dlv_1").Clicks, workers*each, "no update is lost")
		assert.Equal(t, float64(workers*each), number(e.mustPerson("p1").Attributes["n"]), "no update is lost")
	})
}

// number returns the JSON number v (a float64 or a json.Number), 0 if none.
func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case json.Number:
		f, _ := n.Float64()
		return f
	}
	return 0
}
