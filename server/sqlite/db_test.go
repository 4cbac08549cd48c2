package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// MustOpenDB opens a store at path and closes it at cleanup.
func MustOpenDB(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func TestOpen(t *testing.T) {
	t.Run("OKMigratesOnce", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "roost.db")
		require.NoError(t, MustOpenDB(t, path).Close())
		MustOpenDB(t, path)

		raw, err := sql.Open("sqlite", path)
		require.NoError(t, err)
		defer raw.Close()
		var n int
		require.NoError(t, raw.QueryRow(`SELECT COUNT(*) FROM migrations`).Scan(&n))
		files, err := filepath.Glob("migrations/*.sql")
		require.NoError(t, err)
		assert.Equal(t, len(files), n)
		var mode string
		require.NoError(t, raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		assert.Equal(t, "wal", mode)
	})

	t.Run("ErrPath", func(t *testing.T) {
		for _, path := range []string{"", "a.db?mode=memory", "file:a.db"} {
			_, err := sqlite.Open(path)
			assert.Error(t, err, path)
		}
	})
}

// TestOpen_UpgradesVersion1Data checks that rows written before content
// variants, send_at and drafts read back as they were meant.
func TestOpen_UpgradesVersion1Data(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roost.db")
	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	script, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	for _, stmt := range []string{
		string(script),
		`CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`,
		`INSERT INTO migrations VALUES ('migrations/0001_init.sql', 0)`,
		`INSERT INTO templates (id, name, trigger_name, trigger_key, channel, content, created_at, updated_at)
			VALUES (7, 'Old', 'Old_One', 'old_one', 'inbox', '{"title":"t"}', 0, 0)`,
		`INSERT INTO people (id, created_at, updated_at) VALUES ('p1', 0, 0)`,
		`INSERT INTO deliveries (id, person_id, template_id, channel, content, queued_at, expires_at)
			VALUES ('dlv_old', 'p1', 7, 'inbox', '{"title":"t"}', 1000, 4102444800000)`,
		`INSERT INTO events (id, delivery_id, person_id, type, action, at, applied_at)
			VALUES ('e-old', 'dlv_old', 'p1', 'opened', '', 1000, 1000)`,
	} {
		_, err := raw.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, raw.Close())

	db := MustOpenDB(t, path)
	tpl, err := db.FindTemplateByTrigger(ctx, "old_one")
	require.NoError(t, err)
	require.Len(t, tpl.Contents, 1)
	assert.Equal(t, 1, tpl.Contents[0].ID)
	assert.JSONEq(t, `{"title":"t"}`, string(tpl.Contents[0].Body))
	assert.True(t, tpl.SendsToUnsubscribed())

	q, err := db.FindQueue(ctx, "p1", time.UnixMilli(2000))
	require.NoError(t, err)
	require.Len(t, q.Deliveries, 1, "an old delivery is visible from its queue time")
	d := q.Deliveries[0]
	assert.Equal(t, d.QueuedAt, d.SendAt)
	assert.Equal(t, 1, d.ContentID)
	assert.False(t, d.Draft)

	reasons, err := serverAt(db, time.UnixMilli(2000)).ApplyEvents(ctx, "p1", []inbox.Event{{ID: "e-old", DeliveryID: "dlv_old", Type: "deleted"}})
	require.NoError(t, err)
	assert.Equal(t, []string{""}, reasons)
	d, err = db.FindDelivery(ctx, "dlv_old")
	require.NoError(t, err)
	assert.False(t, d.Deleted, "an event id applied before the upgrade is still known")
}

func TestDB_Deliveries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "roost.db"))

	t.Run("ErrUnknownPerson", func(t *testing.T) {
		tpl := &server.Template{ID: 1, Name: "n", TriggerName: "t", Channel: "inbox", Content: []byte(`{}`)}
		require.NoError(t, tpl.Normalize())
		require.NoError(t, db.UpsertTemplate(ctx, tpl))
		d := server.NewDelivery("dlv_1", tpl, tpl.DefaultContent(), "nobody", nil, db.Now(), time.Time{})
		assert.Equal(t, server.EINVALID, server.ErrorCode(db.CreateDelivery(ctx, d)))
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindDelivery(ctx, "dlv_none")
		assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
		_, err = db.FindTemplateByID(ctx, 99)
		assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
		_, err = db.FindPersonByEmail(ctx, "")
		assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
	})

	t.Run("OKUnknownPersonQueue", func(t *testing.T) {
		q, err := db.FindQueue(ctx, "nobody", db.Now())
		require.NoError(t, err)
		assert.Nil(t, q.Person)
		assert.Empty(t, q.Deliveries)
		assert.True(t, q.LastQueuedAt.IsZero())
	})
}

// TestDB_ConcurrentWrites checks that writes made at once, which share
// commits, each get their own outcome: one failing does not fail another.
func TestDB_ConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "roost.db"))
	tpl := &server.Template{ID: 1, Name: "n", TriggerName: "t", Channel: "inbox", Content: []byte(`{}`)}
	require.NoError(t, tpl.Normalize())
	require.NoError(t, db.UpsertTemplate(ctx, tpl))
	_, err := db.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)

	const n = 64
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			person := "p1"
			if i%3 == 0 {
				person = "nobody" // EINVALID
			}
			d := server.NewDelivery(fmt.Sprintf("dlv_%02d", i), tpl, tpl.DefaultContent(), person, nil, db.Now(), time.Time{})
			errs[i] = db.CreateDelivery(ctx, d)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%3 == 0 {
			assert.Equal(t, server.EINVALID, server.ErrorCode(err), i)
		} else {
			assert.NoError(t, err, i)
		}
	}
	q, err := db.FindQueue(ctx, "p1", db.Now())
	require.NoError(t, err)
	assert.Len(t, q.Deliveries, n-(n+2)/3)
}
