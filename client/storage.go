package client

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Storage keeps small values across page loads: IndexedDB in the browser
// (the worker has no localStorage), MemoryStorage in tests. A failure (a full
// quota, a blocked database) is reported to the page as a storage-error and
// never stops polling.
type Storage interface {
	// Get returns the value stored under key; found is false when there is none.
	Get(ctx context.Context, key string) (value []byte, found bool, err error)
	// Set stores value under key.
	Set(ctx context.Context, key string, value []byte) error
}

// MemoryStorage is a Storage in memory, for tests and for a runtime that
// keeps nothing across page loads. Its methods are safe for concurrent use.
type MemoryStorage struct {
	mu     sync.Mutex
	values map[string][]byte
}

// NewMemoryStorage returns an empty MemoryStorage.
func NewMemoryStorage() *MemoryStorage { return &MemoryStorage{values: map[string][]byte{}} }

// Get implements Storage.
func (m *MemoryStorage) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	return append([]byte(nil), v...), ok, nil
}

// Set implements Storage.
func (m *MemoryStorage) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[key] = append([]byte(nil), value...)
	return nil
}

// EventStorageError reports that the runtime could not read or write its
// storage: data {"error"}. Polling goes on; the tier is then worked out from
// what this page load saw.
const EventStorageError = "storage-error"

// What the runtime learns about a person's polling is kept under
// learnedPrefix + the person's id, as JSON {"last_received_ms": <unix ms>}.
const learnedPrefix = "poll-tier/"

// learnedEvery is how stale the stored last-received time may get while
// messages stay queued: the tiers turn on a 30-day window, so a minute is plenty.
const learnedEvery = time.Minute

// storageTimeout bounds each storage call, so a storage that never answers
// delays the first poll by at most this much and never blocks polling.
const storageTimeout = 2 * time.Second

// learned is the stored form of what the schedule learned.
type learned struct {
	LastReceivedMs int64 `json:"last_received_ms"`
}

// restoreLearned reads the person's last-received time from storage, before
// the first poll; a failure or a bad value is reported and nothing is restored.
// It runs on the loop's goroutine, as noteReceived does.
func (s *session) restoreLearned(session context.Context) time.Time {
	ctx, cancel := context.WithTimeout(session, storageTimeout)
	defer cancel()
	raw, found, err := s.r.opts.Storage.Get(ctx, learnedPrefix+s.user)
	if err != nil && session.Err() == nil {
		s.storageError(fmt.Errorf("storage: reading the poll tier: %w", err))
	}
	if err != nil || !found {
		return time.Time{}
	}
	var l learned
	if err := json.Unmarshal(raw, &l); err != nil || l.LastReceivedMs <= 0 {
		s.storageError(fmt.Errorf("storage: the stored poll tier %.100q is not usable", raw))
		return time.Time{}
	}
	at := time.UnixMilli(l.LastReceivedMs)
	if now := s.r.opts.Clock.Now(); at.After(now) {
		at = now // the clock went back since: the message was received just now at the latest
	}
	s.stored = at
	return at
}

// noteReceived hears from the schedule that messages were seen queued at at
// (on the loop's goroutine); it hands the time to the session's learned
// keeper without waiting, at most once per learnedEvery.
func (s *session) noteReceived(at time.Time) {
	if !s.stored.IsZero() && at.Sub(s.stored) < learnedEvery {
		return
	}
	s.stored = at
	value, _ := json.Marshal(learned{LastReceivedMs: at.UnixMilli()}) // an int64 encodes
	s.learnedKeeper.put(value)
}

// storageError tells the person's tabs that storage failed; polling goes on.
func (s *session) storageError(err error) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.emitUser(s.user, EventStorageError, map[string]string{"error": err.Error()})
}
