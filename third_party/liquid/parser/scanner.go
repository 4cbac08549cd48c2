package parser

import (
	"strings"
)

// Scan breaks a string into a sequence of Tokens.
func Scan(data string, loc SourceLoc, delims []string) (tokens []Token) {
	// Apply defaults
	if len(delims) != 4 {
		delims = []string{"{{", "}}", "{%", "%}"}
	}
	// TODO error on unterminated {{ and {%
	// TODO probably an error when a tag contains a {{ or {%, at least outside of a string
	p, pe := 0, len(data)
	for _, m := range findTokens(data, delims) {
		ts, te := m[0], m[1]
		if p < ts {
			tokens = append(tokens, Token{Type: TextTokenType, SourceLoc: loc, Source: data[p:ts]})
			loc.LineNo += strings.Count(data[p:ts], "\n")
		}
		source := data[ts:te]
		switch {
		case data[ts:ts+len(delims[0])] == delims[0]:
			if source[2] == '-' {
				tokens = append(tokens, Token{
					Type: TrimLeftTokenType,
				})
			}
			tokens = append(tokens, Token{
				Type:      ObjTokenType,
				SourceLoc: loc,
				Source:    source,
				Args:      data[m[2]:m[3]],
			})
			if source[len(source)-3] == '-' {
				tokens = append(tokens, Token{
					Type: TrimRightTokenType,
				})
			}
		case data[ts:ts+len(delims[2])] == delims[2]:
			if source[2] == '-' {
				tokens = append(tokens, Token{
					Type: TrimLeftTokenType,
				})
			}
			tok := Token{
				Type:      TagTokenType,
				SourceLoc: loc,
				Source:    source,
				Name:      data[m[4]:m[5]],
			}
			if m[6] > 0 {
				tok.Args = data[m[6]:m[7]]
			}
			tokens = append(tokens, tok)
			if source[len(source)-3] == '-' {
				tokens = append(tokens, Token{
					Type: TrimRightTokenType,
				})
			}
		}
		loc.LineNo += strings.Count(source, "\n")
		p = te
	}
	if p < pe {
		tokens = append(tokens, Token{Type: TextTokenType, SourceLoc: loc, Source: data[p:]})
	}
	return tokens
}
