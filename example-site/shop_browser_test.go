package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestControlPageToShopInbox: the control page sends an order and a comment
// reply through the site's backend; the headless example's inbox panel
// shows each under its topic tab, the badge counts the unread, and a delete
// takes one away.
func TestControlPageToShopInbox(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	wait := func(what, expr string) {
		t.Helper()
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err, what)
	}
	text := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		require.NoError(t, err)
		return v
	}

	// The control page sends the two inbox templates, one with an edited field.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/control")))
	wait("the control page lists the templates", `document.body.classList.contains("ready") && document.querySelectorAll(".tcard").length === 4`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue("#t-order_shipped-order_id", "ORD-4242"),
		chromedp.Click("#t-order_shipped .send")))
	wait("the order is sent", `!!document.querySelector("#t-order_shipped .result.ok .delivery-id")`)
	order := text(`document.querySelector("#t-order_shipped .delivery-id").textContent`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#t-comment_reply .send")))
	wait("the reply is sent", `!!document.querySelector("#t-comment_reply .result.ok .delivery-id")`)
	reply := text(`document.querySelector("#t-comment_reply .delivery-id").textContent`)
	require.NotEqual(t, order, reply)
	status, d := s.api(t, "GET", "/v1/deliveries/"+order, "test-key", "")
	require.Equal(t, http.StatusOK, status, d)
	assert.Equal(t, "user_123", d["person_id"])
	assert.Equal(t, map[string]any{"order_id": "ORD-4242", "product_name": "Blue Widget", "tracking_url": "https://track.example.com/5678"}, d["message_data"])

	// The headless example: both are unread in "All", newest first.
	const shown = `[...document.querySelectorAll("#inbox-list li")].map(li => li.dataset.deliveryId + (li.classList.contains("unread") ? "" : "+")).join(",")`
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+headlessPage)))
	wait("All shows both, the badge counts them", shown+` === "`+reply+`,`+order+`" && !document.getElementById("badge").hidden && document.getElementById("badge").textContent === "2"`)
	assert.Equal(t, "Order #ORD-4242 has shipped!", text(`document.querySelector("#inbox-list li:last-child .title").textContent`))
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#bell")))
	wait("the panel opens", `!document.getElementById("inbox").hidden && document.getElementById("bell").getAttribute("aria-expanded") === "true"`)
	wait("each tab counts its unread", `["all", "orders", "social"].map(n => document.querySelector("#tab-" + n + " .count").textContent).join() === "2 unread,1 unread,1 unread"`)

	// Orders shows the order only; the arrow key moves to Social, which shows the reply only.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#tab-orders")))
	wait("Orders shows the order", shown+` === "`+order+`" && document.getElementById("inbox-tabpanel").getAttribute("aria-labelledby") === "tab-orders"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)))
	wait("Social shows the reply", shown+` === "`+reply+`" && document.activeElement.id === "tab-social" && document.getElementById("tab-social").getAttribute("aria-selected") === "true"`)
	assert.Equal(t, "false", text(`document.getElementById("tab-orders").getAttribute("aria-selected")`))

	// All again: opening the order leaves one unread.
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent(kb.Home)))
	wait("All shows both", shown+` === "`+reply+`,`+order+`"`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#inbox-list li[data-delivery-id="`+order+`"] .message-open`)))
	wait("the order is read, the badge says 1", shown+` === "`+reply+`,`+order+`+" && document.getElementById("badge").textContent === "1"`)

	// Deleting the reply takes it out of All and Social; no unread is left.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(`#inbox-list li[data-delivery-id="`+reply+`"] .message-delete`)))
	wait("the reply is gone", shown+` === "`+order+`+" && document.getElementById("badge").hidden`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#tab-social")))
	wait("Social is empty", shown+` === "" && !document.getElementById("inbox-empty").hidden`)
	assert.Equal(t, "No replies yet.", text(`document.querySelector("#inbox-empty .empty-title").textContent`))
	require.Eventually(t, func() bool {
		_, d := s.api(t, "GET", "/v1/deliveries/"+reply, "test-key", "")
		return d["deleted"] == true
	}, 10*time.Second, 20*time.Millisecond, "the server records the deletion")
}
