package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// t0 is when every subtest's clock starts: a whole millisecond, since
// stores may keep times to the millisecond.
var t0 = time.UnixMilli(1_780_000_000_000).UTC()

// clock is a controllable clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock returns a clock at now.
func newClock(now time.Time) *clock {
	return &clock{now: now}
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d and returns the new time.
func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// requireCode fails t unless err has the server error code want.
func requireCode(t *testing.T, want string, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	require.Equal(t, want, server.ErrorCode(err), append([]any{"error %v"}, err)...)
}

// newTemplate returns a valid, normalized template with id, trigger name
// trigger and channel: a default content and a French one.
func newTemplate(id int, trigger, channel string) *server.Template {
	return &server.Template{
		ID:          id,
		Name:        "Template " + trigger,
		TriggerName: trigger,
		Channel:     channel,
		Contents: []server.Content{
			{ID: 1, Language: "", Body: json.RawMessage(`{"title": "Hello {{customer.name}}"}`)},
			{ID: 2, Language: "fr", Body: json.RawMessage(`{"title":"Bonjour"}`)},
		},
	}
}

// newPerson returns a person with id and attrs (alternating keys and values).
func newPerson(id string, attrs ...any) *server.Person {
	p := &server.Person{ID: id, Attributes: map[string]any{}}
	for i := 0; i+1 < len(attrs); i += 2 {
		p.Attributes[attrs[i].(string)] = attrs[i+1]
	}
	return p
}

// newDelivery returns an undelivered delivery with id to personID on
// channel, queued and visible at at, expiring 24 hours later, with content
// and data.
func newDelivery(id, personID, channel string, at time.Time) *server.Delivery {
	return &server.Delivery{
		ID:         id,
		PersonID:   personID,
		TemplateID: 1,
		ContentID:  1,
		Channel:    channel,
		Type:       "news",
		Topics:     []string{"orders", "_internal"},
		Priority:   2,
		Content:    json.RawMessage(`{"title": "Order {{trigger.order}}"}`),
		Data:       map[string]any{"order": "A-1", "n": 3.5},
		QueuedAt:   at,
		SendAt:     at,
		ExpiresAt:  at.Add(24 * time.Hour),
		Clicks:     []string{},
	}
}

// mustCreatePerson stores a person with id and attrs.
func (e *env) mustCreatePerson(id string, attrs ...any) *server.Person {
	e.t.Helper()
	p, err := e.store.CreatePersonIfMissing(e.ctx, newPerson(id, attrs...))
	require.NoError(e.t, err)
	return p
}

// mustCreate stores d, creating its person first if needed.
func (e *env) mustCreate(d *server.Delivery) *server.Delivery {
	e.t.Helper()
	_, err := e.store.CreatePersonIfMissing(e.ctx, newPerson(d.PersonID))
	require.NoError(e.t, err)
	require.NoError(e.t, e.store.CreateDelivery(e.ctx, d))
	return d
}

// mustFind returns the stored delivery with id.
func (e *env) mustFind(id string) *server.Delivery {
	e.t.Helper()
	d, err := e.store.FindDelivery(e.ctx, id)
	require.NoError(e.t, err)
	return d
}

// mustPerson returns the stored person with id.
func (e *env) mustPerson(id string) *server.Person {
	e.t.Helper()
	p, err := e.store.FindPerson(e.ctx, id)
	require.NoError(e.t, err)
	return p
}

// jsonOf returns the JSON of v, for comparisons that do not depend on how
// a store keeps JSON (key order, white space, number types).
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	assert.NoError(t, err)
	return string(b)
}

// sameTime reports whether a and b are the same instant, or both zero.
func sameTime(a, b time.Time) bool {
	return a.Equal(b) || (a.IsZero() && b.IsZero())
}

