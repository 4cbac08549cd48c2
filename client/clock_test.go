package client_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/roostmsg/roost/client"
)

// TestTokensExpireByTheServersClock: a browser whose clock is two hours
// ahead of the server's is given a token the server accepts for another
// hour. The runtime goes by the server's clock (its answers' Date): the tab
// sees its messages, is not asked for a fresh token at once (which would
// make a page fetch tokens in a loop), and is asked TokenLead before the
// token expires by the server's clock.
func TestTokensExpireByTheServersClock(t *testing.T) {
	for _, skew := range []time.Duration{-2 * time.Hour, 2 * time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			rt, h, clock := newSkewedTokenRuntime(t, client.Options{}, skew)
			exp := clock.Now().Add(skew + time.Hour) // the server's now + 1 h
			send(rt, 1, `{"op":"init","endpoint":"http://roost.test","siteId":"example"}`)
			send(rt, 1, `{"op":"identify","user":"user_123","signature":"`+token(exp, "aa")+`"}`)
			send(rt, 1, `{"op":"view","view":1,"filter":{}}`)
			h.until(t, 1, snapshotWith(1, 1), func(m map[string]any) bool { return expiring(m) || identityError(m) },
				"asked for a fresh token at once, or refused")

			clock.move(time.Hour - 61*time.Second)
			h.drain(t, 1, expiring, "asked for a fresh token too early")
			clock.move(time.Second)
			m := h.next(t, 1, expiring)
			assert.Equal(t, float64(exp.UnixMilli()), m["data"].(map[string]any)["expiresAt"])
		})
	}
}
