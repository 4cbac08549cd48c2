package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealthcheck: exit 0 when /healthz answers 200, 1 when it answers
// otherwise or nothing listens; the port comes from ROOST_ADDR, asked
// over loopback when roost serves on every interface.
func TestHealthcheck(t *testing.T) {
	var healthy atomic.Bool
	healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	check := func(env map[string]string, args ...string) (string, error) {
		var out strings.Builder
		err := run(context.Background(), append([]string{"healthcheck"}, args...), func(k string) string { return env[k] }, &out, io.Discard)
		return out.String(), err
	}

	out, err := check(map[string]string{"ROOST_ADDR": ":" + port})
	require.NoError(t, err)
	assert.Equal(t, "healthy\n", out)
	_, err = check(nil, "-addr", "0.0.0.0:"+port)
	assert.NoError(t, err)

	healthy.Store(false)
	_, err = check(nil, "-addr", "127.0.0.1:"+port)
	var ec exitCode
	require.True(t, errors.As(err, &ec), "%v", err)
	assert.Equal(t, 1, ec.code)
	assert.Contains(t, err.Error(), "503")

	srv.Close()
	_, err = check(map[string]string{"ROOST_ADDR": "127.0.0.1:" + port})
	require.True(t, errors.As(err, &ec), "%v", err)
	assert.Equal(t, 1, ec.code, "nothing listens: unhealthy")

	_, err = check(nil, "-addr", "nonsense")
	assert.ErrorContains(t, err, `-addr "nonsense"`)
}

// TestHealthcheck_ReadyAndMetricsAddr: -ready asks /readyz; with
// ROOST_METRICS_ADDR set, its uncapped listener is the one asked.
func TestHealthcheck_ReadyAndMetricsAddr(t *testing.T) {
	var asked atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Store(r.URL.Path) }))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	require.NoError(t, err)
	env := map[string]string{"ROOST_ADDR": "127.0.0.1:1", "ROOST_METRICS_ADDR": "127.0.0.1:" + port}
	getenv := func(k string) string { return env[k] }
	require.NoError(t, run(context.Background(), []string{"healthcheck", "-ready"}, getenv, io.Discard, io.Discard))
	assert.Equal(t, "/readyz", asked.Load())
	require.NoError(t, run(context.Background(), []string{"healthcheck"}, getenv, io.Discard, io.Discard))
	assert.Equal(t, "/healthz", asked.Load())
}
