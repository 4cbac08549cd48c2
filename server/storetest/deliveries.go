package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// testDeliveries checks CreateDelivery, FindDelivery and UpdateDelivery.
func testDeliveries(t *testing.T, h Harness) {
	t.Run("RoundTrip", func(t *testing.T) {
		e := open(t, h)
		plain := e.mustCreate(newDelivery("dlv_plain", "p1", inbox.ChannelInbox, t0))
		assertSameDelivery(t, plain, e.mustFind("dlv_plain"))

		full := newDelivery("dlv_full", "p1", inbox.ChannelInApp, t0)
		full.ContentID, full.Language, full.TemplateID = 2, "fr", 9
		full.SendAt, full.ExpiresAt = t0.Add(time.Hour), t0.Add(48*time.Hour)
		full.Draft, full.Suppressed, full.DisableRetention = true, server.SuppressedUnsubscribed, true
		full.Opened, full.OpenedAt, full.Delivered, full.Deleted, full.Dismissed = true, t0.Add(2*time.Hour), true, true, true
		full.Clicks = []string{"a", "b", "a"}
		full.Data = map[string]any{"nested": map[string]any{"list": []any{1.0, "two", nil, false}}, "s": "é\u2028"}
		e.mustCreate(full)
		assertSameDelivery(t, full, e.mustFind("dlv_full"))

		bare := newDelivery("dlv_bare", "p1", inbox.ChannelInbox, t0)
		bare.Data, bare.Topics, bare.Clicks, bare.Type = nil, nil, nil, ""
		e.mustCreate(bare)
		got := e.mustFind("dlv_bare")
		assertSameDelivery(t, bare, got)
		assert.Nil(t, got.Data, "no data stays none")

		_, err := e.store.FindDelivery(e.ctx, "dlv_none")
		requireCode(t, server.ENOTFOUND, err)
	})

	t.Run("JSONValues", func(t *testing.T) {
		e := open(t, h)
		// What a site's backend may send (the HTTP layer decodes numbers as
		// json.Number): exact numbers, NUL and other escapes, deep nesting.
		values := map[string]any{"big": json.Number("12345678901234567890"), "tenth": json.Number("0.1"),
			"neg": json.Number("-7"), "exp": json.Number("1e300"), "nul": "a\u0000b", "esc": "\"\\\n\t</script>\u2028😀",
			"deep": map[string]any{"a": []any{map[string]any{"b": []any{nil, true, json.Number("1")}}}}, "": "empty key"}
		p, err := e.store.CreatePersonIfMissing(e.ctx, &server.Person{ID: "p1", Attributes: values})
		require.NoError(t, err)
		assertExactJSON(t, values, p.Attributes, "returned attributes")
		assertExactJSON(t, values, e.mustPerson("p1").Attributes, "stored attributes")
		d := newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0)
		d.Data = values
		d.Content = json.RawMessage(`{"title": "a\u0000b \u2028 😀", "n": 12345678901234567890, "x": {"y": [0.1]}}`)
		require.NoError(t, e.store.CreateDelivery(e.ctx, d))
		got := e.mustFind("dlv_1")
		assertExactJSON(t, values, got.Data, "stored data")
		var want, have any
		require.NoError(t, decodeExact(d.Content, &want))
		require.NoError(t, decodeExact(got.Content, &have))
		assertExactJSON(t, want, have, "stored content")
	})

	t.Run("CreateNeedsPerson", func(t *testing.T) {
		e := open(t, h)
		requireCode(t, server.EINVALID, e.store.CreateDelivery(e.ctx, newDelivery("dlv_1", "nobody", inbox.ChannelInbox, t0)))
		_, err := e.store.FindDelivery(e.ctx, "dlv_1")
		requireCode(t, server.ENOTFOUND, err, "nothing is stored")
		_, err = e.store.FindPerson(e.ctx, "nobody")
		requireCode(t, server.ENOTFOUND, err, "and no person is created")
	})

	t.Run("Update", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		got, err := e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error {
			d.Opened, d.OpenedAt, d.Delivered = true, t0.Add(time.Minute), true
			d.Clicks = append(d.Clicks, "buy")
			return nil
		})
		require.NoError(t, err)
		d.Opened, d.OpenedAt, d.Delivered, d.Clicks = true, t0.Add(time.Minute), true, []string{"buy"}
		assertSameDelivery(t, d, got, "the result is returned")
		assertSameDelivery(t, d, e.mustFind("dlv_1"), "and stored")

		called := false
		_, err = e.store.UpdateDelivery(e.ctx, "dlv_none", func(*server.Delivery) error { called = true; return nil })
		requireCode(t, server.ENOTFOUND, err)
		assert.False(t, called, "fn is not run for an unknown id")

		mine := errors.New("mine")
		_, err = e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error { d.Deleted = true; return mine })
		assert.ErrorIs(t, err, mine)
		_, err = e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error {
			d.Deleted = true
			return server.Errorf(server.ECONFLICT, "no")
		})
		requireCode(t, server.ECONFLICT, err, "fn's error keeps its code")
		assertSameDelivery(t, d, e.mustFind("dlv_1"), "fn's error stores nothing")
	})

	t.Run("UpdateReschedulesDraft", func(t *testing.T) {
		e := open(t, h)
		d := newDelivery("dlv_1", "p1", inbox.ChannelInApp, t0)
		d.Draft = true
		e.mustCreate(d)
		later := e.clock.Add(3 * time.Hour)
		got, err := e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error { d.Reschedule(later); return nil })
		require.NoError(t, err)
		d.Reschedule(later)
		assertSameDelivery(t, d, got)
		assertSameDelivery(t, d, e.mustFind("dlv_1"), "the schedule and draft state are stored")
	})

	t.Run("UpdateDropsContent", func(t *testing.T) {
		e := open(t, h)
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		_, err := e.store.UpdateDelivery(e.ctx, "dlv_1", func(d *server.Delivery) error { d.Content, d.Data = nil, nil; return nil })
		require.NoError(t, err)
		d.Content, d.Data = nil, nil
		got := e.mustFind("dlv_1")
		assertSameDelivery(t, d, got)
		assert.Nil(t, got.Content, "dropped content reads back as nil")
	})
}

