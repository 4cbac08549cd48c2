package storecols

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

func TestTemplate_RoundTrip(t *testing.T) {
	no := false
	tpl := &server.Template{
		ID: 7, TriggerName: "Order-Shipped",
		Topics: []string{"orders"},
		Contents: []server.Content{
			{ID: 1, Language: "", Body: json.RawMessage("{ \"title\": \"Shipped\", \"n\": 12345678901234567890 }")},
			{ID: 2, Language: "fr", Body: json.RawMessage(`{"title": "Expédié"}`)},
		},
		SendToUnsubscribed: &no,
	}
	c, err := EncodeTemplate(tpl)
	require.NoError(t, err)
	assert.Equal(t, "order-shipped", c.TriggerKey)
	assert.Equal(t, `["orders"]`, c.Topics)
	assert.Equal(t, "{ \"title\": \"Shipped\", \"n\": 12345678901234567890 }", c.Content,
		"the default body as it was given")
	assert.Equal(t, `[{"id":1,"language":"","body":{"title":"Shipped","n":12345678901234567890}},`+
		`{"id":2,"language":"fr","body":{"title":"Expédié"}}]`, c.Contents)
	require.NotNil(t, c.SendToUnsubscribed)
	assert.False(t, *c.SendToUnsubscribed)

	back := &server.Template{ID: 7, TriggerName: "Order-Shipped"}
	require.NoError(t, DecodeTemplate(c, back))
	assert.Equal(t, []string{"orders"}, back.Topics)
	require.Len(t, back.Contents, 2)
	assert.Equal(t, server.Content{ID: 1, Language: "", Body: json.RawMessage(`{"title":"Shipped","n":12345678901234567890}`)},
		back.Contents[0])
	assert.Equal(t, server.Content{ID: 2, Language: "fr", Body: json.RawMessage(`{"title":"Expédié"}`)}, back.Contents[1])
	require.NotNil(t, back.SendToUnsubscribed)
	assert.False(t, *back.SendToUnsubscribed)
}

func TestTemplate_Unset(t *testing.T) {
	c, err := EncodeTemplate(&server.Template{})
	require.NoError(t, err)
	assert.Equal(t, "[]", c.Topics)
	assert.Equal(t, "[]", c.Contents)
	assert.Equal(t, "", c.Content)
	assert.Nil(t, c.SendToUnsubscribed, "unset is NULL")

	back := &server.Template{}
	require.NoError(t, DecodeTemplate(c, back))
	assert.Nil(t, back.Topics)
	assert.Equal(t, []server.Content{}, back.Contents)
	assert.Nil(t, back.SendToUnsubscribed)
}

func TestTemplate_RowWithoutVariants(t *testing.T) {
	back := &server.Template{}
	require.NoError(t, DecodeTemplate(TemplateColumns{Topics: "[]", Content: `{"title":"Old"}`}, back))
	assert.Equal(t, []server.Content{{ID: 1, Language: "", Body: json.RawMessage(`{"title":"Old"}`)}}, back.Contents)
}

func TestTemplate_Errors(t *testing.T) {
	_, err := EncodeTemplate(&server.Template{Contents: []server.Content{{ID: 1, Body: json.RawMessage(`{`)}}})
	require.ErrorContains(t, err, "compact json")
	require.ErrorContains(t, DecodeTemplate(TemplateColumns{Topics: "x"}, &server.Template{}), "decode stored json")
	require.ErrorContains(t, DecodeTemplate(TemplateColumns{Topics: "[]", Contents: "{"}, &server.Template{}),
		"decode stored json")
}

func TestTemplateDest_FollowsSelect(t *testing.T) {
	var tpl server.Template
	var c TemplateColumns
	var sendToUnsubscribed int // a stand-in for the driver's destination
	want := map[string]any{
		"id": &tpl.ID, "name": &tpl.Name, "description": &tpl.Description, "trigger_name": &tpl.TriggerName,
		"channel": &tpl.Channel, "type": &tpl.Type, "topics": &c.Topics, "priority": &tpl.Priority,
		"expires_after_days": &tpl.ExpiresAfterDays, "content": &c.Content, "contents": &c.Contents,
		"send_to_unsubscribed": &sendToUnsubscribed, "disable_message_retention": &tpl.DisableMessageRetention,
		"queue_draft": &tpl.QueueDraft,
	}
	assertDestFollows(t, TemplateSelect, TemplateDest(&tpl, &c, &sendToUnsubscribed), want)
}
