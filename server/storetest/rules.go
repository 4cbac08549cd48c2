package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// mustTemplate stores a template of channel (trigger name its channel)
// unless there is one, and returns its id.
func (e *env) mustTemplate(channel string) int {
	e.t.Helper()
	id := 1
	if channel == inbox.ChannelInApp {
		id = 2
	}
	if _, err := e.store.FindTemplateByID(e.ctx, id); server.ErrorCode(err) == server.ENOTFOUND {
		require.NoError(e.t, e.store.UpsertTemplate(e.ctx, newTemplate(id, channel, channel)))
	}
	return id
}

// send sends the template of channel to personID through srv.
func (e *env) send(srv *server.Server, channel, personID string) *server.Delivery {
	e.t.Helper()
	d, err := srv.Send(e.ctx, server.SendRequest{Channel: channel, TemplateID: e.mustTemplate(channel),
		IdentifierKind: server.IdentifierID, Identifier: personID, Data: map[string]any{"order": "A-1"}})
	require.NoError(e.t, err)
	return d
}

// apply applies events of personID through srv and returns the reasons.
func (e *env) apply(srv *server.Server, personID string, events ...inbox.Event) []string {
	e.t.Helper()
	reasons, err := srv.ApplyEvents(e.ctx, personID, events)
	require.NoError(e.t, err)
	require.Len(e.t, reasons, len(events))
	return reasons
}

// mustApply applies events of personID through srv; each must be acknowledged.
func (e *env) mustApply(srv *server.Server, personID string, events ...inbox.Event) {
	e.t.Helper()
	for i, r := range e.apply(srv, personID, events...) {
		require.Empty(e.t, r, "event %d (%s) is acknowledged", i, events[i].ID)
	}
}

// poll returns personID's poll answer from srv, decoded.
func (e *env) poll(srv *server.Server, personID string) inbox.PollResponse {
	e.t.Helper()
	a, err := srv.Poll(e.ctx, personID)
	require.NoError(e.t, err)
	var resp inbox.PollResponse
	require.NoError(e.t, json.Unmarshal(a.Body, &resp))
	return resp
}

