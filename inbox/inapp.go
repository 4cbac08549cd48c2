package inbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PageRuleField is the optional string field of an in-app message's content
// that restricts the pages it shows on: a path pattern matched against the
// page's location.pathname, "*" standing for any run of characters (see MatchPage).
const PageRuleField = "page_rule"

// RejectAlreadyDelivered is the server's reason for rejecting a delivered
// event about an in-app message another browser (or tab's runtime) claimed
// first: the browser must not show it.
const RejectAlreadyDelivered = "already delivered"

// InAppMessage is an in-app message as page JS receives it (the shim adds
// dismiss and trackClick), with what the runtime needs to pick the tab.
type InAppMessage struct {
	// DeliveryID identifies the delivery (events name it).
	DeliveryID string `json:"deliveryId"`
	// Properties is the rendered content.
	Properties json.RawMessage `json:"properties"`
	// Type is the template's message type.
	Type string `json:"type"`
	// Topics are the template's topics, never null.
	Topics []string `json:"topics"`
	// Priority orders messages: higher first.
	Priority int `json:"priority"`
	// PageRule is the rendered page_rule: "" shows on every page.
	PageRule string `json:"-"`
	// SentAtMs orders messages of equal priority, oldest first.
	SentAtMs int64 `json:"-"`
	// Persistent is the content's "persistent": the message stays until the
	// person dismisses it, across page loads.
	Persistent bool `json:"-"`
}

// CompareInApp orders in-app messages as they are shown: higher priority
// first, then oldest, then by delivery id.
func CompareInApp(a, b InAppMessage) int {
	return cmp.Or(cmp.Compare(b.Priority, a.Priority), cmp.Compare(a.SentAtMs, b.SentAtMs), cmp.Compare(a.DeliveryID, b.DeliveryID))
}

// SortInApp sorts ms in the order CompareInApp gives. (sort.Slice, not
// slices.SortFunc: each struct type slices sorts adds some 25 KB of generic
// code to the browser build.)
func SortInApp(ms []InAppMessage) {
	sort.Slice(ms, func(i, j int) bool { return CompareInApp(ms[i], ms[j]) < 0 })
}

// InApp returns the rendered in-app messages the server has queued that have
// not expired, in the order CompareInApp gives.
func (s *Store) InApp() []InAppMessage {
	nowMs := s.now().UnixMilli()
	var out []InAppMessage
	for _, it := range s.items {
		m := &it.msg
		if m.Channel != ChannelInApp || (m.ExpiresAtMs != 0 && m.ExpiresAtMs <= nowMs) {
			continue
		}
		var rule struct {
			PageRule   string `json:"page_rule"`
			Persistent any    `json:"persistent"`
		}
		_ = json.Unmarshal(it.props, &rule) // a rendered object whose page_rule Validate checked
		topics := m.Topics
		if topics == nil {
			topics = []string{}
		}
		out = append(out, InAppMessage{DeliveryID: m.DeliveryID, Properties: it.props, Type: m.Type, Topics: topics,
			Priority: m.Priority, PageRule: rule.PageRule, SentAtMs: m.SentAtMs, Persistent: rule.Persistent == true || rule.Persistent == "true"})
	}
	SortInApp(out)
	return out
}

// checkPageRule reports a page_rule in content that is not a string.
func checkPageRule(content json.RawMessage) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(content, &fields); err != nil {
		return fmt.Errorf("content is not a JSON object: %w", err)
	}
	raw, ok := fields[PageRuleField]
	if !ok || string(raw) == "null" {
		return nil
	}
	var rule string
	if err := json.Unmarshal(raw, &rule); err != nil {
		return fmt.Errorf("content field %q must be a string such as \"/account/*\", got %s", PageRuleField, raw)
	}
	return nil
}

// MatchPage reports whether a page whose location.pathname is path matches
// an in-app message's page rule. An empty rule matches every page; otherwise
// the whole path must match, "*" standing for any run of characters ("/"
// included): "/account/*" matches "/account/" and "/account/orders/7" but
// not "/account"; "*/checkout" matches any path ending in "/checkout".
func MatchPage(rule, path string) bool {
	if rule == "" {
		return true
	}
	parts := strings.Split(rule, "*")
	if len(parts) == 1 {
		return rule == path
	}
	rest, ok := strings.CutPrefix(path, parts[0])
	if !ok {
		return false
	}
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}
