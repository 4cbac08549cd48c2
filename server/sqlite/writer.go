package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/roostmsg/roost/server"
)

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// errClosed is the error of a write asked of a closed DB.
var errClosed = errors.New("sqlite: database is closed")

// writeJob is one write transaction asked of the writer: fn, run with ctx
// (without its cancellation once started), and where its outcome goes.
type writeJob struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *txn) error
	done chan error
	// panicked is what fn panicked with, to panic again in the caller.
	panicked any
}

// update runs fn in a write transaction and commits it if fn succeeds;
// its changes are durable once update returns nil. Concurrent updates
// share one transaction and one commit (group commit), each in a savepoint
// of its own, so that one fn failing undoes its changes only: to fn and
// to its caller, it is as if it had the transaction to itself.
//
// fn must use the ctx it is given. update waits for the outcome even if
// ctx is cancelled meanwhile (the change may still be committed then), so
// that when it returns the change has been made or never will be.
func (db *DB) update(ctx context.Context, fn func(ctx context.Context, tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case db.jobs <- j:
	case <-db.closing:
		return errClosed
	}
	err := <-j.done
	if j.panicked != nil {
		panic(j.panicked)
	}
	return storageError(err)
}

// writeLoop is the writer: it takes the writes waiting when it is free,
// commits them together, and reports to each, until the DB is closed. The
// writes that arrive during a commit wait for the next one, so the more
// writes come at once, the fewer commits (and fsyncs) they cost each.
func (db *DB) writeLoop() {
	defer close(db.writerDone)
	for {
		var batch []*writeJob
		select {
		case j := <-db.jobs:
			batch = append(batch, j)
		case <-db.closing:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case j := <-db.jobs:
				batch = append(batch, j)
			default:
				break collect
			}
		}
		db.commit(batch)
	}
}

// commit runs and commits batch and reports each job's outcome. A job
// whose context is done before it starts fails with the context's error
// and changes nothing. If the batch cannot be committed as a whole, each
// job is run again in a transaction of its own.
func (db *DB) commit(batch []*writeJob) {
	start := time.Now()
	defer func() {
		if fn := db.observe.Load(); fn != nil {
			(*fn)(len(batch), time.Since(start))
		}
	}()
	live := batch[:0]
	for _, j := range batch {
		if err := j.ctx.Err(); err != nil {
			j.done <- err
		} else {
			live = append(live, j)
		}
	}
	if len(live) > 1 {
		errs, err := db.runTogether(live)
		if err == nil {
			for i, j := range live {
				j.done <- errs[i]
			}
			return
		}
	}
	for _, j := range live {
		j.done <- db.runAlone(j)
	}
}

// runTogether runs jobs in one transaction, each in a savepoint, and
// commits it. It returns each job's error, or an error of the
// transaction as a whole (nothing is committed then).
func (db *DB) runTogether(jobs []*writeJob) ([]error, error) {
	errs := make([]error, len(jobs))
	err := db.writeTx(func(tx *txn) error {
		ctx := context.Background()
		for i, j := range jobs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT job`); err != nil {
				return err
			}
			if errs[i] = j.run(tx); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO job`); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE job`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// runAlone runs j in a transaction of its own and commits it if j succeeds.
func (db *DB) runAlone(j *writeJob) error {
	return db.writeTx(j.run)
}

// writeTx runs fn in a write transaction and commits it if fn succeeds.
func (db *DB) writeTx(fn func(tx *txn) error) error {
	sqlTx, err := db.write.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	tx := &txn{tx: sqlTx, stmts: db.writeStmts}
	defer func() {
		_ = sqlTx.Rollback() // nothing to roll back once committed
		tx.keepMissed()
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// run calls j.fn in tx with j.ctx without its cancellation: an interrupted
// statement would roll back the whole transaction, other jobs' changes too.
// A panic of fn is kept for the caller and returned as an error.
func (j *writeJob) run(tx *txn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			j.panicked = p
			err = fmt.Errorf("sqlite: write panicked: %v", p)
		}
	}()
	return j.fn(context.WithoutCancel(j.ctx), tx)
}

// ObserveCommits has fn called after each commit of the writer with the
// number of writes it committed together (or tried to) and how long that
// took; nil stops it. For metrics.
func (db *DB) ObserveCommits(fn func(writes int, took time.Duration)) {
	if fn == nil {
		db.observe.Store(nil)
		return
	}
	db.observe.Store(&fn)
}

// storageError returns err, as a server ENOSPACE error when SQLite could
// not write for want of disk space (SQLITE_FULL: the disk, or the
// database's size limit).
func storageError(err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_FULL {
		return server.Errorf(server.ENOSPACE, "the server's disk is full: nothing was stored; try again once it has room")
	}
	return err
}
