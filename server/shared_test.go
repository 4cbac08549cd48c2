package server_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// versionedStore makes a SQLite store look shared: each write of a person
// bumps their answer version, as the PostgreSQL store's triggers do, and
// Exclusive holds a named lock in memory. Two Servers on one versionedStore
// are two processes on one database: neither sees the other's cache
// invalidations.
type versionedStore struct {
	server.Store
	mu       sync.Mutex
	versions map[string]int64
	next     int64
	held     map[string]bool
	claimed  map[string]time.Time
}

var _ server.SharedStore = (*versionedStore)(nil)

func newVersionedStore(t *testing.T) *versionedStore {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, server.LoadSeed(context.Background(), db, "../example-site/seed.json"))
	return &versionedStore{Store: db, versions: map[string]int64{}, held: map[string]bool{}}
}

func (s *versionedStore) bump(personID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.versions[personID] = s.next
}

func (s *versionedStore) AnswerVersion(ctx context.Context, personID string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.versions[personID], nil
}

// FindQueue reads the version under the lock writes bump it under, after
// the queue: a write between the two makes the answer look older, never newer.
func (s *versionedStore) FindQueue(ctx context.Context, personID string, now time.Time) (*server.Queue, error) {
	v, _ := s.AnswerVersion(ctx, personID)
	q, err := s.Store.FindQueue(ctx, personID, now)
	if q != nil {
		q.Version = v
	}
	return q, err
}

func (s *versionedStore) CreateDelivery(ctx context.Context, d *server.Delivery) error {
	defer s.bump(d.PersonID)
	return s.Store.CreateDelivery(ctx, d)
}

func (s *versionedStore) UpdateEvents(ctx context.Context, personID string, fn func(tx server.EventTx) error) error {
	defer s.bump(personID)
	return s.Store.UpdateEvents(ctx, personID, fn)
}

func (s *versionedStore) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	s.mu.Lock()
	if s.held[name] {
		s.mu.Unlock()
		return false, nil
	}
	s.held[name] = true
	s.mu.Unlock()
	defer func() { s.mu.Lock(); delete(s.held, name); s.mu.Unlock() }()
	return true, fn(ctx)
}

// sendInbox queues the seed's order_shipped for user_123 through srv.
func sendInbox(t *testing.T, srv *server.Server) string {
	t.Helper()
	d, err := srv.Send(context.Background(), server.SendRequest{Channel: inbox.ChannelInbox, TemplateName: "order_shipped",
		IdentifierKind: server.IdentifierID, Identifier: "user_123", Data: map[string]any{"order_id": "ORD-1"}})
	require.NoError(t, err)
	return d.ID
}

// TestSharedStore_PollSeesOtherProcessesWrites: on a shared store, a poll
// that starts after another process's send has returned includes it, even
// though this process cached the person's answer before the send; and a
// poll with no write since is still answered from the cache.
func TestSharedStore_PollSeesOtherProcessesWrites(t *testing.T) {
	store := newVersionedStore(t)
	ctx := context.Background()
	a, b := server.New(server.Config{}, store), server.New(server.Config{}, store)

	first := sendInbox(t, a)
	before, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	again, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.True(t, again.Cached, "no write since: the answer comes from the cache")
	assert.Equal(t, before.ETag, again.ETag)

	second := sendInbox(t, b) // the other process: a's cache hears nothing of it
	after, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.False(t, after.Cached, "the person's version changed: the cached answer is not served")
	assert.Contains(t, string(after.Body), first)
	assert.Contains(t, string(after.Body), second, "the poll sees the other process's send")

	// An event through b (the inbox mark) is seen by a's next poll too.
	reasons, err := b.ApplyEvents(ctx, "user_123", []inbox.Event{{ID: "e1", Type: inbox.EventOpened, DeliveryID: second}})
	require.NoError(t, err)
	require.Equal(t, []string{""}, reasons)
	marked, err := a.Poll(ctx, "user_123")
	require.NoError(t, err)
	assert.NotEqual(t, after.ETag, marked.ETag, "the mark made through b changes a's answer")
	assert.Equal(t, uint64(1), a.Stats().PollsCached, "only the poll with no write before it was cached")
}

// TestSharedStore_MaintainRunsInOneProcess: a process whose store says
// another holds the background work's lock skips its round and counts it.
func TestSharedStore_MaintainRunsInOneProcess(t *testing.T) {
	store := newVersionedStore(t)
	a, b := server.New(server.Config{}, store), server.New(server.Config{}, store)
	_, err := store.Exclusive(context.Background(), "maintain", func(ctx context.Context) error {
		b.MaintainOnce(ctx) // another process holds the lock while b tries
		return nil
	})
	require.NoError(t, err)
	a.MaintainOnce(context.Background())
	assert.Equal(t, uint64(1), b.Stats().MaintainSkipped)
	assert.Equal(t, uint64(0), b.Stats().MaintainRan)
	assert.Equal(t, uint64(1), a.Stats().MaintainRan, "free again: a runs it")
}

// TestSharedStore_MaintainOneRoundAnInterval: two processes maintaining a
// shared store every hour do one round between them, not one each, even
// when their rounds do not overlap.
func TestSharedStore_MaintainOneRoundAnInterval(t *testing.T) {
	store := newVersionedStore(t)
	a, b := server.New(server.Config{}, store), server.New(server.Config{}, store)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { a.Maintain(ctx, time.Hour) })
	require.Eventually(t, func() bool { return a.Stats().MaintainRan == 1 }, 10*time.Second, time.Millisecond, "a does its first round at once")
	wg.Go(func() { b.Maintain(ctx, time.Hour) }) // after a's round: no overlap
	require.Eventually(t, func() bool { return b.Stats().MaintainRan+b.Stats().MaintainSkipped == 1 }, 10*time.Second, time.Millisecond,
		"b tries its first round at once")
	assert.Equal(t, uint64(0), b.Stats().MaintainRan, "a did this hour's round: b skips it")
}

// TestValidateEvent_RefusesNUL: an event id or action with a NUL is refused
// on its own (PostgreSQL text cannot hold one), not failing its batch.
func TestValidateEvent_RefusesNUL(t *testing.T) {
	assert.Contains(t, server.ValidateEvent(inbox.Event{ID: "e\x00", Type: inbox.EventOpened, DeliveryID: "d"}), "without NUL")
	assert.Contains(t, server.ValidateEvent(inbox.Event{ID: "e", Type: inbox.EventClicked, DeliveryID: "d", Action: "a\x00"}), "without NUL")
	assert.Empty(t, server.ValidateEvent(inbox.Event{ID: "e", Type: inbox.EventClicked, DeliveryID: "d", Action: "a"}))
}

// ClaimRound implements server.SharedStore within this process, by the wall clock.
func (s *versionedStore) ClaimRound(ctx context.Context, name string, every time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.claimed[name]; ok && time.Since(last) < every {
		return false, nil
	}
	if s.claimed == nil {
		s.claimed = map[string]time.Time{}
	}
	s.claimed[name] = time.Now()
	return true, nil
}
