package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailureLimiter_MemoryBounded: failures from 30 times more addresses
// than it keeps leave the limiter at MaxFailingAddresses; an address
// blocked among fewer than that stays blocked; ended windows are forgotten.
func TestFailureLimiter_MemoryBounded(t *testing.T) {
	l := newFailureLimiter(MaxKeyFailures, AuthFailureWindow)
	now := time.Unix(1_763_800_000, 0)
	for range MaxKeyFailures {
		l.fail("attacker", now)
	}
	for i := range MaxFailingAddresses - 1 {
		l.fail(fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255), now)
	}
	assert.Equal(t, MaxFailingAddresses, l.size())
	blocked, _ := l.blocked("attacker", now)
	assert.True(t, blocked)

	for i := range 30 * MaxFailingAddresses {
		l.fail(fmt.Sprintf("flood-%d", i), now.Add(time.Duration(i)*time.Microsecond))
		require.LessOrEqual(t, l.size(), MaxFailingAddresses)
	}
	later := now.Add(AuthFailureWindow + time.Second)
	l.fail("new", later.Add(time.Second))
	assert.Equal(t, 1, l.size(), "the ended windows were swept")
}

// TestClientAddress: the connection's IP; an IPv6 one as its /64.
func TestClientAddress(t *testing.T) {
	for remote, want := range map[string]string{
		"198.51.100.7:40000":         "198.51.100.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[::ffff:198.51.100.7]:1":    "198.51.100.7",
		"[fe80::1%eth0]:1":           "fe80::/64",
		"not-an-address":             "not-an-address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		assert.Equal(t, want, clientAddress(r), remote)
	}
}
