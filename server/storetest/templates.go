package storetest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// testTemplates checks the template methods but SeedTemplate.
func testTemplates(t *testing.T, h Harness) {
	t.Run("UpsertRoundTrip", func(t *testing.T) {
		e := open(t, h)
		no := false
		full := newTemplate(5, "Order_Shipped", inbox.ChannelInbox)
		full.Description, full.Type, full.Topics = "When it ships", "orders", []string{"orders", "_ops"}
		full.Priority, full.ExpiresAfterDays, full.SendToUnsubscribed = 3, 7, &no
		full.DisableMessageRetention, full.QueueDraft = true, true
		require.NoError(t, e.store.UpsertTemplate(e.ctx, full))
		plain := newTemplate(2, "plain", inbox.ChannelInApp)
		plain.Contents = plain.Contents[:1]
		require.NoError(t, e.store.UpsertTemplate(e.ctx, plain))

		got, err := e.store.FindTemplateByID(e.ctx, 5)
		require.NoError(t, err)
		assertSameTemplate(t, full, got)
		list, err := e.store.ListTemplates(e.ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assertSameTemplate(t, plain, list[0], "listed by id")
		assertSameTemplate(t, full, list[1], "listed by id")

		full.Name, full.SendToUnsubscribed, full.Topics = "Renamed", nil, nil
		full.Contents = append(full.Contents, server.Content{ID: 3, Language: "pt-BR", Body: json.RawMessage(`{"title":"Olá"}`)})
		require.NoError(t, e.store.UpsertTemplate(e.ctx, full), "an upsert replaces")
		got, err = e.store.FindTemplateByID(e.ctx, 5)
		require.NoError(t, err)
		assertSameTemplate(t, full, got)
	})

	t.Run("EmptyStore", func(t *testing.T) {
		e := open(t, h)
		assert.NoError(t, e.store.Ping(e.ctx), "an open store answers Ping")
		list, err := e.store.ListTemplates(e.ctx)
		require.NoError(t, err)
		assert.Empty(t, list)
	})

	t.Run("UpsertErrors", func(t *testing.T) {
		e := open(t, h)
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(1, "Welcome", inbox.ChannelInbox)))
		bad := newTemplate(2, "other", "sms")
		requireCode(t, server.EINVALID, e.store.UpsertTemplate(e.ctx, bad), "an invalid channel")
		requireCode(t, server.EINVALID, e.store.UpsertTemplate(e.ctx, newTemplate(0, "zero", inbox.ChannelInbox)), "id 0")
		_, err := e.store.FindTemplateByID(e.ctx, 2)
		requireCode(t, server.ENOTFOUND, err, "an invalid template is not stored")

		requireCode(t, server.ECONFLICT, e.store.UpsertTemplate(e.ctx, newTemplate(2, "WELCOME", inbox.ChannelInbox)),
			"a trigger name of another template, in another case")
		_, err = e.store.FindTemplateByID(e.ctx, 2)
		requireCode(t, server.ENOTFOUND, err, "a conflicting template is not stored")
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(1, "welcome", inbox.ChannelInbox)),
			"a template may change the case of its own trigger name")
		got, err := e.store.FindTemplateByTrigger(e.ctx, "Welcome")
		require.NoError(t, err)
		assert.Equal(t, "welcome", got.TriggerName)
	})

	t.Run("FindByTrigger", func(t *testing.T) {
		e := open(t, h)
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(1, "Order_Shipped", inbox.ChannelInbox)))
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(2, "Ünïcode_Été", inbox.ChannelInApp)))
		for name, id := range map[string]int{"Order_Shipped": 1, "order_shipped": 1, "ORDER_SHIPPED": 1,
			"ünïcode_été": 2, "ÜNÏCODE_ÉTÉ": 2} {
			got, err := e.store.FindTemplateByTrigger(e.ctx, name)
			require.NoError(t, err, name)
			assert.Equal(t, id, got.ID, name)
		}
		for _, name := range []string{"order", "order_shipped ", "1", ""} {
			_, err := e.store.FindTemplateByTrigger(e.ctx, name)
			requireCode(t, server.ENOTFOUND, err, "trigger %q", name)
		}
		_, err := e.store.FindTemplateByID(e.ctx, 3)
		requireCode(t, server.ENOTFOUND, err)
	})

	t.Run("Create", func(t *testing.T) {
		e := open(t, h)
		first := newTemplate(0, "first", inbox.ChannelInApp)
		require.NoError(t, e.store.CreateTemplate(e.ctx, first))
		assert.Equal(t, 1, first.ID, "a zero id in an empty store is 1")
		require.NoError(t, e.store.CreateTemplate(e.ctx, newTemplate(7, "seventh", inbox.ChannelInbox)))
		next := newTemplate(0, "next", inbox.ChannelInbox)
		require.NoError(t, e.store.CreateTemplate(e.ctx, next))
		assert.Equal(t, 8, next.ID, "a zero id is one more than the highest in use")
		got, err := e.store.FindTemplateByID(e.ctx, 8)
		require.NoError(t, err)
		assertSameTemplate(t, next, got)

		requireCode(t, server.ECONFLICT, e.store.CreateTemplate(e.ctx, newTemplate(7, "other", inbox.ChannelInbox)), "id taken")
		requireCode(t, server.ECONFLICT, e.store.CreateTemplate(e.ctx, newTemplate(9, "SEVENTH", inbox.ChannelInbox)), "trigger taken")
		requireCode(t, server.ECONFLICT, e.store.CreateTemplate(e.ctx, newTemplate(0, "Next", inbox.ChannelInbox)), "trigger taken, zero id")
		bad := newTemplate(0, "", inbox.ChannelInbox)
		requireCode(t, server.EINVALID, e.store.CreateTemplate(e.ctx, bad), "no trigger name")
		requireCode(t, server.EINVALID, e.store.CreateTemplate(e.ctx, newTemplate(-1, "neg", inbox.ChannelInbox)), "negative id")
		got, err = e.store.FindTemplateByID(e.ctx, 7)
		require.NoError(t, err)
		assert.Equal(t, "seventh", got.TriggerName, "a conflict changes nothing")
		list, err := e.store.ListTemplates(e.ctx)
		require.NoError(t, err)
		assert.Len(t, list, 3)
	})

	t.Run("Update", func(t *testing.T) {
		e := open(t, h)
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(1, "one", inbox.ChannelInbox)))
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(2, "two", inbox.ChannelInbox)))
		got, err := e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error {
			t.Name, t.Priority = "One, edited", 9
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, "One, edited", got.Name)
		stored, err := e.store.FindTemplateByID(e.ctx, 1)
		require.NoError(t, err)
		assertSameTemplate(t, got, stored)

		called := false
		_, err = e.store.UpdateTemplate(e.ctx, 3, func(*server.Template) error { called = true; return nil })
		requireCode(t, server.ENOTFOUND, err)
		assert.False(t, called, "fn is not run for an unknown id")

		mine := errors.New("mine")
		_, err = e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error { t.Name = "lost"; return mine })
		assert.ErrorIs(t, err, mine, "fn's error is returned")
		_, err = e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error {
			t.Name = "lost"
			return server.Errorf(server.EINVALID, "no")
		})
		requireCode(t, server.EINVALID, err, "fn's error keeps its code")
		_, err = e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error { t.Name, t.TriggerName = "lost", "TWO"; return nil })
		requireCode(t, server.ECONFLICT, err, "a trigger name of another template")
		_, err = e.store.UpdateTemplate(e.ctx, 1, func(t *server.Template) error { t.Name, t.Channel = "lost", "sms"; return nil })
		requireCode(t, server.EINVALID, err, "an invalid result")
		stored, err = e.store.FindTemplateByID(e.ctx, 1)
		require.NoError(t, err)
		assert.Equal(t, "One, edited", stored.Name, "a failed update stores nothing")
	})

	t.Run("Delete", func(t *testing.T) {
		e := open(t, h)
		tpl := newTemplate(1, "gone", inbox.ChannelInbox)
		require.NoError(t, e.store.UpsertTemplate(e.ctx, tpl))
		d := e.mustCreate(newDelivery("dlv_1", "p1", inbox.ChannelInbox, t0))
		require.NoError(t, e.store.DeleteTemplate(e.ctx, 1))
		_, err := e.store.FindTemplateByID(e.ctx, 1)
		requireCode(t, server.ENOTFOUND, err)
		_, err = e.store.FindTemplateByTrigger(e.ctx, "gone")
		requireCode(t, server.ENOTFOUND, err)
		requireCode(t, server.ENOTFOUND, e.store.DeleteTemplate(e.ctx, 1), "deleted twice")
		assertSameDelivery(t, d, e.mustFind("dlv_1"), "a delivery keeps its copy")
		require.NoError(t, e.store.CreateTemplate(e.ctx, newTemplate(2, "GONE", inbox.ChannelInbox)),
			"a deleted template's trigger name is free again")
	})
}

