package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bannerPlace is where a banner shows, next to the shop's sticky header.
type bannerPlace struct {
	HeaderBottom float64 `json:"headerBottom"`
	BannerTop    float64 `json:"bannerTop"`
	BannerBottom float64 `json:"bannerBottom"`
	ViewHeight   float64 `json:"viewHeight"`
	// Covered lists the header's links and buttons the banner is over
	// (what the browser hits in the middle of each is the banner).
	Covered []string `json:"covered"`
}

// bannerPlaceJS measures the presenter's banner and the shop's header.
const bannerPlaceJS = `(() => {
	const header = document.querySelector("header.bar").getBoundingClientRect();
	const banner = document.querySelector("roost-inapp").shadowRoot.querySelector(".message").getBoundingClientRect();
	const covered = [...document.querySelectorAll("header.bar a, header.bar button")].filter(el => {
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return false;
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return hit && !el.contains(hit) && hit.closest("roost-inapp") !== null; // not a link the header scrolls out of sight
	}).map(el => el.id || el.textContent.trim() || el.localName);
	return {headerBottom: header.bottom, bannerTop: banner.top, bannerBottom: banner.bottom, viewHeight: innerHeight, covered};
})()`

// TestTopBannerClearsTheHeader: the shop sets --roost-inset-top, so a top
// banner shows below its sticky header and covers none of its links, on a
// desktop and on a phone, scrolled or not. --roost-inset-bottom moves a
// bottom banner.
func TestTopBannerClearsTheHeader(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	place := func() bannerPlace {
		t.Helper()
		p, err := chromedp.Run(ctx, chromedp.Evaluate[bannerPlace](bannerPlaceJS))
		require.NoError(t, err)
		return p
	}
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 800}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(size.width, size.height)))
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/")))
			browsertest.WaitInbox(t, ctx, `s.label === "Inbox"`) // the shop's <roost-inbox> has the runtime's answer
			id := s.sendInApp(t, maintenanceSend)
			waitPresented(t, ctx, id)
			p := place()
			assert.GreaterOrEqual(t, p.BannerTop, p.HeaderBottom, "the banner's top is below the header: %+v", p)
			assert.Less(t, p.BannerTop, p.HeaderBottom+32, "and close to it: %+v", p)
			assert.Empty(t, p.Covered, "the banner covers none of the header's controls")

			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 400), true`))
			require.NoError(t, err)
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`scrollY > 0`, chromedp.WithPollingTimeout(5*time.Second)))
			require.NoError(t, err, "the page scrolls")
			p = place()
			assert.GreaterOrEqual(t, p.BannerTop, p.HeaderBottom, "scrolled, the sticky header stays and so does the gap: %+v", p)
			assert.Empty(t, p.Covered)

			clickPresented(t, ctx, ".close")
			waitGone(t, ctx)
			s.waitDismissed(t, id)
		})
	}

	t.Run("bottom", func(t *testing.T) {
		require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.style.setProperty("--roost-inset-bottom", "48px"), true`))
		require.NoError(t, err)
		id := s.sendContent(t, `{"layout": "bottom", "title": "Free shipping this weekend"}`)
		waitPresented(t, ctx, id)
		p := place()
		assert.InDelta(t, 48, p.ViewHeight-p.BannerBottom, 0.5, "48px above the bottom: %+v", p)
		clickPresented(t, ctx, ".close")
		waitGone(t, ctx)
	})
}
