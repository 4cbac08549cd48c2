package storecols

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// roundTripDelivery encodes d and decodes the columns into a delivery
// that has d's other fields, as a store reads them back.
func roundTripDelivery(t *testing.T, d *server.Delivery) (DeliveryColumns, *server.Delivery) {
	t.Helper()
	c, err := EncodeDelivery(d)
	require.NoError(t, err)
	back := &server.Delivery{ID: d.ID, PersonID: d.PersonID, Opened: d.Opened}
	require.NoError(t, DecodeDelivery(c, back))
	return c, back
}

func TestDelivery_RoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	d := &server.Delivery{
		ID: "d1", PersonID: "p1", Opened: true,
		Topics:    []string{"news", "a\"b"},
		Content:   json.RawMessage("{ \"title\" : \"Hi\",\n \"n\": 1.50 }"),
		Data:      map[string]any{"order": json.Number("98765432109876543210"), "tags": []any{"x"}},
		QueuedAt:  at,
		SendAt:    at.Add(time.Minute),
		ExpiresAt: at.Add(24 * time.Hour),
		OpenedAt:  at.Add(2 * time.Minute),
		Clicks:    []string{"buy", "buy"},
	}
	c, back := roundTripDelivery(t, d)
	assert.Equal(t, `["news","a\"b"]`, c.Topics)
	assert.Equal(t, `{"title":"Hi","n":1.50}`, c.Content)
	require.NotNil(t, c.Data)
	assert.Equal(t, `{"order":98765432109876543210,"tags":["x"]}`, *c.Data)
	assert.Equal(t, at.UnixMilli(), c.QueuedAt)
	assert.Equal(t, at.Add(time.Minute).UnixMilli(), c.SendAt)
	assert.Equal(t, at.Add(24*time.Hour).UnixMilli(), c.ExpiresAt)
	require.NotNil(t, c.OpenedAt)
	assert.Equal(t, at.Add(2*time.Minute).UnixMilli(), *c.OpenedAt)
	assert.Equal(t, `["buy","buy"]`, c.Clicks)

	want := *d
	want.Content = json.RawMessage(`{"title":"Hi","n":1.50}`)
	assert.Equal(t, &want, back)
}

func TestDelivery_DroppedContentAndNoData(t *testing.T) {
	d := &server.Delivery{ID: "d2", QueuedAt: time.UnixMilli(1000).UTC(), SendAt: time.UnixMilli(1000).UTC(),
		ExpiresAt: time.UnixMilli(2000).UTC()}
	c, back := roundTripDelivery(t, d)
	assert.Equal(t, "", c.Content, "dropped (or no) content is the empty string, not NULL")
	assert.Nil(t, c.Data, "no data is NULL")
	assert.Nil(t, c.OpenedAt, "never opened is NULL")
	assert.Equal(t, "[]", c.Topics)
	assert.Equal(t, "[]", c.Clicks)
	assert.Nil(t, back.Content)
	assert.Nil(t, back.Data)
	assert.Nil(t, back.Topics, "no topics read back as nil")
	assert.Equal(t, []string{}, back.Clicks, "no clicks read back as an empty list")
	assert.True(t, back.OpenedAt.IsZero())
	assert.Equal(t, d.ExpiresAt, back.ExpiresAt)
}

func TestDelivery_EmptyDataIsNotNull(t *testing.T) {
	c, back := roundTripDelivery(t, &server.Delivery{Data: map[string]any{}})
	require.NotNil(t, c.Data)
	assert.Equal(t, "{}", *c.Data)
	assert.Equal(t, map[string]any{}, back.Data)
}

func TestDelivery_Errors(t *testing.T) {
	_, err := EncodeDelivery(&server.Delivery{Content: json.RawMessage(`{"a":`)})
	require.ErrorContains(t, err, "compact json")
	_, err = EncodeDelivery(&server.Delivery{Data: map[string]any{"f": func() {}}})
	require.ErrorContains(t, err, "encode json")

	good, err := EncodeDelivery(&server.Delivery{})
	require.NoError(t, err)
	for name, c := range map[string]DeliveryColumns{
		"topics": {Topics: "[", Clicks: good.Clicks},
		"clicks": {Topics: good.Topics, Clicks: "{}"},
		"data":   {Topics: good.Topics, Clicks: good.Clicks, Data: new(string)},
	} {
		require.ErrorContains(t, DecodeDelivery(c, &server.Delivery{}), "decode stored json", name)
	}
}

func TestDeliveryDest_FollowsSelect(t *testing.T) {
	var d server.Delivery
	var c DeliveryColumns
	var data, openedAt int // stand-ins for the driver's destinations
	want := map[string]any{
		"id": &d.ID, "person_id": &d.PersonID, "template_id": &d.TemplateID, "content_id": &d.ContentID,
		"language": &d.Language, "channel": &d.Channel, "type": &d.Type, "topics": &c.Topics,
		"priority": &d.Priority, "content": &c.Content, "data": &data, "queued_at": &c.QueuedAt,
		"send_at": &c.SendAt, "expires_at": &c.ExpiresAt, "draft": &d.Draft, "suppressed": &d.Suppressed,
		"disable_retention": &d.DisableRetention, "opened": &d.Opened, "opened_at": &openedAt,
		"delivered": &d.Delivered, "deleted": &d.Deleted, "dismissed": &d.Dismissed, "clicks": &c.Clicks,
	}
	assertDestFollows(t, DeliverySelect, DeliveryDest(&d, &c, &data, &openedAt), want)
}
