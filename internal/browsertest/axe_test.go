package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// axePolicy is as strict as the example site's: only the site's own
// scripts, styles and images, with 'report-sample' so that a report names
// the script it blocked.
const axePolicy = "default-src 'self'; script-src 'self' 'report-sample'; report-uri /csp-report"

// axeHead starts every test page: the CSP watcher first, then a custom
// element with an open shadow root holding a stylesheet link, as Roost's
// components do (axe copies such a sheet into an inline <style> when it
// loads the CSSOM), and a button (named by its label attribute, unnamed
// without one).
const axeHead = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Axe test</title>
<script src="/watch.js"></script><script src="/card.js" defer></script></head>`

var axePages = map[string]string{
	"/broken": axeHead + `<body><main><h1>Broken</h1>
<section id="images"><img src="/pixel.png"></section>
<section id="buttons"><button id="empty"></button></section>
<section id="shadow"><test-card id="card"></test-card></section>
<section id="fine"><p>Nothing wrong here.</p></section>
</main></body></html>`,
	"/clean": axeHead + `<body><main><h1>Clean</h1>
<section id="images"><img src="/pixel.png" alt="A white dot"></section>
<section id="buttons"><button id="named">Save</button></section>
<section id="shadow"><test-card id="card" label="Open"></test-card></section>
</main></body></html>`,
	"/card.css": `.inner { font: inherit; }`,
	"/watch.js": `window.__csp = [];
