package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// xssPayloads reads testdata/xss.txt.
func xssPayloads(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/xss.txt")
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "# ") {
			out = append(out, line)
		}
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, len(out), 50)
	return out
}

// sanitizerParsing tells the Content-Security-Policy violation reports of
// the shim's HTML sanitizer parsing hostile *_html fields: Chromium checks a
// DOMParser document (it has the page's policy) as it parses, and reports
// its inline event handlers, style attributes, <style> and <base>, which the
// policy blocks and the sanitizer then drops. Nothing runs or loads.
func sanitizerParsing(report string) bool {
	var r struct {
		Report struct {
			Directive  string `json:"effective-directive"`
			SourceFile string `json:"source-file"`
		} `json:"csp-report"`
	}
	if json.Unmarshal([]byte(report), &r) != nil || !strings.HasSuffix(r.Report.SourceFile, "/roost/roost-page.js") {
		return false
	}
	switch r.Report.Directive {
	case "script-src-attr", "style-src-attr", "style-src-elem", "base-uri":
		return true
	}
	return false
}

// TestXSSPayloadsNeverRun: every payload of the corpus, placed in trigger
// data and in the person's attributes, rendered by the runtime into inbox
// text fields, an HTML field and a URL field, then put into the page the way
// a page does (textContent, innerHTML of a *_html field, an href): no script
// runs, and text fields show the payload as text.
func TestXSSPayloadsNeverRun(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	s.cspReportExpected = sanitizerParsing
	payloads := xssPayloads(t)

	// The probe templates: text, HTML and URL fields fed by trigger and customer data.
	probe := `{"name":"XSS probe","trigger_name":"xss_probe","channel":"inbox","topics":["xss"],"content":{
		"title":"{{ trigger.p }}","body":"{{ customer[trigger.k] }}",
		"body_html":"<p><b>Order</b> {{ trigger.p }}</p><p>{{ customer[trigger.k] }}</p>",
		"url":"/search?q={{ trigger.p | url_encode }}"}}`
	status, res := s.api(t, "POST", "/v1/transactional", "test-key", probe)
	require.Equal(t, 201, status, res)
	link := `{"name":"XSS link","trigger_name":"xss_link","channel":"inbox","topics":["xss-link"],"content":{"title":"link","url":"{{ trigger.p }}"}}`
	status, res = s.api(t, "POST", "/v1/transactional", "test-key", link)
	require.Equal(t, 201, status, res)
	attrs := map[string]any{}
	for i, p := range payloads {
		attrs[fmt.Sprintf("x%d", i)] = p
	}
	body, _ := json.Marshal(map[string]any{"attributes": attrs})
	status, res = s.api(t, "PUT", "/v1/people/user_123", "test-key", string(body))
	require.Equal(t, 200, status, res)

	dialogs := watchDialogs(t, ctx)
	openPage(t, ctx, s)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.__pwned = [];
		window.__xss = () => window.__pwned.push(new Error().stack);
		window.errors = [];
		analytics.on("message-error", e => window.errors.push(e));
		window.probe = analytics.inbox("xss");
		window.links = analytics.inbox("xss-link");
		return true;
	})()`))
	require.NoError(t, err)

	wantLinks := 0
	for i, p := range payloads {
		data, _ := json.Marshal(map[string]any{"p": p, "k": fmt.Sprintf("x%d", i), "i": i})
		s.sendInbox(t, `{"transactional_message_id":"xss_probe","identifiers":{"id":"user_123"},"message_data":`+string(data)+`}`)
		s.sendInbox(t, `{"transactional_message_id":"xss_link","identifiers":{"id":"user_123"},"message_data":`+string(data)+`}`)
		if render.SafeURL(p) {
			wantLinks++
		}
	}
	require.Greater(t, wantLinks, 0)
	require.Less(t, wantLinks, len(payloads), "some payloads are unsafe URLs")

	// Every probe arrives; the link messages arrive unless their URL is unsafe,
	// which is a message-error naming the field instead.
	n := len(payloads)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`Promise.all([window.probe.total(), window.links.total()]).then(([a, b]) => a === %d && b === %d && window.errors.length === %d)`,
		n, wantLinks, n-wantLinks), chromedp.WithPollingTimeout(30*time.Second)))
	require.NoError(t, err, "%d probes, %d links and %d message-errors", n, wantLinks, n-wantLinks)

	// Put everything into the page as a page would.
	type shown struct {
		Titles, Bodies []string
		Elements       []string
		Errors         []string
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(async () => {
		const root = document.createElement("section");
		document.body.append(root);
		const out = {Titles: [], Bodies: [], Elements: [], Errors: window.errors.map(e => e.error)};
		for (const m of await window.probe.messages()) {
			const title = document.createElement("h3"); title.textContent = m.properties.title;
			const body = document.createElement("p"); body.textContent = m.properties.body;
			const html = document.createElement("div"); html.innerHTML = m.properties.body_html;
			const a = document.createElement("a"); a.href = m.properties.url; a.textContent = "search";
			root.append(title, body, html, a);
			out.Titles.push(title.textContent);
			out.Bodies.push(body.textContent);
		}
		for (const m of await window.links.messages()) {
			const a = document.createElement("a"); a.href = m.properties.url; a.textContent = "link";
			root.append(a);
		}
		// What the HTML fields left: element names, attributes, and hrefs' schemes.
		for (const el of root.querySelectorAll("div *")) {
			out.Elements.push(el.localName + [...el.attributes].map(a => " " + a.name + "=" + a.value).join(""));
		}
		for (const a of root.querySelectorAll("a[href]")) {
			out.Elements.push("href " + new URL(a.getAttribute("href"), location.href).protocol);
		}
		// Give what could fire (an image error, a focus, a toggle) its turn.
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		await new Promise(r => setTimeout(r, 0));
		return out;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)

	assert.ElementsMatch(t, payloads, got.Titles, "trigger data shows as text, exactly")
	assert.ElementsMatch(t, payloads, got.Bodies, "customer data shows as text, exactly")
	allowed := map[string]bool{"href http:": true, "href https:": true, "href mailto:": true}
	for _, tag := range strings.Fields("b i em strong u s small br p ul ol li blockquote code pre span h1 h2 h3 h4 h5 h6 hr a") {
		allowed[tag] = true // formatting, without any attribute
	}
	for _, el := range got.Elements {
		name, _, _ := strings.Cut(el, " ")
		if name == "a" || name == "href" {
			assert.True(t, allowed[el] || strings.HasPrefix(el, "a href=") && strings.HasSuffix(el, " rel=noopener noreferrer"), "left in the page: %q", el)
			continue
		}
		assert.True(t, allowed[el], "left in the page: %q", el)
	}
	for _, e := range got.Errors {
		assert.Contains(t, e, `content field "url": not a safe URL`)
	}

	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__pwned`))
	require.NoError(t, err)
	assert.Empty(t, pwned, "no payload ran")
	assert.Empty(t, dialogs(), "no dialog opened")
}

