package postgres

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
)

func TestOpen_MigratesOnceWhenThreeRace(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dbs := make([]*DB, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = Open(context.Background(), url) })
	}
	wg.Wait()
	var applied []string
	for i, db := range dbs {
		require.NoError(t, errs[i])
		defer db.Close()
		applied = append(applied, db.Migrated()...)
	}
	names, err := migrationNames()
	require.NoError(t, err)
	assert.Equal(t, names, applied, "one of the three applied every migration, once")

	var n int
	require.NoError(t, dbs[0].pool.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
	assert.Equal(t, len(names), n)
	again := openDB(t, url)
	assert.Empty(t, again.Migrated(), "an up-to-date database is not migrated")
}

func TestOpen_RefusesNewerMigration(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := openDB(t, url)
	_, err := db.pool.Exec(context.Background(), `INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_future.sql', 0)`)
	require.NoError(t, err)
	_, err = Open(context.Background(), url)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "migrated by a newer roost (migration 9999_future.sql)")
}

func TestOpen_RefusesAnotherApplicationsDatabase(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE orders (id INT)`)
	require.NoError(t, err)
	_, err = Open(ctx, url)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is not a Roost database: it has tables (orders)")
	var n int
	require.NoError(t, conn.QueryRow(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n))
	assert.Equal(t, 1, n, "nothing created")
}

func TestOpen_CannotConnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// port 1 of 127.0.0.1: nothing listens there
	_, err := Open(ctx, "postgres://alice:s3cret-pw@127.0.0.1:1/roostdb?sslmode=disable")
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "cannot connect")
	assert.Contains(t, msg, "127.0.0.1:1")
	assert.Contains(t, msg, `"alice"`)
	assert.Contains(t, msg, `"roostdb"`)
	assert.NotContains(t, msg, "s3cret-pw")

	_, err = Open(ctx, "postgres://alice:s3cret-pw@127.0.0.1:notaport/roostdb")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot parse the database URL")
	assert.NotContains(t, err.Error(), "s3cret-pw")
}

func TestDB_ClosedSaysUnreachable(t *testing.T) {
	db, err := Open(context.Background(), pgtest.NewDatabase(t))
	require.NoError(t, err)
	require.NoError(t, db.Ping(context.Background()))
	require.NoError(t, db.Close())
	err = db.Ping(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot be reached")
}

func TestDB_NULCharacters(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.NewDatabase(t))
	_, err := db.CreatePersonIfMissing(ctx, &server.Person{ID: "p1"})
	require.NoError(t, err)
	_, err = db.FindDelivery(ctx, "dlv_\x00")
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "PostgreSQL text holds no NUL: no such delivery")
	_, err = db.FindPerson(ctx, "p\x00")
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
	_, err = db.FindTemplateByTrigger(ctx, "t\x00")
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
	v, err := db.AnswerVersion(ctx, "p\x00")
	require.NoError(t, err)
	assert.Zero(t, v)
	_, err = db.UpdateDelivery(ctx, "dlv_\x00", func(*server.Delivery) error { return nil })
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))
	err = db.UpdateEvents(ctx, "p1", func(tx server.EventTx) error {
		applied, err := tx.AppliedEvents([]string{"e\x00"})
		require.NoError(t, err)
		assert.Empty(t, applied)
		return tx.RecordEvent(inbox.Event{ID: "e\x00", Type: inbox.EventIdentify}, "", testNow, testNow)
	})
	assert.Equal(t, server.EINVALID, server.ErrorCode(err), "cannot be stored: %v", err)
}

// TestUnavailable: a database that cannot be reached, or does not answer
// in time, is server.EUNAVAILABLE (503 with Retry-After on the wire), with
// the cause kept for the logs.
func TestUnavailable(t *testing.T) {
	db := openDB(t, pgtest.NewDatabase(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := db.FindPerson(ctx, "ann")
	assert.Equal(t, server.EUNAVAILABLE, server.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "did not answer in time")
	require.NoError(t, db.Close())
	_, err = db.FindPerson(context.Background(), "ann")
	assert.Equal(t, server.EUNAVAILABLE, server.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "cannot be reached")
	assert.Equal(t, server.UnavailableRetry, server.RetryAfter(err))
}
