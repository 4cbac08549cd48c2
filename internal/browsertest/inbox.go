package browsertest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// InboxState is what a page's first <roost-inbox> shows, read from its
// shadow root by InboxStateJS.
type InboxState struct {
	Label    string `json:"label"`    // the bell's accessible name
	Badge    string `json:"badge"`    // the bell's count, "" when hidden
	Expanded string `json:"expanded"` // the bell's aria-expanded
	Open     bool   `json:"open"`     // the panel shows
	// Tabs are what a screen reader reads of each tab (its name and unread
	// count), "*" ending the selected one; none without tabs.
	Tabs   []string `json:"tabs"`
	Counts []string `json:"counts"` // the unread counts the tabs show
	// Items are the messages listed: "u " (unread) or "r ", and the title.
	Items  []string `json:"items"`
	IDs    []string `json:"ids"`    // their delivery ids
	Notice string   `json:"notice"` // the offline or error notice, "" for none
	Empty  string   `json:"empty"`  // the loading or empty state's text, "" when hidden
	Live   string   `json:"live"`   // the polite live region's text
	Sheet  string   `json:"sheet"`  // the stylesheet's URL
	// Focus is the class of the focused element of the element, or
	// "page <id or tag>" for one of the page.
	Focus string `json:"focus"`
}

// InboxStateJS is page code that reads the first <roost-inbox> as an
// InboxState, or false until it is drawn and its stylesheet applies.
const InboxStateJS = `(() => {
	const host = document.querySelector("roost-inbox"), r = host && host.shadowRoot;
	const bell = r && r.querySelector(".bell");
	if (!bell || getComputedStyle(bell).position !== "relative") return false;
	let f = document.activeElement;
	while (f && f.shadowRoot && f.shadowRoot.activeElement) f = f.shadowRoot.activeElement;
	const shown = sel => { const e = r.querySelector(sel); return e.hidden ? "" : e.textContent; };
	const items = [...r.querySelectorAll(".item:not(.leaving)")];
	return {
		label: bell.getAttribute("aria-label"), badge: shown(".badge"), expanded: bell.getAttribute("aria-expanded"),
		open: !r.querySelector(".panel").hidden && r.querySelector(".panel").checkVisibility(),
		tabs: r.querySelector(".tabs").hidden ? [] : [...r.querySelectorAll(".tab")].map(t => [...t.childNodes].filter(n => !n.ariaHidden).map(n => n.textContent).join("") +
			(t.getAttribute("aria-selected") === "true" ? "*" : "")),
		counts: [...r.querySelectorAll(".count")].map(c => c.textContent),
		items: items.map(li => (li.classList.contains("unread") ? "u " : "r ") + li.querySelector(".message-title").textContent),
		ids: items.map(li => li.dataset.id),
		notice: shown(".notice"), empty: shown(".empty"), live: r.querySelector("[aria-live]").textContent,
		sheet: r.querySelector("link[rel=stylesheet]").href,
		focus: !f ? "" : f.getRootNode() === r ? f.className : "page " + (f.id || f.localName),
	};
})()`

// WaitInbox waits until the first <roost-inbox> of the page in tab shows a
// state s for which ok (page code over s) holds, and returns it.
func WaitInbox(t testing.TB, tab context.Context, ok string) InboxState {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Poll[InboxState](`(() => { const s = `+InboxStateJS+`; return s && (`+ok+`) && s; })()`,
		chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		last, lastErr := chromedp.Run(tab, chromedp.Evaluate[any](InboxStateJS))
		require.NoError(t, err, "waiting for %s; the element shows %v %v", ok, last, lastErr)
	}
	return got
}

// ClickInbox clicks, with the mouse, the middle of the nth (from 0) of
// what selector finds in the first <roost-inbox>'s shadow root, scrolled
// into view first.
func ClickInbox(t testing.TB, tab context.Context, selector string, nth int) {
	t.Helper()
	at, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => {
		const el = document.querySelector("roost-inbox").shadowRoot.querySelectorAll(`+strconv.Quote(selector)+`)[`+strconv.Itoa(nth)+`];
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2];
	})()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab, chromedp.MouseClickXY(at[0], at[1])))
}