// testSeedTemplate checks SeedTemplate: a template is written when the
// seed's text of it changed since it was last applied.
func testSeedTemplate(t *testing.T, h Harness) {
	t.Run("OK", func(t *testing.T) {
		e := open(t, h)
		seed := func(tpl *server.Template, source string) bool {
			t.Helper()
			wrote, err := e.store.SeedTemplate(e.ctx, tpl, source)
			require.NoError(t, err)
			return wrote
		}
		find := func() *server.Template {
			t.Helper()
			got, err := e.store.FindTemplateByID(e.ctx, 3)
			require.NoError(t, err)
			return got
		}
		v1 := newTemplate(3, "welcome", inbox.ChannelInbox)
		assert.True(t, seed(v1, `{"id":3,"v":1}`), "a new template is written")
		assertSameTemplate(t, v1, find())
		assert.False(t, seed(newTemplate(3, "welcome", inbox.ChannelInbox), `{"id":3,"v":1}`), "the same source again")

		_, err := e.store.UpdateTemplate(e.ctx, 3, func(t *server.Template) error { t.Name = "Edited over HTTP"; return nil })
		require.NoError(t, err)
		assert.False(t, seed(newTemplate(3, "welcome", inbox.ChannelInbox), `{"id":3,"v":1}`))
		assert.Equal(t, "Edited over HTTP", find().Name, "an edit survives a seed whose source did not change")

		v2 := newTemplate(3, "Welcome_v2", inbox.ChannelInApp)
		assert.True(t, seed(v2, `{"id":3,"v":2}`), "a changed source is written")
		assertSameTemplate(t, v2, find())

		require.NoError(t, e.store.DeleteTemplate(e.ctx, 3))
		assert.False(t, seed(v2, `{"id":3,"v":2}`), "a template deleted since stays deleted")
		_, err = e.store.FindTemplateByID(e.ctx, 3)
		requireCode(t, server.ENOTFOUND, err)
		assert.True(t, seed(v1, `{"id":3,"v":1}`), "until its source changes")
		assertSameTemplate(t, v1, find())
	})

	t.Run("Errors", func(t *testing.T) {
		e := open(t, h)
		require.NoError(t, e.store.UpsertTemplate(e.ctx, newTemplate(1, "taken", inbox.ChannelInbox)))
		wrote, err := e.store.SeedTemplate(e.ctx, newTemplate(2, "TAKEN", inbox.ChannelInbox), "src")
		requireCode(t, server.ECONFLICT, err)
		assert.False(t, wrote)
		_, err = e.store.SeedTemplate(e.ctx, newTemplate(0, "zero", inbox.ChannelInbox), "src0")
		requireCode(t, server.EINVALID, err)

		require.NoError(t, e.store.DeleteTemplate(e.ctx, 1))
		wrote, err = e.store.SeedTemplate(e.ctx, newTemplate(2, "TAKEN", inbox.ChannelInbox), "src")
		require.NoError(t, err)
		assert.True(t, wrote, "a seed that failed did not record its source")
	})
}
