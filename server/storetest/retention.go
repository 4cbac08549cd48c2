package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// testRetention checks DropFinishedContent and DropEventIDs.
func testRetention(t *testing.T, h Harness) {
	t.Run("DropFinishedContent", func(t *testing.T) {
		e := open(t, h)
		all := e.createQueueCases()
		for _, c := range queueCases { // the same deliveries with retention disabled
			d := *all[c.id]
			d.ID, d.DisableRetention = c.id+"_noretain", true
			all[d.ID] = e.mustCreate(&d)
		}
		want := 0
		for _, d := range all {
			if d.DisableRetention && d.Finished(t0) {
				want++
			}
		}
		require.Positive(t, want)

		n, err := e.store.DropFinishedContent(e.ctx, t0)
		require.NoError(t, err)
		assert.Equal(t, want, n, "how many it cleared")
		for id, d := range all {
			if d.DisableRetention && d.Finished(t0) {
				d.Content, d.Data = nil, nil
			}
			got := e.mustFind(id)
			assertSameDelivery(t, d, got, "only content and data change, and only of finished deliveries without retention")
			if d.Content == nil {
				assert.Nil(t, got.Content, "%s is cleared", id)
				assert.Nil(t, got.Data, "%s is cleared", id)
			}
		}

		n, err = e.store.DropFinishedContent(e.ctx, t0)
		require.NoError(t, err)
		assert.Zero(t, n, "cleared content is not counted again")

		later := t0.Add(30 * time.Hour) // the unclaimed and scheduled ones have expired
		want = 0
		for _, d := range all {
			if d.DisableRetention && d.Content != nil && d.Finished(later) {
				want++
			}
		}
		require.Positive(t, want)
		n, err = e.store.DropFinishedContent(e.ctx, later)
		require.NoError(t, err)
		assert.Equal(t, want, n, "more are finished later")
		for id, d := range all {
			got := e.mustFind(id)
			dropped := d.DisableRetention && d.Finished(later)
			assert.Equal(t, dropped, got.Content == nil, "%s cleared", id)
			assert.Equal(t, dropped || d.Data == nil, got.Data == nil, "%s data cleared", id)
		}
	})

	t.Run("DropFinishedContentWithoutData", func(t *testing.T) {
		e := open(t, h)
		d := newDelivery("dlv_1", "p1", inbox.ChannelInApp, t0.Add(-time.Hour))
		d.Data, d.DisableRetention, d.Dismissed = nil, true, true
		e.mustCreate(d)
		n, err := e.store.DropFinishedContent(e.ctx, t0)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Nil(t, e.mustFind("dlv_1").Content)
	})

	t.Run("DropEventIDs", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		record := func(id string, applied time.Time) {
			t.Helper()
			require.NoError(t, e.store.UpdateEvents(e.ctx, "p1", func(tx server.EventTx) error {
				return tx.RecordEvent(event(id, inbox.EventOpened, d.ID, t0), d.ID, t0, applied)
			}))
		}
		record("e1", t0)
		record("e2", t0.Add(time.Hour))
		record("e3", t0.Add(2*time.Hour))
		require.NoError(t, e.store.UpdateEvents(e.ctx, "p2", func(tx server.EventTx) error {
			return tx.RecordEvent(identify("e1", t0, "plan", "pro"), "", t0, t0)
		}))

		n, err := e.store.DropEventIDs(e.ctx, t0)
		require.NoError(t, err)
		assert.Zero(t, n, "none applied before t0")
		n, err = e.store.DropEventIDs(e.ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, 2, n, "p1's e1 and p2's e1; e2 was applied at, not before")
		assert.Equal(t, map[string]bool{"e2": true, "e3": true}, e.applied("p1", "e1", "e2", "e3"))
		assert.Empty(t, e.applied("p2", "e1"))
		n, err = e.store.DropEventIDs(e.ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("DroppedIDIsNew", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		d, err := srv.Send(e.ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateID: e.mustTemplate(inbox.ChannelInbox),
			IdentifierKind: server.IdentifierID, Identifier: "p1"})
		require.NoError(t, err)
		click := event("c1", inbox.EventClicked, d.ID, t0)
		e.mustApply(srv, "p1", click)
		e.mustApply(srv, "p1", click)
		assert.Equal(t, []string{"primary"}, e.mustFind(d.ID).Clicks, "applied once")
		e.clock.Add(time.Hour)
		n, err := e.store.DropEventIDs(e.ctx, e.clock.Now())
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		e.mustApply(srv, "p1", click)
		assert.Equal(t, []string{"primary", "primary"}, e.mustFind(d.ID).Clicks, "a resend of a forgotten id is a new event")
	})
}
