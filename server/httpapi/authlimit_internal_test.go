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

// TestClientAddress: the connection's IP, an IPv6 one as its /64; behind a
// proxy on a loopback or private address, the last address of
// X-Forwarded-For that is not a proxy's.
func TestClientAddress(t *testing.T) {
	for _, tt := range []struct{ remote, forwarded, want string }{
		{"198.51.100.7:40000", "", "198.51.100.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{"[::ffff:198.51.100.7]:1", "", "198.51.100.7"},
		{"[fe80::1%eth0]:1", "", "fe80::/64"},
		{"not-an-address", "", "not-an-address"},
		{"198.51.100.7:1", "203.0.113.5", "198.51.100.7"}, // a client's own header, not a proxy's
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "203.0.113.5", "203.0.113.5"},
		{"[::1]:5000", "203.0.113.5, 198.51.100.9", "198.51.100.9"}, // the client wrote the first
		{"172.18.0.1:5000", "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"},
		{"10.0.0.2:1", "2001:db8:9:9::1", "2001:db8:9:9::/64"},
		{"10.0.0.2:1", "junk, 203.0.113.5", "203.0.113.5"},
		{"10.0.0.2:1", "203.0.113.5, junk", "10.0.0.2"},
		{"192.168.1.1:1", "192.168.1.7", "192.168.1.7"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		assert.Equal(t, tt.want, clientAddress(r), "%s forwarding %q", tt.remote, tt.forwarded)
	}
}
