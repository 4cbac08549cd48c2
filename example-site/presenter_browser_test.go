package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Roost's presenter shows the in-app messages of a page that does not listen
// for in-app-message itself. These tests send messages of each layout to the
// example site's headless page (which has no in-app code of its own; its
// bell is a focusable element of the page's own), under its strict
// Content-Security-Policy, and use them as a person would: mouse and keys.

// pageWatch is a page script the presenter tests add before the page's own:
// it records Content-Security-Policy violations (window.__csp) and the
// in-app events the page hears (window.__events: "opened <id>",
// "action <id> <name> <url>", "dismissed <id>").
const pageWatch = `(() => {
	window.__csp = [];
	document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber), true);
	window.__events = [];
	document.addEventListener("DOMContentLoaded", () => {
		for (const name of ["in-app:message-opened", "in-app:message-action", "in-app:message-dismissed"]) {
			analytics.on(name, e => window.__events.push(name.slice("in-app:message-".length) + " " + e.deliveryId +
				(name.endsWith("action") ? " " + e.actionName + " " + e.action : "")));
		}
	});
})()`

// recordDeclines is a page script that records the in-app messages the page
// declines (window.__declined), as its ops to the runtime's port show.
const recordDeclines = `(() => {
	window.__declined = [];
	const post = MessagePort.prototype.postMessage;
	MessagePort.prototype.postMessage = function (m) {
		if (typeof m === "string" && m.includes('"op":"decline"')) window.__declined.push(JSON.parse(m).deliveryId);
		return post.apply(this, arguments);
	};
})()`

// addSlot is page code that adds the element inline messages go into.
const addSlot = `(() => {
	const slot = document.createElement("section");
	slot.id = "promo-slot";
	document.querySelector("main").prepend(slot);
	return true;
})()`

var templates atomic.Int64

// sendContent makes an in-app template of content (a JSON object) and sends
// it to user_123; it returns the delivery id.
func (s *testSite) sendContent(t *testing.T, content string) string {
	t.Helper()
	trigger := "presenter_" + strconv.FormatInt(templates.Add(1), 10)
	status, body := s.api(t, "POST", "/v1/transactional", "test-key",
		`{"name":"`+trigger+`","trigger_name":"`+trigger+`","channel":"in_app","content":`+content+`}`)
	require.Equal(t, http.StatusCreated, status, body)
	return s.sendInApp(t, `{"transactional_message_id":"`+trigger+`","identifiers":{"id":"user_123"}}`)
}

