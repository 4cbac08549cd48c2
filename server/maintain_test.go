package server_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// steppedStore lets a test run Server.Maintain one round at a time: each
// DropFinishedContent call says it has started (entered), then waits for
// the test to say what it returns (a nil error runs the real store's);
// either wait ends with its context.
type steppedStore struct {
	server.Store
	entered chan struct{}
	next    chan error
}

func (s *steppedStore) DropFinishedContent(ctx context.Context, now time.Time) (int, error) {
	select {
	case s.entered <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case err := <-s.next:
		if err != nil {
			return 0, err
		}
		return s.Store.DropFinishedContent(ctx, now)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// waitRound returns once the next round has started (and so every round
// before it has finished, logging included); it waits in the store.
func (s *steppedStore) waitRound(t *testing.T) {
	t.Helper()
	select {
	case <-s.entered:
	case <-time.After(time.Minute):
		t.Fatal("Maintain did not run another round")
	}
}

// step waits for the next round and lets its store call return err (nil:
// the real store's answer).
func (s *steppedStore) step(t *testing.T, err error) {
	t.Helper()
	s.waitRound(t)
	s.next <- err
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// maintained is a server on a seeded SQLite store behind a steppedStore,
// whose clock the test moves, logging to log.
type maintained struct {
	srv   *server.Server
	store *steppedStore
	log   *syncBuffer
	now   time.Time
	mu    sync.Mutex
}

func newMaintained(t *testing.T) *maintained {
	m := &maintained{log: &syncBuffer{}, now: time.Date(2025, 11, 22, 8, 0, 0, 0, time.UTC)}
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "roost.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	db.Now = m.clock
	require.NoError(t, server.LoadSeed(context.Background(), db, "../example-site/seed.json"))
	m.store = &steppedStore{Store: db, entered: make(chan struct{}), next: make(chan error)}
	m.srv = server.New(server.Config{Now: m.clock, Logger: slog.New(slog.NewTextHandler(m.log, nil))}, m.store)
	return m
}

func (m *maintained) clock() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

func (m *maintained) add(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

// send queues the seed's order_shipped for user_123, with its retention
// disabled or not, and returns the delivery id.
func (m *maintained) send(t *testing.T, disableRetention bool) string {
	t.Helper()
	d, err := m.srv.Send(context.Background(), server.SendRequest{Channel: inbox.ChannelInbox, TemplateName: "order_shipped",
		IdentifierKind: server.IdentifierID, Identifier: "user_123", Data: map[string]any{"order_id": "ORD-1"},
		DisableRetention: &disableRetention})
	require.NoError(t, err)
	return d.ID
}

// retained reports whether the delivery with id still has its content and data.
func (m *maintained) retained(t *testing.T, id string) bool {
	t.Helper()
	st, err := m.srv.FindDelivery(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, st.Content == nil, st.Data == nil, "content and data go together")
	return st.Content != nil
}

// start runs Maintain every interval until the test cancels it; the
// channel it returns is closed when Maintain has returned.
func (m *maintained) start(every time.Duration) (context.CancelFunc, chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.srv.Maintain(ctx, every)
	}()
	return cancel, done
}

// waitDone waits for Maintain to return after its context ended.
func waitDone(t *testing.T, done chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Maintain did not return once its context was cancelled")
	}
}

// TestMaintain_DropsFinishedContent: the retention loop clears the content
// and message_data of a delivery whose retention is disabled once it has
// left the queue (here: expired unmarked), and keeps everything else.
func TestMaintain_DropsFinishedContent(t *testing.T) {
	m := newMaintained(t)
	dropped, kept := m.send(t, true), m.send(t, false)
	m.add(61 * 24 * time.Hour) // past order_shipped's 60 days: both expired
	assert.True(t, m.retained(t, dropped), "nothing is dropped until the loop runs")

	stop, done := m.start(time.Millisecond)
	m.store.step(t, nil) // the first round runs at once
	m.store.waitRound(t) // the second starts: the first has finished
	assert.False(t, m.retained(t, dropped), "retention disabled: content and data dropped")
	assert.True(t, m.retained(t, kept), "retention on: kept")
	stop()
	waitDone(t, done)
	assert.Empty(t, m.log.String(), "nothing went wrong")
}

// TestMaintain_StoreErrorIsLoggedAndTheLoopGoesOn: a round whose store
// fails is logged with the store's error, and the next round runs as
// usual; an error from a store interrupted by the loop's end is not
// logged, and the loop returns.
func TestMaintain_StoreErrorIsLoggedAndTheLoopGoesOn(t *testing.T) {
	m := newMaintained(t)
	id := m.send(t, true)
	m.add(61 * 24 * time.Hour)

	stop, done := m.start(time.Millisecond)
	diskFull := errors.New("database or disk is full")
	m.store.step(t, diskFull)
	m.store.step(t, diskFull)
	m.store.step(t, nil)
	m.store.waitRound(t) // the rounds before it have finished
	assert.Equal(t, 2, strings.Count(m.log.String(), "drop finished content"), "each failed round is logged: %s", m.log.String())
	assert.Contains(t, m.log.String(), diskFull.Error(), "with the store's error")
	assert.Contains(t, m.log.String(), "level=ERROR")
	assert.False(t, m.retained(t, id), "after the errors the loop went on and dropped the content")
	assert.Equal(t, uint64(2), m.srv.Stats().MaintainFailed, "the failed rounds are counted as such")
	assert.Equal(t, uint64(1), m.srv.Stats().MaintainRan)

	logged := m.log.String()
	stop() // the round waiting in the store fails with the context's error
	waitDone(t, done)
	assert.Equal(t, logged, m.log.String(), "a round cut short by the loop's end is not an error to log")
}

// TestMaintain_RunsAtOnceThenEveryInterval: the first round runs when
// Maintain starts, not an interval later, and a cancelled context ends the
// loop while it waits for the next.
func TestMaintain_RunsAtOnceThenEveryInterval(t *testing.T) {
	m := newMaintained(t)
	stop, done := m.start(time.Hour)
	m.store.step(t, nil) // within the test's minute: at once, not in an hour
	select {
	case <-m.store.entered:
		t.Fatal("a second round ran long before its interval")
	case <-time.After(50 * time.Millisecond):
	}
	stop()
	waitDone(t, done)
}
