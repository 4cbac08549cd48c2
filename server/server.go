// Package server holds the rules of Roost's message server: sends, templates,
// people, the delivery queue, poll answers and their cache, and the events
// browsers report. It speaks no HTTP: server/httpapi puts it on the wire
// (docs/protocol.md), and storage is behind the Store interface, which
// server/sqlite implements.
package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/roostmsg/roost/render"
)

// Default poll intervals of the three tiers.
const (
	// DefaultTierActive is the poll interval while messages are queued.
	DefaultTierActive = 10 * time.Second
	// DefaultTierInactive is the poll interval after a recent message.
	DefaultTierInactive = 60 * time.Second
	// DefaultTierLow is the poll interval otherwise.
	DefaultTierLow = 180 * time.Second
)

// Config holds the server's settings.
type Config struct {
	// TierActive, TierInactive and TierLow are the poll intervals of the
	// tiers; zero means DefaultTierActive, DefaultTierInactive, DefaultTierLow.
	TierActive, TierInactive, TierLow time.Duration
	// PollCacheBytes is the memory, in bytes, the poll answer cache may use:
	// a person's last answer is kept until a write or the passing of time
	// can change it, so that an unchanged poll (a 304, or a 200 with the
	// same body) does not read the store. Each answer costs its body
	// (about 500 bytes a queued message like the seed's) plus about 200
	// bytes. 0 means DefaultPollCacheBytes, a negative value turns the
	// cache off. The cache assumes that this Server is the only writer of
	// its Store (true of the embedded SQLite store), or that the store is
	// a SharedStore (PostgreSQL), whose per-person answer version each poll
	// reads to check its cached answer; a write made around it otherwise,
	// directly on the Store, is seen by polls only once the cached answer
	// expires, if ever.
	PollCacheBytes int
	// NoStreams switches streaming off: OpenStream returns ErrStreamsOff.
	NoStreams bool
	// StreamMax is the most streams this process holds at once (0:
	// DefaultStreamMax); StreamMaxPerPerson the most one person holds on
	// it (0: DefaultStreamMaxPerPerson). Past them, OpenStream refuses.
	StreamMax, StreamMaxPerPerson int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives unexpected errors; nil means slog.Default().
	Logger *slog.Logger
}

// Server applies the rules of docs/protocol.md to a Store. Its methods are
// safe for concurrent use; errors are *Error values (see ErrorCode) or
// unexpected ones (EINTERNAL).
type Server struct {
	cfg   Config
	store Store
	// shared is the store when several processes share it, else nil.
	shared SharedStore
	ids    idGen
	render *render.Renderer
	// polls caches poll answers; nil when Config.PollCacheBytes is negative.
	polls *pollCache
	// streams are the open streams, which writes notify.
	streams *streamHub
	stats   counters
	// eventLocks has one person's events applied at a time, and
	// eventBudget bounds how many they post (ApplyEvents).
	eventLocks  personLocks
	eventBudget eventBudget
}

// New returns a server with cfg, its zero fields set to their defaults,
// keeping its state in store.
func New(cfg Config, store Store) *Server {
	if cfg.TierActive <= 0 {
		cfg.TierActive = DefaultTierActive
	}
	if cfg.TierInactive <= 0 {
		cfg.TierInactive = DefaultTierInactive
	}
	if cfg.TierLow <= 0 {
		cfg.TierLow = DefaultTierLow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PollCacheBytes == 0 {
		cfg.PollCacheBytes = DefaultPollCacheBytes
	}
	if cfg.StreamMax <= 0 {
		cfg.StreamMax = DefaultStreamMax
	}
	if cfg.StreamMaxPerPerson <= 0 {
		cfg.StreamMaxPerPerson = DefaultStreamMaxPerPerson
	}
	s := &Server{cfg: cfg, render: render.New(), streams: newStreamHub(cfg)}
	s.shared, _ = store.(SharedStore)
	s.polls = newPollCache(cfg.PollCacheBytes)
	// Every write goes through the invalidation, cache or not: it also
	// tells the person's streams.
	s.store = &invalidatingStore{store: store, polls: s.polls, streams: s.streams}
	return s
}

// Now returns the server's current time (Config.Now).
func (s *Server) Now() time.Time {
	return s.cfg.Now()
}

// Ready returns nil when the store answers (Store.Ping), else why not.
func (s *Server) Ready(ctx context.Context) error {
	return s.store.Ping(ctx)
}

// Maintain does the server's background work every interval until ctx is
// done: it drops the content and data of finished deliveries whose
// retention is disabled (Store.DropFinishedContent) and the ids of old
// events. Errors are logged. On a SharedStore, one round is done per
// interval across every process sharing it (maintainRound).
func (s *Server) Maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		// A tenth of slack: the process whose turn it was claims the next
		// round too, though its ticker fires a little early.
		s.maintainRound(ctx, every-every/10)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// MaintainOnce does Maintain's work once now, unless, on a SharedStore,
// another process is doing it.
func (s *Server) MaintainOnce(ctx context.Context) {
	s.maintainRound(ctx, 0)
}

// maintainRound does the background work. On a SharedStore it does it
// only if no process is doing it (SharedStore.Exclusive) and no process
// claimed a round less than every ago (SharedStore.ClaimRound); else it
// counts the round as skipped.
func (s *Server) maintainRound(ctx context.Context, every time.Duration) {
	if s.shared == nil {
		s.maintain(ctx)
		return
	}
	claimed := false
	_, err := s.shared.Exclusive(ctx, "maintain", func(ctx context.Context) error {
		var err error
		if claimed, err = s.shared.ClaimRound(ctx, "maintain", every); err != nil || !claimed {
			return err
		}
		s.maintain(ctx)
		return nil
	})
	switch {
	case err != nil:
		s.stats.maintainFailed.Add(1)
		if ctx.Err() == nil {
			s.cfg.Logger.Error("background work: take its turn", "err", err)
		}
	case !claimed:
		s.stats.maintainSkipped.Add(1)
	}
}

// maintain drops finished content and old event ids, and counts the round
// as done or failed.
func (s *Server) maintain(ctx context.Context) {
	failed := false
	if _, err := s.store.DropFinishedContent(ctx, s.Now()); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("drop finished content", "err", err)
		failed = true
	}
	if _, err := s.store.DropEventIDs(ctx, s.Now().Add(-EventIDRetention)); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("drop the ids of old events", "err", err)
		failed = true
	}
	if failed {
		s.stats.maintainFailed.Add(1)
	} else {
		s.stats.maintainRan.Add(1)
	}
}
