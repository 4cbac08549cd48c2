package storetest

import (
	"context"
	"sync"
	"time"

	"github.com/roostmsg/roost/server"
)

// Shared makes store, used by one process, look like a server.SharedStore:
// each write of a person gives them a new answer version (a lock around
// each write keeps the versions in step), and Exclusive and ClaimRound
// hold in memory. No store ships it: tests run the SharedStore code of
// the server, and the suite's SharedStore tests, on it.
func Shared(store server.Store) server.SharedStore {
	return &versioned{Store: store, versions: map[string]int64{}, running: map[string]bool{}, claimed: map[string]time.Time{}}
}

// versioned is Shared's store.
type versioned struct {
	server.Store
	mu       sync.RWMutex
	last     int64
	versions map[string]int64
	running  map[string]bool
	claimed  map[string]time.Time
}

var _ server.SharedStore = (*versioned)(nil)

// write runs fn under the write lock and, if it succeeds, gives each of
// the people it returns a new answer version.
func (s *versioned) write(fn func() ([]string, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	people, err := fn()
	if err == nil {
		for _, id := range people {
			s.last++
			s.versions[id] = s.last
		}
	}
	return err
}

// AnswerVersion implements server.SharedStore.
func (s *versioned) AnswerVersion(ctx context.Context, personID string) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.answerVersion(ctx, personID)
}

// answerVersion returns personID's version: 0 unless they exist.
func (s *versioned) answerVersion(ctx context.Context, personID string) (int64, error) {
	if _, err := s.Store.FindPerson(ctx, personID); server.ErrorCode(err) == server.ENOTFOUND {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	return s.versions[personID], nil
}

// FindQueue reads the queue and its version under one read lock.
func (s *versioned) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	q, err := s.Store.FindQueue(ctx, personID, now)
	if err == nil {
		q.Version, err = s.answerVersion(ctx, personID)
	}
	return q, err
}

// Exclusive implements server.SharedStore within this process.
func (s *versioned) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	s.mu.Lock()
	if s.running[name] {
		s.mu.Unlock()
		return false, nil
	}
	s.running[name] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, name)
		s.mu.Unlock()
	}()
	return true, fn(ctx)
}

// CreatePersonIfMissing gives p.ID a new version.
func (s *versioned) CreatePersonIfMissing(ctx context.Context, p *server.Person) (stored *server.Person, err error) {
	err = s.write(func() ([]string, error) {
		stored, err = s.Store.CreatePersonIfMissing(ctx, p)
		return []string{p.ID}, err
	})
	return stored, err
}

// UpdatePerson gives id a new version.
func (s *versioned) UpdatePerson(ctx context.Context, id string, fn func(p *server.Person) error) (p *server.Person, err error) {
	err = s.write(func() ([]string, error) {
		p, err = s.Store.UpdatePerson(ctx, id, fn)
		return []string{id}, err
	})
	return p, err
}

// CreateDelivery gives d's person a new version.
func (s *versioned) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	return s.write(func() ([]string, error) { return []string{d.PersonID}, s.Store.CreateDelivery(ctx, d) })
}

// UpdateDelivery gives the delivery's person a new version.
func (s *versioned) UpdateDelivery(ctx context.Context, id string, fn func(d *server.Delivery) error) (d *server.Delivery, err error) {
	err = s.write(func() ([]string, error) {
		d, err = s.Store.UpdateDelivery(ctx, id, fn)
		if err != nil {
			return nil, err
		}
		return []string{d.PersonID}, nil
	})
	return d, err
}

// DeleteDraft gives the draft's person a new version.
func (s *versioned) DeleteDraft(ctx context.Context, id string) error {
	return s.write(func() ([]string, error) {
		d, err := s.Store.FindDelivery(ctx, id)
		if err != nil {
			return nil, err
		}
		return []string{d.PersonID}, s.Store.DeleteDraft(ctx, id)
	})
}

// DropFinishedContent gives everyone a new version when it cleared something.
func (s *versioned) DropFinishedContent(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.write(func() ([]string, error) {
		var err error
		if n, err = s.Store.DropFinishedContent(ctx, now); err != nil || n == 0 {
			return nil, err
		}
		var everyone []string
		for id := range s.versions {
			everyone = append(everyone, id)
		}
		return everyone, nil
	})
	return n, err
}

// UpdateEvents gives personID a new version.
func (s *versioned) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	return s.write(func() ([]string, error) { return []string{personID}, s.Store.UpdateEvents(ctx, personID, fn) })
}

// ClaimRound implements server.SharedStore within this process, by the wall clock.
func (s *versioned) ClaimRound(ctx context.Context, name string, every time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.claimed[name]; ok && time.Since(last) < every {
		return false, nil
	}
	s.claimed[name] = time.Now()
	return true, nil
}
