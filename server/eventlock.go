package server

import (
	"context"
	"sync"
)

// personLocks lets one call at a time run for each person: ApplyEvents
// holds a person's lock while the store applies their batch, so one
// person's batches reach the store's writer one after another, however
// many connections they post from. The zero value is ready to use.
type personLocks struct {
	mu sync.Mutex
	// held maps a person to the channel that is closed when their lock is
	// released; a person whose lock is free is not in it.
	held map[string]chan struct{}
}

// lock waits until personID's lock is free and takes it, or returns ctx's
// error if ctx is done first. The caller must call unlock once.
func (l *personLocks) lock(ctx context.Context, personID string) (unlock func(), err error) {
	for {
		l.mu.Lock()
		if l.held == nil {
			l.held = map[string]chan struct{}{}
		}
		wait, busy := l.held[personID]
		if !busy {
			done := make(chan struct{})
			l.held[personID] = done
			l.mu.Unlock()
			return func() {
				l.mu.Lock()
				delete(l.held, personID)
				l.mu.Unlock()
				close(done)
			}, nil
		}
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
