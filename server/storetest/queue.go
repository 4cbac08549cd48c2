package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// queueCase is one delivery of the queue fixture: how it differs from a
// fresh one, and whether a poll at t0 sees it.
type queueCase struct {
	id      string
	channel string
	change  func(d *server.Delivery)
	queued  bool
}

// queueCases are deliveries of p1 in every state that matters at t0.
var queueCases = []queueCase{
	{"dlv_inbox", inbox.ChannelInbox, func(*server.Delivery) {}, true},
	{"dlv_inbox_opened", inbox.ChannelInbox, func(d *server.Delivery) { d.Opened, d.OpenedAt, d.Delivered = true, t0, true }, true},
	{"dlv_inbox_dismissed", inbox.ChannelInbox, func(d *server.Delivery) { d.Dismissed = true }, true},
	{"dlv_inbox_deleted", inbox.ChannelInbox, func(d *server.Delivery) { d.Deleted, d.Delivered = true, true }, false},
	{"dlv_inbox_expired", inbox.ChannelInbox, func(d *server.Delivery) { d.ExpiresAt = t0 }, false},
	{"dlv_inbox_expiring", inbox.ChannelInbox, func(d *server.Delivery) { d.ExpiresAt = t0.Add(time.Millisecond) }, true},
	{"dlv_inbox_expired_delivered", inbox.ChannelInbox, func(d *server.Delivery) { d.ExpiresAt, d.Delivered = t0.Add(-time.Hour), true }, true},
	{"dlv_inapp", inbox.ChannelInApp, func(*server.Delivery) {}, true},
	{"dlv_inapp_opened", inbox.ChannelInApp, func(d *server.Delivery) { d.Opened, d.OpenedAt = true, t0 }, true},
	{"dlv_inapp_delivered", inbox.ChannelInApp, func(d *server.Delivery) { d.Delivered = true }, false},
	{"dlv_inapp_dismissed", inbox.ChannelInApp, func(d *server.Delivery) { d.Dismissed = true }, false},
	{"dlv_inapp_deleted", inbox.ChannelInApp, func(d *server.Delivery) { d.Deleted = true }, true},
	{"dlv_inapp_expired", inbox.ChannelInApp, func(d *server.Delivery) { d.ExpiresAt = t0 }, false},
	{"dlv_inapp_expired_delivered", inbox.ChannelInApp, func(d *server.Delivery) { d.ExpiresAt, d.Delivered = t0, true }, false},
	{"dlv_due_now", inbox.ChannelInbox, func(d *server.Delivery) { d.SendAt = t0 }, true},
	{"dlv_scheduled", inbox.ChannelInbox, func(d *server.Delivery) { d.SendAt, d.ExpiresAt = t0.Add(2*time.Hour), t0.Add(9*time.Hour) }, false},
	{"dlv_scheduled_inapp", inbox.ChannelInApp, func(d *server.Delivery) { d.SendAt, d.ExpiresAt = t0.Add(time.Hour), t0.Add(9*time.Hour) }, false},
	{"dlv_draft", inbox.ChannelInbox, func(d *server.Delivery) { d.Draft = true }, false},
	{"dlv_draft_scheduled", inbox.ChannelInbox, func(d *server.Delivery) { d.Draft, d.SendAt = true, t0.Add(time.Minute) }, false},
	{"dlv_suppressed", inbox.ChannelInApp, func(d *server.Delivery) { d.Suppressed = server.SuppressedUnsubscribed }, false},
	{"dlv_suppressed_scheduled", inbox.ChannelInbox, func(d *server.Delivery) {
		d.Suppressed, d.SendAt = server.SuppressedUnsubscribed, t0.Add(time.Minute)
	}, false},
}

