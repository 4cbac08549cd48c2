package main

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/internal/browsertest"
	"github.com/roostmsg/roost/internal/pgtest"
)

// TestServe_Postgres: roost serve -db postgres://... migrates the database,
// is ready, says which database it serves without its password, and a
// database it cannot reach stops it at start with an error naming where it
// tried, without the password either.
func TestServe_Postgres(t *testing.T) {
	const password = "s3cret-pw-77"
	url := strings.Replace(pgtest.NewDatabase(t), "://roost@", "://roost:"+password+"@", 1) // the test cluster trusts any password
	base, logs := startServe(t, nil, "-db", url, "-site", testSite, "-site-secret", testSecret, "-api-key", testKey)
	res, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "ready: the database answers")
	assert.Contains(t, logs.String(), `msg="database migrated"`)
	assert.Contains(t, logs.String(), "roost:xxxxx@127.0.0.1", "the start-up lines name the database")
	assert.NotContains(t, logs.String(), password, "and never its password")

	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port where no PostgreSQL answers
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	_, _, err = runRoost(t, nil, "serve", "-addr", "127.0.0.1:0", "-db", "postgres://roost:"+password+"@"+closed+"/roost?connect_timeout=2", "-runtime-dir", browsertest.FakeRuntime(t),
		"-site", testSite, "-site-secret", testSecret, "-api-key", testKey)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot connect")
	assert.Contains(t, err.Error(), closed, "it says where it tried")
	assert.NotContains(t, err.Error(), password)
}