// TestXSSPayloadsNeverRunInApp: the corpus in trigger and customer data,
// rendered into every part of an in-app message (title, body, image alt,
// action labels), in every layout of Roost's presenter: shown as text, and
// nothing runs.
func TestXSSPayloadsNeverRunInApp(t *testing.T) {
	ctx := newBrowser(t)
	s := startSite(t)
	payloads := xssPayloads(t)
	joined := strings.Join(payloads, "\n")
	body, _ := json.Marshal(map[string]any{"attributes": map[string]any{"all": joined}})
	status, res := s.api(t, "PUT", "/v1/people/user_123", "test-key", string(body))
	require.Equal(t, 200, status, res)

	openPage(t, ctx, s)
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.__pwned = [];
		window.__xss = () => window.__pwned.push(new Error().stack);
		const target = document.createElement("div");
		target.id = "xss-inline";
		document.querySelector("main").prepend(target);
		return true;
	})()`))
	require.NoError(t, err)

	for _, layout := range []string{"modal", "top", "bottom", "inline"} {
		template := fmt.Sprintf(`{"name":"XSS %[1]s","trigger_name":"xss_%[1]s","channel":"in_app","content":{
			"layout":%[2]q,"target":"xss-inline","title":"{{ trigger.p }}","body":"{{ customer.all }}",
			"image":{"url":"/welcome.svg","alt":"{{ trigger.p }}"},
			"actions":[{"name":"a","label":"{{ trigger.first }}"},{"name":"b","label":"{{ customer.all | truncate: 40 }}","url":"/?q={{ trigger.p | url_encode }}"}]}}`,
			layout, layout)
		status, res := s.api(t, "POST", "/v1/transactional", "test-key", template)
		require.Equal(t, 201, status, res)
		data, _ := json.Marshal(map[string]any{"p": joined, "first": payloads[0]})
		id := s.sendInApp(t, `{"transactional_message_id":"xss_`+layout+`","identifiers":{"id":"user_123"},"message_data":`+string(data)+`}`)

		host := `[...document.querySelectorAll("roost-inapp")].find(h => h.shadowRoot && h.shadowRoot.querySelector('.message[data-delivery-id="` + id + `"]'))`
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!!`+host, chromedp.WithPollingTimeout(15*time.Second)))
		if err != nil {
			s.logRequests(t)
			t.Logf("the delivery: %v", s.delivery(t, id))
		}
		require.NoError(t, err, layout)
		type shown struct {
			Title, Body, Alt string
			Labels, Elements []string
		}
		got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`(async () => {
			const root = `+host+`.shadowRoot;
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
			const out = {Title: root.querySelector(".title").textContent, Body: root.querySelector(".body").textContent,
				Alt: root.querySelector("img") ? root.querySelector("img").alt : "",
				Labels: [...root.querySelectorAll(".action")].map(a => a.textContent), Elements: []};
			for (const el of root.querySelectorAll("*")) {
				out.Elements.push(el.localName + [...el.attributes].filter(a => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value)).map(a => " " + a.name).join(""));
			}
			return out;
		})()`, chromedp.EvalAwaitPromise))
		require.NoError(t, err, layout)
		assert.Equal(t, joined, got.Title, "%s: trigger data is the title's text", layout)
		assert.Equal(t, joined, got.Body, "%s: customer data is the body's text", layout)
		assert.Equal(t, joined, got.Alt, "%s: and the image's alt", layout)
		require.Len(t, got.Labels, 2, layout)
		assert.Equal(t, payloads[0], got.Labels[0], layout)
		presenter := map[string]bool{"link": true, "dialog": true, "div": true, "img": true, "h2": true, "p": true, "button": true, "a": true, "svg": true, "path": true}
		for _, el := range got.Elements {
			assert.True(t, presenter[el], "%s: only the presenter's own elements, no handler or javascript: attribute: %q", layout, el)
		}

		// Dismiss it for the next layout.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](host+`.shadowRoot.querySelector(".close").click(), true`))
		require.NoError(t, err)
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!`+host, chromedp.WithPollingTimeout(10*time.Second)))
		require.NoError(t, err, layout)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__pwned`))
	require.NoError(t, err)
	assert.Empty(t, pwned, "no payload ran")
}
