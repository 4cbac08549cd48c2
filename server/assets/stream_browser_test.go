package assets_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
)

// TestFrameModeStreams: in frame mode (the page on another origin, the
// runtime in the server's frame), the runtime streams from the server: a
// message sent with the poll tiers at 30 s shows within seconds, with no
// poll while the stream is up.
func TestFrameModeStreams(t *testing.T) {
	rs, sh := startFramed(t, withStreams(time.Second), withTiers(30*time.Second, 30*time.Second, 30*time.Second))
	tab := openTab(t, browsertest.NewBrowser(t), sh.URL+"/")
	waitShown(t, tab, "")
	require.Eventually(t, func() bool { return rs.svc.Server().StreamsOpen() == 1 }, 20*time.Second, 5*time.Millisecond, "the frame's runtime streams")
	from := time.Now()
	first := rs.sendInbox(t, "ORD-1")
	waitShown(t, tab, first)
	second := rs.sendInbox(t, "ORD-2")
	waitShown(t, tab, second+","+first)
	took := time.Since(from)
	assert.Less(t, took, 10*time.Second, "only the stream can bring two messages this soon")
	assert.Empty(t, rs.polls(from), "no poll while the stream is up")
	assert.Equal(t, 1, rs.svc.Server().StreamsOpen())
}
