package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the prepared statements of a pool by their SQL text, so
// that each statement is parsed once per connection (database/sql keeps a
// *sql.Stmt prepared on every connection it ran on), not at every call.
// The store's statements are a fixed set of texts; their arguments vary.
type stmtCache struct {
	pool  *sql.DB
	stmts sync.Map // SQL text -> *sql.Stmt
}

// prepare returns the kept statement of query, preparing it the first time.
func (c *stmtCache) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if kept, loaded := c.stmts.LoadOrStore(query, s); loaded {
		_ = s.Close() // prepared at the same time by another call
		return kept.(*sql.Stmt), nil
	}
	return s, nil
}

// QueryContext runs query on the pool as a kept statement.
func (c *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs query on the pool as a kept statement. If it cannot
// be prepared, it runs unprepared, so the row carries the error.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.prepare(ctx, query)
	if err != nil {
		return c.pool.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// close closes every kept statement.
func (c *stmtCache) close() error {
	var errs []error
	c.stmts.Range(func(query, s any) bool {
		errs = append(errs, s.(*sql.Stmt).Close())
		c.stmts.Delete(query)
		return true
	})
	return errors.Join(errs...)
}

// txn is a transaction whose statements are the kept statements of its
// pool's stmtCache.
type txn struct {
	tx    *sql.Tx
	stmts *stmtCache
	// missed are the statements not kept yet that t prepared for itself.
	missed []string
}

// stmt returns the kept statement of query, for use in t. One not kept yet
// is prepared for t alone, and kept once t is over (keepMissed): keeping
// it means preparing it on the pool, which needs a connection of the pool,
// and waiting for one while t holds one could wait forever (the write
// pool has only one).
func (t *txn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts.stmts.Load(query); ok {
		return t.tx.StmtContext(ctx, s.(*sql.Stmt)), nil
	}
	t.missed = append(t.missed, query)
	return t.tx.PrepareContext(ctx, query)
}

// keepMissed prepares on the pool, to keep, the statements t missed. It
// is called after t is committed or rolled back. A statement that fails to
// prepare is not kept (it failed in t too).
func (t *txn) keepMissed() {
	for _, query := range t.missed {
		_, _ = t.stmts.prepare(context.Background(), query)
	}
	t.missed = nil
}

// QueryContext runs query in t.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs query in t. If it cannot be prepared, it runs
// unprepared, so the row carries the error.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// ExecContext runs query in t.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// execScript runs script, which may hold several statements, in t,
// unprepared (a statement is one statement).
func (t *txn) execScript(ctx context.Context, script string) error {
	_, err := t.tx.ExecContext(ctx, script)
	return err
}
