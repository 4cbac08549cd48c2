package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"

	"github.com/roostmsg/roost/server/sqlite"
)

// slowSend is a send whose body is written in two halves, so that it is
// in flight (its handler reading the body) until finish.
type slowSend struct {
	conn net.Conn
	body string
}

// startSlowSend connects to addr and writes the headers of a send and the
// first half of its body.
func startSlowSend(t *testing.T, addr string, n int) *slowSend {
	t.Helper()
	body := fmt.Sprintf(`{"transactional_message_id":"order_shipped","identifiers":{"id":"user_%d"},`+
		`"message_data":{"order_id":"ORD-%d","product_name":"Widget","tracking_url":"https://t.example/%d"}}`, n, n, n)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
	_, err = fmt.Fprintf(c, "POST /v1/send/inbox_message HTTP/1.1\r\nHost: roost.test\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", testKey, len(body), body[:len(body)/2])
	require.NoError(t, err)
	return &slowSend{conn: c, body: body}
}

// finish writes the rest of the body and returns the answer's status and
// delivery id.
func (s *slowSend) finish(t *testing.T) (int, string) {
	t.Helper()
	_, err := io.WriteString(s.conn, s.body[len(s.body)/2:])
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	var ok struct {
		DeliveryID string `json:"delivery_id"`
	}
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = json.Unmarshal(b, &ok)
	return resp.StatusCode, ok.DeliveryID
}

// TestSIGTERM_FinishesRequestsInFlight: on SIGTERM, roost stops accepting
// connections (a new one is refused, not answered 500), answers every
// request in flight, exits 0, and every send it acknowledged is stored.
func TestSIGTERM_FinishesRequestsInFlight(t *testing.T) {
	p := startRoost(t)
	const inFlight = 20
	sends := make([]*slowSend, inFlight)
	for i := range sends {
		sends[i] = startSlowSend(t, p.addr(), i)
	}
	waitUntil(t, "the sends are in flight", func() bool {
		return metric(t, p.base+"/metrics", "roost_http_requests_in_flight") >= inFlight
	})

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	term := time.Now()
	waitUntil(t, "roost is shutting down", func() bool { return strings.Contains(p.logs.String(), "shutting down") })
	waitUntil(t, "new connections are refused", func() bool {
		c, err := net.Dial("tcp", p.addr())
		if err == nil {
			c.Close() // accepted just before the listener closed
		}
		return isRefused(err)
	})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err := fresh.Get(p.base + "/healthz")
	assert.True(t, isRefused(err), "a request on a new connection after SIGTERM is refused: %v", err)

	var ids []string
	for i, s := range sends {
		status, id := s.finish(t)
		assert.Equal(t, http.StatusOK, status, "send %d in flight at SIGTERM", i)
		if status == http.StatusOK {
			ids = append(ids, id)
		}
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatalf("roost did not exit after its requests were answered:\n%s", p.logs)
	}
	t.Logf("roost exited %v after SIGTERM", time.Since(term).Round(time.Millisecond))
	assert.NoError(t, p.exitErr, "roost exits 0")
	logs := p.logs.String()
	assert.Contains(t, logs, "shut down")
	assert.NotContains(t, logs, "level=ERROR")
	for _, secret := range []string{testKey, testSecret} {
		assert.NotContains(t, logs, secret)
	}

	db, err := sqlite.Open(p.db)
	require.NoError(t, err)
	defer db.Close()
	require.Len(t, ids, inFlight)
	for _, id := range ids {
		_, err := db.FindDelivery(context.Background(), id)
		assert.NoError(t, err, "acknowledged delivery %s", id)
	}
}

// TestSIGTERM_Twice: a second signal stops roost at once, without
// waiting for the requests in flight.
func TestSIGTERM_Twice(t *testing.T) {
	p := startRoost(t)
	startSlowSend(t, p.addr(), 1)
	waitUntil(t, "the send is in flight", func() bool {
		return metric(t, p.base+"/metrics", "roost_http_requests_in_flight") >= 1
	})
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	waitUntil(t, "roost is shutting down", func() bool { return strings.Contains(p.logs.String(), "shutting down") })
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("roost did not stop at the second SIGTERM")
	}
	assert.Error(t, p.exitErr, "killed by the signal, not a clean exit")
}

// TestSIGHUP_DoesNotStopRoost: SIGHUP (systemctl reload, a closed
// terminal) is not a stop: roost keeps serving and says how to apply new
// settings.
func TestSIGHUP_DoesNotStopRoost(t *testing.T) {
	p := startRoost(t)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGHUP))
	waitUntil(t, "the log says SIGHUP is ignored", func() bool { return strings.Contains(p.logs.String(), "SIGHUP ignored") })
	resp, err := http.Get(p.base + "/healthz")
	require.NoError(t, err, "still serving")
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	select {
	case <-p.exited:
		t.Fatalf("roost exited on SIGHUP: %v", p.exitErr)
	default:
	}
}

// TestServe_JSONLogHasTheFatalError: a failure after the logger exists
// (here the address is taken) is a JSON line too, and the exit status 2.
func TestServe_JSONLogHasTheFatalError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	cmd := exec.Command(roostBinary(t), "serve", "-addr", busy.Addr().String(), "-db", filepath.Join(t.TempDir(), "roost.db"),
		"-runtime-dir", browsertest.FakeRuntime(t), "-site", testSite, "-site-secret", testSecret, "-api-key", testKey, "-log-format", "json")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	last := strings.TrimSpace(string(out))
	last = last[strings.LastIndex(last, "\n")+1:]
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(last), &line), "the last line is JSON: %s", out)
	assert.Equal(t, "ERROR", line["level"])
	assert.Contains(t, line["err"], "address already in use")
}
