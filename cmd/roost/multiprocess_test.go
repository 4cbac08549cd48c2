package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/internal/pgtest"
	"github.com/roostmsg/roost/server"
)

// pollRoute is the route of a poll in a request log line.
const pollRoute = `method=GET route=/v1/client/poll `

// eventsRoute is the route of an events post in a request log line.
const eventsRoute = `method=POST route=/v1/client/events `

// TestSeveralProcessesOnePostgres runs three roost processes on one
// PostgreSQL database, as behind a load balancer: sends spread over them,
// two browsers (two Chromium profiles of one person) whose runtimes stream
// from different processes, an in-app message shown in exactly one of them, an
// inbox mark made through one process seen through another, and kill -9
// of one process under load losing no acknowledged send.
func TestSeveralProcessesOnePostgres(t *testing.T) {
	db := pgtest.NewDatabase(t)
	importSeed(t, db)
	shopA, shopB := newShop(t), newShop(t)
	runtime := browsertest.Runtime(t)
	procs := make([]*proc, 3)
	for i := range procs {
		procs[i] = startRoostOn(t, db, "-runtime-dir", runtime, "-site", testSite+"="+shopA.URL+","+shopB.URL,
			"-tier-active", "200ms", "-tier-inactive", "400ms", "-tier-low", "800ms")
	}
	// Each process's first round of background work came at its start:
	// one of them did it, the others found it done.
	var ran, skipped float64
	require.Eventually(t, func() bool {
		ran, skipped = 0, 0
		for _, p := range procs {
			ran += metric(t, p.base+"/metrics", `roost_maintenance_rounds_total{result="ran"}`)
			skipped += metric(t, p.base+"/metrics", `roost_maintenance_rounds_total{result="skipped"}`)
		}
		return ran+skipped >= 3
	}, 20*time.Second, 20*time.Millisecond, "each process tried its first round")
	assert.Equal(t, 1.0, ran, "one round of background work between the three")
	assert.Equal(t, 2.0, skipped)

	// The page's origin (127.0.0.1) and the runtime's (localhost) are
	// different sites: the runtime runs in its frame, as on a real site.
	shopA.serve(t, "http://localhost:"+port(procs[0])+"/roost/roost.js")
	shopB.serve(t, "http://localhost:"+port(procs[1])+"/roost/roost.js")
	a := openShopTab(t, browsertest.NewBrowser(t), shopA.URL+"/")
	b := openShopTab(t, browsertest.NewBrowser(t), shopB.URL+"/")

	// Inbox messages sent through each of the three processes reach both browsers.
	var ids []string
	for i, p := range procs {
		ids = append(ids, send(t, p, "inbox_message", "order_shipped", fmt.Sprintf(`{"order_id":"ORD-%d"}`, i)))
	}
	all := strings.Join(ids, ",")
	waitInbox(t, a, all)
	waitInbox(t, b, all)

	// A mark made in browser a, through process 0, shows in browser b, which polls process 1.
	_, err := chromedp.Run(a, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms.find(m => m.deliveryId === `+
		strconv.Quote(ids[2])+`).markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	opened := strings.Join([]string{ids[0], ids[1], ids[2] + "+"}, ",")
	waitInbox(t, b, opened)
	waitInbox(t, a, opened)
	assert.Equal(t, true, delivery(t, procs[2], ids[2])["opened"], "process 2 reads the mark too")

	// An in-app message sent through process 2 is shown in exactly one browser.
	// Each runtime gets two answers from its process after the send, polled
	// or pushed on its stream (the send and the claim, made through other
	// processes, reach its stream by NOTIFY), and posts its claim: the one
	// that lost the claim has had every chance to show it.
	answers := func(p *proc) float64 {
		return float64(strings.Count(p.logs.String(), pollRoute)) + metric(t, p.base+"/metrics", "roost_stream_answers_total")
	}
	posts := func(p *proc) int { return strings.Count(p.logs.String(), eventsRoute) }
	answersBefore := []float64{answers(procs[0]), answers(procs[1])}
	postsBefore := []int{posts(procs[0]), posts(procs[1])}
	inApp := send(t, procs[2], "in_app", "welcome_offer", `{}`)
	require.Eventually(t, func() bool { return delivery(t, procs[0], inApp)["delivered"] == true }, 20*time.Second, 20*time.Millisecond,
		"a browser claimed it")
	require.Eventually(t, func() bool {
		return answers(procs[0]) >= answersBefore[0]+2 && answers(procs[1]) >= answersBefore[1]+2 &&
			posts(procs[0]) > postsBefore[0] && posts(procs[1]) > postsBefore[1]
	}, 20*time.Second, 20*time.Millisecond, "both runtimes got the message and its claim, and claimed it")
	var shownA, shownB []string
	assert.Eventually(t, func() bool {
		shownA, shownB = inAppShown(t, a), inAppShown(t, b)
		return len(shownA)+len(shownB) > 0
	}, 10*time.Second, 20*time.Millisecond, "the browser that claimed it shows it")
	assert.Equal(t, 1, len(shownA)+len(shownB), "shown in exactly one browser: a %v, b %v", shownA, shownB)
	for _, shown := range append(shownA, shownB...) {
		assert.Equal(t, inApp, shown)
	}

	// A poll that starts after a send's 200 returns the message, whatever
	// process each goes through, though the polling one cached the
	// person's answer just before.
	stale := 0
	const rounds = 30
	for i := range rounds {
		sender, poller := procs[i%3], procs[(i+1)%3]
		clientPoll(t, poller, "rw_user") // caches the answer before the send
		status, out := browsertest.API(t, sender.base, testKey, "POST", "/v1/send/inbox_message",
			`{"transactional_message_id":"order_shipped","identifiers":{"id":"rw_user"},"message_data":{"order_id":"RW"}}`)
		require.Equal(t, http.StatusOK, status, "%v", out)
		if !strings.Contains(clientPoll(t, poller, "rw_user"), out["delivery_id"].(string)) {
			stale++
		}
	}
	assert.Zero(t, stale, "stale polls across processes, of %d", rounds)

	// kill -9 of one process while sends go to all three: every send
	// answered 200 is in the database.
	acked := sendUnderLoad(t, procs, func() { require.NoError(t, procs[2].cmd.Process.Signal(syscall.SIGKILL)) })
	require.NotEmpty(t, acked)
	for _, id := range acked {
		status, _ := browsertest.API(t, procs[1].base, testKey, "GET", "/v1/deliveries/"+id, "")
		require.Equal(t, http.StatusOK, status, "acknowledged send %s is stored", id)
	}
	t.Logf("%d sends acknowledged around the kill -9, every one stored", len(acked))
}

// clientPoll polls p as the browser of person does and returns the body.
func clientPoll(t *testing.T, p *proc, person string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.base+"/v1/client/poll", nil)
	require.NoError(t, err)
	req.Header.Set("X-Roost-Site", testSite)
	req.Header.Set("X-Roost-User", person)
	req.Header.Set("X-Roost-Signature", server.SignIdentity(testSecret, person))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	return string(body)
}

