package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/postgres"
	"github.com/roostmsg/roost/server/storetest"
)

// TestConformance runs the store conformance suite on the PostgreSQL
// store, each test on a database of its own.
func TestConformance(t *testing.T) {
	var mu sync.Mutex
	urls := map[server.Store]string{} // each open store's database, for Reopen
	open := func(t *testing.T, url string, now func() time.Time) server.Store {
		db, err := postgres.Open(context.Background(), url)
		require.NoError(t, err)
		db.Now = now
		t.Cleanup(func() { _ = db.Close() }) // Reopen may have closed it: a second Close is harmless
		mu.Lock()
		urls[db] = url
		mu.Unlock()
		return db
	}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T, now func() time.Time) server.Store {
			return open(t, pgtest.NewDatabase(t), now)
		},
		Reopen: func(t *testing.T, s server.Store, now func() time.Time) server.Store {
			mu.Lock()
			url, ok := urls[s]
			mu.Unlock()
			require.True(t, ok, "Reopen of a store Open did not return")
			_ = s.(*postgres.DB).Close() // waits for the connections in use; later writes fail
			return open(t, url, now)
		},
	})
}
