package inbox_test

import (
	"encoding/json"
	"testing"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
)

func TestMatchPage(t *testing.T) {
	for _, c := range []struct {
		rule, path string
		want       bool
	}{
		{"", "/anything", true},
		{"/", "/", true},
		{"/", "/shop", false},
		{"/account", "/account", true},
		{"/account", "/account/", false},
		{"/account/*", "/account/", true},
		{"/account/*", "/account/orders/7", true},
		{"/account/*", "/account", false},
		{"*/checkout", "/shop/checkout", true},
		{"*/checkout", "/shop/checkout/done", false},
		{"/p/*/edit", "/p/42/edit", true},
		{"/p/*/edit", "/p/42/view", false},
		{"/a*b*c", "/aXbYc", true},
		{"/a*b*c", "/acb", false},
		{"/a*a", "/a", false},
		{"*", "", true},
		{"*", "/x", true},
	} {
		assert.Equal(t, c.want, inbox.MatchPage(c.rule, c.path), "%q on %q", c.rule, c.path)
	}
}

func inApp(id string, priority int, sentAt int64, content string) inbox.Message {
	return inbox.Message{DeliveryID: id, Channel: inbox.ChannelInApp, Priority: priority, SentAtMs: sentAt,
		Content: json.RawMessage(content), Trigger: map[string]any{"page": "/shop"}}
}

func TestInAppOrderAndPageRule(t *testing.T) {
	expired := inApp("expired", 9, 50, `{"title":"d"}`)
	expired.ExpiresAtMs = now.UnixMilli()
	s := newStore(t,
		inApp("low-old", 0, 100, `{"title":"a"}`),
		inApp("high-new", 5, 300, `{"title":"b","page_rule":"{{trigger.page}}/*"}`),
		inApp("high-old", 5, 200, `{"title":"c"}`),
		expired, msg("inbox", 10))
	var got []string
	for _, m := range s.InApp() {
		got = append(got, m.DeliveryID)
	}
	assert.Equal(t, []string{"high-old", "high-new", "low-old"}, got)
	assert.Equal(t, "/shop/*", s.InApp()[1].PageRule, "the page rule is rendered")
	assert.Equal(t, []string{}, s.InApp()[0].Topics)
}

func TestPageRuleMustBeAString(t *testing.T) {
	s := inbox.NewStore(render.New(), nil)
	_, problems := s.Replace([]inbox.Message{inApp("bad", 0, 1, `{"title":"x","page_rule":42}`), inApp("ok", 0, 1, `{"page_rule":null}`)})
	if assert.Len(t, problems, 1) {
		assert.Equal(t, "bad", problems[0].DeliveryID)
		assert.Contains(t, problems[0].Err.Error(), `"page_rule" must be a string`)
	}
	assert.Len(t, s.InApp(), 1)
}
