package httpapi

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFailureLimiter_MemoryBounded: failures from 30 times more addresses
// than it keeps leave the limiter at MaxFailingAddresses; an address
// blocked among fewer than that stays blocked; ended windows are forgotten.
func TestFailureLimiter_MemoryBounded(t *testing.T) {
	l := newFailureLimiter(MaxKeyFailures, AuthFailureWindow, "wrong API keys")
	now := time.Unix(1_763_800_000, 0)
	for range MaxKeyFailures {
		l.fail("attacker", now)
	}
	for i := range MaxFailingAddresses - 1 {
		l.fail(fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255), now)
	}
	assert.Equal(t, MaxFailingAddresses, l.size())
	refusal, _ := l.failed("attacker", now)
	assert.Error(t, refusal, "still blocked")

	for i := range 30 * MaxFailingAddresses {
		l.fail(fmt.Sprintf("flood-%d", i), now.Add(time.Duration(i)*time.Microsecond))
		require.LessOrEqual(t, l.size(), MaxFailingAddresses)
	}
	later := now.Add(AuthFailureWindow + time.Second)
	l.fail("new", later.Add(time.Second))
	assert.Equal(t, 1, l.size(), "the ended windows were swept")
}

// TestClientAddress: the connection's IP, an IPv6 one as its /64; from a
// trusted proxy (the default: loopback), the last address of
// X-Forwarded-For that is not a trusted proxy's; from any other peer, a
// private one too, the header is not read.
func TestClientAddress(t *testing.T) {
	loopback, err := ParseTrustedProxies(DefaultTrustedProxies)
	require.NoError(t, err)
	lan, err := ParseTrustedProxies("127.0.0.1 10.0.0.2, 172.18.0.0/16 fd00::/8")
	require.NoError(t, err)
	for _, tt := range []struct {
		trusted                 []netip.Prefix
		remote, forwarded, want string
	}{
		{loopback, "198.51.100.7:40000", "", "198.51.100.7"},
		{loopback, "[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{loopback, "[::ffff:198.51.100.7]:1", "", "198.51.100.7"},
		{loopback, "[fe80::1%eth0]:1", "", "fe80::/64"},
		{loopback, "not-an-address", "", "not-an-address"},
		{loopback, "198.51.100.7:1", "203.0.113.5", "198.51.100.7"}, // a client's own header, not a proxy's
		{loopback, "127.0.0.1:5000", "", "127.0.0.1"},
		{loopback, "127.0.0.1:5000", "203.0.113.5", "203.0.113.5"},
		{loopback, "[::1]:5000", "203.0.113.5, 198.51.100.9", "198.51.100.9"}, // the client wrote the first
		{loopback, "[::ffff:127.0.0.1]:5000", "203.0.113.5", "203.0.113.5"},
		{loopback, "192.168.1.1:1", "192.168.1.7", "192.168.1.1"},  // a LAN client connecting directly
		{loopback, "172.17.0.1:5000", "203.0.113.5", "172.17.0.1"}, // a Docker port: no proxy of the operator's
		{loopback, "127.0.0.1:1", "203.0.113.5, 10.0.0.2", "10.0.0.2"},
		{nil, "127.0.0.1:5000", "203.0.113.5", "127.0.0.1"}, // none trusted
		{lan, "172.18.0.1:5000", "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"},
		{lan, "10.0.0.2:1", "2001:db8:9:9::1", "2001:db8:9:9::/64"},
		{lan, "10.0.0.2:1", "junk, 203.0.113.5", "203.0.113.5"},
		{lan, "10.0.0.2:1", "203.0.113.5, junk", "10.0.0.2"},
		{lan, "10.0.0.3:1", "203.0.113.5", "10.0.0.3"}, // not the proxy named
		{lan, "[fd00::1]:1", "203.0.113.5", "203.0.113.5"},
	} {
		h := &Handler{cfg: Config{TrustedProxies: tt.trusted}}
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tt.forwarded)
		}
		assert.Equal(t, tt.want, h.clientAddress(r), "%s forwarding %q, trusting %v", tt.remote, tt.forwarded, tt.trusted)
	}
}

// TestParseTrustedProxies: networks and addresses by commas or spaces,
// "none", and a clear error for anything else.
func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8,192.168.1.5  ::1, ::ffff:10.1.2.3 , 10.9.9.9/8")
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.5/32"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.1.2.3/32"), netip.MustParsePrefix("10.0.0.0/8")}, got)
	got, err = ParseTrustedProxies("none")
	require.NoError(t, err)
	assert.Empty(t, got)
	for _, bad := range []string{"10.0.0.0/33", "proxy.local", "10.0.0.1:80", "none,127.0.0.1", "fe80::1%eth0"} {
		_, err := ParseTrustedProxies(bad)
		assert.ErrorContains(t, err, "trusted proxy", bad)
	}
}
