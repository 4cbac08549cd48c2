package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// slowloris holds conns connections that never finish their request
// header: each sends a header line now and then until the server closes
// it, and is then opened again, at most rate new connections a second in
// all after the first burst (an attacker faster than max-conns a second
// would starve new clients of slow connections to replace: see
// limitListener).
func slowloris(ctx context.Context, addr string, conns int, rate float64) *sync.WaitGroup {
	tokens := make(chan struct{}, conns)
	for range conns {
		tokens <- struct{}{} // the first burst
	}
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-tokens:
				}
				c, err := net.Dial("tcp", addr)
				if err != nil {
					continue
				}
				stop := context.AfterFunc(ctx, func() { c.Close() })
				_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: roost.test\r\n")
				for err == nil {
					_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
					if _, err = c.Read(make([]byte, 512)); isTimeout(err) {
						_, err = io.WriteString(c, "X-Slow: 1\r\n") // a header line, never the blank one
					}
				}
				stop()
				c.Close()
			}
		})
	}
	return &wg
}

// isTimeout reports whether err is a timeout.
func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestSlowloris: roost capped at 64 connections and held by three times
// as many slow ones still answers normal requests promptly, and its open
// file descriptors stay bounded by the cap.
func TestSlowloris(t *testing.T) {
	const maxConns, attackers = 64, 3 * 64
	p := startRoost(t, "-max-conns", "64", "-read-header-timeout", "3s", "-metrics-addr", "127.0.0.1:0")
	metrics := p.metricsBase + "/metrics"
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	sig := server.SignIdentity(testSecret, "user_1")
	probe := func(i int) (int, string) {
		req, err := http.NewRequest(http.MethodGet, p.base+"/healthz", nil)
		require.NoError(t, err)
		if i%2 == 1 {
			req, err = http.NewRequest(http.MethodGet, p.base+"/v1/client/poll", nil)
			require.NoError(t, err)
			req.Header.Set("X-Roost-Site", testSite)
			req.Header.Set("X-Roost-User", "user_1")
			req.Header.Set("X-Roost-Signature", sig)
		}
		resp, err := client.Do(req)
		require.NoError(t, err, "request %d", i)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, req.URL.Path
	}
	for i := range 8 { // open the store's read connections before counting descriptors
		probe(i)
	}
	base := p.openFDs()

	ctx, cancel := context.WithCancel(context.Background())
	attack := slowloris(ctx, p.addr(), attackers, maxConns/4)
	defer func() {
		cancel()
		attack.Wait()
	}()
	var maxFDs int
	fds := func() {
		maxFDs = max(maxFDs, p.openFDs())
	}
	waitUntil(t, "roost holds as many connections as it may", func() bool {
		fds()
		return metric(t, metrics, "roost_http_connections_open") == maxConns &&
			metric(t, metrics, `roost_http_connections_shed_total{reason="refused"}`) > 0
	})
	full := time.Now()
	// A connection is slow, and may be closed to admit a new one, once it
	// has gone a second (the listener's slowAfter) without a header.
	waitUntil(t, "the held connections are slow", func() bool { fds(); return time.Since(full) > 1100*time.Millisecond })

	var worst time.Duration
	for i := range 20 {
		start := time.Now()
		status, path := probe(i)
		worst = max(worst, time.Since(start))
		assert.Equal(t, http.StatusOK, status, "request %d (%s) during the attack", i, path)
		fds()
	}
	t.Logf("20 requests during the attack: slowest %v; roost's fds: %d before, at most %d during", worst.Round(time.Millisecond), base, maxFDs)
	assert.Less(t, worst, time.Second, "answered promptly")
	// Beside the cap: a connection being refused or closed to make room,
	// and the metrics scrape.
	assert.LessOrEqual(t, maxFDs, base+maxConns+3, "open descriptors stay bounded by -max-conns")
	assert.Greater(t, metric(t, metrics, `roost_http_connections_shed_total{reason="slow"}`), 0.0)
}