// createQueueCases stores queueCases for p1, each queued an hour before
// t0 (a millisecond apart, in their order) unless it says otherwise, and
// returns them by id.
func (e *env) createQueueCases() map[string]*server.Delivery {
	e.t.Helper()
	e.mustCreatePerson("p1", "name", "Ann")
	all := map[string]*server.Delivery{}
	for i, c := range queueCases {
		at := t0.Add(-time.Hour + time.Duration(i)*time.Millisecond)
		d := newDelivery(c.id, "p1", c.channel, at)
		c.change(d)
		require.Equal(e.t, c.queued, d.Queued(t0), "fixture %s agrees with Delivery.Queued", c.id)
		e.mustCreate(d)
		all[c.id] = d
	}
	return all
}

// testQueue checks FindQueue and CountQueued.
func testQueue(t *testing.T, h Harness) {
	t.Run("Visibility", func(t *testing.T) {
		e := open(t, h)
		all := e.createQueueCases()
		e.mustCreate(newDelivery("dlv_other", "p2", inbox.ChannelInbox, t0.Add(-time.Hour)))
		q, err := e.store.FindQueue(e.ctx, "p1", t0)
		require.NoError(t, err)
		assertAttributes(t, map[string]any{"name": "Ann"}, q.Person)
		var want []string
		for _, c := range queueCases {
			if c.queued {
				want = append(want, c.id)
			}
		}
		assert.Equal(t, want, ids(q.Deliveries), "what Delivery.Queued says, by SendAt then ID")
		for _, d := range q.Deliveries {
			assertSameDelivery(t, all[d.ID], d, "a queued delivery is the whole delivery")
		}
		assert.True(t, sameTime(t0, q.LastQueuedAt), "LastQueuedAt is the newest SendAt at or before now: %v", q.LastQueuedAt)
		assert.True(t, sameTime(t0.Add(time.Hour), q.NextSendAt),
			"NextSendAt is the earliest SendAt after now, but of drafts and suppressed: %v", q.NextSendAt)

		n, err := e.store.CountQueued(e.ctx, t0)
		require.NoError(t, err)
		assert.Equal(t, len(want)+1, n, "CountQueued counts everyone's")
	})

	t.Run("OverTime", func(t *testing.T) {
		e := open(t, h)
		all := e.createQueueCases()
		for _, at := range []time.Time{t0.Add(-2 * time.Hour), t0.Add(-time.Hour), t0.Add(-time.Millisecond), t0,
			t0.Add(time.Hour), t0.Add(2 * time.Hour), t0.Add(23 * time.Hour), t0.Add(30 * time.Hour)} {
			var want []string
			for _, c := range queueCases {
				if all[c.id].Queued(at) {
					want = append(want, c.id)
				}
			}
			q, err := e.store.FindQueue(e.ctx, "p1", at)
			require.NoError(t, err)
			gotIDs := ids(q.Deliveries)
			assert.ElementsMatch(t, want, gotIDs, "queued at %v", at)
			n, err := e.store.CountQueued(e.ctx, at)
			require.NoError(t, err)
			assert.Equal(t, len(want), n, "count at %v", at)
		}
	})

	t.Run("Order", func(t *testing.T) {
		e := open(t, h)
		mk := func(id string, queuedAt, sendAt time.Time) {
			d := newDelivery(id, "p1", inbox.ChannelInbox, queuedAt)
			d.SendAt = sendAt
			e.mustCreate(d)
		}
		mk("dlv_b", t0.Add(-time.Minute), t0.Add(-time.Minute))
		mk("dlv_c", t0.Add(-time.Minute), t0.Add(-time.Minute))
		mk("dlv_a", t0.Add(-time.Minute), t0.Add(-time.Minute))
		mk("dlv_z", t0.Add(-2*time.Minute), t0.Add(-2*time.Minute))
		// Scheduled: accepted first, visible last. Polls show messages in
		// sent_at order (docs/protocol.md), sent_at being SendAt.
		mk("dlv_0", t0.Add(-time.Hour), t0.Add(-30*time.Second))
		q, err := e.store.FindQueue(e.ctx, "p1", t0)
		require.NoError(t, err)
		assert.Equal(t, []string{"dlv_z", "dlv_a", "dlv_b", "dlv_c", "dlv_0"}, ids(q.Deliveries))
		assert.True(t, sameTime(t0.Add(-30*time.Second), q.LastQueuedAt))
		assert.True(t, q.NextSendAt.IsZero(), "nothing scheduled")
	})

	t.Run("UnknownPerson", func(t *testing.T) {
		e := open(t, h)
		e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		q, err := e.store.FindQueue(e.ctx, "nobody", t0)
		require.NoError(t, err)
		require.NotNil(t, q)
		assert.Nil(t, q.Person)
		assert.Empty(t, q.Deliveries)
		assert.True(t, q.LastQueuedAt.IsZero())
		assert.True(t, q.NextSendAt.IsZero())
		assert.Zero(t, q.Version, "an unknown person's answer version is 0")
	})

	t.Run("NoDeliveries", func(t *testing.T) {
		e := open(t, h)
		e.mustCreatePerson("p1")
		q, err := e.store.FindQueue(e.ctx, "p1", t0)
		require.NoError(t, err)
		require.NotNil(t, q.Person)
		assert.Equal(t, "p1", q.Person.ID)
		assert.Empty(t, q.Deliveries)
		assert.True(t, q.LastQueuedAt.IsZero())
		assert.True(t, q.NextSendAt.IsZero())
		if _, shared := e.store.(server.SharedStore); !shared {
			assert.Zero(t, q.Version, "a store that is not shared has no answer versions")
		}
		n, err := e.store.CountQueued(e.ctx, t0)
		require.NoError(t, err)
		assert.Zero(t, n)
	})

	t.Run("LastAndNext", func(t *testing.T) {
		e := open(t, h)
		mk := func(id string, sendAt time.Time, change func(d *server.Delivery)) {
			d := newDelivery(id, "p1", inbox.ChannelInApp, t0.Add(-2*time.Hour))
			d.SendAt = sendAt
			change(d)
			e.mustCreate(d)
		}
		mk("dlv_claimed", t0.Add(-time.Hour), func(d *server.Delivery) { d.Delivered = true })
		mk("dlv_draft", t0.Add(-time.Minute), func(d *server.Delivery) { d.Draft = true })
		mk("dlv_suppressed", t0.Add(-time.Minute), func(d *server.Delivery) { d.Suppressed = server.SuppressedUnsubscribed })
		mk("dlv_draft_later", t0.Add(time.Minute), func(d *server.Delivery) { d.Draft = true })
		mk("dlv_suppressed_later", t0.Add(time.Minute), func(d *server.Delivery) { d.Suppressed = server.SuppressedUnsubscribed })
		mk("dlv_later", t0.Add(time.Hour), func(*server.Delivery) {})
		mk("dlv_latest", t0.Add(2*time.Hour), func(*server.Delivery) {})
		q, err := e.store.FindQueue(e.ctx, "p1", t0)
		require.NoError(t, err)
		assert.Empty(t, q.Deliveries)
		assert.True(t, sameTime(t0.Add(-time.Hour), q.LastQueuedAt),
			"a finished delivery was visible; drafts and suppressed ones never are: %v", q.LastQueuedAt)
		assert.True(t, sameTime(t0.Add(time.Hour), q.NextSendAt), "drafts and suppressed ones are not scheduled: %v", q.NextSendAt)
		q, err = e.store.FindQueue(e.ctx, "p1", t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, []string{"dlv_later"}, ids(q.Deliveries))
		assert.True(t, sameTime(t0.Add(time.Hour), q.LastQueuedAt), "%v", q.LastQueuedAt)
		assert.True(t, sameTime(t0.Add(2*time.Hour), q.NextSendAt), "%v", q.NextSendAt)
	})
}
