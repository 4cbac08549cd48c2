package storetest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// TestShared runs the SharedStore tests on versioned over SQLite, so that
// they run somewhere even before the PostgreSQL store exists.
func TestShared(t *testing.T) {
	testShared(t, Harness{Open: func(t *testing.T, now func() time.Time) server.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "roost.db"))
		require.NoError(t, err)
		db.Now = now
		t.Cleanup(func() { _ = db.Close() })
		return Shared(db)
	}})
}
