package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/service"
	"github.com/roostmsg/roost/server/sqlite"
)

// TestMigrateSQLiteToPostgres: roost migrate copies a SQLite database that
// has been used (templates, people with attributes, inbox and in-app
// messages marked, a draft, a scheduled send, applied event ids) into an
// empty PostgreSQL database, where every poll answers byte for byte as it
// did, and a retried event is still known as applied; a second copy into
// the now used database is refused and writes nothing.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	file := filepath.Join(t.TempDir(), "roost.db")
	lite, err := sqlite.Open(file)
	require.NoError(t, err)
	lite.Now = clock
	require.NoError(t, server.LoadSeed(ctx, lite, seedPath))
	srv := server.New(server.Config{Now: clock}, lite)
	send := func(channel, trigger, person string, mod func(*server.SendRequest)) string {
		req := server.SendRequest{Channel: channel, TemplateName: trigger, IdentifierKind: server.IdentifierID, Identifier: person,
			Data: map[string]any{"order_id": "ORD-" + person}}
		if mod != nil {
			mod(&req)
		}
		d, err := srv.Send(ctx, req)
		require.NoError(t, err)
		return d.ID
	}
	people := []string{"user_123", "ann", "bob"}
	for _, p := range people {
		send(inbox.ChannelInbox, "order_shipped", p, nil)
	}
	opened := send(inbox.ChannelInbox, "order_shipped", "ann", nil)
	claimed := send(inbox.ChannelInApp, "welcome_offer", "bob", nil)
	send(inbox.ChannelInApp, "welcome_offer", "ann", nil)
	send(inbox.ChannelInbox, "order_shipped", "bob", func(r *server.SendRequest) { r.SendAt = now.Add(time.Hour) })
	draft := true
	send(inbox.ChannelInbox, "order_shipped", "bob", func(r *server.SendRequest) { r.QueueDraft = &draft })
	events := map[string][]inbox.Event{
		"ann": {{ID: "e-open", Type: inbox.EventOpened, DeliveryID: opened}, {ID: "e-id", Type: inbox.EventIdentify, Attributes: map[string]any{"first_name": "Ann"}}},
		"bob": {{ID: "e-claim", Type: inbox.EventDelivered, DeliveryID: claimed}},
	}
	for p, es := range events {
		reasons, err := srv.ApplyEvents(ctx, p, es)
		require.NoError(t, err)
		for _, r := range reasons {
			require.Empty(t, r)
		}
	}
	before := map[string]string{}
	for _, p := range people {
		a, err := srv.Poll(ctx, p)
		require.NoError(t, err)
		before[p] = string(a.Body)
	}
	require.NoError(t, lite.Close())

	url := pgtest.NewDatabase(t)
	out, _, err := runRoost(t, nil, "migrate", "-from", file, "-to", url)
	require.NoError(t, err)
	assert.Contains(t, out, "4 templates")
	assert.Contains(t, out, "3 people")
	assert.Contains(t, out, "8 deliveries")
	assert.Contains(t, out, "3 events")
	assert.NotContains(t, out, "sslmode=disable&password", "no secret is printed")

	pg, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	defer pg.Close()
	pg.Now = clock
	moved := server.New(server.Config{Now: clock}, pg)
	for _, p := range people {
		a, err := moved.Poll(ctx, p)
		require.NoError(t, err)
		assert.JSONEq(t, before[p], string(a.Body), "%s's poll answers as before", p)
		assert.Equal(t, before[p], string(a.Body), "%s's poll answers byte for byte as before", p)
	}
	person, err := pg.FindPerson(ctx, "ann")
	require.NoError(t, err)
	assert.Equal(t, "Ann", person.Attributes["first_name"])
	require.NoError(t, pg.UpdateEvents(ctx, "bob", func(tx server.EventTx) error {
		applied, err := tx.AppliedEvents([]string{"e-claim", "e-new"})
		require.NoError(t, err)
		assert.Equal(t, map[string]bool{"e-claim": true}, applied, "the ids of applied events came along")
		return nil
	}))
	drafts, err := pg.ListDrafts(ctx, "", 10)
	require.NoError(t, err)
	assert.Len(t, drafts, 1)

	_, _, err = runRoost(t, nil, "migrate", "-from", file, "-to", url)
	assert.ErrorContains(t, err, "already holds Roost data")
	release, err := service.LockSQLite(file) // as a roost serving it holds it
	require.NoError(t, err)
	_, _, err = runRoost(t, nil, "migrate", "-from", file, "-to", pgtest.NewDatabase(t))
	assert.ErrorContains(t, err, "another roost serves it")
	assert.ErrorContains(t, err, "stop it before migrating")
	release()
	_, _, err = runRoost(t, nil, "migrate", "-from", file, "-to", strings.Replace(url, "postgres://", "POSTGRES://", 1))
	assert.ErrorContains(t, err, "already holds Roost data", "the scheme is read in any case")
	_, _, err = runRoost(t, nil, "migrate", "-from", file, "-to", file)
	assert.ErrorContains(t, err, "-to must be a postgres:// URL")
}
