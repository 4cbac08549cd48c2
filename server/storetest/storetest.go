// Package storetest is the conformance suite of server.Store: every store
// (server/sqlite, server/postgres) runs it, so that the server's rules,
// which sit above the Store interface, behave the same on each.
//
// A store's test wires it in with a Harness and calls Run:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{Open: ..., Reopen: ...})
//	}
//
// The suite checks what the interface documents (server/store.go): each
// method's result and errors (by server.ErrorCode), the queue a poll sees
// (Delivery.Queued), retention, events applied through EventTx and through
// the server's rules (server.Server.ApplyEvents), concurrent use (several
// server.Server values sharing one store model several processes), that
// acknowledged writes survive a reopen, and, for a server.SharedStore,
// answer versions and Exclusive, and for a server.ModuleStore, the
// runtime modules it remembers.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/roostmsg/roost/server"
)

// Harness opens the stores the suite tests.
type Harness struct {
	// Open returns a new, empty store whose clock (for created_at, updated_at and the like) is now. The harness closes it at the test's cleanup.
	Open func(t *testing.T, now func() time.Time) server.Store
	// Reopen closes s as abruptly as the store allows and opens the same database again, with clock now (the crash check). The harness closes the new one at cleanup.
	Reopen func(t *testing.T, s server.Store, now func() time.Time) server.Store
}

// Run runs every conformance test on stores from h, as subtests of t.
func Run(t *testing.T, h Harness) {
	groups := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"Templates", testTemplates},
		{"SeedTemplate", testSeedTemplate},
		{"People", testPeople},
		{"Deliveries", testDeliveries},
		{"Drafts", testDrafts},
		{"Queue", testQueue},
		{"Retention", testRetention},
		{"EventTx", testEventTx},
		{"Rules", testRules},
		{"Concurrency", testConcurrency},
		{"Crash", testCrash},
		{"Shared", testShared},
		{"Modules", testModules},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, h) })
	}
}

// env is one subtest's store, its clock and a context.
type env struct {
	t     *testing.T
	h     Harness
	store server.Store
	clock *clock
	ctx   context.Context
}

// open returns a new env: an empty store from h whose clock starts at t0.
func open(t *testing.T, h Harness) *env {
	t.Helper()
	c := newClock(t0)
	s := h.Open(t, c.Now)
	if s == nil {
		t.Fatal("storetest: Harness.Open returned a nil store")
	}
	return &env{t: t, h: h, store: s, clock: c, ctx: context.Background()}
}

// server returns a server.Server on e's store and clock, without a poll
// cache, so that several of them can share the store as processes would.
func (e *env) server() *server.Server {
	return server.New(server.Config{Now: e.clock.Now, PollCacheBytes: -1}, e.store)
}
