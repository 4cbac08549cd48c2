package filters

// Roost: the hand-written helpers of text.go against the standard library
// implementations they replace (regexp, net/url, html), as tests and fuzz
// tests. `go test` runs each fuzz test on its seeds; fuzz with e.g.
//
//	go test -run '^$' -fuzz '^FuzzURLEncode$' -fuzztime 20s ./filters

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// textSeeds are inputs for every fuzz test here.
var textSeeds = []string{
	"",
	" ",
	"Ground control to Major Tom.",
	"  Ground \n control\tto\v\f\rMajor  ",
	"Straße über ⌘ ☃ \u00a0 \u2028",
	"\xff\xfe invalid \xc3",
	"Have <em>you</em> read <strong>Ulysses</strong>?",
	"<p\nclass=x>a</p>",
	"a<script type=\"module\">\nif (1 < 2) {}\n</script>b<style>p{}</style>c<!-- x\n -->d",
	"a<script>b<script>c</script>d</script>e<!-->f-->g<!--->",
	"<<a>> < > <scriptx></script <style",
	"1 < 2 & 3 > 2",
	"'Stop!' said Fred & <friends>/?=#",
	"%27Stop%21%27+said+Fred",
	"%", "%4", "%zz", "%4g", "a%2", "%%41", "%C3%9f+%2B%20",
	"&lt;&amp;&quot;&eacute;&#233;&#xE9;&frac12;&amp;amp;",
	"&; &#; &#x; &#X41; &#12a; &1a; &a-b; &&lt; &nbsp",
}

// Shopify Liquid's strip_html regexps (standardfilters.rb), in Go syntax:
// Ruby's /m is Go's (?s).
var (
	shopifyHTMLBlocks = regexp.MustCompile(`(?s)<script.*?</script>|<!--.*?-->|<style.*?</style>`)
	shopifyHTMLTags   = regexp.MustCompile(`(?s)<.*?>`)
	upstreamHTMLTags  = regexp.MustCompile(`<.*?>`) // liquid v1.6.0's
)

func FuzzStripHTML(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := stripHTML(s)
		want := shopifyHTMLTags.ReplaceAllString(shopifyHTMLBlocks.ReplaceAllString(s, ""), "")
		if got != want {
			t.Fatalf("stripHTML(%q) = %q, Shopify's regexps give %q", s, got, want)
		}
		// Where Shopify's blocks and multi-line tags play no part, the
		// result is upstream's.
		if !strings.Contains(s, "\n") && !strings.Contains(s, "<script") &&
			!strings.Contains(s, "<style") && !strings.Contains(s, "<!--") {
			if old := upstreamHTMLTags.ReplaceAllString(s, ""); got != old {
				t.Fatalf("stripHTML(%q) = %q, upstream's regexp gives %q", s, got, old)
			}
		}
	})
}

func TestURLEncodeEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		s := string([]byte{'a', byte(c), 'b'})
		if got, want := queryEscape(s), url.QueryEscape(s); got != want {
			t.Errorf("queryEscape(%q) = %q, url.QueryEscape gives %q", s, got, want)
		}
		checkURLDecode(t, s)
		checkURLDecode(t, "%"+string([]byte{byte(c)})+"0")
		checkURLDecode(t, "%0"+string([]byte{byte(c)}))
	}
}

// checkURLDecode fails t unless queryUnescape(s) is url.QueryUnescape(s),
// error message included.
func checkURLDecode(t *testing.T, s string) {
	t.Helper()
	got, err := queryUnescape(s)
	want, wantErr := url.QueryUnescape(s)
	if got != want || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("queryUnescape(%q) = %q, %v; url.QueryUnescape gives %q, %v", s, got, err, want, wantErr)
	}
}

func FuzzURLEncode(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		escaped := queryEscape(s)
		if want := url.QueryEscape(s); escaped != want {
			t.Fatalf("queryEscape(%q) = %q, url.QueryEscape gives %q", s, escaped, want)
		}
		checkURLDecode(t, s)
		checkURLDecode(t, escaped)
		if back, err := queryUnescape(escaped); err != nil || back != s {
			t.Fatalf("queryUnescape(queryEscape(%q)) = %q, %v", s, back, err)
		}
	})
}

// The escape_once definition Roost's brief gives, as a regexp: escape, then
// keep the '&' of each reference.
var escapedReference = regexp.MustCompile(`&amp;(#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);`)

func FuzzEscapeOnce(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := escapeOnce(s)
		want := escapedReference.ReplaceAllString(html.EscapeString(s), "&${1};")
		if got != want {
			t.Fatalf("escapeOnce(%q) = %q, the regexp gives %q", s, got, want)
		}
		// Escaping once is enough: escaped text stays as it is.
		if again := escapeOnce(got); again != got {
			t.Fatalf("escapeOnce(%q) = %q, escapeOnce of that = %q", s, got, again)
		}
	})
}

// upstreamSpaces is liquid v1.6.0's split on " ".
var upstreamSpaces = regexp.MustCompile(`[[:space:]]+`)

func FuzzTruncate(f *testing.F) {
	for _, s := range textSeeds {
		for _, n := range []int{-1, 0, 1, 2, 3, 4, 5, 15, 50, 1001} {
			f.Add(s, n, "...")
		}
		f.Add(s, 3, "")
		f.Add(s, 3, "…")
		f.Add(s, 20, "\n…\n")
	}
	f.Fuzz(func(t *testing.T, s string, n int, ellipsis string) {
		// truncate, against []rune slicing, where runes and bytes agree
		if utf8.ValidString(s) && utf8.ValidString(ellipsis) {
			want := s
			if r := []rune(s); len(r) > n {
				want = string(r[:max(0, n-utf8.RuneCountInString(ellipsis))]) + ellipsis
			}
			if got := truncate(s, n, ellipsis); got != want {
				t.Fatalf("truncate(%q, %d, %q) = %q, want %q", s, n, ellipsis, got, want)
			}
		}

		// rubyFields, against upstream's regexp, without its empty strings
		var want []string
		for _, w := range upstreamSpaces.Split(s, -1) {
			if w != "" {
				want = append(want, w)
			}
		}
		words := rubyFields(s)
		if words == nil || strings.Join(words, "\x00") != strings.Join(want, "\x00") || len(words) != len(want) {
			t.Fatalf("rubyFields(%q) = %q, want %q", s, words, want)
		}

		// truncateWords
		got := truncateWords(s, n, ellipsis)
		switch m := max(n, 1); {
		case len(words) <= m && got != s:
			t.Fatalf("truncateWords(%q, %d, %q) = %q, want the input", s, n, ellipsis, got)
		case len(words) > m && got != strings.Join(words[:m], " ")+ellipsis:
			t.Fatalf("truncateWords(%q, %d, %q) = %q, want %d words", s, n, ellipsis, got, m)
		}
	})
}
