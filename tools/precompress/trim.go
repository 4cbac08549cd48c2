package main

import (
	"fmt"
	"strings"
)

// trim returns the script or stylesheet src without what only its readers
// need: comment lines, comment blocks that start a line (a /*! block, the
// file's notice, is kept), indentation and blank lines. Lines stay lines, so
// JavaScript's automatic semicolons fall where they did. It refuses a
// template literal that spans lines, whose indentation would be its text.
func trim(name, src string) (string, error) {
	var out []string
	inComment, keep := false, false
	for i, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if inComment {
			end := strings.Index(t, "*/")
			if keep {
				out = append(out, t)
			}
			if end < 0 {
				continue
			}
			inComment = false
			if rest := strings.TrimSpace(t[end+2:]); !keep && rest != "" {
				out = append(out, rest)
			}
			continue
		}
		if strings.Count(t, "`")%2 == 1 {
			return "", fmt.Errorf("%s:%d: a template literal spans lines; trimming would change its text", name, i+1)
		}
		switch {
		case t == "" || strings.HasPrefix(t, "//"):
		case strings.HasPrefix(t, "/*"):
			keep = strings.HasPrefix(t, "/*!")
			if end := strings.Index(t[2:], "*/"); end >= 0 {
				if keep {
					out = append(out, t)
				} else if rest := strings.TrimSpace(t[end+4:]); rest != "" {
					out = append(out, rest)
				}
				continue
			}
			inComment = true
			if keep {
				out = append(out, t)
			}
		default:
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n") + "\n", nil
}