// sendUnderLoad sends inbox messages from 6 goroutines, spread over procs,
// calls kill once some have been acknowledged, goes on for a while, and
// returns the ids of the acknowledged sends. A send to the killed process
// may fail: that is not an acknowledgement.
func sendUnderLoad(t *testing.T, procs []*proc, kill func()) []string {
	t.Helper()
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 5 * time.Second}
	for g := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := procs[(g+i)%len(procs)]
				body := `{"transactional_message_id":"order_shipped","identifiers":{"id":"load_` + strconv.Itoa(g) + `"},"message_data":{"order_id":"L"}}`
				req, _ := http.NewRequest("POST", p.base+"/v1/send/inbox_message", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+testKey)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					id := jsonString(raw, "delivery_id")
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	require.Eventually(t, func() bool { return count() >= 50 }, 30*time.Second, 5*time.Millisecond, "sends are acknowledged")
	kill()
	n := count()
	require.Eventually(t, func() bool { return count() >= n+100 }, 30*time.Second, 5*time.Millisecond, "the other processes go on")
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return acked
}

// jsonString returns the string member name of the JSON object raw, or "".
func jsonString(raw []byte, name string) string {
	_, rest, ok := strings.Cut(string(raw), `"`+name+`":"`)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

// port returns the port p's main listener is on.
func port(p *proc) string {
	_, port, _ := net.SplitHostPort(p.addr())
	return port
}

// send sends the template trigger to user_123 through p on channel
// ("inbox_message" or "in_app") and returns the delivery id.
func send(t *testing.T, p *proc, channel, trigger, data string) string {
	t.Helper()
	status, out := browsertest.API(t, p.base, testKey, "POST", "/v1/send/"+channel,
		`{"transactional_message_id":"`+trigger+`","identifiers":{"id":"user_123"},"message_data":`+data+`}`)
	require.Equal(t, http.StatusOK, status, "%v", out)
	return out["delivery_id"].(string)
}

// delivery returns the delivery id as p's API reports it.
func delivery(t *testing.T, p *proc, id string) map[string]any {
	t.Helper()
	status, out := browsertest.API(t, p.base, testKey, "GET", "/v1/deliveries/"+id, "")
	require.Equal(t, http.StatusOK, status, "%v", out)
	return out
}

// shopPage is a site's page on its own origin (http://127.0.0.1:<port>).
type shopPage struct {
	URL string
	ln  net.Listener
}

// newShop takes a free port for a shop's page, served once serve is called.
func newShop(t *testing.T) *shopPage {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return &shopPage{URL: "http://" + ln.Addr().String(), ln: ln}
}

// serve serves the shop's page at /, embedding the runtime from src.
func (s *shopPage) serve(t *testing.T, src string) {
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script src="` + src + `" data-site-id="` + testSite + `"></script>
</head><body><h1>Shop</h1><ul id="inbox"></ul></body></html>`
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	})}
	go hs.Serve(s.ln)
	t.Cleanup(func() { hs.Close() })
}

// shopScript identifies user_123 with the signature the shop's backend
// would give, lists the inbox's messages in #inbox (each li's data-id,
// class "unread" until opened) and records the in-app messages the
// runtime's presenter opens in window.__inAppShown.
func shopScript() string {
	return fmt.Sprintf(`(() => {
	if (window.top !== window) return;
	window.__inAppShown = [];
	document.addEventListener("DOMContentLoaded", () => {
		analytics.on("in-app:message-opened", m => window.__inAppShown.push(m.deliveryId));
		analytics.identify("user_123", {}, {signature: %q});
		window.shopInbox = analytics.inbox();
		window.shopInbox.onUpdates(ms => {
			document.getElementById("inbox").replaceChildren(...ms.map(m => {
				const li = document.createElement("li");
				li.dataset.id = m.deliveryId;
				if (!m.opened) li.className = "unread";
				return li;
			}));
		});
	});
})()`, server.SignIdentity(testSecret, "user_123"))
}

// openShopTab opens the first tab of browser with shopScript and loads url.
func openShopTab(t *testing.T, browser context.Context, url string) context.Context {
	t.Helper()
	_, err := chromedp.Call(browser, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: shopScript()})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(browser, chromedp.Navigate(url)))
	return browser
}

// shownInbox is the page's #inbox as a string: the delivery ids in order,
// each followed by "+" once opened; want is compared sorted.
const shownInbox = `[...document.querySelectorAll("#inbox li")].map(li => li.dataset.id + (li.className ? "" : "+")).sort().join(",")`

// waitInbox waits until the page's inbox shows want (shownInbox's form, sorted).
func waitInbox(t *testing.T, tab context.Context, want string) {
	t.Helper()
	parts := strings.Split(want, ",")
	slices.Sort(parts)
	want = strings.Join(parts, ",")
	_, err := chromedp.Run(tab, chromedp.Poll[bool](shownInbox+` === `+strconv.Quote(want), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](shownInbox))
		require.NoError(t, err, "the page shows %q; it shows %q", want, got)
	}
}

// inAppShown returns the ids of the in-app messages the page showed.
func inAppShown(t *testing.T, tab context.Context) []string {
	t.Helper()
	shown, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__inAppShown`))
	require.NoError(t, err)
	return shown
}
