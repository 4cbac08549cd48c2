package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// AxePath is where `make axe` installs axe-core, from the module root: the
// version tools/axe/package-lock.json pins.
const AxePath = "tools/axe/node_modules/axe-core/axe.min.js"

// ErrNoAxe is the error Axe wraps when axe-core is not installed.
var ErrNoAxe = errors.New("axe-core is not installed: run make axe")

// AxeViolation is one axe-core rule that the checked part of a page breaks.
type AxeViolation struct {
	ID      string    `json:"id"`      // the rule, e.g. "image-alt"
	Impact  string    `json:"impact"`  // minor, moderate, serious or critical
	Help    string    `json:"help"`    // what the rule asks, in a sentence
	HelpURL string    `json:"helpUrl"` // Deque's page on the rule
	Nodes   []AxeNode `json:"nodes"`   // the elements that break it
}

// AxeNode is one element that breaks a rule.
type AxeNode struct {
	// Target locates the element: one CSS selector per frame, outermost
	// first. Inside open shadow roots a selector is the hosts' selectors
	// and the element's, joined by " >>> " (axe's path through the roots).
	Target         []string `json:"target"`
	HTML           string   `json:"html"`           // the element's opening markup, as axe shortens it
	FailureSummary string   `json:"failureSummary"` // what to fix, one line a check
}

// String is the violation on a few lines: the rule, its impact and help,
// and each element with what to fix.
func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s\n  %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "  - %s  %s\n", strings.Join(n.Target, " | "), n.HTML)
		for line := range strings.Lines(n.FailureSummary) {
			fmt.Fprintf(&b, "      %s\n", strings.TrimRight(line, "\n"))
		}
	}
	return b.String()
}

// FormatAxeViolations lists violations readably, one after the other.
func FormatAxeViolations(vs []AxeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.String())
	}
	return b.String()
}

// axeSource is axe.min.js, read once per test binary.
var axeSource = sync.OnceValues(func() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return readAxe(filepath.Join(root, AxePath))
})

// readAxe reads axe-core's script from path; ErrNoAxe when it is missing.
func readAxe(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w (%s is missing)", ErrNoAxe, path)
	}
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// NeedAxe checks that axe-core is installed; without it the test fails
// when ROOST_BROWSER_TESTS=require (as in `make test`) and is skipped
// otherwise, as Chromium does. Call it before NewBrowser.
func NeedAxe(t testing.TB) {
	t.Helper()
	_, err := axeSource()
	if err == nil {
		return
	}
	if !errors.Is(err, ErrNoAxe) || os.Getenv("ROOST_BROWSER_TESTS") == "require" {
		t.Fatal(err)
	}
	t.Skip(err.Error() + "; `make test` runs the accessibility checks")
}

// axeRun runs axe on %s (a context: document or a selector) for
// violations only and returns them as JSON, without the passes and the
// rest that would only be thrown away.
//
// It preloads media but not the CSSOM: to read a shadow root's stylesheets
// axe copies each into a <style> element (of a document of its own, which
// takes the page's policy), and a style-src without 'unsafe-inline' blocks
// and reports each copy. Without the CSSOM, css-orientation-lock, the one
// rule that needs it, comes out incomplete (so never a violation).
const axeRun = `axe.run(%s, {resultTypes: ["violations"], preload: {assets: ["media"]}}).then(r => JSON.stringify(r.violations.map(v => ({
	id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
	nodes: v.nodes.map(n => ({
		target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)),
		html: n.html, failureSummary: n.failureSummary || "",
	})),
}))))`

// Axe runs axe-core's default rules in the tab ctx on the elements
// selector matches (the whole document when it is empty; an error when it
// matches none) and returns the rules they break, none when they pass.
// axe looks into open shadow roots, and into same-origin frames. All the
// rules but css-orientation-lock (see axeRun) are checked.
//
// axe-core is loaded into the page, once per document, by evaluating its
// source with the DevTools protocol (Runtime.evaluate), not by a <script>
// element: a Content-Security-Policy that allows only the site's scripts
// neither blocks it nor reports it.
func Axe(ctx context.Context, selector string) ([]AxeViolation, error) {
	src, err := axeSource()
	if err != nil {
		return nil, err
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" && typeof window.axe.run === "function"`))
	if err != nil {
		return nil, fmt.Errorf("axe: %w", err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			return nil, fmt.Errorf("axe: loading axe-core: %w", err)
		}
	}
	scope := "document"
	if selector != "" {
		sel, err := json.Marshal(selector)
		if err != nil {
			return nil, err
		}
		scope = string(sel)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(axeRun, scope), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe on %q: %w", selector, err)
	}
	var vs []AxeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("axe on %q: %w", selector, err)
	}
	return vs, nil
}

// RequireNoAxeViolations runs Axe on selector in the tab ctx (the whole
// document when empty) and fails the test, listing each violation, when
// there is any. Without axe-core it acts as NeedAxe does.
func RequireNoAxeViolations(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	NeedAxe(t)
	vs, err := Axe(ctx, selector)
	require.NoError(t, err)
	if len(vs) > 0 {
		where := "the page"
		if selector != "" {
			where = selector
		}
		t.Fatalf("axe-core finds %d accessibility violation(s) in %s:\n%s", len(vs), where, FormatAxeViolations(vs))
	}
}
