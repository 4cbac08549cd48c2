package inbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.UnixMilli(1_800_000_000_000)

func msg(id string, sentAt int64, topics ...string) inbox.Message {
	return inbox.Message{
		DeliveryID: id, Channel: inbox.ChannelInbox, Topics: topics,
		Content:  json.RawMessage(`{"title":"{{trigger.t}}"}`),
		Trigger:  map[string]any{"t": "title " + id},
		SentAtMs: sentAt,
	}
}

func newStore(t *testing.T, msgs ...inbox.Message) *inbox.Store {
	t.Helper()
	s := inbox.NewStore(render.New(), func() time.Time { return now })
	_, problems := s.Replace(msgs)
	require.Empty(t, problems)
	return s
}

func ids(snap inbox.Snapshot) []string {
	out := []string{}
	for _, m := range snap.Messages {
		out = append(out, m.DeliveryID)
	}
	return out
}

func TestSnapshot(t *testing.T) {
	t.Run("NewestFirstRendered", func(t *testing.T) {
		s := newStore(t, msg("a", 1), msg("c", 3), msg("b", 2))
		snap := s.Snapshot(inbox.Filter{})
		assert.Equal(t, []string{"c", "b", "a"}, ids(snap))
		assert.JSONEq(t, `{"title":"title c"}`, string(snap.Messages[0].Properties))
		assert.Equal(t, 3, snap.Total)
		assert.Equal(t, 3, snap.Unopened)
	})
	t.Run("TopicFilter", func(t *testing.T) {
		s := newStore(t, msg("a", 1, "orders"), msg("b", 2, "social"), msg("c", 3, "orders", "social"), msg("d", 4), msg("e", 5, "_internal"))
		assert.Equal(t, []string{"c", "a"}, ids(s.Snapshot(inbox.Filter{Topics: []string{"orders"}})))
		assert.Equal(t, []string{"c", "b", "a"}, ids(s.Snapshot(inbox.Filter{Topics: []string{"orders", "social"}})))
		assert.Equal(t, []string{"d", "c", "b", "a"}, ids(s.Snapshot(inbox.Filter{})), "no topics: all but internal ones")
		assert.Equal(t, []string{"e"}, ids(s.Snapshot(inbox.Filter{Topics: []string{"_internal"}})), "internal topic when named")
	})
	t.Run("TypeFilter", func(t *testing.T) {
		a, b, c := msg("a", 1), msg("b", 2), msg("c", 3)
		a.Type, b.Type = "alert", "reply"
		s := newStore(t, a, b, c)
		assert.Equal(t, []string{"b"}, ids(s.Snapshot(inbox.Filter{Types: []string{"reply"}})))
		assert.Equal(t, []string{"b", "a"}, ids(s.Snapshot(inbox.Filter{Types: []string{"reply", "alert"}})))
	})
	t.Run("ExpiredHidden", func(t *testing.T) {
		a, b := msg("a", 1), msg("b", 2)
		a.ExpiresAtMs = now.UnixMilli()
		b.ExpiresAtMs = now.UnixMilli() + 1
		s := newStore(t, a, b)
		assert.Equal(t, []string{"b"}, ids(s.Snapshot(inbox.Filter{})))
		assert.Equal(t, 1, s.Queued())
	})
	t.Run("InAppNotInInbox", func(t *testing.T) {
		a := msg("a", 1)
		a.Channel = inbox.ChannelInApp
		s := newStore(t, a, msg("b", 2))
		assert.Equal(t, []string{"b"}, ids(s.Snapshot(inbox.Filter{})))
	})
}

func TestLocalChanges(t *testing.T) {
	s := newStore(t, msg("a", 1), msg("b", 2))
	changed, err := s.SetOpened("a", true)
	require.NoError(t, err)
	assert.True(t, changed)
	changed, err = s.SetOpened("a", true)
	require.NoError(t, err)
	assert.False(t, changed, "opening twice changes nothing")
	assert.Equal(t, 1, s.Snapshot(inbox.Filter{}).Unopened)

	// A poll answered before the server saw the event keeps the local state.
	s.Replace([]inbox.Message{msg("a", 1), msg("b", 2)})
	assert.Equal(t, 1, s.Snapshot(inbox.Filter{}).Unopened)

	// Once the server agrees, its state is used again.
	a := msg("a", 1)
	a.Opened = true
	s.Replace([]inbox.Message{a, msg("b", 2)})
	a.Opened = false
	s.Replace([]inbox.Message{a, msg("b", 2)})
	assert.Equal(t, 2, s.Snapshot(inbox.Filter{}).Unopened, "server state wins after it confirmed")

	changed, err = s.Delete("b")
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, []string{"a"}, ids(s.Snapshot(inbox.Filter{})))

	_, err = s.SetOpened("nope", true)
	assert.ErrorIs(t, err, inbox.ErrUnknownMessage)
	_, err = s.Delete("nope")
	assert.ErrorIs(t, err, inbox.ErrUnknownMessage)
}

