package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/expressions"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// marshalContent is Content as it was before plans (content.go): decode,
// render every string in walk's order, json.Marshal. It is the oracle of
// the tests below.
func marshalContent(r *Renderer, content json.RawMessage, customer, trigger map[string]any) (json.RawMessage, error) {
	doc, err := decodeObject(content)
	if err != nil {
		return nil, err
	}
	if customer == nil {
		customer = map[string]any{}
	}
	if trigger == nil {
		trigger = map[string]any{}
	}
	b := liquid.Bindings{"customer": customer, "trigger": trigger}
	budget := budget(r.renderTime)
	out, err := walk(doc, "", func(path, src string) (string, error) {
		var buf bytes.Buffer
		err := r.renderTo(&buf, src, b, &budget)
		s := buf.String()
		if err != nil {
			return "", liquidError(path, err)
		}
		if isURLField(path) && !SafeURL(s) {
			return "", unsafeURL(path, s)
		}
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// renderTo renders src as Content did before plans: compiled when it is
// rendered.
func (r *Renderer) renderTo(buf *bytes.Buffer, src string, b liquid.Bindings, budget *expressions.Budget) error {
	if !strings.Contains(src, "{") {
		buf.Reset()
		buf.WriteString(src)
		return nil
	}
	tpl, err := r.Compile(src)
	return render(buf, src, tpl, err, b, budget, nil)
}

// contentCases are contents whose rendering Content must give as the oracle
// does, byte for byte, or fail with the same error.
var contentCases = []string{
	`{}`,
	`{"title":"plain","n":1.50,"big":123456789012345678901234567890,"ok":true,"no":false,"none":null}`,
	`{"b":"{{customer.name}}","a":"x","c":{"z":"{{trigger.t}}","y":[1,"{{customer.name | upcase}}",{"k":"v"},[],{}]}}`,
	`{"dup":"first {{customer.name}}","dup":"second {{customer.name}}"}`,
	`{"h":"<b>{{customer.html}}</b> & {{customer.ctl}}","\u00e9t\u00e9":"{{customer.name}}","<k>":"v&"}`,
	`{"line":"a\u2028b\u2029{{customer.seps}}","esc":"\"\\\/\b\f\n\r\t\u0001\u007f"}`,
	`{"bad":"\ud800 lone surrogate {{customer.name}}"}`,
	`{"url":"https://x.example/{{customer.name}}","actions":[{"url":"javascript:alert(1)"}]}`,
	`{"a":"{{customer.name}}","url":"javascript:{{customer.name}}"}`,
	`{"a":"{% if %}","b":"{{ x | nosuch }}"}`,
	`{"z":"{% if %}","a":"{{ x | nosuch }}"}`,
	`{"image":"{{ customer.html }}"}`,
	`{"a":"{% for i in (1..3000) %}x{% endfor %}","b":"fine"}`,
	`{"a":"{% assign x = 'leak' %}{{x}}","b":"[{{x}}]"}`,
	`[]`, `"s"`, `null`, `{`, `{"a":1}x`, `  {"a":"{{customer.name}}"}  `,
}

func TestContentMatchesMarshal(t *testing.T) {
	r := New()
	customer := map[string]any{"name": "Ada", "html": "<script>&amp;</script>", "ctl": "\x00\x1f\x7f", "seps": "\u2028|\u2029"}
	trigger := map[string]any{"t": "T"}
	for _, c := range contentCases {
		for range 2 { // compiled, then from the cache
			want, wantErr := marshalContent(r, json.RawMessage(c), customer, trigger)
			got, err := r.Content(json.RawMessage(c), customer, trigger)
			if wantErr != nil {
				assert.EqualError(t, err, wantErr.Error(), c)
				assert.Nil(t, got, c)
				continue
			}
			require.NoError(t, err, c)
			assert.Equal(t, string(want), string(got), c)
		}
	}
}

func TestPlanCacheIsBounded(t *testing.T) {
	r := New()
	for i := range maxCachedPlans + 10 {
		_, err := r.Content(json.RawMessage(fmt.Sprintf(`{"i":"{{customer.name}} %d"}`, i)), nil, nil)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(r.plans), maxCachedPlans)
		assert.Equal(t, i%maxCachedPlans+1, len(r.plans))
	}
	big := `{"a":"` + strings.Repeat("x", maxCachedPlanBytes/2) + `"}`
	for range 3 {
		for _, c := range []string{big, big + " ", big + "  "} {
			_, err := r.Content(json.RawMessage(c), nil, nil)
			require.NoError(t, err)
			assert.LessOrEqual(t, r.planBytes, maxCachedPlanBytes)
			assert.Contains(t, r.plans, c)
		}
	}
}

func FuzzContentMatchesMarshal(f *testing.F) {
	for _, c := range contentCases {
		f.Add(c)
	}
	r := New()
	customer := map[string]any{"name": "Ada", "html": "<&>", "seps": "\u2028"}
	f.Fuzz(func(t *testing.T, c string) {
		want, wantErr := marshalContent(r, json.RawMessage(c), customer, nil)
		got, err := r.Content(json.RawMessage(c), customer, nil)
		if wantErr != nil {
			require.Error(t, err)
			if !overTime(wantErr) && !overTime(err) {
				require.Equal(t, wantErr.Error(), err.Error())
			}
			return
		}
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	})
}

// overTime reports whether err is a rendering stopped by its time, which
// depends on the machine.
func overTime(err error) bool {
	e, ok := err.(*Error)
	return ok && e.OverBudget() && e.Reason == "render budget exceeded: more than its time"
}

func TestAppendJSONString(t *testing.T) {
	var all []byte
	for b := range 256 {
		all = append(all, byte(b))
	}
	for _, s := range []string{"", "plain", string(all), "é\u2028\u2029\U0001F600", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xc3"} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendJSONString([]byte("x"), []byte(s)))[1:], "%q", s)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a<b>&\"\\\n\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		got := appendJSONString(nil, []byte(s))
		require.Equal(t, string(want), string(got))
		if utf8.ValidString(s) {
			var back string
			require.NoError(t, json.Unmarshal(got, &back))
			require.Equal(t, s, back)
		}
	})
}

func TestScratchKeepsNothingOfARendering(t *testing.T) {
	r := New()
	ada := map[string]any{"name": "Ada"}
	long := strings.Repeat("y", 2*maxScratchBuffer)
	out, err := r.Content(json.RawMessage(`{"a":"{% assign x = customer.name %}{{x}}","b":"{{ customer.name | append: '`+long+`' }}"}`), ada, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"Ada","b":"Ada`+long+`"}`, string(out))
	require.NotNil(t, r.scratch)
	assert.Equal(t, liquid.Bindings{"customer": nil, "trigger": nil}, r.scratch.bindings, "no data is kept")
	assert.LessOrEqual(t, r.scratch.buf.Cap(), maxScratchBuffer)
	out, err = r.Content(json.RawMessage(`{"a":"[{{x}}{{customer.name}}]"}`), nil, map[string]any{"x": 1})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":"[]"}`, string(out), "nothing is left of the last rendering")
	assert.Equal(t, map[string]any{"name": "Ada"}, ada)
}

func TestContentConcurrently(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				name := fmt.Sprintf("%d-%d", g, i)
				out, err := r.Content(orderShippedContent, map[string]any{"first_name": name}, map[string]any{"order_id": i})
				if !assert.NoError(t, err) {
					return
				}
				assert.Contains(t, string(out), `"body":"Hi `+name+`,`)
				assert.Contains(t, string(out), fmt.Sprintf(`"title":"Order #%d has shipped!"`, i))
			}
		}()
	}
	wg.Wait()
}

// orderShippedContent is the seed's order_shipped content (render_test.go's
// orderShipped, which is in the external test package).
var orderShippedContent = json.RawMessage(`{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi {{customer.first_name}}, track {{trigger.product_name}} at {{trigger.tracking_url}}"}`)