// layoutContent is a message of the layout with everything: title, body,
// image and two actions, the first going to #<layout>-shop.
func layoutContent(layout string) string {
	c := map[string]any{
		"layout": layout,
		"title":  "A " + layout + " for {{customer.first_name}}",
		"body":   "Ten percent off <b>today</b>",
		"image":  map[string]string{"url": "/welcome.svg", "alt": "A gift"},
		"actions": []map[string]string{
			{"name": "go-" + layout, "label": "Shop now", "url": "#" + layout + "-shop"},
			{"name": "later", "label": "Later"},
		},
	}
	if layout == "inline" {
		c["target"] = "promo-slot"
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// presented is what the presenter shows of a message, read from the page.
type presented struct {
	Layout    string   `json:"layout"`
	Parent    string   `json:"parent"`
	Tag       string   `json:"tag"`
	Role      string   `json:"role"`
	AriaModal string   `json:"ariaModal"`
	Modal     bool     `json:"modal"`
	Label     string   `json:"label"`
	Title     string   `json:"title"`
	Body      string   `json:"body"`
	Image     string   `json:"image"`
	Actions   []string `json:"actions"`
	Close     string   `json:"close"`
	Focus     string   `json:"focus"`
	Animation string   `json:"animation"`
	Visible   bool     `json:"visible"`
}

// describeJS returns page code that describes the presenter's message id,
// or false while it is not fully shown (its image loading, or coming in).
func describeJS(id string) string {
	return `(() => {
	const host = [...document.querySelectorAll("roost-inapp")].find(h => h.shadowRoot.querySelector('.message[data-delivery-id="` + id + `"]'));
	if (!host) return false;
	const root = host.shadowRoot, box = root.querySelector(".message"), img = root.querySelector("img");
	const title = root.querySelector(".title") || box, body = root.querySelector(".body");
	if (img && !img.complete || box.getAnimations({subtree: true}).some(a => a.playState !== "finished")) return false;
	let focus = document.activeElement;
	while (focus && focus.shadowRoot && focus.shadowRoot.activeElement) focus = focus.shadowRoot.activeElement;
	const labelledBy = box.getAttribute("aria-labelledby");
	const r = title.getBoundingClientRect();
	return {
		layout: host.dataset.layout, parent: host.parentElement.id || host.parentElement.localName,
		tag: box.localName, role: box.getAttribute("role"), ariaModal: box.getAttribute("aria-modal") || "", modal: box.matches(":modal"),
		label: labelledBy ? root.getElementById(labelledBy).textContent : box.getAttribute("aria-label"),
		title: title === box ? "" : title.textContent, body: body ? body.textContent : "",
		image: img ? img.getAttribute("src") + " " + JSON.stringify(img.alt) + (img.naturalWidth > 0 ? " loaded" : " broken") : "",
		actions: [...root.querySelectorAll(".action")].map(a => a.localName + " " + a.textContent + (a.hasAttribute("href") ? " " + a.getAttribute("href") : "")),
		close: root.querySelector(".close").getAttribute("aria-label"),
		focus: focus && root.contains(focus) ? focus.className : focus ? "page " + (focus.id || focus.localName) : "",
		animation: getComputedStyle(box).animationName,
		visible: title.checkVisibility({opacityProperty: true, visibilityProperty: true}) && r.width > 0 && r.height > 0 &&
			r.bottom > 0 && r.top < innerHeight,
	};
})()`
}

// waitPresented waits until the presenter shows message id in tab, and describes it.
func waitPresented(t *testing.T, tab context.Context, id string) presented {
	t.Helper()
	p, err := chromedp.Run(tab, chromedp.Poll[presented](describeJS(id), chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(t, err, "the presenter shows %s", id)
	return p
}

// waitGone waits until the presenter no longer shows anything in tab.
func waitGone(t *testing.T, tab context.Context) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Poll[bool](`document.querySelectorAll("roost-inapp").length === 0`, chromedp.WithPollingTimeout(5*time.Second)))
	require.NoError(t, err, "the presenter's message is gone")
}

// clickPresented clicks, with the mouse, the element of the presenter's
// message that selector finds, in the middle of where it shows.
func clickPresented(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	at, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => {
		const el = document.querySelector("roost-inapp").shadowRoot.querySelector(`+strconv.Quote(selector)+`);
		el.scrollIntoView({block: "center"});
		const r = el.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2];
	})()`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(tab, chromedp.MouseClickXY(at[0], at[1])))
}

// focusPresented focuses the element of the presenter's message that selector finds.
func focusPresented(t *testing.T, tab context.Context, selector string) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector("roost-inapp").shadowRoot.querySelector(`+strconv.Quote(selector)+`).focus(), true`))
	require.NoError(t, err)
}

// press sends one key to tab, with Shift when shift is set.
func press(t *testing.T, tab context.Context, key string, shift bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	require.NoError(t, chromedp.Do(tab, chromedp.KeyEvent(key, opts...)))
}

// focused names what has the focus in tab: the class of an element of the
// presenter's message, or "page <id or tag>".
func focused(t *testing.T, tab context.Context) string {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => {
		let f = document.activeElement;
		while (f && f.shadowRoot && f.shadowRoot.activeElement) f = f.shadowRoot.activeElement;
		return !f ? "" : f.getRootNode() instanceof ShadowRoot ? f.className : "page " + (f.id || f.localName);
	})()`))
	require.NoError(t, err)
	return got
}

// eventsOf waits until tab heard want's last in-app event about id, and
// returns the events it heard about id.
func eventsOf(t *testing.T, tab context.Context, id string, want []string) []string {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Poll[[]string](`(() => {
		const got = window.__events.filter(e => e.split(" ")[1] === "`+id+`");
		return got.length >= `+strconv.Itoa(len(want))+` && got;
	})()`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the page hears %v", want)
	return got
}

// waitDismissed waits until the server has the delivery dismissed, and
// returns the actions clicked on it.
func (s *testSite) waitDismissed(t *testing.T, id string) []any {
	t.Helper()
	var d map[string]any
	require.Eventually(t, func() bool { d = s.delivery(t, id); return d["dismissed"] == true }, 10*time.Second, 20*time.Millisecond,
		"the server has %s dismissed", id)
	clicks, _ := d["clicks"].([]any)
	return clicks
}

// noCSPViolations checks that the page in tab saw no Content-Security-Policy
// violation (startSite's cleanup checks for reports from pages and workers).
func noCSPViolations(t *testing.T, tab context.Context) {
	t.Helper()
	violations, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__csp`))
	require.NoError(t, err)
	assert.Empty(t, violations)
}

