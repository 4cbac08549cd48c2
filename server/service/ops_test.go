package service_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
	"github.com/roostmsg/roost/server/service"
)

func TestHealthz(t *testing.T) {
	ts := startService(t, nil)
	status, body, h := ts.do(http.MethodGet, ts.base+"/healthz", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ok\n", body)
	assert.Equal(t, "no-store", h.Get("Cache-Control"))
}

// TestReadyz: ready while the store answers; 503 once it does not (here:
// it was closed under the running server).
func TestReadyz(t *testing.T) {
	ts := startService(t, nil)
	status, body, _ := ts.do(http.MethodGet, ts.base+"/readyz", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "ready\n", body)

	require.NoError(t, ts.svc.Close())
	status, body, _ = ts.do(http.MethodGet, ts.base+"/readyz", "")
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "the store does not answer")
	status, _, _ = ts.do(http.MethodGet, ts.base+"/healthz", "")
	assert.Equal(t, http.StatusOK, status, "the process still serves: healthy, not ready")
	assert.Contains(t, ts.logs.String(), "not ready")
}

// TestMetrics: after a send, a poll, a 304 poll and events, the counters
// that count them moved by one each.
func TestMetrics(t *testing.T) {
	ts := startService(t, nil)
	metrics := ts.base + "/metrics"
	requests := func(method, route, status string) string {
		return `roost_http_requests_total{method="` + method + `",route="` + route + `",status="` + status + `"}`
	}
	before := ts.scrape(metrics)
	moved := func(name string, by float64) {
		t.Helper()
		after := ts.scrape(metrics)
		assert.Equal(t, before[name]+by, after[name], name)
		before = after
	}

	status, id := ts.send("inbox_message", seedSend)
	require.Equal(t, http.StatusOK, status)
	after := ts.scrape(metrics)
	assert.Equal(t, before[`roost_sends_total{channel="inbox"}`]+1, after[`roost_sends_total{channel="inbox"}`])
	assert.Equal(t, before[requests("POST", "/v1/send/inbox_message", "200")]+1, after[requests("POST", "/v1/send/inbox_message", "200")])
	assert.Greater(t, after["roost_store_write_batch_size_count"], before["roost_store_write_batch_size_count"])
	assert.Greater(t, after[`roost_http_request_duration_seconds_count{route="/v1/send/inbox_message"}`], 0.0)
	assert.Equal(t, 1.0, after["roost_http_requests_in_flight"], "the scrape itself")
	before = after

	status, etag := ts.poll(testUser, "")
	require.Equal(t, http.StatusOK, status)
	after = ts.scrape(metrics)
	polls := func(m map[string]float64) float64 {
		return m[`roost_polls_total{source="cache"}`] + m[`roost_polls_total{source="store"}`]
	}
	assert.Equal(t, polls(before)+1, polls(after))
	assert.Equal(t, before[requests("GET", "/v1/client/poll", "200")]+1, after[requests("GET", "/v1/client/poll", "200")])
	before = after

	status, _ = ts.poll(testUser, etag)
	require.Equal(t, http.StatusNotModified, status)
	moved(requests("GET", "/v1/client/poll", "304"), 1)

	resp := ts.events(testUser, inbox.Event{ID: "e1", DeliveryID: id, Type: inbox.EventOpened},
		inbox.Event{ID: "e2", DeliveryID: "dlv_nonexistent", Type: inbox.EventOpened})
	assert.Equal(t, []string{"e1"}, resp.Acknowledged)
	after = ts.scrape(metrics)
	assert.Equal(t, before[`roost_events_total{outcome="applied"}`]+1, after[`roost_events_total{outcome="applied"}`])
	assert.Equal(t, before[`roost_events_total{outcome="rejected"}`]+1, after[`roost_events_total{outcome="rejected"}`])
	before = after

	ts.do(http.MethodGet, ts.base+"/no/such/route", "")
	moved(requests("GET", "other", "404"), 1)
	ts.do("BREW", ts.base+"/healthz", "")
	moved(requests("other", "other", "404"), 1) // a made-up method makes no label of its own
	assert.NotContains(t, strings.Join(mapKeys(before), "\n"), "BREW")

	ts.do(http.MethodGet, ts.base+"/v1/client/poll", "", "X-Roost-Site", testSite, "X-Roost-User", testUser, "X-Roost-Signature", "00")
	moved(`roost_client_refused_total{reason="signature",site="`+testSite+`"}`, 1)
	ts.do(http.MethodGet, ts.base+"/v1/client/poll", "", "X-Roost-Site", "nosuch", "X-Roost-User", testUser)
	moved(`roost_client_refused_total{reason="unknown_site",site=""}`, 1)
	var build string
	for name, v := range before {
		if strings.HasPrefix(name, "roost_build_info{") && v == 1 {
			build = name
		}
	}
	assert.Contains(t, build, `goversion="go1.`, "roost_build_info says which Go built it")
	assert.Contains(t, build, `runtime="`)
}

