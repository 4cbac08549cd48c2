package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inboxShown is what the page's own inbox view (window.shopInbox) holds:
// each message's delivery id, with "+" when it is opened, sorted.
const inboxShown = `window.shopInbox.messages().then(ms => ms.map(m => m.deliveryId + (m.opened ? "+" : "")).sort().join(","))`

// listShown is what the page's inbox list shows, in the same form.
const listShown = `[...document.querySelectorAll("#inbox-list li")].map(li => li.dataset.deliveryId + (li.classList.contains("unread") ? "" : "+")).sort().join(",")`

// storedOutboxOf returns the events of the deliveries that user_123's stored
// event outbox (IndexedDB "roost", "kv", "outbox/user_123") still holds: the
// events the runtime has yet to see acknowledged.
func storedOutboxOf(ids ...string) string {
	quoted, _ := json.Marshal(ids)
	return `new Promise(done => {
		const open = indexedDB.open("roost");
		open.onerror = () => done(["cannot open IndexedDB: " + open.error]);
		open.onsuccess = () => {
			const db = open.result;
			if (!db.objectStoreNames.contains("kv")) { db.close(); return done([]); }
			const get = db.transaction("kv").objectStore("kv").get("outbox/user_123");
			get.onerror = () => { db.close(); done(["cannot read the outbox: " + get.error]); };
			get.onsuccess = () => {
				db.close();
				const events = get.result ? JSON.parse(get.result).events || [] : [];
				done(events.filter(e => ` + string(quoted) + `.includes(e.delivery_id)).map(e => e.type + " " + e.delivery_id + " " + e.id));
			};
		};
	})`
}

