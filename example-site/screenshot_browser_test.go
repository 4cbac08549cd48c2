package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestScreenshots saves a PNG of each layout of Roost's presenter on the
// example shop, at desktop and phone widths, and of the headless example's
// inbox panel open (headless-inbox.png), into the directory ROOST_SCREENSHOTS names (`make screenshots`:
// build/screenshots). Without ROOST_SCREENSHOTS it is skipped: it checks
// nothing a person does not look at.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("ROOST_SCREENSHOTS")
	if dir == "" {
		t.Skip("ROOST_SCREENSHOTS is not set: `make screenshots` sets it to build/screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	ctx := newBrowser(t)
	s := startSite(t)
	// No animation half-way through a frame.
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	})
	require.NoError(t, err)
	desktop := chromedp.EmulateViewport(1280, 800)
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))
	require.NoError(t, chromedp.Do(ctx, desktop))
	// The shop, once its runtime has answered.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopSession.then(() => analytics.inbox().total()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, ok)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](addSlot))
	require.NoError(t, err)

	save := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		require.NoError(t, err)
		path := filepath.Join(dir, name+".png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("saved %s", path)
	}
	shot := func(name string, viewport chromedp.Action[chromedp.Void], send func() string) {
		t.Helper()
		require.NoError(t, chromedp.Do(ctx, viewport))
		id := send()
		waitPresented(t, ctx, id)
		save(name)
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("roost-inapp").shadowRoot.querySelector(".close").click(), true`))
		require.NoError(t, err)
		waitGone(t, ctx)
		s.waitDismissed(t, id)
	}
	bottom := `{"layout": "bottom", "title": "Free shipping this weekend",
		"body": "Orders over $50 ship free until Sunday night.",
		"actions": [{"name": "browse", "label": "Browse the shop", "url": "/"}]}`
	inline := `{"layout": "inline", "target": "promo-slot", "image": {"url": "/welcome.svg", "alt": ""},
		"title": "Complete the set, {{customer.first_name}}",
		"body": "Add a Linen Throw to your Blue Widget order and save 20%.",
		"actions": [{"name": "add", "label": "Add to order", "url": "/"}, {"name": "no", "label": "No thanks"}]}`
	shot("modal", desktop, func() string { return s.sendInApp(t, welcomeSend) })
	shot("top", desktop, func() string { return s.sendInApp(t, maintenanceSend) })
	shot("bottom", desktop, func() string { return s.sendContent(t, bottom) })
	shot("inline", desktop, func() string { return s.sendContent(t, inline) })
	shot("modal-phone", phone, func() string { return s.sendInApp(t, welcomeSend) })
	shot("top-phone", phone, func() string { return s.sendInApp(t, maintenanceSend) })
	shot("inline-phone", phone, func() string { return s.sendContent(t, inline) })

	// The headless example's inbox panel, open on two messages, one of them read.
	require.NoError(t, chromedp.Do(ctx, desktop))
	openShop(t, ctx, s.URL+headlessPage, 0)
	waitForRuntime(t, ctx)
	s.sendInbox(t, seedSend)
	s.sendInbox(t, replySend)
	waitForMessages(t, ctx, 2)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.shopInbox.messages().then(ms => ms[1].markOpened()).then(() => true)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("bell"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("inbox").hidden && document.querySelectorAll("#inbox-list .message").length === 2`,
		chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err)
	save("headless-inbox")
}