// TestPresenterLayouts: a message of each layout shows its title, body, image
// and actions as the ARIA patterns say; its close button and Escape dismiss
// it; an action is clicked, dismisses it and goes to its url; the page hears
// each step and the server stores it. The presenter loads when the first
// message is to be shown. A modal keeps the focus inside and gives it back.
// A persistent message is shown again after a reload, until dismissed.
func TestPresenterLayouts(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageWatch})
	require.NoError(t, err)
	openShop(t, ctx, s.URL+headlessPage, 0)
	waitForRuntime(t, ctx)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](addSlot))
	require.NoError(t, err)
	loads := func(path string) int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.assets[path])
	}
	assert.Zero(t, loads("/roost/roost-inapp.js"), "no presenter before a message is to be shown")
	assert.Zero(t, loads("/roost/roost-inapp.css"))

	for _, layout := range []string{"modal", "top", "bottom", "inline"} {
		t.Run(layout, func(t *testing.T) {
			// Shown, with everything as text; the close button dismisses it.
			id := s.sendContent(t, layoutContent(layout))
			p := waitPresented(t, ctx, id)
			assert.Equal(t, layout, p.Layout)
			assert.Equal(t, "A "+layout+" for Ada", p.Title)
			assert.Equal(t, "Ten percent off <b>today</b>", p.Body, "text, never markup")
			assert.Equal(t, `/welcome.svg "A gift" loaded`, p.Image)
			assert.Equal(t, []string{"a Shop now #" + layout + "-shop", "button Later"}, p.Actions)
			assert.Equal(t, "Close", p.Close)
			assert.True(t, p.Visible, "the title is on screen")
			switch layout {
			case "modal":
				assert.Equal(t, presented{Tag: "dialog", Role: "dialog", AriaModal: "true", Modal: true, Label: p.Title, Focus: "action primary", Animation: "roost-rise"},
					presented{Tag: p.Tag, Role: p.Role, AriaModal: p.AriaModal, Modal: p.Modal, Label: p.Label, Focus: p.Focus, Animation: p.Animation},
					"a modal dialog, labelled by its title, with the focus on its first action")
				assert.Equal(t, "body", p.Parent)
			case "inline":
				assert.Equal(t, "promo-slot", p.Parent, "in its target element")
				fallthrough
			default:
				assert.Equal(t, "region", p.Role)
				assert.Equal(t, p.Title, p.Label)
				assert.False(t, p.Modal)
				assert.True(t, strings.HasPrefix(p.Focus, "page "), "a banner does not take the focus, %s has it", p.Focus)
			}
			assert.Equal(t, 1, loads("/roost/roost-inapp.js"), "the presenter is loaded once")
			clickPresented(t, ctx, ".close")
			waitGone(t, ctx)
			assert.Equal(t, []string{"opened " + id, "dismissed " + id}, eventsOf(t, ctx, id, []string{"opened", "dismissed"}))
			assert.Empty(t, s.waitDismissed(t, id))

			// Escape dismisses it: a modal's from where the focus is (the
			// modal keeps it inside, and gives it back after), a banner's
			// when the focus is in it.
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("bell").focus(), true`))
			require.NoError(t, err)
			id = s.sendContent(t, layoutContent(layout))
			waitPresented(t, ctx, id)
			if layout == "modal" {
				for _, step := range []struct {
					shift bool
					want  string
				}{{false, "action secondary"}, {false, "close"}, {false, "action primary"}, {true, "close"}, {true, "action secondary"}} {
					press(t, ctx, kb.Tab, step.shift)
					assert.Equal(t, step.want, focused(t, ctx), "Tab (shift %v) stays in the modal", step.shift)
				}
				_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("bell").focus(), true`))
				require.NoError(t, err)
				assert.Equal(t, "action secondary", focused(t, ctx), "the page behind the modal cannot take the focus")
			} else if layout == "top" {
				// A top banner comes first in the tab order: Shift+Tab from the page's first link reaches it.
				_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("a[href], button").focus(), true`))
				require.NoError(t, err)
				press(t, ctx, kb.Tab, true)
				assert.Equal(t, "close", focused(t, ctx))
			} else {
				focusPresented(t, ctx, ".action.primary")
			}
			press(t, ctx, kb.Escape, false)
			waitGone(t, ctx)
			want := "page bell"
			if layout == "top" {
				want = "page a"
			}
			assert.Equal(t, want, focused(t, ctx), "the focus is back where it was")
			assert.Equal(t, []string{"opened " + id, "dismissed " + id}, eventsOf(t, ctx, id, []string{"opened", "dismissed"}))
			assert.Empty(t, s.waitDismissed(t, id))

			// An action: clicked, dismissed, then its url followed.
			id = s.sendContent(t, layoutContent(layout))
			waitPresented(t, ctx, id)
			clickPresented(t, ctx, ".action.primary")
			waitGone(t, ctx)
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](`location.hash === "#`+layout+`-shop"`, chromedp.WithPollingTimeout(5*time.Second)))
			require.NoError(t, err, "the action's url is followed")
			assert.Equal(t, []string{"opened " + id, "action " + id + " go-" + layout + " #" + layout + "-shop", "dismissed " + id},
				eventsOf(t, ctx, id, []string{"opened", "action", "dismissed"}))
			assert.Equal(t, []any{"go-" + layout}, s.waitDismissed(t, id))
		})
	}

	// A persistent message stays until dismissed: the runtime hands it over
	// again after a reload, and the presenter shows it again.
	t.Run("persistent", func(t *testing.T) {
		id := s.sendContent(t, `{"layout": "top", "persistent": true, "title": "Until you close it"}`)
		waitPresented(t, ctx, id)
		noCSPViolations(t, ctx)
		openShop(t, ctx, s.URL+headlessPage, 0)
		waitPresented(t, ctx, id)
		clickPresented(t, ctx, ".close")
		waitGone(t, ctx)
		s.waitDismissed(t, id)
		openShop(t, ctx, s.URL+headlessPage, 0)
		s.waitMorePolls(t, 3)
		_, shown := shownIn(t, ctx)
		assert.Empty(t, shown, "dismissed, it stays away")
	})
	noCSPViolations(t, ctx)
}

// capturePort is a page script that keeps the port roost.js talks to its
// runtime over (window.__roostPort), so a test can hand the page a message
// the runtime would never send.
const capturePort = `(() => {
	for (const name of ["SharedWorker", "Worker"]) {
		const Original = window[name];
		if (!Original) continue;
		window[name] = function (url, options) {
			const w = new Original(url, options);
			window.__roostPort = w.port || w;
			return w;
		};
		window[name].prototype = Original.prototype;
	}
})()`

// TestPresenterUnsafeURLsAndHostileCSS: in a browser without SharedWorker
// (the runtime in a dedicated Worker), under the same policy, the page's CSS
// cannot hide or restyle the presenter's message, prefers-reduced-motion
// stops its animation, and a javascript: url is neither a link nor an image
// and runs nothing. The server refuses such a url in a template (and fails a
// message whose data makes one), so that message is handed to the page as
// the runtime hands messages over: the presenter does not trust it either.
func TestPresenterUnsafeURLsAndHostileCSS(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	tab := openTab(t, browser, s.URL+headlessPage, 0, noSharedWorker, capturePort, pageWatch)
	_, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
		// The page's own stylesheet turns on everything (html and body aside, or nothing would show at all).
		const sheet = document.styleSheets[0], add = rule => sheet.insertRule(rule, sheet.cssRules.length);
		add("* { display: none !important; color: red !important; font: 40px/1 serif !important; visibility: hidden !important;" +
			" opacity: 0 !important; position: static !important; pointer-events: none !important; all: unset; }");
		add("html, body { display: block !important; visibility: visible !important; opacity: 1 !important; pointer-events: auto !important; }");
		add("roost-inapp, dialog, div, h2, p, a, button, img { display: none !important; width: 0 !important; height: 0 !important; }");
		add(":root { --roost-fg: rgb(0, 0, 255); }");
		return typeof SharedWorker === "undefined";
	})()`))
	require.NoError(t, err)
	_, err = chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	})
	require.NoError(t, err)

	id := s.sendContent(t, `{"layout": "modal", "title": "Hostile", "body": "Still here",
		"actions": [{"name": "later", "label": "Later"}, {"name": "mail", "label": "Write to us", "url": " mailto:help@example.com\n"}]}`)
	p := waitPresented(t, tab, id)
	assert.Equal(t, []string{"button Later", "a Write to us mailto:help@example.com"}, p.Actions, "the url as a browser reads it")
	assert.True(t, p.Visible, "the page's CSS does not hide the title")
	assert.True(t, p.Modal)
	assert.Equal(t, "none", p.Animation, "no animation for who prefers reduced motion")
	style, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(() => {
		const root = document.querySelector("roost-inapp").shadowRoot, title = root.querySelector(".title"), s = getComputedStyle(title);
		const a = root.querySelector(".action"), r = a.getBoundingClientRect();
		return [s.display, s.color, s.fontSize, s.fontFamily.includes("serif") && !s.fontFamily.includes("sans-serif") ? "serif" : "not serif",
			root.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === a ? "action on top" : "action covered"];
	})()`))
	require.NoError(t, err)
	assert.Equal(t, []string{"block", "rgb(0, 0, 255)", "20px", "not serif", "action on top"}, style,
		"the page's rules do not reach in; its --roost-fg does")
	clickPresented(t, tab, ".action.primary")
	waitGone(t, tab)
	assert.Equal(t, []string{"opened " + id, "action " + id + " later ", "dismissed " + id},
		eventsOf(t, tab, id, []string{"opened", "action", "dismissed"}), "an action without a url has the url \"\"")
	assert.Equal(t, []any{"later"}, s.waitDismissed(t, id))

	status, body := s.api(t, "POST", "/v1/transactional", "test-key",
		`{"name":"evil","trigger_name":"evil","channel":"in_app","content":{"actions":[{"name":"evil","url":"javascript:alert(1)"}]}}`)
	assert.Equal(t, http.StatusBadRequest, status, "the server refuses a javascript: url: %v", body)

	const evil = "dlv_handed_over_by_the_test"
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`window.__roostPort.onmessage({data: JSON.stringify({op: "inapp", message: {
		deliveryId: "`+evil+`", type: "", topics: [], priority: 0, properties: {layout: "modal", title: "Evil", body: "Click me",
			image: {url: "javascript:window.__pwned = 'image'", alt: "x"},
			actions: [{name: "evil", label: "Evil", url: "\u0001 JaVa\tScRiPt:window.__pwned = 'action'"},
				{name: "data", label: "Data", url: "data:text/html,<script>parent.__pwned = 'data'</script>"}]}}})}), true`))
	require.NoError(t, err)
	p = waitPresented(t, tab, evil)
	assert.Empty(t, p.Image, "no image from a javascript: url")
	assert.Equal(t, []string{"button Evil", "button Data"}, p.Actions, "no link to a javascript: or data: url")
	clickPresented(t, tab, ".action.primary")
	waitGone(t, tab)
	after, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`[String(window.__pwned), location.pathname + location.hash]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"undefined", headlessPage}, after, "nothing ran, the page stayed")
	noCSPViolations(t, tab)
}

