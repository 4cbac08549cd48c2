package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

// testPeople checks the person methods.
func testPeople(t *testing.T, h Harness) {
	t.Run("CreateIfMissing", func(t *testing.T) {
		e := open(t, h)
		attrs := map[string]any{"name": "Ann", "plan": map[string]any{"tier": "pro", "seats": 3.0}, "vip": true, "tags": []any{"a", "b"}}
		got, err := e.store.CreatePersonIfMissing(e.ctx, &server.Person{ID: "ann", Attributes: attrs})
		require.NoError(t, err)
		assert.Equal(t, "ann", got.ID)
		assertAttributes(t, attrs, got)
		assertAttributes(t, attrs, e.mustPerson("ann"))

		again, err := e.store.CreatePersonIfMissing(e.ctx, newPerson("ann", "name", "Other"))
		require.NoError(t, err)
		assertAttributes(t, attrs, again, "the existing person is returned, unchanged")
		assertAttributes(t, attrs, e.mustPerson("ann"), "and stays unchanged")

		bare, err := e.store.CreatePersonIfMissing(e.ctx, &server.Person{ID: "bare"})
		require.NoError(t, err)
		assertAttributes(t, map[string]any{}, bare, "nil attributes are stored as none")
		assertAttributes(t, map[string]any{}, e.mustPerson("bare"))

		for _, id := range []string{"", " ann", "a\nb"} {
			_, err := e.store.CreatePersonIfMissing(e.ctx, newPerson(id))
			requireCode(t, server.EINVALID, err, "id %q", id)
		}
		_, err = e.store.FindPerson(e.ctx, "nobody")
		requireCode(t, server.ENOTFOUND, err)
	})

	t.Run("Update", func(t *testing.T) {
		e := open(t, h)
		got, err := e.store.UpdatePerson(e.ctx, "new", func(p *server.Person) error {
			assert.Equal(t, "new", p.ID)
			assert.NotNil(t, p.Attributes, "a new person has attributes to set")
			assert.Empty(t, p.Attributes)
			p.Attributes["name"] = "Nina"
			return nil
		})
		require.NoError(t, err)
		assertAttributes(t, map[string]any{"name": "Nina"}, got, "a missing person is created")
		assertAttributes(t, map[string]any{"name": "Nina"}, e.mustPerson("new"))

		got, err = e.store.UpdatePerson(e.ctx, "new", func(p *server.Person) error {
			assert.Equal(t, "Nina", p.Attributes["name"], "fn sees the stored attributes")
			p.Attributes = server.MergeAttributes(p.Attributes, map[string]any{"name": nil, "plan": "pro"})
			return nil
		})
		require.NoError(t, err)
		assertAttributes(t, map[string]any{"plan": "pro"}, got)
		assertAttributes(t, map[string]any{"plan": "pro"}, e.mustPerson("new"))

		mine := errors.New("mine")
		_, err = e.store.UpdatePerson(e.ctx, "new", func(p *server.Person) error { p.Attributes["plan"] = "lost"; return mine })
		assert.ErrorIs(t, err, mine)
		_, err = e.store.UpdatePerson(e.ctx, "new", func(p *server.Person) error {
			p.Attributes["plan"] = "lost"
			return server.Errorf(server.EINVALID, "no")
		})
		requireCode(t, server.EINVALID, err, "fn's error keeps its code")
		assertAttributes(t, map[string]any{"plan": "pro"}, e.mustPerson("new"), "fn's error stores nothing")
		_, err = e.store.UpdatePerson(e.ctx, "ghost", func(p *server.Person) error { p.Attributes["x"] = 1.0; return mine })
		assert.ErrorIs(t, err, mine)
		_, err = e.store.FindPerson(e.ctx, "ghost")
		requireCode(t, server.ENOTFOUND, err, "fn's error creates no one")

		called := false
		_, err = e.store.UpdatePerson(e.ctx, " bad", func(*server.Person) error { called = true; return nil })
		requireCode(t, server.EINVALID, err)
		assert.False(t, called, "fn is not run for an invalid id")
	})

	t.Run("FindByEmail", func(t *testing.T) {
		e := open(t, h)
		e.mustCreatePerson("plain")
		e.mustCreatePerson("ann", "email", "Ann@Example.com")
		for _, email := range []string{"Ann@Example.com", "ann@example.com", "  ANN@EXAMPLE.COM "} {
			p, err := e.store.FindPersonByEmail(e.ctx, email)
			require.NoError(t, err, email)
			assert.Equal(t, "ann", p.ID, email)
			assertAttributes(t, map[string]any{"email": "Ann@Example.com"}, p, "the email is kept as given")
		}
		for _, email := range []string{"bob@example.com", "ann@example", ""} {
			_, err := e.store.FindPersonByEmail(e.ctx, email)
			requireCode(t, server.ENOTFOUND, err, "email %q", email)
		}
	})

	t.Run("FindByEmailOldestWins", func(t *testing.T) {
		e := open(t, h)
		find := func() string {
			t.Helper()
			p, err := e.store.FindPersonByEmail(e.ctx, "shared@example.com")
			require.NoError(t, err)
			return p.ID
		}
		setEmail := func(id string, email any) {
			t.Helper()
			e.clock.Add(time.Minute)
			_, err := e.store.UpdatePerson(e.ctx, id, func(p *server.Person) error {
				p.Attributes = server.MergeAttributes(p.Attributes, map[string]any{"email": email})
				return nil
			})
			require.NoError(t, err)
		}
		e.mustCreatePerson("z-first") // no email yet
		e.clock.Add(time.Minute)
		e.mustCreatePerson("m-second", "email", "Shared@example.com")
		e.clock.Add(time.Minute)
		e.mustCreatePerson("a-third", "email", "SHARED@EXAMPLE.COM")
		assert.Equal(t, "m-second", find(), "the oldest person with the email, not the lowest id")
		setEmail("z-first", "shared@Example.com")
		assert.Equal(t, "z-first", find(), "oldest by creation: an update does not make a person newer")
		setEmail("z-first", nil)
		assert.Equal(t, "m-second", find(), "a removed email is not found")
		setEmail("m-second", "elsewhere@example.com")
		assert.Equal(t, "a-third", find(), "a changed email is not found")
		p, err := e.store.FindPersonByEmail(e.ctx, "Elsewhere@Example.com")
		require.NoError(t, err)
		assert.Equal(t, "m-second", p.ID, "by its new value")
	})
}
