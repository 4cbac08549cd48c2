package server

import "context"

// AnswerListener is a SharedStore that tells each process of the writes
// every process makes (PostgreSQL's LISTEN/NOTIFY), so that a stream held
// by one process learns of a send made through another.
type AnswerListener interface {
	// ListenAnswers calls changed with the id of each person whose answer
	// version a committed transaction changed, through any process, until
	// ctx is done; it reconnects when its connection drops, and calls
	// resync once it listens again (and first), since notifications may
	// have been missed meanwhile. It returns when ctx is done.
	ListenAnswers(ctx context.Context, changed func(personID string), resync func())
}

// ListenShared relays the notifications of an AnswerListener store to
// this process's streams until ctx is done: another process's write
// makes the person's streams here check their answer. It returns at
// once when the store is not an AnswerListener (one process: every write
// goes through this Server, which notifies its streams itself).
func (s *Server) ListenShared(ctx context.Context) {
	l, ok := s.raw.(AnswerListener)
	if !ok {
		return
	}
	l.ListenAnswers(ctx, s.streams.notify, s.streams.notifyAll)
}
