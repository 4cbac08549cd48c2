package filters

// Hand-written string helpers for the standard filters. They replace uses of
// regexp and net/url (Roost patch: see third_party/README.md), which would
// otherwise be linked into every program that uses liquid.

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// stripHTML removes HTML from s, as Shopify Liquid's strip_html does: first
// every <script…</script>, <!--…--> and <style…</style> block with its
// content, then every remaining <…> tag. Each match is the shortest one, and
// may span lines.
func stripHTML(s string) string {
	return stripTags(stripBlocks(s))
}

// htmlBlocks are the blocks stripBlocks removes, by what opens and closes them.
var htmlBlocks = [...]struct{ open, close string }{
	{"<script", "</script>"},
	{"<!--", "-->"},
	{"<style", "</style>"},
}

// stripBlocks removes the htmlBlocks from s, scanning left to right: at each
// '<', a block whose opening is there is removed up to the first following
// closing; one with no closing after it is left.
func stripBlocks(s string) string {
	var b strings.Builder
	var unclosed [len(htmlBlocks)]bool // no closing remains in s after this point
	start := 0                         // s[start:i] is not yet written
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		for k, blk := range htmlBlocks {
			if unclosed[k] || !strings.HasPrefix(s[i:], blk.open) {
				continue
			}
			body := i + len(blk.open)
			j := strings.Index(s[body:], blk.close)
			if j < 0 {
				unclosed[k] = true
				continue
			}
			b.WriteString(s[start:i])
			start = body + j + len(blk.close)
			i = start - 1
			break
		}
	}
	if start == 0 {
		return s
	}
	b.WriteString(s[start:])
	return b.String()
}

// stripTags removes from s each '<' and what follows it up to and including
// the next '>'.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i+1:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+1+j+1:]
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s)
	return b.String()
}

// truncate shortens s to n characters (runes), as Shopify Liquid's truncate
// does: s is returned unchanged if it has at most n runes; otherwise its first
// n-len(ellipsis) runes (none, if that is negative) followed by ellipsis.
func truncate(s string, n int, ellipsis string) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return prefixRunes(s, n-utf8.RuneCountInString(ellipsis)) + ellipsis
}

// prefixRunes returns the first n runes of s (all of s if it has fewer; none
// if n <= 0). An invalid UTF-8 byte counts as one rune.
func prefixRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// truncateWords shortens s to n words, as Shopify Liquid's truncatewords
// does: s is returned unchanged if it has at most n words (n < 1 counts as
// 1); otherwise its first n words, joined by single spaces, followed by
// ellipsis. Words are separated by whitespace, as in rubyFields.
func truncateWords(s string, n int, ellipsis string) string {
	n = max(n, 1)
	words := rubyFields(s)
	if len(words) <= n {
		return s
	}
	return strings.Join(words[:n], " ") + ellipsis
}

// rubyFields splits s around runs of ASCII whitespace (space, \t, \n, \v,
// \f, \r), as Ruby's s.split(" ") does: no empty strings, and an empty (not
// nil) slice when s is empty or only whitespace.
func rubyFields(s string) []string {
	return strings.FieldsFunc(s, isRubySpace)
}

// isRubySpace reports whether r is ASCII whitespace, as Ruby's split(" ")
// and POSIX [[:space:]] define it.
func isRubySpace(r rune) bool {
	return r == ' ' || '\t' <= r && r <= '\r'
}

// queryEscape escapes s for a URL query component, exactly as net/url's
// QueryEscape does: ASCII letters, digits and "-_.~" are kept, ' ' becomes
// '+', and every other byte becomes %XX (upper-case hex).
func queryEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isURLUnreserved(c):
			if b != nil {
				b = append(b, c)
			}
			continue
		case b == nil:
			b = make([]byte, i, len(s)+2*(len(s)-i))
			copy(b, s[:i])
		}
		if c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}

// isURLUnreserved reports whether c is an RFC 3986 unreserved character.
func isURLUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// queryUnescape undoes queryEscape, exactly as net/url's QueryUnescape does:
// %XX becomes the byte XX (either case of hex), '+' becomes ' ', and other
// bytes are kept. A '%' not followed by two hex digits is an error, with
// QueryUnescape's message.
func queryUnescape(s string) (string, error) {
	n := 0 // escapes and pluses
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", urlEscapeError(s[i:min(i+3, len(s))])
			}
			n++
			i += 2
		case '+':
			n++
		}
	}
	if n == 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case '+':
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// urlEscapeError is queryUnescape's error: the bad escape, up to 3 bytes. Its
// message is that of net/url's EscapeError.
type urlEscapeError string

func (e urlEscapeError) Error() string {
	return "invalid URL escape " + strconv.Quote(string(e))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex is the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// escapeOnce escapes s for HTML as html.EscapeString does (the escape
// filter), except that an '&' that begins an entity or character reference
// is kept: one of &name; (a letter, then letters and digits), &#123; or
// &#x1F;. So text that is already escaped is not escaped twice, and no table
// of entity names is needed. This is Shopify Liquid's escape_once, with hex
// references and names with digits (&frac12;) also kept.
func escapeOnce(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			if isReference(s[i+1:]) {
				b.WriteByte('&')
			} else {
				b.WriteString("&amp;")
			}
		case '\'':
			b.WriteString("&#39;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isReference reports whether s, the text after an '&', begins with the rest
// of a reference: name; or #digits; or #xhexdigits; where a name is an ASCII
// letter followed by ASCII letters and digits.
func isReference(s string) bool {
	var i int
	switch {
	case strings.HasPrefix(s, "#x"):
		i = 2 + countPrefix(s[2:], isHex)
		if i == 2 {
			return false
		}
	case strings.HasPrefix(s, "#"):
		i = 1 + countPrefix(s[1:], isDigit)
		if i == 1 {
			return false
		}
	case len(s) > 0 && isLetter(s[0]):
		i = countPrefix(s, func(c byte) bool { return isLetter(c) || isDigit(c) })
	default:
		return false
	}
	return i < len(s) && s[i] == ';'
}

// countPrefix is the number of leading bytes of s for which ok is true.
func countPrefix(s string, ok func(byte) bool) int {
	i := 0
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