// TestPresenterInlineNeedsItsTarget: an inline message goes into the element
// named by its target; a tab without that element declines it and another
// tab, which has it, shows it. The tab that declined offers itself again
// once the element appears, and shows the next message.
func TestPresenterInlineNeedsItsTarget(t *testing.T) {
	browser := newBrowser(t)
	s := startSite(t)
	with := openTab(t, browser, s.URL+headlessPage, 0, pageWatch, recordDeclines)
	_, err := chromedp.Run(with, chromedp.Evaluate[bool](addSlot))
	require.NoError(t, err)
	without := openTab(t, browser, s.URL+headlessPage, 0, pageWatch, recordDeclines) // opened last: the runtime's first choice

	id := s.sendContent(t, layoutContent("inline"))
	p := waitPresented(t, with, id)
	assert.Equal(t, "promo-slot", p.Parent)
	declined, err := chromedp.Run(without, chromedp.Evaluate[[]string](`window.__declined`))
	require.NoError(t, err)
	assert.Equal(t, []string{id}, declined, "the tab without the target declined it")
	_, presented := shownIn(t, without)
	assert.Empty(t, presented)
	clickPresented(t, with, ".close")
	assert.Empty(t, s.waitDismissed(t, id))

	_, err = chromedp.Run(without, chromedp.Evaluate[bool](addSlot))
	require.NoError(t, err)
	next := s.sendContent(t, layoutContent("modal"))
	waitPresented(t, without, next)
	_, presented = shownIn(t, with)
	assert.Empty(t, presented)
	for _, tab := range []context.Context{with, without} {
		noCSPViolations(t, tab)
	}
}
