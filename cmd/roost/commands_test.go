package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/sqlite"
)

// runRoost runs roost's command line in this process with env as its
// environment, and returns its output and error.
func runRoost(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(name string) string { return env[name] }, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestUsage(t *testing.T) {
	out, _, err := runRoost(t, nil, "-h")
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range commandOrder {
		assert.Contains(t, out, "  "+name+" ")
	}
	for _, setting := range []string{"-addr", "ROOST_ADDR", "-site", "ROOST_SITE_SECRET_FILE", "-api-key-file", "-insecure-unsigned-identities", "-metrics-addr", "-max-conns"} {
		assert.Contains(t, out, setting, "roost -h lists every setting")
	}
	_, stderr, err := runRoost(t, nil, "frobnicate")
	assert.ErrorContains(t, err, `unknown command "frobnicate"`)
	assert.Contains(t, stderr, "Commands:")
	for _, name := range commandOrder {
		_, stderr, err := runRoost(t, nil, name, "-h")
		assert.ErrorIs(t, err, flag.ErrHelp, name)
		assert.Contains(t, stderr, "Usage: roost "+name, name)
	}
}

func TestServe_RefusesAnInsecureOrIncompleteConfiguration(t *testing.T) {
	db := filepath.Join(t.TempDir(), "roost.db")
	_, _, err := runRoost(t, nil, "serve", "-db", db)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no site")
	assert.Contains(t, err.Error(), "no App API key")

	_, _, err = runRoost(t, map[string]string{"ROOST_SITE": "shop=https://shop.example.com", "ROOST_API_KEY": "k"}, "-db", db)
	require.Error(t, err, "a site without a secret")
	assert.Contains(t, err.Error(), "site shop has no identity secret")
	assert.Contains(t, err.Error(), "-insecure-unsigned-identities")
	_, err = os.Stat(db)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing was created")
}

func TestSign(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_SITE_SECRET": "s3cret"}
	out, _, err := runRoost(t, env, "sign", "user_123")
	require.NoError(t, err)
	assert.Equal(t, server.SignIdentity("s3cret", "user_123")+"\n", out)

	secrets := filepath.Join(t.TempDir(), "secrets")
	require.NoError(t, os.WriteFile(secrets, []byte("shop=one\nblog=two\n"), 0o600))
	two := map[string]string{"ROOST_SITE": "shop blog=https://blog.example.com", "ROOST_SITE_SECRET_FILE": secrets}
	out, _, err = runRoost(t, two, "sign", "-for", "blog", "u1")
	require.NoError(t, err)
	assert.Equal(t, server.SignIdentity("two", "u1")+"\n", out)

	_, _, err = runRoost(t, two, "sign", "u1")
	assert.ErrorContains(t, err, "say which with -for")
	_, _, err = runRoost(t, two, "sign", "-for", "nope", "u1")
	assert.ErrorContains(t, err, `no site "nope"`)
	_, _, err = runRoost(t, map[string]string{"ROOST_SITE": "shop"}, "sign", "u1")
	assert.ErrorContains(t, err, "site shop has no secret")
	_, _, err = runRoost(t, env, "sign")
	assert.ErrorContains(t, err, "sign needs a user id")
}

// TestSign_TTL: roost sign -ttl prints an identity token the server's
// verifier takes until the ttl has passed, and refuses after.
func TestSign_TTL(t *testing.T) {
	env := map[string]string{"ROOST_SITE": "shop", "ROOST_SITE_SECRET": "s3cret"}
	before := time.Now()
	out, _, err := runRoost(t, env, "sign", "-ttl", "1h", "user_123")
	require.NoError(t, err)
	token := strings.TrimSuffix(out, "\n")
	require.Regexp(t, `^v1\.[1-9][0-9]*\.[0-9a-f]{64}$`, token)
	exp, err := strconv.ParseInt(strings.Split(token, ".")[1], 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, before.Add(time.Hour).Unix(), exp, 2, "it expires an hour from now")
	assert.Equal(t, server.SignIdentityToken("s3cret", "user_123", time.Unix(exp, 0)), token)
	require.NoError(t, server.VerifyIdentity("s3cret", "user_123", token, time.Unix(exp-1, 0)))
	assert.True(t, server.IdentityExpired(server.VerifyIdentity("s3cret", "user_123", token, time.Unix(exp, 0))))
	assert.Error(t, server.VerifyIdentity("s3cret", "user_456", token, before))

	for _, bad := range []string{"-1h", "1ms", "10000h", "soon"} {
		_, _, err := runRoost(t, env, "sign", "-ttl", bad, "user_123")
		assert.Error(t, err, "-ttl %s", bad)
	}
}

func TestTemplatesImportExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roost.db")
	_, _, err := runRoost(t, nil, "templates", "-db", db, "export", "-")
	assert.ErrorContains(t, err, "-db "+db, "exporting a database that does not exist creates none")

	out, _, err := runRoost(t, nil, "templates", "-db", db, "import", "../../example-site/seed.json")
	require.NoError(t, err)
	assert.Equal(t, "created the database "+db+"\ncreated 4, replaced 0, unchanged 0 templates; created 1 people\n", out)
	out, _, err = runRoost(t, nil, "templates", "-db", db, "import", "../../example-site/seed.json")
	require.NoError(t, err)
	assert.Equal(t, "created 0, replaced 0, unchanged 4 templates; created 0 people\n", out, "importing again changes nothing")

	exported := filepath.Join(dir, "export.json")
	_, _, err = runRoost(t, map[string]string{"ROOST_DB": db}, "templates", "export", exported)
	require.NoError(t, err)
	var file struct{ Templates []server.Template }
	b, err := os.ReadFile(exported)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &file))
	require.Len(t, file.Templates, 4)
	assert.Equal(t, "order_shipped", file.Templates[0].TriggerName)

	// The export imports into another database as the same templates.
	other := filepath.Join(dir, "other.db")
	_, _, err = runRoost(t, nil, "templates", "-db", other, "import", exported)
	require.NoError(t, err)
	again, _, err := runRoost(t, nil, "templates", "-db", other, "export", "-")
	require.NoError(t, err)
	assert.JSONEq(t, string(b), again)

	// A template with broken Liquid is refused, naming it, and nothing of it is stored.
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"templates":[{"id":9,"name":"Bad","trigger_name":"bad","channel":"inbox","content":{"title":"{% if %}"}}]}`), 0o644))
	_, _, err = runRoost(t, nil, "templates", "-db", other, "import", bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Liquid syntax error")
	store, err := sqlite.Open(other)
	require.NoError(t, err)
	defer store.Close()
	_, err = store.FindTemplateByID(context.Background(), 9)
	assert.Equal(t, server.ENOTFOUND, server.ErrorCode(err))

	_, _, err = runRoost(t, nil, "templates", "-db", other, "delete", "x")
	assert.ErrorContains(t, err, "import FILE or export FILE")
}

func TestKeygenAndVersion(t *testing.T) {
	a, _, err := runRoost(t, nil, "keygen")
	require.NoError(t, err)
	b, _, err := runRoost(t, nil, "keygen")
	require.NoError(t, err)
	assert.Regexp(t, `^roost_[0-9a-f]{64}\n$`, a)
	assert.NotEqual(t, a, b)

	out, _, err := runRoost(t, nil, "version")
	require.NoError(t, err)
	assert.Regexp(t, `^roost \S+ \(go1\.[0-9.]+\)\nbrowser runtime \S`, out)
}
