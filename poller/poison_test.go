package poller_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPoisonMessageKeepsTheNormalTier: an answer with one message that
// cannot be decoded (its data nests past encoding/json's limit) is a good
// answer: the other messages are delivered, the poison is listed as
// dropped, no error is reported, its ETag is kept and the next poll comes
// on the tier's schedule. An answer cut short is a failure: backoff, and
// the ETag before it is sent again.
func TestPoisonMessageKeepsTheNormalTier(t *testing.T) {
	deep := `{"delivery_id":"deep","trigger":{"d":` + strings.Repeat("[", 9998) + strings.Repeat("]", 9998) + `}}`
	poisoned := `{"messages":[{"delivery_id":"d1"},` + deep + `,{"delivery_id":"d2"}],"next_poll_ms":1000}`
	h := start(t,
		ok(`"a"`, poisoned),
		ok(`"b"`, poisoned[:len(poisoned)/2]),
		ok(`"c"`, poisoned),
	)
	var waits []time.Duration
	for i := range 3 { // the loop waits after each poll
		d := h.clock.wait(t)
		waits = append(waits, d)
		if i < 2 {
			h.clock.elapse(d)
		}
	}
	assert.Equal(t, []time.Duration{time.Second, 500 * time.Millisecond, time.Second}, waits, "tier, backoff, tier")

	h.mu.Lock()
	defer h.mu.Unlock()
	require.Len(t, h.delivered, 2)
	assert.Len(t, h.delivered[0].Messages, 2)
	require.Len(t, h.delivered[0].Dropped, 1)
	assert.Equal(t, "deep", h.delivered[0].Dropped[0].DeliveryID)
	require.Len(t, h.errs, 1, "only the answer cut short is an error")
	assert.Contains(t, h.errs[0].Error(), "poll: bad response body: poll answer: unexpected end of JSON")

	h.transport.mu.Lock()
	defer h.transport.mu.Unlock()
	var etags []string
	for _, c := range h.transport.calls {
		etags = append(etags, c.etag)
	}
	assert.Equal(t, []string{"", `"a"`, `"a"`}, etags)
}
