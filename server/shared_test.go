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
	"github.com/roostmsg/roost/server/storetest"
)

// newVersionedStore is a SQLite store with the seed, made to look shared
// (storetest.Shared). Two Servers on it are two processes on one
// database: neither sees the other's cache invalidations.
func newVersionedStore(t *testing.T) server.SharedStore {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, server.LoadSeed(context.Background(), db, "../example-site/seed.json"))
	return storetest.Shared(db)
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
