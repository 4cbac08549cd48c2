package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHeadlessPageShowsASentMessage: the headless example (/headless),
// served under the site's policy, identifies the person with the session's
// signature and shows a message sent while it is open in its own panel:
// the bell's badge and label count it, and the open panel lists it with its
// relative time.
func TestHeadlessPageShowsASentMessage(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	status, _, hd := get(t, s.URL+headlessPage, nil)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, contentSecurityPolicy, hd.Get("Content-Security-Policy"))

	openShop(t, ctx, s.URL+headlessPage, 0)
	waitForRuntime(t, ctx)
	who, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.shopSession.then(() => document.getElementById("who").textContent)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, "user_123", who)

	id := s.sendInbox(t, seedSend)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("badge").textContent === "1" && !document.getElementById("badge").hidden`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the badge counts the message")
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("bell").getAttribute("aria-label")`))
	require.NoError(t, err)
	assert.Equal(t, "Inbox, 1 unread", label)

	require.NoError(t, chromedp.Do(ctx, chromedp.Click("#bell")))
	type item struct{ ID, Title, Body, When, Class string }
	got, err := chromedp.Run(ctx, chromedp.Poll[[]item](`!document.getElementById("inbox").hidden && [...document.querySelectorAll("#inbox-list li")].map(li => ({
		ID: li.dataset.deliveryId, Title: li.querySelector(".title").textContent, Body: li.querySelector(".body").textContent,
		When: li.querySelector("time").textContent, Class: li.className}))`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the panel opens")
	assert.Equal(t, []item{{ID: id, Title: "Order #ORD-5678 has shipped!", Body: "Hi Ada, track Blue Widget at https://track.example.com/5678",
		When: "just now", Class: "message unread"}}, got)
	empty, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("inbox-empty").hidden`))
	require.NoError(t, err)
	assert.True(t, empty, "the empty state is gone")
}
