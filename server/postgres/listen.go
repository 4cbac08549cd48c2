package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roostmsg/roost/server"
)

// Compile-time check that DB tells of other processes' writes.
var _ server.AnswerListener = (*DB)(nil)

// AnswersChannel is the channel on which a committed change of a
// person's answer version is announced, the person's id as the payload
// (migration 0003_answer_notify).
const AnswersChannel = "roost_answers"

// Listening's timing: the backoff between connection attempts, from
// listenBackoffMin doubling to listenBackoffMax; how long the connection
// may be quiet before it is checked with a ping.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 30 * time.Second
	listenCheckEvery = 30 * time.Second
	listenPingWithin = 5 * time.Second
)

// ListenAnswers implements server.AnswerListener: on a connection of its
// own (outside the pool), it LISTENs on AnswersChannel and calls changed
// with each notification's person id, until ctx is done. A connection
// that fails (or does not answer a ping after listenCheckEvery of quiet)
// is replaced, after a backoff with jitter; each time it listens, first
// included, it calls resync, since notifications sent while it did not
// listen are lost. failed, if not nil, is told why a connection failed.
func (db *DB) ListenAnswers(ctx context.Context, changed func(personID string), resync func(), failed func(error)) {
	backoff := listenBackoffMin
	for ctx.Err() == nil {
		listened, err := db.listenOnce(ctx, changed, resync)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = listenBackoffMin
		}
		if failed != nil {
			failed(err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, listenBackoffMax)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// listenOnce connects, listens and relays notifications until the
// connection fails or ctx is done; it reports whether it got to listen,
// and why it stopped.
func (db *DB) listenOnce(ctx context.Context, changed func(string), resync func()) (bool, error) {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig)
	if err != nil {
		return false, db.storageError(err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+AnswersChannel); err != nil {
		return false, db.storageError(err)
	}
	resync()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, listenCheckEvery)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			changed(n.Payload)
			continue
		case ctx.Err() != nil:
			return true, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			pingCtx, cancel := context.WithTimeout(ctx, listenPingWithin)
			err = conn.Ping(pingCtx)
			cancel()
			if err == nil {
				continue // quiet, and alive
			}
		}
		return true, db.storageError(err)
	}
}