// TestEventsMadeWhileTheServerIsStoppedArriveOnceAfterItRestarts: with the
// message server stopped (every /v1/ request fails on the network), page JS
// marks one message opened, deletes another and tracks a click on a third.
// The page shows the changes at once, and again after a reload during the
// outage. Once the server runs again, on the same database, it has applied
// each event exactly once, and the page shows what the server has.
func TestEventsMadeWhileTheServerIsStoppedArriveOnceAfterItRestarts(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	opened := s.sendInbox(t, seedSend)
	deleted := s.sendInbox(t, replySend)
	clicked := s.sendInbox(t, strings.Replace(seedSend, "ORD-5678", "ORD-9012", 1))
	ours := []string{opened, deleted, clicked}
	openShop(t, ctx, s.URL+headlessPage, 3)
	waitForRuntime(t, ctx)
	before := strings.Join(slices.Sorted(slices.Values(ours)), ",")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](inboxShown, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, before, got)

	s.stopServer(t)
	stoppedAt := time.Now()
	// The page's fetch of /v1/ fails on the network; the site still answers.
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Promise.all(["/v1/client/poll", "/api/session"].map(path =>
		fetch(path, {cache: "no-store"}).then(res => path + " " + res.status, err => path + " " + err.name)))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, []string{"/v1/client/poll TypeError", "/api/session 200"}, fetched)

	// Page JS makes its changes; each promise resolves with the server down.
	done, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
		const ms = await analytics.inbox().messages();
		const by = id => ms.find(m => m.deliveryId === id);
		const done = [];
		await by(`+jsString(opened)+`).markOpened(); done.push("opened");
		await by(`+jsString(deleted)+`).markDeleted(); done.push("deleted");
		await by(`+jsString(clicked)+`).trackClick("track"); done.push("clicked");
		return done;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "the marks and the click resolve while the server is stopped")
	assert.Equal(t, []string{"opened", "deleted", "clicked"}, done)

	// The page's view shows them at once: opened, gone, unchanged.
	want := strings.Join(slices.Sorted(slices.Values([]string{opened + "+", clicked})), ",")
	got, err = chromedp.Run(ctx, chromedp.Evaluate[string](inboxShown, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, want, got, "the view shows the changes while the server is stopped")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](listShown+` === `+jsString(want), chromedp.WithPollingTimeout(20*time.Second)))
	assert.NoError(t, err, "the page's list shows the changes while the server is stopped")

	// The runtime tried to send them, and got no answer.
	require.Eventually(t, func() bool {
		statuses, _ := s.postsOf("opened", opened)
		return slices.Contains(statuses, statusDropped)
	}, 20*time.Second, 10*time.Millisecond, "the runtime tried to send the open to the stopped server")

	// The page reloads while the server is still stopped.
	s.mu.Lock()
	workerLoads := len(s.assets["/roost/roost-worker.js"])
	s.mu.Unlock()
	_, err = chromedp.Run(ctx, chromedp.Reload())
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!!window.shopInbox`, chromedp.WithPollingTimeout(20*time.Second)))
	require.NoError(t, err)

	// RELOAD-DURING-OUTAGE: after the reload, with the server still stopped,
	// the page still shows the changes it made before (from what the runtime
	// kept), not the inbox as it was before them, nor an empty one.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](inboxShown+`.then(got => got === `+jsString(want)+` && `+listShown+` === `+jsString(want)+`)`, chromedp.WithPollingTimeout(20*time.Second)))
	if !assert.NoError(t, err, "RELOAD-DURING-OUTAGE: after a reload with the server stopped, the page shows its changes (want %s: %s opened, %s deleted, %s as it was)",
		want, opened, deleted, clicked) {
		view := evalWithin[string](ctx, inboxShown, 2*time.Second)
		list := evalWithin[string](ctx, listShown, 2*time.Second)
		empty := evalWithin[bool](ctx, `!document.getElementById("inbox-empty").hidden`, 2*time.Second)
		t.Logf("RELOAD-DURING-OUTAGE: after the reload the page's view had %q, its list %q, \"No messages yet.\" shown: %v", view, list, empty)
	}
	s.mu.Lock()
	t.Logf("the reload started a new runtime worker: %v", len(s.assets["/roost/roost-worker.js"]) > workerLoads)
	s.mu.Unlock()

	// The server starts again, on the same database, and gets the events.
	s.startServer(t)
	startedAt := time.Now()
	require.Eventually(t, func() bool {
		o, d, c := s.delivery(t, opened), s.delivery(t, deleted), s.delivery(t, clicked)
		return o["opened"] == true && d["deleted"] == true && len(c["clicks"].([]any)) > 0
	}, 20*time.Second, 100*time.Millisecond, "the restarted server gets the open, the deletion and the click") // 30 API calls a second: under the send-side rate limit
	arrived := time.Since(startedAt)

	// Wait until the runtime has nothing of these messages left to send, so
	// no event of theirs can still come. (Were the outbox kept under another
	// key, this would not wait.)
	left, err := chromedp.Run(ctx, chromedp.Poll[[]string](storedOutboxOf(ours...)+`.then(l => l.length === 0 ? l : false)`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		left = evalWithin[[]string](ctx, storedOutboxOf(ours...), 2*time.Second)
	}
	require.NoError(t, err, "the page's stored outbox still holds events of these messages: %v", left)

	// Exactly once, as the server's state says...
	o, d, c := s.delivery(t, opened), s.delivery(t, deleted), s.delivery(t, clicked)
	assert.Equal(t, true, o["opened"])
	assert.Equal(t, false, o["deleted"])
	assert.Equal(t, []any{}, o["clicks"])
	openedAt := time.Unix(int64(o["opened_at"].(float64)), 0)
	assert.WithinDuration(t, stoppedAt, openedAt, 3*time.Second, "opened when the page marked it, during the outage")
	assert.Equal(t, true, d["deleted"])
	assert.Equal(t, false, d["opened"])
	assert.Equal(t, []any{}, d["clicks"])
	assert.Equal(t, []any{"track"}, c["clicks"], "the click counted once")
	assert.Equal(t, false, c["opened"])
	assert.Equal(t, false, c["deleted"])

	// ... and as its events table says: one event of each kind, each made
	// during the outage, no id applied twice.
	applied := appliedEvents(t, s, ours)
	count := map[string]int{}
	for _, e := range applied {
		if e.typ == "delivered" {
			continue // an inbox message's delivered events are the runtime's business
		}
		count[e.typ+" "+e.delivery]++
		at := time.UnixMilli(e.atMs)
		assert.False(t, at.Before(stoppedAt.Add(-time.Second)) || at.After(startedAt.Add(time.Second)),
			"%s %s happened at %v, not during the outage (%v to %v)", e.typ, e.delivery, at, stoppedAt, startedAt)
	}
	assert.Equal(t, map[string]int{"opened " + opened: 1, "deleted " + deleted: 1, "clicked " + clicked: 1}, count,
		"each event applied exactly once")
	ids := map[string]int{}
	for _, e := range applied {
		ids[e.id]++
	}
	for id, n := range ids {
		assert.Equal(t, 1, n, "event id %s applied %d times", id, n)
	}

	// What the browser sent, for the log: every post of these events, by id.
	var attempts []string
	for _, typ := range []string{"opened", "deleted", "clicked"} {
		for _, id := range ours {
			if statuses, eventIDs := s.postsOf(typ, id); len(statuses) > 0 {
				attempts = append(attempts, typ+" "+id+": posts answered "+statusList(statuses)+", event ids "+idCounts(eventIDs))
			}
		}
	}
	t.Logf("outage %v; the restarted server had every event %v after it started\n%s",
		startedAt.Sub(stoppedAt).Round(time.Millisecond), arrived.Round(time.Millisecond), strings.Join(attempts, "\n"))

	// The page shows what the server has.
	var serverView []string
	for _, id := range ours {
		st := s.delivery(t, id)
		if st["deleted"] == true {
			continue
		}
		if st["opened"] == true {
			id += "+"
		}
		serverView = append(serverView, id)
	}
	slices.Sort(serverView)
	wantNow := strings.Join(serverView, ",")
	assert.Equal(t, want, wantNow, "the server has what the page made")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](inboxShown+`.then(got => got === `+jsString(wantNow)+` && `+listShown+` === `+jsString(wantNow)+`)`, chromedp.WithPollingTimeout(20*time.Second)))
	if !assert.NoError(t, err, "the page shows the server's state after the restart: %s", wantNow) {
		t.Logf("the page's view had %q, its list %q", evalWithin[string](ctx, inboxShown, 2*time.Second), evalWithin[string](ctx, listShown, 2*time.Second))
	}
	unopened, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.shopInbox.totalUnopened()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 1, unopened)
}

// appliedEvent is one row of the server's events table.
type appliedEvent struct {
	id, delivery, typ string
	atMs              int64
}

// appliedEvents reads the events the server applied to the deliveries, from
// its database file, read-only.
func appliedEvents(t *testing.T, s *testSite, deliveries []string) []appliedEvent {
	t.Helper()
	db, err := sql.Open("sqlite", s.dbPath()+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	require.NoError(t, err)
	defer db.Close()
	args := make([]any, len(deliveries))
	for i, id := range deliveries {
		args[i] = id
	}
	rows, err := db.Query(`SELECT id, delivery_id, type, at FROM events WHERE delivery_id IN (?`+strings.Repeat(", ?", len(deliveries)-1)+`) ORDER BY at`, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []appliedEvent
	for rows.Next() {
		var e appliedEvent
		require.NoError(t, rows.Scan(&e.id, &e.delivery, &e.typ, &e.atMs))
		out = append(out, e)
	}
	require.NoError(t, rows.Err())
	return out
}

// evalWithin evaluates expression in the page, awaiting a promise for at
// most d; it returns the zero value when that fails.
func evalWithin[T any](ctx context.Context, expression string, d time.Duration) T {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	return v
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func statusList(statuses []int) string {
	var parts []string
	for _, st := range statuses {
		if st == statusDropped {
			parts = append(parts, "none")
		} else {
			parts = append(parts, http.StatusText(st))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func idCounts(ids map[string]int) string {
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		parts = append(parts, id+"×"+strconv.Itoa(ids[id]))
	}
	return strings.Join(parts, " ")
}
