package main

import (
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
)

// TestServe_Postgres: roost serve -db postgres://... migrates the database,
// is ready, says which database it serves without its password, and a
// database it cannot reach stops it at start with an error naming where it
// tried, without the password either.
func TestServe_Postgres(t *testing.T) {
	const password = "s3cret-pw-77"
	url := strings.Replace(pgtest.NewDatabase(t), "://roost@", "://roost:"+password+"@", 1) // the test cluster trusts any password
	base, logs := startServe(t, nil, "-db", url, "-site", testSite, "-site-secret", testSecret, "-api-key", testKey)
	res, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "ready: the database answers")
	assert.Contains(t, logs.String(), `msg="database migrated"`)
	assert.Contains(t, logs.String(), "roost:xxxxx@127.0.0.1", "the start-up lines name the database")
	assert.NotContains(t, logs.String(), password, "and never its password")

	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port where no PostgreSQL answers
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	_, _, err = runRoost(t, nil, "serve", "-addr", "127.0.0.1:0", "-db", "postgres://roost:"+password+"@"+closed+"/roost?connect_timeout=2", "-runtime-dir", browsertest.FakeRuntime(t),
		"-site", testSite, "-site-secret", testSecret, "-api-key", testKey)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot connect")
	assert.Contains(t, err.Error(), closed, "it says where it tried")
	assert.NotContains(t, err.Error(), password)

	// libpq's key=value form is refused, not taken for a SQLite file's name.
	_, _, err = runRoost(t, nil, "serve", "-addr", "127.0.0.1:0", "-db", "host=127.0.0.1 port=5432 user=roost password="+password,
		"-runtime-dir", browsertest.FakeRuntime(t), "-site", testSite, "-site-secret", testSecret, "-api-key", testKey)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "write it as a URL")
	assert.NotContains(t, err.Error(), password)
}

// freezer is a TCP proxy to a PostgreSQL server that can stop forwarding,
// as a database that hangs or a network that partitions does.
type freezer struct {
	to   string
	ln   net.Listener
	gate sync.RWMutex // held for writing while frozen
}

// newFreezer proxies a new loopback port to the address to.
func newFreezer(t *testing.T, to string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &freezer{to: to, ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *freezer) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", f.to)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				f.gate.RLock() // waits while frozen
				_, werr := dst.Write(buf[:n])
				f.gate.RUnlock()
				if werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
}

// TestServe_PostgresHangs: while the database stops answering, polls,
// sends and /readyz are answered 503 within the write timeout, with a
// Retry-After and a message saying why, logged once; once it answers
// again, so does roost, with no restart.
func TestServe_PostgresHangs(t *testing.T) {
	url := pgtest.NewDatabase(t)
	importSeed(t, url)
	u, err := neturl.Parse(url)
	require.NoError(t, err)
	f := newFreezer(t, u.Host)
	u.Host = f.ln.Addr().String()
	base, logs := startServe(t, nil, "-db", u.String(), "-site", testSite, "-site-secret", testSecret, "-api-key", testKey,
		"-write-timeout", "2s")
	client := &http.Client{Timeout: 10 * time.Second} // a hung request fails the test, not the run
	send := func() (int, string, time.Duration) {
		start := time.Now()
		req, err := http.NewRequest(http.MethodPost, base+"/v1/send/inbox_message",
			strings.NewReader(`{"transactional_message_id":"order_shipped","identifiers":{"id":"user_123"},"message_data":{}}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Retry-After") + " " + string(body), time.Since(start)
	}
	status, _, _ := send()
	require.Equal(t, http.StatusOK, status, "the database answers")

	f.gate.Lock() // the database stops answering
	status, body, took := send()
	assert.Equal(t, http.StatusServiceUnavailable, status, body)
	assert.Contains(t, body, "5 ", "Retry-After")
	assert.Contains(t, body, "cannot reach its database")
	assert.Less(t, took, 4*time.Second, "answered within the write timeout")
	poll, err := http.NewRequest(http.MethodGet, base+"/v1/client/poll", nil)
	require.NoError(t, err)
	poll.Header.Set("X-Roost-Site", testSite)
	poll.Header.Set("X-Roost-User", "user_123")
	poll.Header.Set("X-Roost-Signature", server.SignIdentity(testSecret, "user_123"))
	start := time.Now()
	res, err := client.Do(poll)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "a poll too")
	assert.Less(t, time.Since(start), 4*time.Second)
	res, err = client.Get(base + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "not ready")
	assert.Equal(t, 1, strings.Count(logs.String(), "the database cannot be reached"), "logged once: %s", logs)
	f.gate.Unlock()

	require.Eventually(t, func() bool { status, _, _ := send(); return status == http.StatusOK }, 20*time.Second, 50*time.Millisecond,
		"roost serves again once the database answers")
}