func TestReplace(t *testing.T) {
	t.Run("ChangedOnlyWhenVisible", func(t *testing.T) {
		s := newStore(t, msg("a", 1))
		changed, _ := s.Replace([]inbox.Message{msg("a", 1)})
		assert.False(t, changed)
		changed, _ = s.Replace([]inbox.Message{msg("a", 1), msg("b", 2)})
		assert.True(t, changed)
		changed, _ = s.Replace([]inbox.Message{msg("b", 2)})
		assert.True(t, changed)
	})
	t.Run("BrokenMessageReportedOnceOthersShown", func(t *testing.T) {
		bad := msg("bad", 2)
		bad.Content = json.RawMessage(`{"title":"{% if %}"}`)
		noID := msg("", 3)
		s := inbox.NewStore(render.New(), func() time.Time { return now })
		_, problems := s.Replace([]inbox.Message{msg("a", 1), bad, noID})
		require.Len(t, problems, 2)
		assert.Equal(t, "bad", problems[0].DeliveryID)
		assert.Contains(t, problems[0].Err.Error(), "title")
		assert.Equal(t, []string{"a"}, ids(s.Snapshot(inbox.Filter{})))
		_, problems = s.Replace([]inbox.Message{msg("a", 1), bad})
		assert.Empty(t, problems, "a broken message is reported once")
	})
}

func TestExpiry(t *testing.T) {
	expiring := func(id string, sentAt, inMs int64) inbox.Message {
		m := msg(id, sentAt)
		m.ExpiresAtMs = now.UnixMilli() + inMs
		return m
	}
	t.Run("NextExpiryIsTheEarliestStillShowing", func(t *testing.T) {
		s := newStore(t, expiring("a", 1, 5000), expiring("b", 2, 2000), msg("c", 3))
		assert.Equal(t, now.Add(2*time.Second), s.NextExpiry(now))
		assert.Equal(t, now.Add(2*time.Second), s.NextExpiry(time.Time{}), "nothing shown yet")
		assert.Equal(t, now.Add(5*time.Second), s.NextExpiry(now.Add(2*time.Second)), "b's expiry was shown")
		assert.True(t, newStore(t, msg("c", 3)).NextExpiry(time.Time{}).IsZero(), "nothing expires")
	})
	t.Run("MarkedMessagesNoLongerExpire", func(t *testing.T) {
		for _, mark := range []func(*inbox.Store) (bool, error){
			func(s *inbox.Store) (bool, error) { return s.SetOpened("a", true) },
			func(s *inbox.Store) (bool, error) { return s.SetOpened("a", false) },
			func(s *inbox.Store) (bool, error) { return s.MarkDelivered("a") },
		} {
			clock := now
			s := inbox.NewStore(render.New(), func() time.Time { return clock })
			s.Replace([]inbox.Message{expiring("a", 1, 1000), expiring("b", 2, 1000)})
			changed, err := mark(s)
			require.NoError(t, err)
			assert.True(t, changed, "a mark delivers the message, even one that keeps its opened state")
			snap := s.Snapshot(inbox.Filter{})
			require.Equal(t, []string{"b", "a"}, ids(snap))
			assert.Zero(t, snap.Messages[1].ExpiresAtMs, "a delivered message shows no expiry")
			assert.Equal(t, now.UnixMilli()+1000, snap.Messages[0].ExpiresAtMs)
			assert.True(t, s.NextExpiry(now).Equal(now.Add(time.Second)))

			clock = now.Add(time.Second)
			assert.Equal(t, []string{"a"}, ids(s.Snapshot(inbox.Filter{})), "the unmarked one expired, the marked one stays")
			assert.True(t, s.NextExpiry(clock).IsZero())
			assert.True(t, s.NextExpiry(now).Equal(now.Add(time.Second)), "one not shown expired yet is still due")
			assert.Equal(t, 1, s.Queued())

			// The server confirms (the message no longer expires there): nothing a page sees changes.
			a := expiring("a", 1, 0)
			a.ExpiresAtMs = 0
			a.Opened = snap.Messages[1].Opened
			s.Replace([]inbox.Message{a})
			assert.Equal(t, []string{"a"}, ids(s.Snapshot(inbox.Filter{})))
			changed, err = s.MarkDelivered("a")
			require.NoError(t, err)
			assert.False(t, changed, "delivered already")
		}
	})
}

