package inbox

import (
	"slices"
	"strings"
)

// Filter selects the inbox messages a page asked for with analytics.inbox().
type Filter struct {
	// Topics: a message with any of these topics matches; none means every
	// topic except internal ones (those that start with "_"), which match only
	// when asked for by name.
	Topics []string `json:"topics,omitempty"`
	// Types: when set, a message whose type is not among them does not match.
	Types []string `json:"types,omitempty"`
}

// Match reports whether m passes the filter.
func (f Filter) Match(m *Message) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, m.Type) {
		return false
	}
	if len(f.Topics) == 0 {
		return len(m.Topics) == 0 || slices.ContainsFunc(m.Topics, isPublicTopic)
	}
	return slices.ContainsFunc(m.Topics, func(t string) bool { return slices.Contains(f.Topics, t) })
}

func isPublicTopic(t string) bool { return !strings.HasPrefix(t, "_") }
