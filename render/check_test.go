package render_test

import (
	"encoding/json"
	"testing"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		src    string
		line   int
		reason string // empty: the source is valid
	}{
		{"NoMarkup", "Hello there", 0, ""},
		{"Empty", "", 0, ""},
		{"LoneBrace", "a { b } c", 0, ""},
		{"Variables", "Hi {{customer.first_name}}, order {{ trigger.order_id }}", 0, ""},
		{"StandardFiltersMissingData", "{{ trigger.at | date: '%Y-%m-%d' }} {{ customer.name | default: 'friend' | upcase }} {{ customer.n | plus: 1 }} {{ x | truncate: 10 }}", 0, ""},
		{"FilterOnDataOfWrongType", "{{ customer.name | date: '%Y' | split: ',' | first | size }}", 0, ""},
		{"FilterNoSpaces", "{{x|upcase|downcase}}", 0, ""},
		{"ControlFlow", "{% if customer.vip %}VIP{% elsif customer.new %}new{% else %}hi{% endif %}\n{% for i in trigger.items %}{{ i.name }}{% endfor %}\n{% unless x %}{% endunless %}{% case x %}{% when 1 %}one{% endcase %}", 0, ""},
		{"AssignCapture", "{% assign n = customer.name | capitalize %}{% capture c %}{{ n }}{% endcapture %}{{ c }}", 0, ""},
		{"PipeInString", "{{ 'a | nosuch' | append: \"|nosuch\" }}", 0, ""},
		{"RawMayHoldAnything", "{% raw %}{{ x | nosuch }} {{ {% endraw %}", 0, ""},
		{"CommentMayHoldAnything", "{% comment %}{{ x | nosuch }}{% endcomment %}", 0, ""},
		{"WhitespaceControl", "{%- if x -%} {{- x | upcase -}} {%- endif -%}", 0, ""},

		{"UnterminatedIfLine3", "a\nb\n{% if x %}no end", 3, `unterminated "if" block in {% if x %}`},
		{"UnterminatedForLine1", "{% for %}", 1, `unterminated "for" block in {% for %}`},
		{"UnterminatedForLoop", "Items:\n{% for i in trigger.items %}{{ i }}", 2, `unterminated "for" block in {% for i in trigger.items %}`},
		{"StrayEnd", "x\n{% endif %}", 2, `endif not inside  in {% endif %}`},
		{"UnknownTag", "ok\n\n{% nosuch %}", 3, `undefined tag "nosuch" in {% nosuch %}`},
		{"BadExpression", "{{ x | }}", 1, `syntax error in "x |" in {{ x | }}`},
		{"UnknownFilterLine1", "{{ x | nosuch }}", 1, `undefined filter "nosuch" in {{ x | nosuch }}`},
		{"UnknownFilterLine3", "a\nb\nc {{ customer.name | upcase | nosuch: 1 }}", 3, `undefined filter "nosuch" in {{ customer.name | upcase | nosuch: 1 }}`},
		{"UnknownFilterInUntakenBranch", "{% if customer.vip %}\n{% else %}\n\n{{ x | shout }}{% endif %}", 4, `undefined filter "shout" in {{ x | shout }}`},
		{"UnknownFilterInTag", "{% assign y = x |\n nosuch %}", 1, `undefined filter "nosuch" in {% assign y = x |` + "\n" + ` nosuch %}`},
		{"UnknownFilterInElsif", "{% if a %}{% elsif b | nope %}{% endif %}", 1, `undefined filter "nope" in {% elsif b | nope %}`},
		{"UnclosedObject", "Hi\n{{ customer.name }", 2, `"{{" is not closed by "}}"`},
		{"UnclosedTag", "{% if x %}a{% endif %}\nb {% if", 2, `"{%" is not closed by "%}"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := render.New().Check(tc.src)
			if tc.reason == "" {
				assert.NoError(t, err)
				return
			}
			var rerr *render.Error
			require.ErrorAs(t, err, &rerr)
			assert.Equal(t, "", rerr.Field)
			assert.Equal(t, tc.line, rerr.Line)
			assert.Equal(t, tc.reason, rerr.Reason)
		})
	}
}

func TestCheckContent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		field   string
		line    int
		msg     string // the whole error message; empty: the content is valid
	}{
		{"OrderShipped", string(orderShipped), "", 0, ""},
		{"NoMarkup", `{"title":"Hello","body":"plain text","count":3,"ok":true,"none":null}`, "", 0, ""},
		{"EmptyObject", `{}`, "", 0, ""},
		{"NestedValid", `{"actions":[{"label":"See {{trigger.n | default: 0}}","url":"https://x.example/{{customer.id}}"}],"meta":{"x":"{{customer.city | upcase}}"}}`, "", 0, ""},

		{"BodyLine3", `{"title":"ok","body":"Hi\nthere\n{% if customer.vip %}VIP"}`, "body", 3,
			`content field "body", line 3: unterminated "if" block in {% if customer.vip %}`},
		{"TitleLine1", `{"title":"{% for %}"}`, "title", 1,
			`content field "title", line 1: unterminated "for" block in {% for %}`},
		{"ArrayElement", `{"actions":[{"label":"ok"},{"label":"{{ x | nosuch }}"}]}`, "actions[1].label", 1,
			`content field "actions[1].label", line 1: undefined filter "nosuch" in {{ x | nosuch }}`},
		{"NestedObject", `{"meta":{"x":{"y":"a\n{% frobnicate %}"}}}`, "meta.x.y", 2,
			`content field "meta.x.y", line 2: undefined tag "frobnicate" in {% frobnicate %}`},
		{"StringInTopLevelArray", `{"tags":["ok","{{ a | }}"]}`, "tags[1]", 1,
			`content field "tags[1]", line 1: syntax error in "a |" in {{ a | }}`},
		{"FirstFieldInContentOrder", `{"z":"{% if %}","a":"{{ x | nosuch }}"}`, "a", 1,
			`content field "a", line 1: undefined filter "nosuch" in {{ x | nosuch }}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := render.New()
			err := r.CheckContent(json.RawMessage(tc.content))
			if tc.msg == "" {
				assert.NoError(t, err)
				_, err = r.Content(json.RawMessage(tc.content), nil, nil)
				assert.NoError(t, err, "content that passes the check renders without data")
				return
			}
			var rerr *render.Error
			require.ErrorAs(t, err, &rerr)
			assert.Equal(t, tc.field, rerr.Field)
			assert.Equal(t, tc.line, rerr.Line)
			assert.EqualError(t, err, tc.msg)
		})
	}
	t.Run("NotAnObject", func(t *testing.T) {
		for _, c := range []string{`[]`, `["{{x}}"]`, `"x"`, `3`, `null`, `{`, ``} {
			err := render.New().CheckContent(json.RawMessage(c))
			var rerr *render.Error
			require.ErrorAs(t, err, &rerr, c)
			assert.Equal(t, "", rerr.Field)
			assert.EqualError(t, err, "content is not a JSON object", c)
		}
	})
	t.Run("DoesNotRenderOrCacheBeyondParsing", func(t *testing.T) {
		r := render.New()
		require.NoError(t, r.CheckContent(orderShipped))
		assert.Equal(t, 2, r.CachedTemplates(), "the check compiles through the cache Content uses")
		_, err := r.Content(orderShipped, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 2, r.CachedTemplates())
	})
}

func TestErrorMessage(t *testing.T) {
	assert.EqualError(t, &render.Error{Field: "body", Line: 3, Reason: "bad"}, `content field "body", line 3: bad`)
	assert.EqualError(t, &render.Error{Field: "body", Reason: "bad"}, `content field "body": bad`)
	assert.EqualError(t, &render.Error{Line: 2, Reason: "bad"}, `line 2: bad`)
	assert.EqualError(t, &render.Error{Reason: "bad"}, `bad`)
}
