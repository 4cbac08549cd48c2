package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The <roost-inbox> element's XSS and rich-message tests: the corpus of
// testdata/xss.txt through every field the element draws, and a rich
// message's image, HTML body, link and actions used as a person would.

// xssWatch is a page script, run before the page's own, that records what a
// payload that ran would call (window.__pwned).
const xssWatch = `window.__pwned = []; window.__xss = () => window.__pwned.push(new Error().stack);`

// createTemplate creates an inbox template with the App API.
func (s *testSite) createTemplate(t *testing.T, template string) {
	t.Helper()
	status, res := s.api(t, "POST", "/v1/transactional", "test-key", template)
	require.Equal(t, 201, status, res)
}

// watchDialogs records the message of every dialog the tab opens, and
// dismisses it.
func watchDialogs(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var (
		mu      sync.Mutex
		dialogs []string
	)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, d.Message)
			mu.Unlock()
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}))
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), dialogs...)
	}
}

// scrollInboxToEnd scrolls the open panel's list to its end until it draws
// n messages, and fails if it never does.
func scrollInboxToEnd(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`(() => {
		const r = document.querySelector("roost-inbox").shadowRoot, box = r.querySelector(".scroll");
		box.scrollTop = box.scrollHeight;
		return r.querySelectorAll(".item").length === %d;
	})()`, n), chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		drawn, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("roost-inbox").shadowRoot.querySelectorAll(".item").length`))
		require.NoError(t, err, "scrolled to the end, the list draws %d of %d messages", drawn, n)
	}
}

// pageCSP returns the Content-Security-Policy violations the page saw
// (pageWatch), less the sanitizer's own parsing of hostile HTML: the
// directives sanitizerParsing lets through, from the shim (roost-page.js).
func pageCSP(t *testing.T, ctx context.Context) []string {
	t.Helper()
	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	require.NoError(t, err)
	var out []string
	for _, v := range all {
		directive, rest, _ := strings.Cut(v, " ")
		switch directive {
		case "script-src-attr", "style-src-attr", "style-src-elem", "base-uri":
			if strings.Contains(rest, "/roost/roost-page.js:") {
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

// inboxItem is what the element draws of one message.
type inboxItem struct {
	ID, Title, Body, BodyTag, Alt string
	Labels                        []string
}

// TestXSSPayloadsNeverRunInInboxElement: every payload of the corpus, in
// trigger data and in the person's attributes, rendered into every field the
// element draws (title, body, body_html, url, image, actions) of rich
// messages, then drawn by <roost-inbox> as the person scrolls to the end of
// its list: text fields show the payload as text, the HTML body keeps only
// formatting, every link and image is http, https, mailto or relative, and
// nothing runs. URLs the server finds unsafe are message-errors instead.
func TestXSSPayloadsNeverRunInInboxElement(t *testing.T) {
	// The site first: building the runtime does not count against the tab's minute.
	s := startSite(t)
	ctx := newBrowser(t)
	s.cspReportExpected = sanitizerParsing
	payloads := xssPayloads(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800)))

	// Two templates with every field: one with an HTML body, one with a text
	// body (the element draws body_html instead of body). Trigger and
	// customer data each fill text of both.
	s.createTemplate(t, `{"name":"Inbox XSS HTML","trigger_name":"xss_inbox_html","channel":"inbox","type":"rich","topics":["xss-inbox"],"content":{
		"title":"{{ trigger.p }}","body":"{{ customer[trigger.k] }}",
		"body_html":"<p><b>Order</b> {{ trigger.p }}</p><p>{{ customer[trigger.k] }}</p>",
		"url":"/search?q={{ trigger.p | url_encode }}",
		"image":{"url":"/welcome.svg","alt":"{{ trigger.p }}"},
		"actions":[{"name":"a","label":"{{ trigger.p }}","url":"/?a={{ trigger.p | url_encode }}"},
			{"name":"b","label":"{{ customer[trigger.k] }}","url":"#b"}]}}`)
	s.createTemplate(t, `{"name":"Inbox XSS text","trigger_name":"xss_inbox_text","channel":"inbox","type":"rich","topics":["xss-inbox"],"content":{
		"title":"{{ customer[trigger.k] }}","body":"{{ trigger.p }}",
		"url":"#{{ trigger.p | url_encode }}",
		"image":{"url":"/welcome.svg","alt":"{{ customer[trigger.k] }}"},
		"actions":[{"name":"a","label":"{{ customer[trigger.k] }}"},{"name":"b","label":"{{ trigger.p }}"}]}}`)
	// The URL fields themselves: a message whose URL is unsafe is refused.
	s.createTemplate(t, `{"name":"Inbox XSS links","trigger_name":"xss_inbox_link","channel":"inbox","type":"rich","topics":["xss-inbox"],"content":{
		"title":"link {{ trigger.i }}","url":"{{ trigger.p }}","image":{"url":"{{ trigger.p }}","alt":"link"},
		"actions":[{"name":"a","label":"A","url":"{{ trigger.p }}"},{"name":"b","label":"B","url":"{{ customer[trigger.k] }}"}]}}`)
	attrs := map[string]any{}
	for i, p := range payloads {
		attrs[fmt.Sprintf("x%d", i)] = p
	}
	body, _ := json.Marshal(map[string]any{"attributes": attrs})
	status, res := s.api(t, "PUT", "/v1/people/user_123", "test-key", string(body))
	require.Equal(t, 200, status, res)

	dialogs := watchDialogs(t, ctx)
	_, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: xssWatch})
	require.NoError(t, err)
	openInboxPage(t, ctx, s, "/xss-inbox/", inboxPage("en", "", `<roost-inbox topics="xss-inbox"></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox"`)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.errors = [];
		analytics.on("message-error", e => window.errors.push(e));
		return true;
	})()`))
	require.NoError(t, err)

	htmlIDs, textIDs := map[string]string{}, map[string]string{}
	wantLinks := 0
	for i, p := range payloads {
		data, _ := json.Marshal(map[string]any{"p": p, "k": fmt.Sprintf("x%d", i), "i": i})
		send := func(trigger string) string {
			return s.sendInbox(t, `{"transactional_message_id":"`+trigger+`","identifiers":{"id":"user_123"},"message_data":`+string(data)+`}`)
		}
		htmlIDs[send("xss_inbox_html")] = p
		textIDs[send("xss_inbox_text")] = p
		send("xss_inbox_link")
		if render.SafeURL(p) {
			wantLinks++
		}
	}
	require.Greater(t, wantLinks, 0)
	require.Less(t, wantLinks, len(payloads), "some payloads are unsafe URLs")
	n := len(payloads)
	total := 2*n + wantLinks

	// Every message arrives but the unsafe links, each a message-error instead.
	// (On a busy machine a rendering may also run out of its time budget: that
	// is a message-error too, and the message comes with a later poll.)
	label := fmt.Sprintf("Inbox, %d unread", total)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`(() => { const s = `+browsertest.InboxStateJS+`;
		return s && s.label === %q && window.errors.filter(e => e.error.includes("not a safe URL")).length === %d; })()`,
		label, n-wantLinks), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		last, _ := chromedp.Run(ctx, chromedp.Evaluate[any](`[(`+browsertest.InboxStateJS+`).label, window.errors]`))
		require.NoError(t, err, "%d messages and %d message-errors; the page has %v", total, n-wantLinks, last)
	}

	browsertest.ClickInbox(t, ctx, ".bell", 0)
	browsertest.WaitInbox(t, ctx, `s.open && s.items.length > 0`)
	scrollInboxToEnd(t, ctx, total)

	type shown struct {
		Items    []inboxItem
		Elements []string
		URLs     []string
		Handlers []string
		Errors   []string
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(async () => {
		const r = document.querySelector("roost-inbox").shadowRoot;
		// Give what could fire (an image error, a focus, a toggle) its turn.
		await new Promise(res => requestAnimationFrame(() => requestAnimationFrame(res)));
		await new Promise(res => setTimeout(res, 0));
		const out = {Items: [], Elements: [], URLs: [], Handlers: [], Errors: window.errors.map(e => e.error)};
		for (const li of r.querySelectorAll(".item")) {
			const body = li.querySelector(".body"), img = li.querySelector("img");
			out.Items.push({ID: li.dataset.id, Title: li.querySelector(".message-title").textContent,
				Body: body ? body.textContent : "", BodyTag: body ? body.localName : "", Alt: img ? img.alt : "",
				Labels: [...li.querySelectorAll(".action")].map(a => a.textContent)});
		}
		// What the HTML bodies left: element names and attributes, but the
		// tabindex the element's roving focus gives their links.
		const own = (el, a) => a.name === "tabindex" && el.localName === "a" && /^(0|-1)$/.test(a.value);
		for (const el of r.querySelectorAll("div.body *")) {
			out.Elements.push(el.localName + [...el.attributes].filter(a => !own(el, a)).map(a => " " + a.name + "=" + a.value).join(""));
		}
		// Every link and image of the shadow root, by scheme.
		for (const el of r.querySelectorAll("[href], [src], [srcset], [action], [formaction]")) {
			for (const a of ["href", "src", "srcset", "action", "formaction"]) {
				if (el.hasAttribute(a)) out.URLs.push(el.localName + " " + a + " " + new URL(el.getAttribute(a), location.href).protocol + " " + el.getAttribute(a));
			}
		}
		// No element anywhere in it has an event handler or a script URL (an
		// image's alt is text: it may say anything).
		for (const el of r.querySelectorAll("*")) {
			for (const a of el.attributes) {
				if (/^on/i.test(a.name) || a.name !== "alt" && /^\s*(javascript|data|vbscript):/i.test(a.value)) out.Handlers.push(el.localName + " " + a.name + "=" + a.value);
			}
		}
		return out;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	require.Len(t, got.Items, total)
	var htmlTitles, htmlBodies, textTitles, textBodies []string
	links := 0
	for _, it := range got.Items {
		if p, ok := htmlIDs[it.ID]; ok {
			assert.Equal(t, p, it.Title, "trigger data is the title's text, exactly")
			assert.Equal(t, "div", it.BodyTag, "an HTML body: %q", p)
			assert.Equal(t, p, it.Alt, "trigger data is the image's alt")
			assert.Equal(t, []string{p, p}, it.Labels, "trigger and customer data are the actions' labels")
			htmlTitles = append(htmlTitles, it.Title)
			htmlBodies = append(htmlBodies, it.Body)
			continue
		}
		if p, ok := textIDs[it.ID]; ok {
			assert.Equal(t, p, it.Title, "customer data is the title's text, exactly")
			assert.Equal(t, "p", it.BodyTag)
			assert.Equal(t, p, it.Body, "trigger data is the body's text, exactly")
			assert.Equal(t, p, it.Alt, "customer data is the image's alt")
			assert.Equal(t, []string{p, p}, it.Labels)
			textTitles = append(textTitles, it.Title)
			textBodies = append(textBodies, it.Body)
			continue
		}
		assert.True(t, strings.HasPrefix(it.Title, "link "), "a link message: %+v", it)
		links++
	}
	assert.ElementsMatch(t, payloads, htmlTitles, "every HTML message is drawn")
	assert.ElementsMatch(t, payloads, textTitles, "every text message is drawn")
	assert.ElementsMatch(t, payloads, textBodies)
	assert.Len(t, htmlBodies, n)
	assert.Equal(t, wantLinks, links, "the link messages with a safe URL are drawn")

	allowed := map[string]bool{}
	for _, tag := range strings.Fields("b i em strong u s small br p ul ol li blockquote code pre span h1 h2 h3 h4 h5 h6 hr a") {
		allowed[tag] = true // formatting, without any attribute
	}
	for _, el := range got.Elements {
		if strings.HasPrefix(el, "a href=") && strings.HasSuffix(el, " rel=noopener noreferrer") {
			continue
		}
		assert.True(t, allowed[el], "left in the element: %q", el)
	}
	schemes := map[string]bool{"http:": true, "https:": true, "mailto:": true}
	require.NotEmpty(t, got.URLs)
	for _, u := range got.URLs {
		fields := strings.SplitN(u, " ", 4)
		require.Len(t, fields, 4, u)
		assert.True(t, schemes[fields[2]], "a link or image of the element: %q", u)
		raw := fields[3]
		if parsed, err := url.Parse(strings.TrimSpace(raw)); err == nil && parsed.Scheme != "" {
			assert.True(t, schemes[strings.ToLower(parsed.Scheme)+":"], "written with a safe scheme: %q", u)
		}
	}
	assert.Empty(t, got.Handlers, "no event handler or script URL in the element")
	unsafe := 0
	for _, e := range got.Errors {
		if strings.Contains(e, "not a safe URL") {
			unsafe++
			continue
		}
		assert.Contains(t, e, "render budget exceeded", "the only other message-error is a slow rendering")
		t.Logf("a rendering ran out of time (busy machine): %s", e)
	}
	assert.Equal(t, n-wantLinks, unsafe, "a message-error for each unsafe URL")

	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__pwned`))
	require.NoError(t, err)
	assert.Empty(t, pwned, "no payload ran")
	assert.Empty(t, dialogs(), "no dialog opened")
	assert.Empty(t, pageCSP(t, ctx), "no CSP violation but the sanitizer's parsing")
}

