package sqlite_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
	"github.com/roostmsg/roost/server/storetest"
)

// TestConformance runs the store conformance suite on the SQLite store.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	paths := map[server.Store]string{} // each open store's file, for Reopen
	open := func(t *testing.T, path string, now func() time.Time) server.Store {
		db, err := sqlite.Open(path)
		require.NoError(t, err)
		db.Now = now
		t.Cleanup(func() { _ = db.Close() }) // Reopen may have closed it: a second Close is harmless
		mu.Lock()
		paths[db] = path
		mu.Unlock()
		return db
	}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T, now func() time.Time) server.Store {
			return open(t, filepath.Join(t.TempDir(), "roost.db"), now)
		},
		Reopen: func(t *testing.T, s server.Store, now func() time.Time) server.Store {
			mu.Lock()
			path, ok := paths[s]
			mu.Unlock()
			require.True(t, ok, "Reopen of a store Open did not return")
			_ = s.(*sqlite.DB).Close() // commits what it was committing; later writes fail
			return open(t, path, now)
		},
	})
}
