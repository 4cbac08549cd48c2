package service

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// withFilesLimit has filesLimit say limit for the test.
func withFilesLimit(t *testing.T, limit uint64) {
	old := filesLimit
	filesLimit = func() (uint64, bool) { return limit, true }
	t.Cleanup(func() { filesLimit = old })
}

// TestStreamMaxDefault: the default takes -max-conns streams, no more than
// the open files limit leaves beside -max-conns; with none left, streaming
// is off and says so (never the server's own default of 10,000); with
// -stream-plain, whose streams use -max-conns' connections, nine tenths.
func TestStreamMaxDefault(t *testing.T) {
	withFilesLimit(t, 1<<20)
	c := Config{MaxConns: 1000}
	assert.Equal(t, 1000, c.streamMax())
	assert.False(t, c.streamsOff())
	assert.Equal(t, "at most 1000, heartbeat 15s", c.StreamRule())

	withFilesLimit(t, 1500)
	assert.Equal(t, 1500-1000-spareFiles, c.streamMax(), "what the limit leaves")
	assert.Empty(t, c.Warnings())

	withFilesLimit(t, 1024)
	c = Config{MaxConns: 960}
	assert.Zero(t, c.streamMax())
	assert.True(t, c.streamsOff())
	assert.Contains(t, c.StreamRule(), "off: the open files limit leaves no file descriptors")
	if assert.Len(t, c.Warnings(), 1) {
		assert.Contains(t, c.Warnings()[0], "streaming is off")
	}
	c.StreamMax = 100 // set: taken as given, and warned of
	assert.Equal(t, 100, c.streamMax())
	if assert.Len(t, c.Warnings(), 1) {
		assert.Contains(t, c.Warnings()[0], "-max-conns 960 and -stream-max 100")
	}

	c = Config{MaxConns: 1000, StreamPlain: true}
	assert.Equal(t, 900, c.streamMax(), "plain streams leave polls a tenth of the connections")
	c = Config{MaxConns: 1000, NoStreams: true}
	assert.Equal(t, "off", c.StreamRule())
}