document.addEventListener("securitypolicyviolation", e => window.__csp.push(e.effectiveDirective + " " + e.blockedURI + " " + e.sample));`,
	"/card.js": `customElements.define("test-card", class extends HTMLElement {
	connectedCallback() {
		if (this.shadowRoot) return;
		const b = document.createElement("button");
		b.className = "inner";
		if (this.hasAttribute("label")) b.textContent = this.getAttribute("label");
		const css = document.createElement("link");
		css.rel = "stylesheet";
		css.href = "/card.css";
		this.attachShadow({mode: "open"}).append(css, b);
	}
});`,
}

// axeSite serves axePages under axePolicy on 127.0.0.1 and keeps the CSP
// reports the browser sends.
type axeSite struct {
	*httptest.Server
	mu      sync.Mutex
	reports []string
	// controls is how many CSP violations requireNoCSPViolation made.
	controls int
}

func startAxeSite(t *testing.T) *axeSite {
	var pixel bytes.Buffer
	require.NoError(t, png.Encode(&pixel, image.NewGray(image.Rect(0, 0, 1, 1))))
	s := &axeSite{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", axePolicy)
		switch body, ok := axePages[r.URL.Path]; {
		case r.URL.Path == "/csp-report":
			b, _ := io.ReadAll(r.Body)
			s.mu.Lock()
			s.reports = append(s.reports, string(b))
			s.mu.Unlock()
		case r.URL.Path == "/pixel.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pixel.Bytes())
		case ok && strings.HasSuffix(r.URL.Path, ".css"):
			w.Header().Set("Content-Type", "text/css")
			io.WriteString(w, body)
		case ok && strings.HasSuffix(r.URL.Path, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
			io.WriteString(w, body)
		case ok:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, body)
		default:
			http.NotFound(w, r)
		}
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *axeSite) cspReports() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reports...)
}

// requireNoCSPViolation checks that the page in tab has broken its policy
// nowhere but in a control made now: an inline script, which the policy
// blocks. The page sees violations in order, so the control's is the only
// one it sees once it sees that one; and every report sent is a control's.
func (s *axeSite) requireNoCSPViolation(t *testing.T, tab context.Context) {
	t.Helper()
	_, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`{
		const s = document.createElement("script");
		s.textContent = "window.__control = 1";
		document.body.append(s);
	}`))
	require.NoError(t, err)
	csp, err := chromedp.Run(tab, chromedp.Poll[[]string](`window.__csp.length > 0 && window.__csp`, chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err)
	assert.Equal(t, []string{"script-src-elem inline window.__control = 1"}, csp)
	s.controls++
	require.Eventually(t, func() bool { return len(s.cspReports()) >= s.controls }, 10*time.Second, 20*time.Millisecond)
	for _, r := range s.cspReports() {
		assert.Contains(t, r, `"script-sample":"window.__control = 1"`)
	}
}

// byID is the violations by rule.
func byID(vs []AxeViolation) map[string]AxeViolation {
	m := map[string]AxeViolation{}
	for _, v := range vs {
		m[v.ID] = v
	}
	return m
}

// targets is each node's target, its frames' selectors joined by " | ".
func targets(v AxeViolation) []string {
	var out []string
	for _, n := range v.Nodes {
		out = append(out, strings.Join(n.Target, " | "))
	}
	return out
}

// fatalRecorder is a test whose Fatalf is kept instead of ending it.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

func TestAxe(t *testing.T) {
	NeedAxe(t)
	site := startAxeSite(t)
	tab := NewBrowser(t)

	t.Run("finds the violations, in the shadow root too, without a CSP violation", func(t *testing.T) {
		require.NoError(t, chromedp.Do(tab, chromedp.Navigate(site.URL+"/broken")))
		vs, err := Axe(tab, "")
		require.NoError(t, err)
		got := byID(vs)
		require.Contains(t, got, "image-alt", FormatAxeViolations(vs))
		assert.Equal(t, []string{"img"}, targets(got["image-alt"]))
		assert.Equal(t, "critical", got["image-alt"].Impact)
		assert.Contains(t, got["image-alt"].HelpURL, "image-alt")
		assert.Contains(t, got["image-alt"].Nodes[0].FailureSummary, "alt")
		require.Contains(t, got, "button-name", FormatAxeViolations(vs))
		assert.ElementsMatch(t, []string{"#empty", "#card >>> .inner"}, targets(got["button-name"]))
		assert.Len(t, vs, 2, FormatAxeViolations(vs))

		site.requireNoCSPViolation(t, tab)
	})

	t.Run("checks only the selector's elements", func(t *testing.T) {
		require.NoError(t, chromedp.Do(tab, chromedp.Navigate(site.URL+"/broken")))
		vs, err := Axe(tab, "#shadow")
		require.NoError(t, err)
		require.Len(t, vs, 1, FormatAxeViolations(vs))
		assert.Equal(t, "button-name", vs[0].ID)
		assert.Equal(t, []string{"#card >>> .inner"}, targets(vs[0]))

		vs, err = Axe(tab, "#fine")
		require.NoError(t, err)
		assert.Empty(t, vs, FormatAxeViolations(vs))

		_, err = Axe(tab, "#nowhere")
		require.Error(t, err)
	})

	t.Run("RequireNoAxeViolations lists each violation", func(t *testing.T) {
		require.NoError(t, chromedp.Do(tab, chromedp.Navigate(site.URL+"/broken")))
		rec := &fatalRecorder{TB: t}
		RequireNoAxeViolations(rec, tab, "")
		assert.Contains(t, rec.fatal, "2 accessibility violation(s) in the page")
		assert.Contains(t, rec.fatal, "image-alt (critical): Images must have alternative text")
		assert.Contains(t, rec.fatal, "button-name (critical): Buttons must have discernible text")
		assert.Contains(t, rec.fatal, "  - #card >>> .inner  <button class=\"inner\"></button>")
		assert.Contains(t, rec.fatal, "https://dequeuniversity.com/rules/axe/")
	})

	t.Run("a clean page has none", func(t *testing.T) {
		require.NoError(t, chromedp.Do(tab, chromedp.Navigate(site.URL+"/clean")))
		vs, err := Axe(tab, "")
		require.NoError(t, err)
		assert.Empty(t, vs, FormatAxeViolations(vs))
		rec := &fatalRecorder{TB: t}
		RequireNoAxeViolations(rec, tab, "#shadow")
		assert.Empty(t, rec.fatal)
		site.requireNoCSPViolation(t, tab)
	})
}

func TestAxeMissing(t *testing.T) {
	_, err := readAxe(filepath.Join(t.TempDir(), "axe.min.js"))
	require.ErrorIs(t, err, ErrNoAxe)
	assert.Contains(t, err.Error(), "run make axe")
}
