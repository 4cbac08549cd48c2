package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

func TestDB_ApplyEvents_Identify(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roost.db")
	db := MustOpenDB(t, path)
	now := time.UnixMilli(1_763_800_000_000).UTC()
	identify := func(id, plan string) inbox.Event {
		return inbox.Event{ID: id, Type: inbox.EventIdentify, AtMs: now.UnixMilli() - 1000, Attributes: map[string]any{"plan": plan}}
	}
	apply := func(t *testing.T, db *sqlite.DB, es ...inbox.Event) {
		t.Helper()
		reasons, err := serverAt(db, now).ApplyEvents(ctx, "p1", es)
		require.NoError(t, err)
		for i, r := range reasons {
			assert.Empty(t, r, "event %d is acknowledged", i)
		}
	}
	plan := func(t *testing.T, db *sqlite.DB) any {
		t.Helper()
		p, err := db.FindPerson(ctx, "p1")
		require.NoError(t, err)
		return p.Attributes["plan"]
	}

	apply(t, db, identify("x", "A"))
	assert.Equal(t, "A", plan(t, db), "an unknown person is created")
	apply(t, db, identify("y", "B"))
	apply(t, db, identify("x", "A"))
	assert.Equal(t, "B", plan(t, db), "x again is applied once")

	require.NoError(t, db.Close())
	db = MustOpenDB(t, path)
	assert.Equal(t, "B", plan(t, db), "a restart keeps the attributes")
	apply(t, db, identify("x", "A"), identify("y", "B"), identify("x", "A"))
	assert.Equal(t, "B", plan(t, db), "and the applied ids")

	require.NoError(t, db.Close())
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer raw.Close()
	rows, err := raw.Query(`SELECT id, delivery_id, person_id, type, action, at, applied_at FROM events ORDER BY id`)
	require.NoError(t, err)
	defer rows.Close()
	type row struct {
		id         string
		deliveryID sql.NullString
		personID   string
		typ        string
		action     string
		at         int64
		appliedAt  int64
	}
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.id, &r.deliveryID, &r.personID, &r.typ, &r.action, &r.at, &r.appliedAt))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	ms := now.UnixMilli()
	assert.Equal(t, []row{
		{id: "x", personID: "p1", typ: "identify", at: ms - 1000, appliedAt: ms},
		{id: "y", personID: "p1", typ: "identify", at: ms - 1000, appliedAt: ms},
	}, got, "each applied id recorded once, with no delivery")
}

func TestDB_ApplyEvents_IdentifyRejected(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "roost.db"))
	now := time.UnixMilli(1_763_800_000_000).UTC()
	_, err := serverAt(db, now).MergePerson(ctx, "p1", map[string]any{"email": "p1@example.com"})
	require.NoError(t, err)
	reasons, err := serverAt(db, now).ApplyEvents(ctx, "p1", []inbox.Event{
		{ID: "steal", Type: inbox.EventIdentify, Attributes: map[string]any{"email": "p2@example.com", "plan": "A"}},
		{ID: "keep", Type: inbox.EventIdentify, Attributes: map[string]any{"email": "P1@example.com", "plan": "B"}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{server.RejectEmailChange, ""}, reasons)
	p, err := db.FindPerson(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"email": "P1@example.com", "plan": "B"}, p.Attributes)
	_, err = db.FindPersonByEmail(ctx, "p2@example.com")
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "p1 is not found by the email it tried")

	reasons, err = serverAt(db, now).ApplyEvents(ctx, "p1", []inbox.Event{
		{ID: "steal", Type: inbox.EventIdentify, Attributes: map[string]any{"plan": "C"}},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{""}, reasons)
	p, err = db.FindPerson(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, "C", p.Attributes["plan"], "a rejected event's id is not recorded as applied")
}

// serverAt returns a server on db whose clock stands at now, without a
// poll cache: the rules the store's transactions serve.
func serverAt(db *sqlite.DB, now time.Time) *server.Server {
	return server.New(server.Config{Now: func() time.Time { return now }, PollCacheBytes: -1}, db)
}