// testRules checks the server's rules on the store: server.Server on it.
func testRules(t *testing.T, h Harness) {
	t.Run("EventsIdempotent", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		d := e.send(srv, inbox.ChannelInbox, "p1")
		click := event("c1", inbox.EventClicked, d.ID, t0)
		e.mustApply(srv, "p1", click)
		e.mustApply(srv, "p1", click)
		e.mustApply(e.server(), "p1", click, click) // another server: the store knows
		assert.Equal(t, []string{"primary"}, e.mustFind(d.ID).Clicks, "one id applies once")
		e.mustApply(srv, "p1", event("c2", inbox.EventClicked, d.ID, t0), event("c2", inbox.EventClicked, d.ID, t0))
		assert.Equal(t, []string{"primary", "primary"}, e.mustFind(d.ID).Clicks, "a new id applies, once in a batch")
		assert.Equal(t, map[string]bool{"c1": true, "c2": true}, e.applied("p1", "c1", "c2"))
	})

	t.Run("InAppClaim", func(t *testing.T) {
		e := open(t, h)
		a, b := e.server(), e.server()
		d := e.send(a, inbox.ChannelInApp, "p1")
		require.Len(t, e.poll(b, "p1").Messages, 1)
		e.clock.Add(time.Second)
		assert.Equal(t, []string{""}, e.apply(a, "p1", event("tab-a", inbox.EventDelivered, d.ID, e.clock.Now())),
			"the first claim wins")
		assert.Equal(t, []string{server.RejectAlreadyDelivered},
			e.apply(b, "p1", event("tab-b", inbox.EventDelivered, d.ID, e.clock.Now())), "a later claim loses")
		assert.Equal(t, []string{""}, e.apply(b, "p1", event("tab-a", inbox.EventDelivered, d.ID, e.clock.Now())),
			"the winner's claim sent again is acknowledged")
		assert.True(t, e.mustFind(d.ID).Delivered)
		assert.Empty(t, e.poll(b, "p1").Messages, "a claimed in-app message leaves the queue")
		assert.Empty(t, e.applied("p1", "tab-b"), "a rejected event is not recorded")

		late := e.send(a, inbox.ChannelInApp, "p1")
		e.clock.Add(time.Duration(server.DefaultExpiresAfterDays) * 24 * time.Hour)
		assert.Equal(t, []string{server.RejectUnknownDelivery}, e.apply(a, "p1", event("tab-c", inbox.EventDelivered, late.ID, e.clock.Now())),
			"an expired in-app message cannot be claimed")
		assert.False(t, e.mustFind(late.ID).Delivered)
	})

	t.Run("EventsDropContent", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		off := true
		d, err := srv.Send(e.ctx, server.SendRequest{Channel: inbox.ChannelInApp, TemplateID: e.mustTemplate(inbox.ChannelInApp),
			IdentifierKind: server.IdentifierID, Identifier: "p1", DisableRetention: &off, Data: map[string]any{"k": "v"}})
		require.NoError(t, err)
		e.mustApply(srv, "p1", event("dismiss", inbox.EventDismissed, d.ID, t0))
		got := e.mustFind(d.ID)
		assert.True(t, got.Dismissed)
		assert.Nil(t, got.Content, "a finished delivery without retention loses its content in the event's write")
		assert.Nil(t, got.Data)
	})

	t.Run("Rejects", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		mine := e.send(srv, inbox.ChannelInbox, "p1")
		theirs := e.send(srv, inbox.ChannelInbox, "p2")
		reasons := e.apply(srv, "p1", event("x1", inbox.EventOpened, theirs.ID, t0), event("x2", inbox.EventOpened, "dlv_none", t0),
			event("x3", inbox.EventOpened, mine.ID, t0))
		assert.Equal(t, []string{server.RejectUnknownDelivery, server.RejectUnknownDelivery, ""}, reasons)
		assert.False(t, e.mustFind(theirs.ID).Opened, "another person's delivery is unchanged")
		assert.True(t, e.mustFind(mine.ID).Opened)
		assert.Equal(t, map[string]bool{"x3": true}, e.applied("p1", "x1", "x2", "x3"))
	})

	t.Run("Identify", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		now := e.clock.Now()
		e.mustApply(srv, "new", identify("i1", now, "plan", "free"))
		assertAttributes(t, map[string]any{"plan": "free"}, e.mustPerson("new"), "an unknown person is created")

		e.mustCreatePerson("p1", "email", "Ann@Example.com", "name", "Ann", "plan", "free")
		e.mustApply(srv, "p1", identify("i1", now, "plan", "pro", "language", "fr"),
			identify("i2", now, "name", nil, "seats", 3.0, "email", "ann@example.COM"))
		// the same email in another case is accepted, and kept as the page gave it
		want := map[string]any{"email": "ann@example.COM", "plan": "pro", "language": "fr", "seats": 3.0}
		assertAttributes(t, want, e.mustPerson("p1"), "merged in order; null removes")
		assert.Equal(t, []string{server.RejectEmailChange, ""},
			e.apply(srv, "p1", identify("i3", now, "email", "other@example.com"), identify("i1", now, "plan", "lost")))
		assertAttributes(t, want, e.mustPerson("p1"), "a rejected or repeated identify changes nothing")
		p, err := e.store.FindPersonByEmail(e.ctx, "ANN@example.com")
		require.NoError(t, err)
		assert.Equal(t, "p1", p.ID)

		d := e.send(srv, inbox.ChannelInbox, "p1")
		assert.Equal(t, "fr", d.Language, "the send sees the identified language")
		e.mustApply(srv, "p1", identify("i4", now, "plan", "team"))
		msgs := e.poll(srv, "p1").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, "team", msgs[0].Customer["plan"], "a poll carries the merged attributes")
	})

	t.Run("SendByEmail", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		req := server.SendRequest{Channel: inbox.ChannelInbox, TemplateID: e.mustTemplate(inbox.ChannelInbox),
			IdentifierKind: server.IdentifierEmail, Identifier: "Bob@Example.com"}
		d1, err := srv.Send(e.ctx, req)
		require.NoError(t, err)
		assert.Equal(t, "Bob@Example.com", d1.PersonID, "an unknown email creates a person with it as id")
		req.Identifier = " bob@example.COM"
		d2, err := srv.Send(e.ctx, req)
		require.NoError(t, err)
		assert.Equal(t, d1.PersonID, d2.PersonID, "the same email, in another case, reaches the same person")
		assert.Len(t, e.poll(srv, d1.PersonID).Messages, 2)
	})

	t.Run("SendSuppressedAndDrafts", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		no, yes := false, true
		e.mustCreatePerson("p1", "unsubscribed", true)
		req := server.SendRequest{Channel: inbox.ChannelInbox, TemplateID: e.mustTemplate(inbox.ChannelInbox),
			IdentifierKind: server.IdentifierID, Identifier: "p1", SendToUnsubscribed: &no}
		sup, err := srv.Send(e.ctx, req)
		require.NoError(t, err)
		assert.Equal(t, server.SuppressedUnsubscribed, e.mustFind(sup.ID).Suppressed)
		req.SendToUnsubscribed, req.QueueDraft = nil, &yes
		draft, err := srv.Send(e.ctx, req)
		require.NoError(t, err)
		assert.Empty(t, e.poll(srv, "p1").Messages, "neither shows")
		e.clock.Add(time.Minute)
		sent, err := srv.SendDraft(e.ctx, draft.ID)
		require.NoError(t, err)
		assert.False(t, sent.Draft)
		msgs := e.poll(srv, "p1").Messages
		require.Len(t, msgs, 1)
		assert.Equal(t, draft.ID, msgs[0].DeliveryID)
		assert.Equal(t, e.clock.Now().UnixMilli(), msgs[0].SentAtMs, "a sent draft is visible from when it was sent")
		_, err = srv.SendDraft(e.ctx, draft.ID)
		requireCode(t, server.ECONFLICT, err, "sent twice")
	})

	t.Run("MaintainOnce", func(t *testing.T) {
		e := open(t, h)
		srv := e.server()
		off := true
		d, err := srv.Send(e.ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateID: e.mustTemplate(inbox.ChannelInbox),
			IdentifierKind: server.IdentifierID, Identifier: "p1", DisableRetention: &off})
		require.NoError(t, err)
		e.mustApply(srv, "p1", event("o1", inbox.EventOpened, d.ID, t0))
		e.clock.Add(server.EventIDRetention + time.Hour)
		srv.MaintainOnce(e.ctx)
		assert.Empty(t, e.applied("p1", "o1"), "old event ids are dropped")
		assert.NotNil(t, e.mustFind(d.ID).Content, "an opened inbox message is still queued: its content stays")
	})
}