// testDrafts checks ListDrafts and DeleteDraft.
func testDrafts(t *testing.T, h Harness) {
	t.Run("List", func(t *testing.T) {
		e := open(t, h)
		draft := func(id, person string, at time.Time) *server.Delivery {
			d := newDelivery(id, person, inbox.ChannelInbox, at)
			d.Draft = true
			return e.mustCreate(d)
		}
		draft("dlv_c", "p1", t0.Add(2*time.Minute))
		draft("dlv_b", "p2", t0.Add(time.Minute))
		draft("dlv_a", "p1", t0.Add(2*time.Minute))
		draft("dlv_z", "p1", t0)
		e.mustCreate(newDelivery("dlv_sent", "p1", inbox.ChannelInbox, t0))
		scheduled := newDelivery("dlv_later", "p1", inbox.ChannelInbox, t0)
		scheduled.SendAt = t0.Add(time.Hour)
		e.mustCreate(scheduled)

		list := func(person string, limit int) []string {
			t.Helper()
			ds, err := e.store.ListDrafts(e.ctx, person, limit)
			require.NoError(t, err)
			for _, d := range ds {
				assert.True(t, d.Draft)
			}
			return ids(ds)
		}
		assert.Equal(t, []string{"dlv_z", "dlv_a", "dlv_c"}, list("p1", 10), "oldest first, by QueuedAt then ID")
		assert.Equal(t, []string{"dlv_z", "dlv_b", "dlv_a", "dlv_c"}, list("", 10), "everyone's")
		assert.Equal(t, []string{"dlv_z", "dlv_b"}, list("", 2), "at most limit")
		assert.Empty(t, list("p3", 10))
		ds, err := e.store.ListDrafts(e.ctx, "p1", 1)
		require.NoError(t, err)
		require.Len(t, ds, 1)
		assertSameDelivery(t, e.mustFind("dlv_z"), ds[0], "a listed draft is the whole delivery")

		_, err = e.store.UpdateDelivery(e.ctx, "dlv_z", func(d *server.Delivery) error { d.Reschedule(t0.Add(time.Hour)); return nil })
		require.NoError(t, err)
		assert.Equal(t, []string{"dlv_a", "dlv_c"}, list("p1", 10), "a sent draft is no longer listed")
	})

	t.Run("Delete", func(t *testing.T) {
		e := open(t, h)
		d := newDelivery("dlv_draft", "p1", inbox.ChannelInbox, t0)
		d.Draft = true
		e.mustCreate(d)
		sent := e.mustCreate(newDelivery("dlv_sent", "p1", inbox.ChannelInbox, t0))

		require.NoError(t, e.store.DeleteDraft(e.ctx, "dlv_draft"))
		_, err := e.store.FindDelivery(e.ctx, "dlv_draft")
		requireCode(t, server.ENOTFOUND, err)
		requireCode(t, server.ENOTFOUND, e.store.DeleteDraft(e.ctx, "dlv_draft"), "deleted twice")
		requireCode(t, server.ENOTFOUND, e.store.DeleteDraft(e.ctx, "dlv_none"))
		requireCode(t, server.ECONFLICT, e.store.DeleteDraft(e.ctx, "dlv_sent"), "not a draft")
		assertSameDelivery(t, sent, e.mustFind("dlv_sent"), "a delivery that is not a draft stays")
		ds, err := e.store.ListDrafts(e.ctx, "", 10)
		require.NoError(t, err)
		assert.Empty(t, ds)
	})

	t.Run("ManyPeople", func(t *testing.T) {
		e := open(t, h)
		var want []string
		for i := range 30 {
			d := newDelivery(fmt.Sprintf("dlv_%02d", i), fmt.Sprintf("p%d", i%3), inbox.ChannelInbox, t0.Add(time.Duration(i)*time.Millisecond))
			d.Draft = true
			e.mustCreate(d)
			if i%3 == 1 {
				want = append(want, d.ID)
			}
		}
		ds, err := e.store.ListDrafts(e.ctx, "p1", 100)
		require.NoError(t, err)
		assert.Equal(t, want, ids(ds))
	})
}
