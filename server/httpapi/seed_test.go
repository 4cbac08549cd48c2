package httpapi_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

func TestLoadSeed(t *testing.T) {
	ctx := context.Background()

	t.Run("OKExampleSite", func(t *testing.T) {
		f := newFixture(t)
		for id, trigger := range map[int]string{1: "order_shipped", 2: "comment_reply", 3: "welcome_offer"} {
			tpl, err := f.db.FindTemplateByID(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, trigger, tpl.TriggerName)
		}
		p, err := f.db.FindPerson(ctx, "user_123")
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"first_name": "Ada", "email": "ada@example.com"}, p.Attributes)
	})

	t.Run("OKIdempotentAndKeepsHTTPEdits", func(t *testing.T) {
		f := newFixture(t)
		w := f.app(http.MethodPut, "/v1/people/user_123", `{"attributes":{"first_name":"Grace"}}`)
		require.Equal(t, http.StatusOK, w.Code)
		require.NoError(t, server.LoadSeed(ctx, f.db, seedPath))
		require.NoError(t, server.LoadSeed(ctx, f.db, seedPath))
		p, err := f.db.FindPerson(ctx, "user_123")
		require.NoError(t, err)
		assert.Equal(t, "Grace", p.Attributes["first_name"])
	})

	t.Run("OKKeepsTemplateEditsUntilTheFileChanges", func(t *testing.T) {
		f := newFixture(t)
		require.Equal(t, http.StatusOK, f.app(http.MethodPut, "/v1/transactional/1/content/1", `{"body":{"title":"Edited"}}`).Code)
		require.Equal(t, http.StatusNoContent, f.app(http.MethodDelete, "/v1/transactional/2", "").Code)
		require.NoError(t, server.LoadSeed(ctx, f.db, seedPath), "a restart with the same file")
		tpl, err := f.db.FindTemplateByID(ctx, 1)
		require.NoError(t, err)
		assert.JSONEq(t, `{"title":"Edited"}`, string(tpl.DefaultContent().Body), "the HTTP edit survives")
		_, err = f.db.FindTemplateByID(ctx, 2)
		assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err), "a template deleted over HTTP stays deleted")

		changed := writeFile(t, `{"templates":[{"id":1,"name":"Shipped","trigger_name":"order_shipped","channel":"inbox","content":{"title":"From the new file"}}]}`)
		require.NoError(t, server.LoadSeed(ctx, f.db, changed))
		tpl, err = f.db.FindTemplateByID(ctx, 1)
		require.NoError(t, err)
		assert.JSONEq(t, `{"title":"From the new file"}`, string(tpl.DefaultContent().Body), "a changed file wins")
	})

	t.Run("OKUpsertsTemplates", func(t *testing.T) {
		f := newFixture(t)
		path := writeFile(t, `{"templates":[{"id":1,"name":"Shipped","trigger_name":"Order_Shipped","channel":"inbox","content":{"title":"x"}}]}`)
		require.NoError(t, server.LoadSeed(ctx, f.db, path))
		tpl, err := f.db.FindTemplateByTrigger(ctx, "ORDER_SHIPPED")
		require.NoError(t, err)
		assert.Equal(t, "Shipped", tpl.Name)
		assert.Nil(t, tpl.Topics)
		assert.JSONEq(t, `{"title":"x"}`, string(tpl.DefaultContent().Body))
		assert.Equal(t, 1, tpl.DefaultContent().ID, "the default content of a seed template gets content id 1")
	})

	for _, tt := range []struct{ name, body, msg string }{
		{"ErrUnknownField", `{"templates":[],"peeple":[]}`, `unknown field "peeple"`},
		{"ErrChannel", `{"templates":[{"id":9,"name":"n","trigger_name":"t","channel":"sms","content":{}}]}`, `templates[0]: roost error: code=invalid message=template 9: channel must be`},
		{"ErrContent", `{"templates":[{"id":9,"name":"n","trigger_name":"t","channel":"inbox","content":"hi"}]}`, "body must be a JSON object"},
		{"ErrLiquid", `{"templates":[{"id":9,"name":"n","trigger_name":"t","channel":"inbox","content":{"title":"ok","body":"a\n{% if x %}never closed"}}]}`, `content field "body", line 2: unterminated "if" block`},
		{"ErrNumericTrigger", `{"templates":[{"id":9,"name":"n","trigger_name":"12","channel":"inbox","content":{}}]}`, "must not be a number"},
		{"ErrDuplicate", `{"templates":[{"id":9,"name":"n","trigger_name":"t","channel":"inbox","content":{}},{"id":10,"name":"n","trigger_name":"T","channel":"inbox","content":{}}]}`, "appears twice"},
		{"ErrPersonID", `{"people":[{"id":"","attributes":{}}]}`, "person id is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			err := server.LoadSeed(ctx, f.db, writeFile(t, tt.body))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}

	t.Run("ErrTriggerTakenByStoredTemplate", func(t *testing.T) {
		f := newFixture(t)
		err := server.LoadSeed(ctx, f.db, writeFile(t, `{"templates":[{"id":9,"name":"n","trigger_name":"ORDER_SHIPPED","channel":"inbox","content":{}}]}`))
		assert.Equal(t, server.ECONFLICT, server.ErrorCode(err))
	})

	t.Run("ErrMissingFile", func(t *testing.T) {
		f := newFixture(t)
		assert.Error(t, server.LoadSeed(ctx, f.db, filepath.Join(t.TempDir(), "none.json")))
	})
}

// writeFile writes body to a new file and returns its path.
func writeFile(tb testing.TB, body string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "seed.json")
	require.NoError(tb, os.WriteFile(path, []byte(body), 0o600))
	return path
}
