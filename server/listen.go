package server

import (
	"context"
	"time"
)

// AnswerListener is a SharedStore that tells each process of the writes
// every process makes (PostgreSQL's LISTEN/NOTIFY), so that a stream held
// by one process learns of a send made through another.
type AnswerListener interface {
	// ListenAnswers calls changed with the id of each person whose answer
	// version a committed transaction changed, through any process, until
	// ctx is done. It reconnects when its connection drops (telling failed
	// why, when failed is not nil), and calls resync each time it listens,
	// first included, since notifications may have been missed meanwhile.
	// It returns when ctx is done.
	ListenAnswers(ctx context.Context, changed func(personID string), resync func(), failed func(error))
}

// listenLogEvery is how often, at most, a failing listener is logged.
const listenLogEvery = time.Minute

// ListenShared relays the notifications of an AnswerListener store to
// this process's streams until ctx is done: another process's write
// makes the person's streams here check their answer, and after the
// listener reconnects, every stream checks once. It returns at once when
// the store is not an AnswerListener (one process: every write goes
// through this Server, which tells its streams itself).
func (s *Server) ListenShared(ctx context.Context) {
	l, ok := s.shared.(AnswerListener)
	if !ok {
		return
	}
	var logged time.Time
	l.ListenAnswers(ctx, s.streams.notify, s.streams.notifyAll, func(err error) {
		if now := time.Now(); now.Sub(logged) >= listenLogEvery {
			logged = now
			s.cfg.Logger.Warn("listening for other processes' writes failed: reconnecting; meanwhile streams here learn only of this process's writes (logged once a minute)",
				"err", err)
		}
	})
}
