package storetest

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// modules returns e's store as a server.ModuleStore, or skips t when it is
// not one.
func (e *env) modules() server.ModuleStore {
	ms, ok := e.store.(server.ModuleStore)
	if !ok {
		e.t.Skip("the store is not a server.ModuleStore")
	}
	return ms
}

// testModule returns a module of version whose bytes are content.
func testModule(version, content string) *server.Module {
	return &server.Module{Version: version, SHA256: sha256.Sum256([]byte(content)), Brotli: []byte("br:" + content)}
}

// versions returns the versions of ms, in order.
func versions(ms []*server.Module) []string {
	vs := make([]string, len(ms))
	for i, m := range ms {
		vs[i] = m.Version
	}
	return vs
}

// testModules checks server.ModuleStore: what is remembered comes back
// whole, newest first; remembering a version again makes it the newest,
// and the newest again writes nothing;
// only server.ModulesKept are kept; they survive a reopen.
func testModules(t *testing.T, h Harness) {
	e := open(t, h)
	ms := e.modules()
	got, err := ms.ListModules(e.ctx)
	require.NoError(t, err)
	assert.Empty(t, got, "a new store remembers no module")

	big := make([]byte, 2<<20) // a module compressed is about 1 MB
	for i := range big {
		big[i] = byte(i * 7)
	}
	first := testModule("v1", "one")
	first.Brotli = big
	require.NoError(t, ms.RememberModule(e.ctx, first))
	assert.True(t, first.RememberedAt.Equal(e.clock.Now().Truncate(time.Millisecond)), "RememberedAt is the store's clock: %v", first.RememberedAt)
	e.clock.Add(time.Minute)
	require.NoError(t, ms.RememberModule(e.ctx, testModule("v2", "two")))
	got, err = ms.ListModules(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"v2", "v1"}, versions(got), "newest first")
	assert.Equal(t, sha256.Sum256([]byte("one")), got[1].SHA256)
	assert.Equal(t, big, got[1].Brotli, "the compressed module comes back whole")
	assert.True(t, got[1].RememberedAt.Equal(first.RememberedAt), "RememberedAt: %v", got[1].RememberedAt)

	// A rollback to v1 makes it the newest again, with what it holds now.
	again := testModule("v1", "one again")
	require.NoError(t, ms.RememberModule(e.ctx, again))
	got, err = ms.ListModules(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"v1", "v2"}, versions(got), "a version remembered again is the newest, once")
	assert.Equal(t, []byte("br:one again"), got[0].Brotli)

	// A restart of the same build (the newest module again) writes nothing:
	// it keeps the time it was first remembered.
	e.clock.Add(time.Minute)
	restarted := testModule("v1", "one again")
	require.NoError(t, ms.RememberModule(e.ctx, restarted))
	got, err = ms.ListModules(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"v1", "v2"}, versions(got))
	assert.True(t, restarted.RememberedAt.Equal(got[0].RememberedAt), "RememberedAt is the stored one: %v", restarted.RememberedAt)
	assert.True(t, got[0].RememberedAt.Before(e.clock.Now().Add(-30*time.Second)), "not rewritten: %v", got[0].RememberedAt)

	var want []string
	for i := 3; i <= server.ModulesKept+3; i++ {
		v := fmt.Sprintf("v%d", i)
		require.NoError(t, ms.RememberModule(e.ctx, testModule(v, v)))
		want = append([]string{v}, want...)
	}
	got, err = ms.ListModules(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, want[:server.ModulesKept], versions(got), "only the ModulesKept newest are kept")

	reopened := e.h.Reopen(t, e.store, e.clock.Now).(server.ModuleStore)
	after, err := reopened.ListModules(e.ctx)
	require.NoError(t, err)
	assert.Equal(t, versions(got), versions(after), "the modules survive a reopen")
}