// TestMetrics_AuthThrottled: roost_auth_throttled_total counts, by side,
// the failed authentications answered 429, and the service passes
// -trusted-proxies on: with "none", a loopback peer's X-Forwarded-For is
// not read, so varying it does not escape the limit; by default it is.
func TestMetrics_AuthThrottled(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) { cfg.TrustedProxies = "none" })
	metrics := ts.base + "/metrics"
	before := ts.scrape(metrics)
	throttled := map[int]int{}
	for i := range httpapi.MaxKeyFailures + 3 {
		status, _, _ := ts.do(http.MethodGet, ts.base+"/v1/transactional", "", "Authorization", "Bearer wrong",
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		throttled[status]++
	}
	assert.Equal(t, map[int]int{http.StatusUnauthorized: httpapi.MaxKeyFailures, http.StatusTooManyRequests: 3}, throttled)
	for range httpapi.MaxSignatureFailures + 2 {
		ts.do(http.MethodGet, ts.base+"/v1/client/poll", "", "X-Roost-Site", testSite, "X-Roost-User", testUser, "X-Roost-Signature", "00")
	}
	after := ts.scrape(metrics)
	assert.Equal(t, before[`roost_auth_throttled_total{side="send"}`]+3, after[`roost_auth_throttled_total{side="send"}`])
	assert.Equal(t, before[`roost_auth_throttled_total{side="client"}`]+2, after[`roost_auth_throttled_total{side="client"}`])
	assert.Contains(t, ts.logs.String(), "throttling failed authentications")
	assert.NotContains(t, ts.logs.String(), "Bearer wrong")

	ts = startService(t, nil) // the default: a proxy on loopback is trusted
	for i := range httpapi.MaxKeyFailures + 3 {
		status, _, _ := ts.do(http.MethodGet, ts.base+"/v1/transactional", "", "Authorization", "Bearer wrong",
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		require.Equal(t, http.StatusUnauthorized, status, "each forwarded address is counted on its own")
	}
}

// TestMetrics_Queued: roost_queued_messages counts what polls would
// return: not drafts, not messages scheduled later.
func TestMetrics_Queued(t *testing.T) {
	ts := startService(t, nil)
	later := time.Now().Add(time.Hour).Unix()
	for _, body := range []string{
		seedSend,
		strings.Replace(seedSend, "user_123", "user_456", 1),
		strings.Replace(seedSend, `"identifiers"`, `"queue_draft":true,"identifiers"`, 1),
		strings.Replace(seedSend, `"identifiers"`, `"send_at":`+strconv.FormatInt(later, 10)+`,"identifiers"`, 1),
	} {
		status, _ := ts.send("inbox_message", body)
		require.Equal(t, http.StatusOK, status, body)
	}
	assert.Equal(t, 2.0, ts.scrape(ts.base + "/metrics")["roost_queued_messages"])
}

// TestMetrics_OwnAddr: -metrics-addr moves /metrics off the main listener.
func TestMetrics_OwnAddr(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) { cfg.MetricsAddr = "127.0.0.1:0" })
	require.NotEmpty(t, ts.metricsBase)
	status, _, _ := ts.do(http.MethodGet, ts.base+"/metrics", "")
	assert.Equal(t, http.StatusNotFound, status, "not on the main listener")
	ts.send("inbox_message", seedSend)
	assert.Equal(t, 1.0, ts.scrape(ts.metricsBase + "/metrics")[`roost_sends_total{channel="inbox"}`])
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/v1/client/poll": 404, "/anything": 404} {
		status, _, _ := ts.do(http.MethodGet, ts.metricsBase+path, "")
		assert.Equal(t, want, status, "the metrics listener: %s", path)
	}
	status, _, _ = ts.do(http.MethodPost, ts.metricsBase+"/metrics", "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

// TestRequestLog_NoSecrets: the debug log has a line per request and no
// API key, signature, site secret or query string, whatever the requests
// carry.
func TestRequestLog_NoSecrets(t *testing.T) {
	ts := startService(t, nil)
	sig := server.SignIdentity(testSecret, testUser)
	const wrongKey, wrongSig, query = "roost_wrong_key_71c3", "0123456789abcdef0123456789abcdef", "token=q-value-e4a2"
	auth := func(key string) []string {
		return []string{"Authorization", "Bearer " + key, "Content-Type", "application/json"}
	}
	client := func(s string) []string {
		return []string{"X-Roost-Site", testSite, "X-Roost-User", testUser, "X-Roost-Signature", s, "Content-Type", "application/json"}
	}
	status, body, _ := ts.do(http.MethodPost, ts.base+"/v1/send/inbox_message?"+query+"&key="+testKey, seedSend, auth(testKey)...)
	require.Equal(t, http.StatusOK, status, body)
	ts.do(http.MethodPost, ts.base+"/v1/send/inbox_message", seedSend, auth(wrongKey)...)
	ts.do(http.MethodPost, ts.base+"/v1/send/inbox_message", `{"transactional_message_id":`, auth(testKey)...)
	ts.do(http.MethodGet, ts.base+"/v1/client/poll?signature="+sig+"&"+query, "", client(sig)...)
	ts.do(http.MethodGet, ts.base+"/v1/client/poll", "", client(wrongSig)...)
	ts.do(http.MethodPost, ts.base+"/v1/client/events?"+query, `{"events":[]}`, client(sig)...)
	ts.do(http.MethodGet, ts.base+"/v1/deliveries/dlv_x?secret="+testSecret, "", auth(testKey)...)
	ts.do(http.MethodGet, ts.base+"/nowhere?"+query, "", auth(testKey)...)
	ts.do(http.MethodGet, ts.base+"/healthz?"+query, "")

	logs := ts.logs.String()
	assert.GreaterOrEqual(t, strings.Count(logs, "msg=request"), 9, logs)
	assert.Contains(t, logs, "route=/v1/send/inbox_message status=200")
	for _, secret := range []string{testKey, wrongKey, sig, wrongSig, testSecret, "token=", "q-value", "?"} {
		assert.NotContains(t, logs, secret)
	}
}

// mapKeys returns the keys of m.
func mapKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestServe_ShutdownTimeout: a request still running when the shutdown
// timeout ends has its connection closed, and Serve returns.
func TestServe_ShutdownTimeout(t *testing.T) {
	ts := startService(t, func(cfg *service.Config) { cfg.ShutdownTimeout = 50 * time.Millisecond })
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	ts.svc.Handle("GET /hang", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	}))
	failed := make(chan error, 1)
	go func() {
		resp, err := http.Get(ts.base + "/hang")
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	<-started
	require.NoError(t, ts.stop())
	assert.Error(t, <-failed, "the hung request's connection was closed")
	assert.Contains(t, ts.logs.String(), "requests still running at the shutdown timeout")
}

// TestServe_KeepAliveAtShutdown: a request sent on an idle keep-alive
// connection just after the shutdown began is answered, with
// Connection: close, rather than lost with the connection.
func TestServe_KeepAliveAtShutdown(t *testing.T) {
	ts := startService(t, nil)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(c)
	get := func() *http.Response {
		_, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: roost.test\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	require.Equal(t, http.StatusOK, get().StatusCode)

	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	for !strings.Contains(ts.logs.String(), "shutting down") {
		time.Sleep(time.Millisecond)
	}
	resp := get()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, resp.Close, "answered with Connection: close")
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "then closed")
	_, err = net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "no new connection is accepted")
	require.NoError(t, <-stopped)
}
