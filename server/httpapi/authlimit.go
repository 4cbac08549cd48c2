package httpapi

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/roostmsg/roost/server"
)

// Limits on failed authentication, per client address (clientAddress).
const (
	// MaxKeyFailures is how many send-side requests with a missing or
	// wrong API key one address may make in AuthFailureWindow; past it,
	// every send-side request from the address, with any key, is 429
	// until the window ends, so keys cannot be guessed at speed.
	MaxKeyFailures = 20
	// MaxSignatureFailures is how many browser requests with a missing or
	// wrong signature (an expired token does not count) one address may
	// make in AuthFailureWindow; past it, every browser request from the
	// address is 429 until the window ends. It is higher than
	// MaxKeyFailures because many people may share an address (an
	// office's NAT), and each of their tabs stops at its first refusal.
	MaxSignatureFailures = 100
	// AuthFailureWindow is the window the failures are counted in: it
	// starts at an address's first failure.
	AuthFailureWindow = time.Minute
	// MaxFailingAddresses bounds the addresses a failure limiter keeps;
	// past it, those whose window ended are forgotten first, then any.
	MaxFailingAddresses = 10000
)

// failureLimiter counts an address's failed authentications in a window
// that starts at its first failure, and refuses the address once it has
// max of them, until the window ends. It keeps at most
// MaxFailingAddresses addresses.
type failureLimiter struct {
	max    int
	window time.Duration
	limit  int // MaxFailingAddresses; tests lower it

	mu    sync.Mutex
	addrs map[string]failures
	swept time.Time
}

// failures is one address's count in the window starting at start.
type failures struct {
	start time.Time
	count int
}

// newFailureLimiter returns a limiter of max failures per window.
func newFailureLimiter(max int, window time.Duration) *failureLimiter {
	return &failureLimiter{max: max, window: window, limit: MaxFailingAddresses, addrs: map[string]failures{}}
}

// blocked reports whether addr has used up its failures at now, and how
// long until its window ends.
func (l *failureLimiter) blocked(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.addrs[addr]
	if !ok || f.count < l.max {
		return false, 0
	}
	end := f.start.Add(l.window)
	if !now.Before(end) {
		return false, 0
	}
	return true, end.Sub(now)
}

// fail counts one failure of addr at now.
func (l *failureLimiter) fail(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.addrs[addr]
	if ok && now.Before(f.start.Add(l.window)) {
		f.count++
		l.addrs[addr] = f
		return
	}
	if !ok && len(l.addrs) >= l.limit {
		l.makeRoom(now)
	}
	l.addrs[addr] = failures{start: now, count: 1}
}

// makeRoom forgets the addresses whose window ended (scanning at most once
// a second), then, while the limiter is still full, any address: a flood
// from more addresses than it keeps makes them forget each other, and the
// memory stays bounded.
func (l *failureLimiter) makeRoom(now time.Time) {
	if now.Sub(l.swept) >= time.Second {
		l.swept = now
		for addr, f := range l.addrs {
			if !now.Before(f.start.Add(l.window)) {
				delete(l.addrs, addr)
			}
		}
	}
	for addr := range l.addrs {
		if len(l.addrs) < l.limit {
			break
		}
		delete(l.addrs, addr)
	}
}

// size returns how many addresses l keeps.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.addrs)
}

// refuse returns the ERATELIMIT error of a blocked address, with a
// Retry-After header of the whole seconds to wait (at least 1).
func (l *failureLimiter) refuse(w http.ResponseWriter, wait time.Duration, what string) error {
	secs := max(1, int64(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return server.Errorf(server.ERATELIMIT, "too many failed authentications from your address (%d %s in %d s): retry after %d s",
		l.max, what, int(l.window.Seconds()), secs)
}

// clientAddress is the address failed authentications are counted
// against: the IP of the connection (http.Request.RemoteAddr), an IPv6
// one cut to its /64 network, since one host may hold all of those. Roost
// reads no X-Forwarded-For: behind a reverse proxy every request has the
// proxy's address.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}
