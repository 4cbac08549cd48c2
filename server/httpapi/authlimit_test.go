package httpapi_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// from serves one request from the client address addr (ip:port);
// headers alternate name, value.
func (f *fixture) from(addr, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	f.tb.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = addr
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// sendFrom sends the seed's send from addr with key.
func (f *fixture) sendFrom(addr, key string) *httptest.ResponseRecorder {
	f.tb.Helper()
	return f.from(addr, http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer "+key)
}

// TestAuthFailures_WrongKeys (attack: 400 of 400 wrong-key requests were
// answered 401 at full speed): past httpapi.MaxKeyFailures wrong keys in
// the window, an address's wrong or missing keys get 429 with Retry-After
// until the window ends, every one alike; its right key is still served
// (a backend sharing the address with a stale process or a NAT goes on);
// other addresses are not affected.
func TestAuthFailures_WrongKeys(t *testing.T) {
	f := newFixture(t)
	const attacker, backend, other = "198.51.100.7:40000", "203.0.113.9:5000", "192.0.2.44:1"
	codes := map[int]int{}
	var refusals []string
	for i := range 400 {
		w := f.sendFrom(attacker, fmt.Sprintf("guess-%d", i))
		codes[w.Code]++
		if w.Code == http.StatusTooManyRequests {
			secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
			require.NoError(t, err)
			require.True(t, secs >= 1 && secs <= 60, "Retry-After %d", secs)
			require.Contains(t, errorMessage(t, w), "too many failed authentications")
			refusals = append(refusals, w.Body.String())
		}
	}
	assert.Equal(t, map[int]int{http.StatusUnauthorized: httpapi.MaxKeyFailures, http.StatusTooManyRequests: 400 - httpapi.MaxKeyFailures}, codes)
	assert.Equal(t, refusals[0], refusals[len(refusals)-1], "a refusal says nothing of the key")

	assert.Equal(t, http.StatusOK, f.sendFrom(attacker, testKey).Code, "the right key from the throttled address is served")
	assert.Equal(t, http.StatusTooManyRequests, f.sendFrom("198.51.100.7:40001", "wrong").Code, "another port is the same address")
	assert.Equal(t, http.StatusTooManyRequests, f.from(attacker, http.MethodPost, "/v1/send/inbox_message", seedSend).Code, "no key at all")
	assert.Equal(t, http.StatusOK, f.sendFrom(backend, testKey).Code, "the backend's address is not affected")
	assert.Equal(t, http.StatusUnauthorized, f.sendFrom(other, "wrong").Code, "nor another address's first wrong key")
	for range 50 {
		require.Equal(t, http.StatusOK, f.sendFrom(attacker, testKey).Code, "right keys never count")
	}

	f.clock.Add(httpapi.AuthFailureWindow - time.Second)
	w := f.sendFrom(attacker, "wrong")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	f.clock.Add(time.Second)
	assert.Equal(t, http.StatusUnauthorized, f.sendFrom(attacker, "wrong").Code, "the window has passed, and a new one starts")
}

// TestAuthFailures_ManagementAPIs: wrong keys count on every send-side
// route, not only sends, and the right key is served on each.
func TestAuthFailures_ManagementAPIs(t *testing.T) {
	f := newFixture(t)
	const addr = "198.51.100.8:1"
	routes := []struct{ method, path string }{
		{http.MethodGet, "/v1/transactional"}, {http.MethodGet, "/v1/people/user_123"},
		{http.MethodGet, "/v1/drafts"}, {http.MethodGet, "/v1/deliveries/dlv_x"},
	}
	for i := range httpapi.MaxKeyFailures {
		r := routes[i%len(routes)]
		require.Equal(t, http.StatusUnauthorized, f.from(addr, r.method, r.path, "", "Authorization", "Bearer wrong").Code)
	}
	for _, r := range routes {
		assert.Equal(t, http.StatusTooManyRequests, f.from(addr, r.method, r.path, "", "Authorization", "Bearer wrong").Code, r.path)
		assert.NotEqual(t, http.StatusTooManyRequests, f.from(addr, r.method, r.path, "", "Authorization", "Bearer "+testKey).Code, r.path)
	}
	assert.Equal(t, http.StatusTooManyRequests, f.from(addr, http.MethodGet, "/v1/transactional", "").Code, "no key at all")
}

// TestAuthFailures_IPv6Network: the addresses of one IPv6 /64 count as one.
func TestAuthFailures_IPv6Network(t *testing.T) {
	f := newFixture(t)
	for i := range httpapi.MaxKeyFailures {
		require.Equal(t, http.StatusUnauthorized, f.sendFrom(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "wrong").Code)
	}
	assert.Equal(t, http.StatusTooManyRequests, f.sendFrom("[2001:db8:1:2:ffff::1]:443", "wrong").Code)
	assert.Equal(t, http.StatusOK, f.sendFrom("[2001:db8:1:2:ffff::1]:443", testKey).Code)
	assert.Equal(t, http.StatusUnauthorized, f.sendFrom("[2001:db8:1:3::1]:443", "wrong").Code, "another /64")
	assert.Equal(t, http.StatusUnauthorized, f.sendFrom("[::ffff:198.51.100.9]:443", "wrong").Code)
}

// TestAuthFailures_Signatures: past httpapi.MaxSignatureFailures missing or
// wrong signatures, an address's missing or wrong signatures get 429 with
// Retry-After (which the runtime waits out), while its right signatures
// are served (the other people behind an office's NAT go on); expired
// tokens, which the site's backend made, do not count; other addresses
// are not affected.
func TestAuthFailures_Signatures(t *testing.T) {
	f := newFixtureWith(t, signed(testSecret))
	const page, other = "198.51.100.20:1", "198.51.100.21:1"
	poll := func(addr, user, sig string) *httptest.ResponseRecorder {
		h := []string{"X-Roost-Site", testSite, "X-Roost-User", user, "Origin", testOrigin}
		if sig != "" {
			h = append(h, "X-Roost-Signature", sig)
		}
		return f.from(addr, http.MethodGet, "/v1/client/poll", "", h...)
	}
	expired := server.SignIdentityToken(testSecret, "user_123", f.clock.Now().Add(-time.Minute))
	for range 3 * httpapi.MaxSignatureFailures {
		require.Equal(t, http.StatusForbidden, poll(page, "user_123", expired).Code, "expired tokens never count")
	}
	for i := range httpapi.MaxSignatureFailures {
		sig := server.SignIdentity("guess", "user_123")
		if i%2 == 0 {
			sig = "" // missing counts too
		}
		require.Contains(t, []int{401, 403}, poll(page, "user_123", sig).Code)
	}
	for _, sig := range []string{server.SignIdentity("guess", "user_456"), ""} {
		w := poll(page, "user_456", sig)
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
		assert.Equal(t, testOrigin, w.Header().Get("Access-Control-Allow-Origin"), "a page can read why")
	}
	assert.Equal(t, http.StatusOK, poll(page, "user_123", server.SignIdentity(testSecret, "user_123")).Code, "a right signature is served")
	assert.Equal(t, http.StatusForbidden, poll(page, "user_123", expired).Code, "an expired token is told so, to be renewed")
	assert.Equal(t, http.StatusForbidden, poll(other, "user_123", server.SignIdentity("guess", "user_123")).Code)
	assert.Equal(t, http.StatusUnauthorized, f.sendFrom(page, "wrong").Code, "the send side counts its own failures")
	f.clock.Add(httpapi.AuthFailureWindow)
	assert.Equal(t, http.StatusForbidden, poll(page, "user_123", server.SignIdentity("guess", "user_123")).Code)
}

// TestAuthFailures_BehindAProxy: behind a trusted reverse proxy (by
// default one on loopback), clients are told apart by the address the
// proxy appended to X-Forwarded-For, so one client's wrong keys do not
// throttle another's through the same proxy; an address a client wrote in
// the header itself does not count.
func TestAuthFailures_BehindAProxy(t *testing.T) {
	trusted, err := httpapi.ParseTrustedProxies(httpapi.DefaultTrustedProxies + ",172.17.0.1")
	require.NoError(t, err)
	f := newFixtureWith(t, func(cfg *config) { cfg.http.TrustedProxies = trusted })
	const proxy = "127.0.0.1:6000"
	for i := range 3 * httpapi.MaxKeyFailures {
		f.from(proxy, http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong",
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d, 198.51.100.7", i)) // the attacker varies the first
	}
	w := f.from(proxy, http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong", "X-Forwarded-For", "198.51.100.7")
	assert.Equal(t, http.StatusTooManyRequests, w.Code, "the attacker's address, as the proxy saw it, is throttled")
	w = f.from("172.17.0.1:6000", http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong", "X-Forwarded-For", "203.0.113.9")
	assert.Equal(t, http.StatusUnauthorized, w.Code, "another client, through another trusted proxy, is not")
	w = f.from(proxy, http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusUnauthorized, w.Code, "nor the proxy's own address")
}

// TestAuthFailures_UntrustedPeer: a client connecting from an address that
// is not a trusted proxy's, a private one included (a LAN, a Docker
// port), cannot choose its address with X-Forwarded-For.
func TestAuthFailures_UntrustedPeer(t *testing.T) {
	f := newFixture(t) // the default: loopback only
	for _, peer := range []string{"192.168.1.7:5000", "172.17.0.1:5000"} {
		codes := map[int]int{}
		for i := range 2 * httpapi.MaxKeyFailures {
			w := f.from(peer, http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer wrong",
				"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
			codes[w.Code]++
		}
		assert.Equal(t, map[int]int{http.StatusUnauthorized: httpapi.MaxKeyFailures, http.StatusTooManyRequests: httpapi.MaxKeyFailures}, codes, peer)
	}
}

// TestAuthFailures_ThrottlingIsLoggedAndCounted: an operator sees throttled
// addresses in the log, once a minute per side at most and never with a
// key or signature, and counts them (the metric
// roost_auth_throttled_total).
func TestAuthFailures_ThrottlingIsLoggedAndCounted(t *testing.T) {
	var logs bytes.Buffer
	f := newFixtureWith(t, func(cfg *config) {
		signed(testSecret)(cfg)
		cfg.http.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	h := f.h.(*httpapi.Handler)
	lines := func() int { return strings.Count(logs.String(), "throttling failed authentications") }
	const a, b = "198.51.100.7:1", "198.51.100.8:1"
	for range httpapi.MaxKeyFailures + 30 {
		f.sendFrom(a, "wrong-key-xyz")
	}
	assert.Equal(t, uint64(30), h.AuthThrottled(httpapi.AuthSideSend))
	assert.Equal(t, 1, lines(), logs.String())
	assert.Contains(t, logs.String(), "address=198.51.100.7")
	assert.Contains(t, logs.String(), "side=send")

	f.clock.Add(30 * time.Second)
	for range httpapi.MaxKeyFailures + 5 {
		f.sendFrom(b, "wrong-key-xyz")
	}
	f.sendFrom(a, testKey)
	assert.Equal(t, uint64(35), h.AuthThrottled(httpapi.AuthSideSend), "valid keys are not throttled")
	assert.Equal(t, 1, lines(), "not again within the minute")

	f.clock.Add(30 * time.Second)
	f.sendFrom(b, "wrong-key-xyz")
	assert.Equal(t, 2, lines(), "a minute later, again")
	assert.Contains(t, logs.String(), "address=198.51.100.8")

	sig := server.SignIdentity("guess-secret", "user_123")
	for range httpapi.MaxSignatureFailures + 3 {
		f.from(a, http.MethodGet, "/v1/client/poll", "", "X-Roost-Site", testSite, "X-Roost-User", "user_123", "X-Roost-Signature", sig)
	}
	assert.Equal(t, uint64(3), h.AuthThrottled(httpapi.AuthSideClient))
	assert.Equal(t, uint64(36), h.AuthThrottled(httpapi.AuthSideSend))
	assert.Equal(t, 3, lines(), "each side logs its own")
	assert.Contains(t, logs.String(), "side=client")
	assert.NotContains(t, logs.String(), "wrong-key-xyz")
	assert.NotContains(t, logs.String(), sig)
	assert.NotContains(t, logs.String(), testKey)
}
