package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answerOf returns an answer with a body of n bytes, holding from at on.
func answerOf(n int, at time.Time) *pollAnswer {
	return &pollAnswer{body: make([]byte, n), etag: `"e"`, from: at}
}

func TestPollCache_Budget(t *testing.T) {
	at := time.Unix(1_000_000, 0)
	one := answerOf(100, at).cost("p00")
	c := newPollCache(3 * one)
	for i := range 10 {
		id := fmt.Sprintf("p%02d", i)
		_, ticket := c.lookup(id, at, 0)
		c.install(id, ticket, answerOf(100, at))
		total := 0
		for id, a := range c.entries {
			total += a.cost(id)
		}
		require.Equal(t, total, c.size, "size is the sum of the costs")
		require.LessOrEqual(t, c.size, c.maxSize)
		got, _ := c.lookup(id, at, 0)
		require.NotNil(t, got, "the newest answer is kept")
	}
	assert.Len(t, c.entries, 3)

	_, ticket := c.lookup("big", at, 0)
	c.install("big", ticket, answerOf(3*one, at))
	got, _ := c.lookup("big", at, 0)
	assert.Nil(t, got, "an answer over the whole budget is not cached")
	assert.Len(t, c.entries, 3, "and evicts nothing")

	assert.Nil(t, newPollCache(0), "no budget, no cache")
	var off *pollCache
	_, ticket = off.lookup("p", at, 0)
	off.install("p", ticket, answerOf(1, at))
	off.invalidate("p")
	off.invalidateAll()
	got, _ = off.lookup("p", at, 0)
	assert.Nil(t, got, "a nil cache caches nothing")
}

func TestPollCache_Tickets(t *testing.T) {
	at := time.Unix(1_000_000, 0)
	c := newPollCache(1 << 20)
	cached := func(id string) bool { a, _ := c.lookup(id, at, 0); return a != nil }

	_, ticket := c.lookup("p", at, 0)
	c.invalidate("p")
	c.install("p", ticket, answerOf(1, at))
	assert.False(t, cached("p"), "refused: the person was written after the ticket")

	_, ticket = c.lookup("p", at, 0)
	c.invalidate("someone else")
	c.install("p", ticket, answerOf(1, at))
	assert.Equal(t, c.stripe("p") != c.stripe("someone else"), cached("p"), "another person's write refuses only in the same stripe")

	_, ticket = c.lookup("q", at, 0)
	c.invalidateAll()
	c.install("q", ticket, answerOf(1, at))
	assert.False(t, cached("q"), "refused: everyone was invalidated after the ticket")
	assert.Zero(t, c.size)

	_, ticket = c.lookup("q", at, 0)
	c.install("q", ticket, &pollAnswer{body: []byte("{}"), from: at, until: at.Add(time.Second)})
	a, _ := c.lookup("q", at.Add(time.Second-1), 0)
	assert.NotNil(t, a, "holds until its end")
	a, _ = c.lookup("q", at.Add(time.Second), 0)
	assert.Nil(t, a, "not at its end")
	assert.Empty(t, c.entries, "and dropped")
	assert.Zero(t, c.size)
}