func TestOverlay(t *testing.T) {
	ev := func(id, typ string) inbox.Event { return inbox.Event{ID: id + typ, DeliveryID: id, Type: typ} }
	s := newStore(t, msg("a", 1), msg("b", 2))
	changed := s.Overlay([]inbox.Event{ev("a", inbox.EventOpened), ev("a", inbox.EventUnopened), ev("b", inbox.EventOpened),
		ev("c", inbox.EventDeleted), ev("d", inbox.EventOpened), {ID: "x", Type: inbox.EventIdentify}, ev("a", inbox.EventDismissed)})
	assert.True(t, changed)
	snap := s.Snapshot(inbox.Filter{})
	require.Equal(t, []string{"b", "a"}, ids(snap))
	assert.True(t, snap.Messages[0].Opened, "applied in order")
	assert.False(t, snap.Messages[1].Opened, "applied in order")

	// Messages the store did not hold get their changes when they arrive, even
	// from a poll answered before the server saw them.
	changed, _ = s.Replace([]inbox.Message{msg("a", 1), msg("b", 2), msg("c", 3), msg("d", 4)})
	assert.True(t, changed)
	snap = s.Snapshot(inbox.Filter{})
	require.Equal(t, []string{"d", "b", "a"}, ids(snap), "c was deleted before it arrived")
	assert.True(t, snap.Messages[0].Opened)
	assert.True(t, snap.Messages[1].Opened, "the local change outlives a poll that does not know it yet")
}

func TestReplaceRendersAgainOnlyWhenTheDataChanged(t *testing.T) {
	decode := func(s string) map[string]any {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(s), &v))
		return v
	}
	m := msg("a", 1)
	m.Content = json.RawMessage(`{"title":"{{trigger.t}} {{trigger.n}} {{trigger.list[1].x}} {{customer.name}}"}`)
	m.Trigger = decode(`{"t":"hi","n":1.5,"list":[{"x":true},{"x":null}],"deep":{"a":[1,"2"]}}`)
	m.Customer = decode(`{"name":"Ada"}`)
	s := newStore(t, m)

	// the same data, decoded again: nothing changes
	same := m
	same.Trigger = decode(`{"deep":{"a":[1,"2"]},"list":[{"x":true},{"x":null}],"n":1.5,"t":"hi"}`)
	same.Customer = decode(`{"name":"Ada"}`)
	changed, problems := s.Replace([]inbox.Message{same})
	require.Empty(t, problems)
	assert.False(t, changed)

	for _, tc := range []struct{ trigger, customer, title string }{
		{`{"t":"hi","n":2,"list":[{"x":true},{"x":null}],"deep":{"a":[1,"2"]}}`, `{"name":"Ada"}`, "hi 2  Ada"},
		{`{"t":"hi","n":2,"list":[{"x":true},{"x":false}],"deep":{"a":[1,"2"]}}`, `{"name":"Ada"}`, "hi 2 false Ada"},
		{`{"t":"hi","n":2,"list":[{"x":true},{"x":false}],"deep":{"a":[1,"2"]}}`, `{"name":"Bo"}`, "hi 2 false Bo"},
		{`{"t":"hi","n":2,"list":[{"x":true},{"x":false}],"deep":{"a":[1,2]}}`, `{"name":"Bo"}`, "hi 2 false Bo"},
		{`{"t":"hi","n":2,"list":[{"x":true},{"x":false}],"deep":{"a":[1,2]},"new":1}`, `{"name":"Bo"}`, "hi 2 false Bo"},
	} {
		next := m
		next.Trigger, next.Customer = decode(tc.trigger), decode(tc.customer)
		changed, problems := s.Replace([]inbox.Message{next})
		require.Empty(t, problems)
		assert.True(t, changed, "trigger %s, customer %s", tc.trigger, tc.customer)
		assert.JSONEq(t, `{"title":`+mustJSON(t, tc.title)+`}`, string(s.Snapshot(inbox.Filter{}).Messages[0].Properties))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
