package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		assert.Equal(t, 1, n)
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

func TestDB_Deliveries(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "roost.db"))

	t.Run("ErrUnknownPerson", func(t *testing.T) {
		tpl := &server.Template{ID: 1, Name: "n", TriggerName: "t", Channel: "inbox", Content: []byte(`{}`)}
		require.NoError(t, db.UpsertTemplate(ctx, tpl))
		d := server.NewDelivery("dlv_1", tpl, "nobody", nil, db.Now())
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
