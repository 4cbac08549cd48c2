package server

import (
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hexNeighbours returns how many of ids have id+1 or id-1 (read as one
// hex number after the prefix) among ids too.
func hexNeighbours(tb testing.TB, ids []string) int {
	tb.Helper()
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	n := 0
	for _, id := range ids {
		h := strings.TrimPrefix(id, DeliveryIDPrefix)
		v, ok := new(big.Int).SetString(h, 16)
		require.True(tb, ok, id)
		for _, d := range []int64{1, -1} {
			w := new(big.Int).Add(v, big.NewInt(d)).Text(16)
			if set[DeliveryIDPrefix+strings.Repeat("0", len(h)-len(w))+w] {
				n++
			}
		}
	}
	return n
}

// TestDeliveryIDs_Unguessable: 96 ids issued at once in one millisecond
// (the attack measured 54 of 96 with id+1 issued too) are distinct, none is
// another's id±1, and their last 128 bits are random.
func TestDeliveryIDs_Unguessable(t *testing.T) {
	var g idGen
	now := time.UnixMilli(1_763_800_000_000)
	ids := make([]string, 96)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = g.newID(now)
		}()
	}
	wg.Wait()
	distinct := map[string]bool{}
	for _, id := range ids {
		require.Regexp(t, `^dlv_[0-9a-f]{52}$`, id)
		distinct[id] = true
	}
	assert.Len(t, distinct, len(ids), "ids are distinct")
	assert.Zero(t, hexNeighbours(t, ids), "no id is another's id+1 or id-1")

	// every one of the last 128 bits is 0 in some id and 1 in another
	// (each bit fixed in 1,000 random ids: odds of 2^-999)
	var ones, zeros [DeliveryIDRandomBits]int
	for range 1000 {
		id := g.newID(now)
		tail := id[len(id)-DeliveryIDRandomBits/4:]
		v, _ := new(big.Int).SetString(tail, 16)
		for b := range DeliveryIDRandomBits {
			if v.Bit(b) == 1 {
				ones[b]++
			} else {
				zeros[b]++
			}
		}
	}
	for b := range DeliveryIDRandomBits {
		assert.True(t, ones[b] > 0 && zeros[b] > 0, "bit %d of the random part varies", b)
	}
}

// TestDeliveryIDs_CreationOrder: ids sort in the order they were issued,
// within one millisecond and when the clock goes back, since polls and
// drafts list deliveries by time, then id.
func TestDeliveryIDs_CreationOrder(t *testing.T) {
	var g idGen
	at := time.UnixMilli(1_763_800_000_000)
	var ids []string
	for i := range 300 {
		switch i {
		case 100:
			at = at.Add(time.Millisecond)
		case 200:
			at = at.Add(-time.Hour)
		}
		ids = append(ids, g.newID(at))
	}
	for i := 1; i < len(ids); i++ {
		assert.Less(t, ids[i-1], ids[i], "id %d sorts after id %d", i, i-1)
	}
}
