package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"

	"github.com/roostmsg/roost/server"
)

// startServe runs `roost serve` in this process with args and env on a
// free loopback port, and returns its base URL and its log. It stops at
// the end of the test, and the test fails unless it stops cleanly.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	args = append([]string{"serve", "-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "roost.db"), "-runtime-dir", browsertest.FakeRuntime(t)}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, args, func(name string) string { return env[name] }, io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "serve stops cleanly")
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10 s of its context")
		}
	})
	addr := regexp.MustCompile(`msg="roost is serving" addr=(\S+)`)
	var base string
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			require.NoError(t, err, "serve stopped: %s", logs.String())
		default:
		}
		if m := addr.FindStringSubmatch(logs.String()); m != nil {
			base = "http://" + m[1]
			return true
		}
		return false
	}, 10*time.Second, 5*time.Millisecond, "serve logs its address")
	return base, logs
}

// TestServe_OnlyRoostRoutes: the server binary serves Roost and nothing of
// the example shop: no page, no /api/session handing out signatures, no
// /api/demo/send sending with the server's key.
func TestServe_OnlyRoostRoutes(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop=https://shop.example.com", "ROOST_SITE_SECRET": "s3cret", "ROOST_API_KEY": "key-1"}
	base, logs := startServe(t, env)
	for _, path := range []string{"/api/session", "/api/demo/send", "/api/demo/templates", "/", "/control", "/index.html"} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req, err := http.NewRequest(method, base+path, strings.NewReader(`{"template":"order_shipped"}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s: %s", method, path, body)
			assert.NotContains(t, string(body), server.SignIdentity("s3cret", "user_123"))
		}
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/roost/roost.js": 200, "/v1/client/poll": 401} {
		res, err := http.Get(base + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, want, res.StatusCode, path)
	}
	assert.Contains(t, logs.String(), `msg=site id=shop origins=https://shop.example.com signed_identities=true`)
	assert.NotContains(t, logs.String(), "s3cret", "no secret in the log")
	assert.NotContains(t, logs.String(), "key-1", "no key in the log")
}

// TestServe_InsecureUnsignedIdentitiesWarns: a site without a secret runs
// only when the operator says so, and the log says what that allows.
func TestServe_InsecureUnsignedIdentitiesWarns(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_API_KEY": "key-1", "ROOST_INSECURE_UNSIGNED_IDENTITIES": "true"}
	base, logs := startServe(t, env)
	assert.Contains(t, logs.String(), "level=WARN msg=\"INSECURE: site without an identity secret: user ids are not signed, so anyone can read and change anyone's messages")
	req, err := http.NewRequest(http.MethodGet, base+"/v1/client/poll", nil)
	require.NoError(t, err)
	req.Header.Set("X-Roost-Site", "shop")
	req.Header.Set("X-Roost-User", "anyone")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "an unsigned user id is trusted")
}

// TestServe_LogsTheTrustRule: the start-up line says whose
// X-Forwarded-For is read (-trusted-proxies), so an operator can check it.
func TestServe_LogsTheTrustRule(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop=https://shop.example.com", "ROOST_SITE_SECRET": "s3cret", "ROOST_API_KEY": "key-1"}
	_, logs := startServe(t, env)
	assert.Contains(t, logs.String(), `trusted_proxies="127.0.0.0/8 ::1/128"`)
	_, logs = startServe(t, env, "-trusted-proxies", "10.0.0.5, 10.1.0.0/16")
	assert.Contains(t, logs.String(), `trusted_proxies="10.0.0.5/32 10.1.0.0/16"`)
	_, logs = startServe(t, env, "-trusted-proxies", "none")
	assert.Contains(t, logs.String(), `trusted_proxies="none: X-Forwarded-For is not read"`)
}
