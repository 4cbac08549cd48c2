package postgres_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/sqlite"
)

// openPostgres opens a new database, closed at the test's cleanup.
func openPostgres(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestPoll_SameBytesAsSQLite: the same people and deliveries, stored in
// PostgreSQL and in SQLite, give byte-identical poll answers.
func TestPoll_SameBytesAsSQLite(t *testing.T) {
	ctx := context.Background()
	pg := openPostgres(t, pgtest.NewDatabase(t))
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = lite.Close() })

	now := time.UnixMilli(1_800_000_000_777).UTC()
	for _, store := range []server.Store{pg, lite} {
		_, err := store.UpdatePerson(ctx, "user_1", func(p *server.Person) error {
			return json.Unmarshal([]byte(`{"name":"Zoë","z":1,"a":{"n":1.50,"big":12345678901234567890},"email":"Z@x.org"}`), &p.Attributes)
		})
		require.NoError(t, err)
		for i, c := range []struct {
			id, channel, content string
			send                 time.Duration
			delivered, opened    bool
		}{
			{"dlv_b", inbox.ChannelInbox, `{"z": "last key first", "a": [1, 2.0, "é\u2028"]}`, -time.Hour, true, true},
			{"dlv_a", inbox.ChannelInbox, `{"title":"same send_at as dlv_c"}`, -time.Minute, false, false},
			{"dlv_c", inbox.ChannelInApp, `{"title":"in-app"}`, -time.Minute, false, false},
			{"dlv_d", inbox.ChannelInbox, `{"title":"scheduled"}`, time.Hour, false, false},
		} {
			d := &server.Delivery{ID: c.id, PersonID: "user_1", TemplateID: i + 1, ContentID: 1, Channel: c.channel,
				Type: "t", Topics: []string{"b", "a"}, Priority: i, Content: []byte(c.content),
				Data:     map[string]any{"order": json.Number("1.10"), "list": []any{"x", nil}},
				QueuedAt: now.Add(c.send - time.Second), SendAt: now.Add(c.send), ExpiresAt: now.Add(c.send + 48*time.Hour),
				Delivered: c.delivered, Opened: c.opened, Clicks: []string{}}
			if c.opened {
				d.OpenedAt = now.Add(-time.Minute + 123*time.Microsecond)
			}
			require.NoError(t, store.CreateDelivery(ctx, d))
		}
	}
	clock := func() time.Time { return now }
	a, err := server.New(server.Config{Now: clock}, pg).Poll(ctx, "user_1")
	require.NoError(t, err)
	b, err := server.New(server.Config{Now: clock}, lite).Poll(ctx, "user_1")
	require.NoError(t, err)
	assert.Equal(t, string(b.Body), string(a.Body))
	assert.Equal(t, b.ETag, a.ETag)
	assert.Contains(t, string(a.Body), "dlv_c")

	qa, err := pg.FindQueue(ctx, "user_1", now)
	require.NoError(t, err)
	qb, err := lite.FindQueue(ctx, "user_1", now)
	require.NoError(t, err)
	qb.Version = qa.Version
	assert.Equal(t, qb, qa, "the same queue")
	assert.NotZero(t, qa.Version)
}

// TestServers_OnOneDatabase: two servers on two DBs of one database, as
// two processes: a poll sees the other's writes though its own cache held
// an answer, and background work runs in one at a time.
func TestServers_OnOneDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pa, pb := openPostgres(t, url), openPostgres(t, url)
	require.NoError(t, server.LoadSeed(ctx, pa, "../../example-site/seed.json"))
	a, b := server.New(server.Config{}, pa), server.New(server.Config{}, pb)
	send := func(srv *server.Server) string {
		d, err := srv.Send(ctx, server.SendRequest{Channel: inbox.ChannelInbox, TemplateName: "order_shipped",
			IdentifierKind: server.IdentifierID, Identifier: "user_123", Data: map[string]any{"order_id": "ORD-1"}})
		require.NoError(t, err)
		return d.ID
	}
	first := send(a)
	_, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	cached, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.True(t, cached.Cached, "no write since")

	second := send(b)
	after, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.False(t, after.Cached)
	assert.Contains(t, string(after.Body), first)
	assert.Contains(t, string(after.Body), second, "the poll sees the other process's send")

	reasons, err := b.ApplyEvents(ctx, "user_123", []inbox.Event{{ID: "e1", Type: inbox.EventOpened, DeliveryID: second}})
	require.NoError(t, err)
	require.Equal(t, []string{""}, reasons)
	reasons, err = a.ApplyEvents(ctx, "user_123", []inbox.Event{{ID: "e1", Type: inbox.EventUnopened, DeliveryID: second}})
	require.NoError(t, err)
	require.Equal(t, []string{""}, reasons, "acknowledged")
	d, err := pa.FindDelivery(ctx, second)
	require.NoError(t, err)
	assert.True(t, d.Opened, "the retried id, through the other process, changed nothing")
	marked, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.NotEqual(t, after.ETag, marked.ETag, "the mark made through b changes a's answer")

	_, err = pa.Exclusive(ctx, "maintain", func(ctx context.Context) error {
		b.MaintainOnce(ctx)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(1), b.Stats().MaintainSkipped)
	a.MaintainOnce(ctx)
	assert.Equal(t, uint64(1), a.Stats().MaintainRan)
}
