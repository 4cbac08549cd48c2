package client_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tierTiers are distinct client tiers, so a wait names the tier it came from.
var tierTiers = poller.Tiers{Active: time.Minute, Inactive: 2 * time.Minute, Low: 3 * time.Minute}

// newStoredRuntime is a runtime on a manual clock whose server gives no
// interval hint, so the runtime picks the tier itself, with storage st.
func newStoredRuntime(t *testing.T, st client.Storage, msgs ...inbox.Message) (*client.Runtime, *tabs, *manualClock) {
	t.Helper()
	srv := &fakeServer{messages: msgs, polls: map[string]int{}, eventPost: make(chan struct{}, 100), nextPollMs: -1}
	h := &tabs{server: srv, inbox: map[int]chan map[string]any{}}
	clock := &manualClock{waits: make(chan time.Duration, 100)}
	rt := client.New(h, client.Options{Clock: clock, Tiers: tierTiers, Storage: st})
	stopWhenDone(t, rt, h)
	return rt, h, clock
}

func TestLearnedTierKeptAcrossPageLoads(t *testing.T) {
	st := client.NewMemoryStorage()

	// First page load: a message is queued, so the runtime polls in the Active tier.
	rt, h, clock := newStoredRuntime(t, st, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	assert.Equal(t, tierTiers.Active, clock.nextWait(t))
	send(rt, 1, `{"op":"bye"}`)
	require.Eventually(t, func() bool {
		_, found, _ := st.Get(context.Background(), "poll-tier/user_123")
		return found
	}, 5*time.Second, time.Millisecond, "the last-received time is stored")

	// Next page load, a new runtime on the same storage: the message is gone,
	// and the runtime remembers one came recently: Inactive, not Low.
	rt2, _, clock2 := newStoredRuntime(t, st)
	open(rt2, 1, "user_123")
	assert.Equal(t, tierTiers.Inactive, clock2.nextWait(t), "received in the last 30 days, none queued")

	// Another person, or the same one with nothing stored, starts Low. (Its
	// own runtime: a manual clock's waits are not told apart by person.)
	rt4, _, clock4 := newStoredRuntime(t, st)
	open(rt4, 2, "user_456")
	assert.Equal(t, tierTiers.Low, clock4.nextWait(t), "never received a message")
	rt3, h3, clock3 := newStoredRuntime(t, client.NewMemoryStorage())
	open(rt3, 1, "user_123")
	assert.Equal(t, tierTiers.Low, clock3.nextWait(t))

	for _, tab := range []*tabs{h, h3} {
		for drained := false; !drained; {
			select {
			case m := <-tab.ch(1):
				assert.False(t, storageError(m), "a working storage reports nothing: %v", m)
			default:
				drained = true
			}
		}
	}
}

// failingStorage fails every call, as a full quota or a broken database
// does; calls records those on the poll tier's keys.
type failingStorage struct{ calls chan string }

func (f failingStorage) Get(_ context.Context, key string) ([]byte, bool, error) {
	if strings.HasPrefix(key, "poll-tier/") {
		f.calls <- "get"
	}
	return nil, false, errors.New("UnknownError: the database is broken")
}

func (f failingStorage) Set(_ context.Context, key string, _ []byte) error {
	if strings.HasPrefix(key, "poll-tier/") {
		f.calls <- "set"
	}
	return errors.New("QuotaExceededError: the quota has been exceeded")
}

func storageError(m map[string]any) bool {
	return m["op"] == "emit" && m["name"] == client.EventStorageError
}

func TestFailingStorageNeverStopsPolling(t *testing.T) {
	st := failingStorage{calls: make(chan string, 10)}
	rt, h, clock := newStoredRuntime(t, st, message("d1", "orders", `"Hi"`))
	open(rt, 1, "user_123")
	send(rt, 1, `{"op":"view","view":1,"filter":{}}`)

	m := h.next(t, 1, storageError)
	assert.Contains(t, m["data"].(map[string]any)["error"], "the database is broken")
	// The poll went on and the message shows; the poll tier it learned could
	// not be kept, which is told too: before the view's snapshot when the
	// poll answered before the view was opened, after it otherwise. (The
	// outbox's and the kept inbox's failures come in between.)
	h.nextEach(t, 1, snapshotWith(1, 1), func(m map[string]any) bool {
		if !storageError(m) {
			return false
		}
		err := m["data"].(map[string]any)["error"].(string)
		return strings.Contains(err, "keeping the poll tier") && strings.Contains(err, "QuotaExceededError")
	})
	assert.Equal(t, tierTiers.Active, clock.nextWait(t), "and polling goes on in the right tier")
	assert.Equal(t, "get", <-st.calls)
	assert.Equal(t, "set", <-st.calls)
}

func TestBadStoredValueIsIgnored(t *testing.T) {
	for _, value := range []string{`{not json`, `{"last_received_ms":-4}`, `[]`} {
		st := client.NewMemoryStorage()
		require.NoError(t, st.Set(context.Background(), "poll-tier/user_123", []byte(value)))
		rt, h, clock := newStoredRuntime(t, st)
		open(rt, 1, "user_123")
		m := h.next(t, 1, storageError)
		assert.Contains(t, m["data"].(map[string]any)["error"], "not usable", value)
		assert.Equal(t, tierTiers.Low, clock.nextWait(t), value)
	}
}

func TestFutureStoredTimeCountsAsNow(t *testing.T) {
	st := client.NewMemoryStorage()
	future := time.Unix(1_800_000_000, 0).Add(365 * 24 * time.Hour).UnixMilli()
	require.NoError(t, st.Set(context.Background(), "poll-tier/user_123", []byte(`{"last_received_ms":`+strconv.FormatInt(future, 10)+`}`)))
	rt, _, clock := newStoredRuntime(t, st)
	open(rt, 1, "user_123")
	assert.Equal(t, tierTiers.Inactive, clock.nextWait(t))
}
