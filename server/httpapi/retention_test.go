package httpapi_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// TestEventIDRetention: the ids of applied events are kept
// EventIDRetention, so the table of them does not grow for ever, and a
// resend is still recognised within it; an event older than that is
// rejected, since its id may be gone and it would be applied twice.
func TestEventIDRetention(t *testing.T) {
	f := newFixture(t)
	id := f.send("inbox_message", seedSend)
	click := func(eventID string) inbox.Event {
		e := ev(eventID, id, "clicked", "buy")
		e.AtMs = f.clock.Now().UnixMilli()
		return e
	}
	old := click("old")
	require.Equal(t, []string{"old"}, postEvents(t, f, "user_123", old).Acknowledged)

	f.clock.Add(server.EventIDRetention - time.Hour)
	recent := click("recent")
	require.Equal(t, []string{"recent"}, postEvents(t, f, "user_123", recent).Acknowledged)
	f.clock.Add(2 * time.Hour)
	f.srv.MaintainOnce(t.Context())

	resp := postEvents(t, f, "user_123", recent, old)
	assert.Equal(t, []string{"recent"}, resp.Acknowledged, "a resend within the retention is recognised")
	if assert.Len(t, resp.Rejected, 1) {
		assert.Equal(t, "old", resp.Rejected[0].ID)
		assert.Equal(t, server.RejectTooOld, resp.Rejected[0].Error)
	}
	assert.Equal(t, []any{"buy", "buy"}, getDelivery(t, f, id)["clicks"], "neither resend is applied again")

	n, err := f.db.DropEventIDs(t.Context(), f.clock.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "MaintainOnce dropped the old id and kept the recent one")
}
