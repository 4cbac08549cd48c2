package render_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/roostmsg/roost/render"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var orderShipped = json.RawMessage(`{"title":"Order #{{trigger.order_id}} has shipped!","body":"Hi {{customer.first_name}}, track {{trigger.product_name}} at {{trigger.tracking_url}}"}`)

func decode(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestContent(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r := render.New()
		out, err := r.Content(orderShipped,
			map[string]any{"first_name": "Ada"},
			map[string]any{"order_id": "ORD-5678", "tracking_url": "https://track.example.com/5678", "product_name": "Blue Widget"})
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"title": "Order #ORD-5678 has shipped!",
			"body":  "Hi Ada, track Blue Widget at https://track.example.com/5678",
		}, decode(t, out))
	})
	t.Run("NestedAndNonStringFieldsKept", func(t *testing.T) {
		r := render.New()
		out, err := r.Content(json.RawMessage(`{"count":3,"big":12345678901,"ok":true,"actions":[{"label":"See {{trigger.n}}"}],"meta":{"x":"{{customer.city | upcase}}"}}`),
			map[string]any{"city": "Oslo"}, map[string]any{"n": 2})
		require.NoError(t, err)
		assert.JSONEq(t, `{"count":3,"big":12345678901,"ok":true,"actions":[{"label":"See 2"}],"meta":{"x":"OSLO"}}`, string(out))
	})
	t.Run("MissingValuesRenderEmpty", func(t *testing.T) {
		out, err := render.New().Content(json.RawMessage(`{"title":"Hi {{customer.first_name}}!"}`), nil, nil)
		require.NoError(t, err)
		assert.Equal(t, "Hi !", decode(t, out)["title"])
	})
	t.Run("ErrSyntaxNamesField", func(t *testing.T) {
		_, err := render.New().Content(json.RawMessage(`{"title":"ok","body":"Hi\n{% if customer.vip %}VIP"}`), nil, nil)
		var rerr *render.Error
		require.ErrorAs(t, err, &rerr)
		assert.Equal(t, "body", rerr.Field)
		assert.Equal(t, 2, rerr.Line)
		assert.Equal(t, `unterminated "if" block in {% if customer.vip %}`, rerr.Reason)
		assert.EqualError(t, err, `content field "body", line 2: unterminated "if" block in {% if customer.vip %}`)
	})
	t.Run("ErrNestedFieldPath", func(t *testing.T) {
		_, err := render.New().Content(json.RawMessage(`{"actions":[{"label":"{% if %}"}]}`), nil, nil)
		var rerr *render.Error
		require.True(t, errors.As(err, &rerr))
		assert.Equal(t, "actions[0].label", rerr.Field)
	})
	t.Run("ErrRenderNamesFieldAndLine", func(t *testing.T) {
		_, err := render.New().Content(json.RawMessage(`{"title":"a\n{{ customer.x | nosuch }}"}`), nil, nil)
		assert.EqualError(t, err, `content field "title", line 2: undefined filter "nosuch" in {{ customer.x | nosuch }}`)
	})
	t.Run("ErrNotAnObject", func(t *testing.T) {
		for _, c := range []string{`[]`, `"x"`, `null`, `{`, ``} {
			_, err := render.New().Content(json.RawMessage(c), nil, nil)
			assert.Error(t, err, c)
		}
	})
	t.Run("ValuesAreNotReparsedAsLiquid", func(t *testing.T) {
		out, err := render.New().Content(json.RawMessage(`{"title":"{{trigger.x}}"}`), nil, map[string]any{"x": "{{customer.secret}}"})
		require.NoError(t, err)
		assert.Equal(t, "{{customer.secret}}", decode(t, out)["title"])
	})
}

func TestCompileCache(t *testing.T) {
	r := render.New()
	a, err := r.Compile("Hi {{customer.first_name}}")
	require.NoError(t, err)
	b, err := r.Compile("Hi {{customer.first_name}}")
	require.NoError(t, err)
	assert.Same(t, a, b, "the same source is compiled once")
	_, err = r.Compile("{% if %}")
	assert.Error(t, err)
	assert.Equal(t, 2, r.CachedTemplates())

	_, err = r.Content(orderShipped, nil, nil)
	require.NoError(t, err)
	_, err = r.Content(orderShipped, nil, map[string]any{"order_id": "2"})
	require.NoError(t, err)
	assert.Equal(t, 4, r.CachedTemplates(), "rendering the same content twice compiles each field once")
}
