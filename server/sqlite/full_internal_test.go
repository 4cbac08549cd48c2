package sqlite

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// TestDB_FullDiskIsENOSPACE: a write SQLite cannot make for want of space
// (SQLITE_FULL, here from the database's page limit, as from a full disk)
// is a server ENOSPACE error; nothing of it is stored, and writes work
// again once there is room.
func TestDB_FullDiskIsENOSPACE(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	var pages int
	require.NoError(t, db.write.QueryRow(`PRAGMA page_count`).Scan(&pages))
	_, err = db.write.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages))
	require.NoError(t, err)

	big := map[string]any{"bio": strings.Repeat("x", 64<<10)}
	_, err = db.UpdatePerson(ctx, "p1", func(p *server.Person) error {
		p.Attributes = big
		return nil
	})
	require.Error(t, err)
	assert.Equal(t, server.ENOSPACE, server.ErrorCode(err), "%v", err)
	assert.Contains(t, server.ErrorMessage(err), "disk is full")
	_, err = db.FindPerson(ctx, "p1")
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "nothing was stored")

	_, err = db.write.Exec(`PRAGMA max_page_count = 1073741823`)
	require.NoError(t, err)
	p, err := db.UpdatePerson(ctx, "p1", func(p *server.Person) error {
		p.Attributes = big
		return nil
	})
	require.NoError(t, err, "room again: the same write works")
	assert.Equal(t, big, p.Attributes)
}

// TestDB_ObserveCommits: each commit of the writer is reported with the
// number of writes it carried.
func TestDB_ObserveCommits(t *testing.T) {
	db := openTestDB(t)
	got := make(chan int, 10)
	db.ObserveCommits(func(writes int, took time.Duration) {
		assert.GreaterOrEqual(t, took, time.Duration(0))
		got <- writes
	})
	require.NoError(t, db.update(context.Background(), func(ctx context.Context, tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES ('a')`)
		return err
	}))
	assert.Equal(t, 1, <-got)
	db.ObserveCommits(nil)
}
