package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const replySend = `{"transactional_message_id":"comment_reply","identifiers":{"id":"user_123"},"message_data":{"author_name":"Grace","reply_excerpt":"Nice one","post_title":"Widgets","post_url":"https://shop.example.com/p/1"}}`

// sendInbox sends an inbox message and returns its delivery id.
func (s *testSite) sendInbox(t *testing.T, body string) string {
	t.Helper()
	return s.send(t, "/v1/send/inbox_message", body)
}

// send posts a send request to path and returns the delivery id.
func (s *testSite) send(t *testing.T, path, body string) string {
	t.Helper()
	status, res := s.api(t, "POST", path, "test-key", body)
	require.Equal(t, http.StatusOK, status, res)
	id, _ := res["delivery_id"].(string)
	require.NotEmpty(t, id)
	return id
}

// openPage loads the example site and waits until its session is identified
// and its inbox has had the runtime's first answer.
func openPage(t *testing.T, ctx context.Context, s *testSite) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopSession.then(() => window.shopInbox.total()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, ok)
}

// TestAPIWrongArgumentsThrowTypeErrors: page JS that passes wrong arguments
// gets a TypeError at once, and the page goes on working.
func TestAPIWrongArgumentsThrowTypeErrors(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	openPage(t, ctx, s)

	thrown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const calls = {
			"inbox(5)": () => analytics.inbox(5),
			"inbox(topic, 5)": () => analytics.inbox("orders", 5),
			"inbox(null)": () => analytics.inbox(null),
			"inbox({topics:[1]})": () => analytics.inbox({topics: [1]}),
			"inbox({types:{}})": () => analytics.inbox({types: {}}),
			"inbox({topic})": () => analytics.inbox({topic: "orders"}),
			"on(name, string)": () => analytics.on("inbox:updated", "nope"),
			"on(5, fn)": () => analytics.on(5, () => {}),
			"off(name, null)": () => analytics.off("inbox:updated", null),
			"onUpdates(42)": () => window.shopInbox.onUpdates(42),
			"identify()": () => analytics.identify(),
			"identify(id, string)": () => analytics.identify("user_123", "sig"),
			"identify(id, [])": () => analytics.identify("user_123", []),
			"identify(id, {}, null)": () => analytics.identify("user_123", {}, null),
			"identify(id, {}, {signature: 5})": () => analytics.identify("user_123", {}, {signature: 5}),
		};
		return Object.keys(calls).map(name => {
			try { calls[name](); return name + ": no error"; }
			catch (e) { return name + ": " + (e instanceof TypeError ? "TypeError" : "not a TypeError: " + e) + (e.message ? "" : " without a message"); }
		});
	})()`))
	require.NoError(t, err)
	for _, got := range thrown {
		assert.Regexp(t, `: TypeError$`, got)
	}
	assert.Len(t, thrown, 15)

	// The page still works: a message arrives, in the page's list and in a new view.
	order := s.sendInbox(t, seedSend)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`(document.querySelector("#inbox-list .title") || {}).textContent === "Order #ORD-5678 has shipped!"`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`analytics.inbox("orders").messages().then(ms => ms.map(m => m.messageId))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, []string{order}, ids)

	// trackClick takes a string action or none.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.shopInbox.messages().then(ms => {
		try { ms[0].trackClick(7); return "no error"; } catch (e) { if (!(e instanceof TypeError)) return "not a TypeError: " + e; }
		return ms[0].trackClick("buy").then(() => ms[0].trackClick()).then(() => "ok");
	})`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, "ok", got)

	// In-app messages: shown by Roost's presenter, then an action and a
	// dismissal made by page code, each an event. The action's payload has
	// its url (the seed's "shop" action goes to "/").
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.inApp = [];
		analytics.on("in-app:message-opened", m => { window.lastInApp = m; });
		for (const name of ["in-app:message-opened", "in-app:message-dismissed", "in-app:message-action"]) {
			// Customer.io's payloads: messageId and deliveryId at the top, the message (with dismiss()) as "message".
			analytics.on(name, e => window.inApp.push(name + " " + e.messageId + (e.actionName ? " " + e.actionName + " " + e.action : "") +
				(e.deliveryId === e.messageId && e.message.messageId === e.messageId && typeof e.message.dismiss === "function" ? "" : " (not Customer.io's shape)")));
		}
		return true;
	})()`))
	require.NoError(t, err)
	welcome := s.sendInApp(t, welcomeSend)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.inApp.length > 0`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	events, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const m = window.lastInApp;
		try { m.trackClick(1); return ["no TypeError"]; } catch (e) { if (!(e instanceof TypeError)) return ["not a TypeError: " + e]; }
		return m.trackClick("shop").then(() => m.dismiss()).then(() => window.inApp);
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"in-app:message-opened " + welcome,
		"in-app:message-action " + welcome + " shop /",
		"in-app:message-dismissed " + welcome,
	}, events)
	presented, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](presentedJS))
	require.NoError(t, err)
	assert.Empty(t, presented, "dismiss() from page code takes the presenter's message away")
	require.Eventually(t, func() bool { return s.delivery(t, welcome)["dismissed"] == true }, 10*time.Second, 20*time.Millisecond)
}

// TestAPIUpdatesListenersAndFilters: onUpdates fires once per change of its
// view's list, with the list, until unsubscribed; a throwing listener does
// not stop the others; markOpened fires inbox:message-opened; topic and type
// filters pick the seed templates order_shipped (orders) and comment_reply
// (social, type reply). A message shows its expiresAt until the page marks it
// (it is then delivered and kept): the mark is one change, and the server's
// confirmation later is none.
func TestAPIUpdatesListenersAndFilters(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	openPage(t, ctx, s)

	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.errors = [];
		const consoleError = console.error;
		console.error = (...args) => { window.errors.push(args.map(String).join(" ")); consoleError.apply(console, args); };
		window.updated = [];
		window.opened = [];
		analytics.on("inbox:updated", () => { throw new Error("boom"); });
		analytics.on("inbox:updated", e => window.updated.push(e));
		analytics.on("inbox:message-opened", m => window.opened.push(m.messageId));
		window.views = {all: analytics.inbox(), orders: analytics.inbox("orders"), social: analytics.inbox("social"), replies: analytics.inbox({types: ["reply"]})};
		window.seen = {};
		window.unsubscribe = {};
		for (const [name, view] of Object.entries(window.views)) {
			window.seen[name] = [];
			view.onUpdates(() => { throw new Error("boom"); });
			window.unsubscribe[name] = view.onUpdates(ms => window.seen[name].push(ms.map(m => m.messageId + (m.opened ? "+" : "") + (m.expiresAt ? "~" : "")).join(",")));
		}
		return Promise.all(Object.values(window.views).map(v => v.total())).then(() => true);
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, ok)

	order := s.sendInbox(t, seedSend)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.seen.all.length === 2 && window.seen.orders.length === 2`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	reply := s.sendInbox(t, replySend)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.seen.all.length === 3 && window.seen.social.length === 2 && window.seen.replies.length === 2`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)

	// The filters.
	lists, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](`(async () => {
		const out = {};
		for (const [name, view] of Object.entries(window.views)) out[name] = (await view.messages()).map(m => m.messageId);
		return out;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"all": {reply, order}, "orders": {order}, "social": {reply}, "replies": {reply},
	}, lists)

	// "orders" unsubscribes; the order is marked opened. The reply comes
	// after the snapshots the change caused, so every update is in by then.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		window.unsubscribe.orders();
		const ms = await window.views.orders.messages();
		await ms[0].markOpened();
		return window.views.orders.totalUnopened();
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Zero(t, n)

	seen, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](`window.seen`))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"all":     {"", order + "~", reply + "~," + order + "~", reply + "~," + order + "+"},
		"orders":  {"", order + "~"}, // unsubscribed before the order was opened
		"social":  {"", reply + "~"}, // not told of the order's arrival or opening
		"replies": {"", reply + "~"},
	}, seen, "each view's callbacks fire once per change of its list, with the list")
	opened, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.opened`))
	require.NoError(t, err)
	assert.Equal(t, []string{order}, opened)

	// inbox:updated: once per change of any view's list, despite the listener
	// before it that throws: the four views above and the page's own
	// (orders and social, its first list before the listener: 3 changes).
	updated, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.updated.length`))
	require.NoError(t, err)
	const views = 4 + 3 + 2 + 2
	assert.Equal(t, views+3, updated)
	errors, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.errors`))
	require.NoError(t, err)
	assert.Len(t, errors, views+views+3, "every throw reported: each view's throwing onUpdates callback (still subscribed) and inbox:updated listener")
	for _, e := range errors {
		assert.Contains(t, e, "roost: a listener threw: Error: boom")
	}
}