// TestInboxElementRichMessage: a rich message shows its image, its HTML
// body's formatting, and links to its url; a click on an action marks it
// read, records the click and fires a cancelable roost-action event: a page
// that prevents it stays where it is, else the browser goes to the action's
// url. A message of another type shows no image.
func TestInboxElementRichMessage(t *testing.T) {
	s := startSite(t) // first: building the runtime does not count against the tab's minute
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1200, 800)))
	s.createTemplate(t, `{"name":"Sale","trigger_name":"rich_sale","channel":"inbox","type":"rich","topics":["rich"],"content":{
		"title":"Spring sale","body":"plain text","body_html":"<p><strong>Half</strong> off <em>everything</em></p>","url":"/rich/sale",
		"image":{"url":"/welcome.svg","alt":"A blue mug"},
		"actions":[{"name":"shop","label":"Shop now","url":"#shop"},{"name":"later","label":"Later","url":"#later"}]}}`)
	s.createTemplate(t, `{"name":"Notice","trigger_name":"rich_notice","channel":"inbox","type":"notice","topics":["rich"],"content":{
		"title":"Maintenance","body":"Tonight","image":{"url":"/welcome.svg","alt":"not shown"}}}`)
	notice := s.sendInbox(t, `{"transactional_message_id":"rich_notice","identifiers":{"id":"user_123"},"message_data":{}}`)
	sale := s.sendInbox(t, `{"transactional_message_id":"rich_sale","identifiers":{"id":"user_123"},"message_data":{}}`)

	openInboxPage(t, ctx, s, "/rich/", inboxPage("en", "", `<roost-inbox topics="rich"></roost-inbox>`))
	browsertest.WaitInbox(t, ctx, `s.label === "Inbox, 2 unread"`)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.__actions = [];
		window.__hashes = [];
		window.__prevent = true;
		document.querySelector("roost-inbox").addEventListener("roost-action", e => {
			const d = e.detail;
			window.__actions.push({ID: d.message.deliveryId, Action: d.action, URL: d.url, Cancelable: e.cancelable});
			if (window.__prevent) e.preventDefault();
		});
		addEventListener("hashchange", () => window.__hashes.push(location.hash));
		return true;
	})()`))
	require.NoError(t, err)
	browsertest.ClickInbox(t, ctx, ".bell", 0)
	st := browsertest.WaitInbox(t, ctx, `s.open && s.items.length === 2`)
	assert.Equal(t, []string{"u Spring sale", "u Maintenance"}, st.Items)

	type drawn struct {
		Open, Href, Src, Alt, Body, HTML string
		Loaded                           bool
		Images                           int
		Labels, Hrefs                    []string
	}
	read := func(id string) drawn {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Poll[drawn](`(() => {
			const li = document.querySelector("roost-inbox").shadowRoot.querySelector('.item[data-id="`+id+`"]');
			const open = li.querySelector(".open"), img = li.querySelector("img"), body = li.querySelector(".body");
			if (img && !(img.complete && img.naturalWidth > 0)) return false;
			return {Open: open.localName, Href: open.getAttribute("href") || "", Src: img ? img.getAttribute("src") : "",
				Alt: img ? img.alt : "", Loaded: !!img, Images: li.querySelectorAll("img").length,
				Body: body.localName, HTML: body.innerHTML,
				Labels: [...li.querySelectorAll(".action")].map(a => a.textContent),
				Hrefs: [...li.querySelectorAll(".action")].map(a => a.getAttribute("href"))};
		})()`, chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err, "the message %s is drawn and its image, if any, loaded", id)
		return got
	}
	got := read(sale)
	assert.Equal(t, drawn{Open: "a", Href: "/rich/sale", Src: "/welcome.svg", Alt: "A blue mug", Loaded: true, Images: 1,
		Body: "div", HTML: "<p><strong>Half</strong> off <em>everything</em></p>",
		Labels: []string{"Shop now", "Later"}, Hrefs: []string{"#shop", "#later"}}, got,
		"a rich message: its image, its HTML body, a link to its url, its actions")
	got = read(notice)
	assert.Equal(t, drawn{Open: "button", Body: "p", HTML: "Tonight", Labels: []string{}, Hrefs: []string{}}, got,
		"a notice: no image, its text body, no url")

	// Prevented: the click is recorded, the page hears it, the page stays.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	require.NoError(t, err)
	browsertest.ClickInbox(t, ctx, ".action", 0)
	s.waitDelivery(t, sale, "opened", true)
	require.Eventually(t, func() bool {
		clicks, _ := s.delivery(t, sale)["clicks"].([]any)
		return len(clicks) == 1
	}, 10*time.Second, 20*time.Millisecond, "the server records the click")
	assert.Equal(t, []any{"shop"}, s.delivery(t, sale)["clicks"])
	type action struct {
		ID, Action, URL string
		Cancelable      bool
	}
	actions, err := chromedp.Run(ctx, chromedp.Evaluate[[]action](`window.__actions`))
	require.NoError(t, err)
	require.Len(t, actions, 1, "the page hears one roost-action")
	assert.Equal(t, action{ID: sale, Action: "shop", URL: "#shop", Cancelable: true}, actions[0],
		"detail: the message, the action and its url; cancelable")
	browsertest.WaitInbox(t, ctx, `s.items[0] === "r Spring sale" && s.label === "Inbox, 1 unread"`)

	// Not prevented: the browser goes to the action's url. The element
	// follows its actions' urls in the order they were clicked (each after
	// its click is recorded, or 2 s), so had it followed "#shop" it would
	// have done so first.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__prevent = false, true`))
	require.NoError(t, err)
	browsertest.ClickInbox(t, ctx, ".action", 1)
	hashes, err := chromedp.Run(ctx, chromedp.Poll[[]string](`window.__hashes.length > 0 && window.__hashes`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the browser goes to the action's url")
	assert.Equal(t, []string{"#later"}, hashes, "the prevented action was not followed")
	after, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	require.NoError(t, err)
	assert.Equal(t, before+"#later", after)
	require.Eventually(t, func() bool {
		clicks, _ := s.delivery(t, sale)["clicks"].([]any)
		return len(clicks) == 2
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, []any{"shop", "later"}, s.delivery(t, sale)["clicks"])
	actions, err = chromedp.Run(ctx, chromedp.Evaluate[[]action](`window.__actions`))
	require.NoError(t, err)
	require.Len(t, actions, 2)
	assert.Equal(t, "later", actions[1].Action)
	assert.Equal(t, "#later", actions[1].URL)
	noCSPViolations(t, ctx)
}
