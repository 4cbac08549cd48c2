package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/require"
)

// TestScreenshots saves a PNG of each layout of Roost's presenter on the
// example shop, at desktop and phone widths, of the headless example's
// inbox panel open (headless-inbox.png), and of the shop's <roost-inbox>
// open (inbox-element-light.png, inbox-element-dark.png,
// inbox-element-phone.png), into the directory ROOST_SCREENSHOTS names
// (`make screenshots`: build/screenshots). Without ROOST_SCREENSHOTS it is
// skipped: it checks nothing a person does not look at.
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

	inboxElementShots(t, ctx, s, dir)
}

// inboxElementShots saves the shop's <roost-inbox> open on four messages
// (the two of the headless shot, a second order and a rich one), in the
// light and the dark theme on a desktop, where only the top right corner
// is kept, and on a phone.
func inboxElementShots(t *testing.T, ctx context.Context, s *testSite, dir string) {
	t.Helper()
	s.createTemplate(t, `{"name":"Review","trigger_name":"review_request","channel":"inbox","type":"rich","topics":["orders"],"content":{
		"title":"How is your {{trigger.product_name}}?",
		"body_html":"<p>Your order arrived on Tuesday. Tell other shoppers what you think and get <strong>10% off</strong> your next order.</p>",
		"image":{"url":"/welcome.svg","alt":""},
		"actions":[{"name":"review","label":"Write a review","url":"/"},{"name":"later","label":"Not now"}]}}`)
	s.sendInbox(t, strings.ReplaceAll(seedSend, "5678", "5702"))
	s.sendInbox(t, `{"transactional_message_id":"review_request","identifiers":{"id":"user_123"},"message_data":{"product_name":"Linen Throw"}}`)
	media := func(scheme string) {
		t.Helper()
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}, {Name: "prefers-color-scheme", Value: scheme}},
		})
		require.NoError(t, err)
	}
	shot := func(name, theme string, width, height int64, dpr, scale float64, corner bool) {
		t.Helper()
		viewport := []chromedp.EmulateViewportOption{chromedp.EmulateScale(dpr)}
		if !corner {
			viewport = append(viewport, chromedp.EmulateTouch) // a phone: a touch screen, no mouse
		}
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, height, viewport...)))
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
		browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 3 unread"`)
		if theme != "" { // the shop has no dark theme of its own: the element follows the person's only when told to
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("roost-inbox").setAttribute("theme", "`+theme+`"), true`))
			require.NoError(t, err)
		}
		browsertest.ClickInbox(t, ctx, ".bell", 0)
		browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 4`)
		// The mouse off the close button a phone's sheet puts where the bell was.
		require.NoError(t, chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 1, float64(height)-1)))
		// Drawn: the image loaded, the fonts in, nothing moving, no focus ring.
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => {
			const r = document.querySelector("roost-inbox").shadowRoot, img = r.querySelector(".image");
			if (!img || !img.complete || !img.naturalWidth || document.fonts.status !== "loaded") return false;
			r.activeElement && r.activeElement.blur();
			return r.getAnimations().every(a => a.playState === "finished");
		})()`, chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err)
		clip := cdppage.Viewport{Width: float64(width), Height: float64(height), Scale: scale}
		if corner {
			// The bell and its panel, with a margin of the page.
			box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
				const r = document.querySelector("roost-inbox").shadowRoot.querySelector(".panel").getBoundingClientRect();
				return [r.left, r.bottom];
			})()`))
			require.NoError(t, err)
			clip.X = box[0] - 24
			clip.Width = float64(width) - clip.X
			clip.Height = min(box[1]+32, float64(height))
		}
		res, err := chromedp.Call(ctx, cdppage.CaptureScreenshot, cdppage.CaptureScreenshotParams{FromSurface: ptrTo(true), Clip: &clip})
		require.NoError(t, err)
		path := filepath.Join(dir, name+".png")
		require.NoError(t, os.WriteFile(path, res.Data, 0o644))
		t.Logf("saved %s (%d bytes)", path, len(res.Data))
	}
	media("light")
	shot("inbox-element-light", "", 1280, 800, 2, 0.75, true)
	media("dark")
	shot("inbox-element-dark", "auto", 1280, 800, 2, 0.75, true)
	media("light")
	shot("inbox-element-phone", "", 390, 844, 2, 0.75, false)
}

func ptrTo[T any](v T) *T { return &v }
