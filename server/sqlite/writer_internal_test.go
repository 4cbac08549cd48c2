package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openTestDB opens a store in a new file with a table t (k TEXT PRIMARY KEY).
func openTestDB(t *testing.T) *DB {
	db, err := Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.write.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY)`)
	require.NoError(t, err)
	return db
}

// job returns a write job of fn with a background context.
func job(fn func(ctx context.Context, tx *txn) error) *writeJob {
	return &writeJob{ctx: context.Background(), fn: fn, done: make(chan error, 1)}
}

// insert returns a job that inserts k into t, recording its transaction in *seen.
func insert(k string, seen *[]*txn) *writeJob {
	return job(func(ctx context.Context, tx *txn) error {
		*seen = append(*seen, tx)
		_, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES (?)`, k)
		return err
	})
}

// keys returns the keys stored in t.
func keys(t *testing.T, db *DB) []string {
	rows, err := db.write.Query(`SELECT k FROM t ORDER BY k`)
	require.NoError(t, err)
	defer rows.Close()
	ks := []string{}
	for rows.Next() {
		var k string
		require.NoError(t, rows.Scan(&k))
		ks = append(ks, k)
	}
	require.NoError(t, rows.Err())
	return ks
}

func TestCommit_Batch(t *testing.T) {
	db := openTestDB(t)
	var seen []*txn
	fails := errors.New("no")
	failing := job(func(ctx context.Context, tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES ('undone')`); err != nil {
			return err
		}
		return fails
	})
	panicking := job(func(ctx context.Context, tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES ('panicked')`); err != nil {
			return err
		}
		panic("bug")
	})
	cancelled := insert("cancelled", &seen)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled.ctx = ctx
	duplicate := insert("a", &seen)
	jobs := []*writeJob{insert("a", &seen), failing, panicking, cancelled, duplicate, insert("b", &seen)}
	db.commit(jobs)

	assert.NoError(t, <-jobs[0].done)
	assert.Equal(t, fails, <-failing.done)
	assert.Error(t, <-panicking.done)
	assert.Equal(t, "bug", panicking.panicked, "kept for the caller")
	assert.Equal(t, context.Canceled, <-cancelled.done)
	assert.ErrorContains(t, <-duplicate.done, "UNIQUE", "sees the writes of the jobs before it")
	assert.NoError(t, <-jobs[5].done)
	assert.Equal(t, []string{"a", "b"}, keys(t, db), "each failed job undid its own writes only")
	require.Len(t, seen, 3, "the cancelled job did not run")
	assert.Same(t, seen[0], seen[1], "one transaction")
	assert.Same(t, seen[0], seen[2], "one transaction")
}

func TestCommit_BatchBrokenRunsEachAlone(t *testing.T) {
	db := openTestDB(t)
	var seen []*txn
	breaking := job(func(ctx context.Context, tx *txn) error {
		_, err := tx.ExecContext(ctx, `ROLLBACK`) // ends the shared transaction
		return err
	})
	jobs := []*writeJob{insert("a", &seen), breaking, insert("b", &seen)}
	db.commit(jobs)
	assert.NoError(t, <-jobs[0].done)
	assert.Error(t, <-breaking.done)
	assert.NoError(t, <-jobs[2].done)
	assert.Equal(t, []string{"a", "b"}, keys(t, db))
	require.Len(t, seen, 3, "a ran in the batch until it broke, then a and b each alone")
	assert.NotSame(t, seen[1], seen[2], "each in a transaction of its own")
}

func TestUpdate_PanicReachesTheCaller(t *testing.T) {
	db := openTestDB(t)
	assert.PanicsWithValue(t, "bug", func() {
		_ = db.update(context.Background(), func(context.Context, *txn) error { panic("bug") })
	})
	require.NoError(t, db.update(context.Background(), func(ctx context.Context, tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO t (k) VALUES ('after')`)
		return err
	}), "the writer goes on")
	assert.Equal(t, []string{"after"}, keys(t, db))
}

func TestUpdate_AfterClose(t *testing.T) {
	db := openTestDB(t)
	require.NoError(t, db.Close())
	err := db.update(context.Background(), func(context.Context, *txn) error { return nil })
	assert.Equal(t, errClosed, err)
}
