package storecols

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
)

func TestPerson_RoundTrip(t *testing.T) {
	p := &server.Person{ID: "p1", Attributes: map[string]any{
		"email": "  Ann@Example.COM ", "plan": "pro", "credit": json.Number("0.30000000000000000001"),
		"unsubscribed": false,
	}}
	c, err := EncodePerson(p)
	require.NoError(t, err)
	assert.Equal(t, "ann@example.com", c.EmailKey)
	assert.JSONEq(t, `{"email":"  Ann@Example.COM ","plan":"pro","credit":0.30000000000000000001,"unsubscribed":false}`,
		c.Attributes)
	assert.Contains(t, c.Attributes, `"credit":0.30000000000000000001`)

	back := &server.Person{ID: "p1"}
	require.NoError(t, DecodePerson(c, back))
	assert.Equal(t, p, back)
}

func TestPerson_NoAttributes(t *testing.T) {
	c, err := EncodePerson(&server.Person{ID: "p2"})
	require.NoError(t, err)
	assert.Equal(t, "null", c.Attributes)
	assert.Equal(t, "", c.EmailKey, "no email, no key")

	back := &server.Person{}
	require.NoError(t, DecodePerson(c, back))
	assert.NotNil(t, back.Attributes, "attributes are never nil once stored")
	assert.Empty(t, back.Attributes)

	require.ErrorContains(t, DecodePerson(PersonColumns{Attributes: "{"}, back), "decode stored json")
}