// assertSameDelivery checks that got is want as a store keeps it: every
// field equal, times as instants, JSON as JSON, nil and empty lists alike.
func assertSameDelivery(t *testing.T, want, got *server.Delivery, msgAndArgs ...any) {
	t.Helper()
	if !assert.NotNil(t, got, msgAndArgs...) {
		return
	}
	norm := func(d *server.Delivery) map[string]any {
		m := map[string]any{
			"ID": d.ID, "PersonID": d.PersonID, "TemplateID": d.TemplateID, "ContentID": d.ContentID,
			"Language": d.Language, "Channel": d.Channel, "Type": d.Type, "Topics": nonNil(d.Topics),
			"Priority": d.Priority, "Draft": d.Draft, "Suppressed": d.Suppressed,
			"DisableRetention": d.DisableRetention, "Opened": d.Opened, "Delivered": d.Delivered,
			"Deleted": d.Deleted, "Dismissed": d.Dismissed, "Clicks": nonNil(d.Clicks),
			"Data": d.Data, "HasContent": d.Content != nil,
		}
		if d.Content != nil {
			var c any
			assert.NoError(t, json.Unmarshal(d.Content, &c), "content of %s", d.ID) // no require: fn may run on another goroutine
			m["Content"] = c
		}
		return m
	}
	assert.JSONEq(t, jsonOf(t, norm(want)), jsonOf(t, norm(got)), msgAndArgs...)
	for _, f := range []struct {
		name      string
		want, got time.Time
	}{
		{"QueuedAt", want.QueuedAt, got.QueuedAt}, {"SendAt", want.SendAt, got.SendAt},
		{"ExpiresAt", want.ExpiresAt, got.ExpiresAt}, {"OpenedAt", want.OpenedAt, got.OpenedAt},
	} {
		assert.True(t, sameTime(f.want, f.got), "%s of %s: want %v, got %v %v", f.name, want.ID, f.want, f.got, fmt.Sprint(msgAndArgs...))
	}
}

// assertSameTemplate checks that got is want, compared as JSON.
func assertSameTemplate(t *testing.T, want, got *server.Template, msgAndArgs ...any) {
	t.Helper()
	if assert.NotNil(t, got, msgAndArgs...) {
		assert.JSONEq(t, jsonOf(t, want), jsonOf(t, got), msgAndArgs...)
	}
}

// assertAttributes checks that p's attributes are want, compared as JSON.
func assertAttributes(t *testing.T, want map[string]any, p *server.Person, msgAndArgs ...any) {
	t.Helper()
	if assert.NotNil(t, p, msgAndArgs...) {
		assert.NotNil(t, p.Attributes, "a stored person's attributes are never nil")
		assert.JSONEq(t, jsonOf(t, want), jsonOf(t, p.Attributes), msgAndArgs...)
	}
}

// nonNil returns s, or an empty slice for nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ids returns the ids of ds, in order.
func ids(ds []*server.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// event returns an event of type typ with id about deliveryID at at.
func event(id, typ, deliveryID string, at time.Time) inbox.Event {
	e := inbox.Event{ID: id, Type: typ, DeliveryID: deliveryID, AtMs: at.UnixMilli()}
	if typ == inbox.EventClicked {
		e.Action = "primary"
	}
	return e
}

// identify returns an identify event with id setting attrs (alternating
// keys and values) at at.
func identify(id string, at time.Time, attrs ...any) inbox.Event {
	return inbox.Event{ID: id, Type: inbox.EventIdentify, AtMs: at.UnixMilli(), Attributes: newPerson("x", attrs...).Attributes}
}

// decodeExact decodes JSON b into v with numbers as json.Number.
func decodeExact(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// assertExactJSON checks that got is want as JSON, numbers compared
// exactly (as decimals, however they are written or typed).
func assertExactJSON(t *testing.T, want, got any, msgAndArgs ...any) {
	t.Helper()
	var w, g any
	if !assert.NoError(t, decodeExact([]byte(jsonOf(t, want)), &w)) || !assert.NoError(t, decodeExact([]byte(jsonOf(t, got)), &g)) {
		return
	}
	assert.Equal(t, exactNumbers(w), exactNumbers(g), msgAndArgs...)
}

// exactNumbers returns v, decoded JSON, with every json.Number as the
// exact decimal it is, in one form.
func exactNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(v.String())
		if !ok {
			return "bad number " + v.String()
		}
		return "number " + r.RatString()
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = exactNumbers(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = exactNumbers(x)
		}
		return out
	}
	return v
}
