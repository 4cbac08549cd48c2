package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server/sqlite"
)

// writeSeed writes a seed file of templates (JSON objects) and people to
// dir/name and returns its path.
func writeSeed(t *testing.T, dir, name, templates, people string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(`{"templates":[`+templates+`],"people":[`+people+`]}`), 0o644))
	return path
}

// storedTriggers returns the trigger name of every template of the
// database at path, by id.
func storedTriggers(t *testing.T, path string) map[int]string {
	t.Helper()
	store, err := sqlite.Open(path)
	require.NoError(t, err)
	defer store.Close()
	ts, err := store.ListTemplates(context.Background())
	require.NoError(t, err)
	out := map[int]string{}
	for _, tpl := range ts {
		out[tpl.ID] = tpl.TriggerName
	}
	return out
}

const (
	welcome = `{"id":1,"name":"Welcome","trigger_name":"welcome","channel":"inbox","content":{"title":"Hi"}}`
	shipped = `{"id":1,"name":"Shipped","trigger_name":"order_shipped","channel":"inbox","content":{"title":"Shipped"}}`
	reply   = `{"id":2,"name":"Reply","trigger_name":"reply","channel":"inbox","content":{"title":"Re"}}`
	ada     = `{"id":"ada","attributes":{"first_name":"Ada"}}`
)

// TestTemplatesImport_RefusesToReplaceAnotherTemplate checks that an
// import whose template id is another template in the database writes
// nothing unless told -replace, and that import reports what it did.
func TestTemplatesImport_RefusesToReplaceAnotherTemplate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roost.db")
	mine := writeSeed(t, dir, "mine.json", welcome, "")
	out, _, err := runRoost(t, nil, "templates", "-db", db, "import", mine)
	require.NoError(t, err)
	assert.Equal(t, "created the database "+db+"\ncreated 1, replaced 0, unchanged 0 templates; created 0 people\n", out)

	theirs := writeSeed(t, dir, "theirs.json", shipped+","+reply, ada)
	out, _, err = runRoost(t, nil, "templates", "-db", db, "import", theirs)
	require.Error(t, err)
	assert.Empty(t, out)
	assert.Equal(t, "nothing imported: "+theirs+" conflicts with the templates of "+db+":\n"+
		`  template 1 is "welcome" in the database, "order_shipped" in the file`+"\n"+
		"-replace replaces a template by the file's template with its id; or give the file's template another id", err.Error())
	assert.Equal(t, map[int]string{1: "welcome"}, storedTriggers(t, db), "nothing written, not even template 2")

	out, _, err = runRoost(t, nil, "templates", "-db", db, "import", "-replace", "-dry-run", theirs)
	require.NoError(t, err)
	assert.Equal(t, "-dry-run, nothing written: created 1, replaced 1, unchanged 0 templates; created 1 people\n", out)
	assert.Equal(t, map[int]string{1: "welcome"}, storedTriggers(t, db))

	out, _, err = runRoost(t, nil, "templates", "-db", db, "-replace", "import", theirs)
	require.NoError(t, err)
	assert.Equal(t, "created 1, replaced 1, unchanged 0 templates; created 1 people\n", out)
	assert.Equal(t, map[int]string{1: "order_shipped", 2: "reply"}, storedTriggers(t, db))

	out, _, err = runRoost(t, nil, "templates", "-db", db, "import", theirs)
	require.NoError(t, err)
	assert.Equal(t, "created 0, replaced 0, unchanged 2 templates; created 0 people\n", out)

	edited := writeSeed(t, dir, "edited.json", shipped+","+`{"id":2,"name":"Reply","trigger_name":"REPLY","channel":"inbox","content":{"title":"Re:"}}`, "")
	out, _, err = runRoost(t, nil, "templates", "-db", db, "import", edited)
	require.NoError(t, err, "the same trigger name, edited: no -replace needed")
	assert.Equal(t, "created 0, replaced 1, unchanged 1 templates; created 0 people\n", out)
}

// TestTemplatesImport_RefusesATakenTriggerName checks that a template
// whose trigger name is another stored template's is refused, -replace or
// not, and nothing is written.
func TestTemplatesImport_RefusesATakenTriggerName(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roost.db")
	_, _, err := runRoost(t, nil, "templates", "-db", db, "import", writeSeed(t, dir, "mine.json", welcome, ""))
	require.NoError(t, err)

	other := writeSeed(t, dir, "other.json", reply+`,{"id":5,"name":"Hello","trigger_name":"Welcome","channel":"inbox","content":{"title":"Hello"}}`, "")
	_, _, err = runRoost(t, nil, "templates", "-db", db, "import", "-replace", other)
	require.Error(t, err)
	assert.Equal(t, "nothing imported: "+other+" conflicts with the templates of "+db+":\n"+
		`  template 5's trigger_name "Welcome" is template 1's in the database`+"\n"+
		"change the trigger_name or the id of the file's template", err.Error())
	assert.Equal(t, map[int]string{1: "welcome"}, storedTriggers(t, db))

	// Two templates trading trigger names cannot be written one after the
	// other: refused, and nothing written, not even template 3.
	_, _, err = runRoost(t, nil, "templates", "-db", db, "import", writeSeed(t, dir, "two.json", welcome+","+reply, ""))
	require.NoError(t, err)
	swapped := writeSeed(t, dir, "swapped.json",
		`{"id":1,"name":"Reply","trigger_name":"reply","channel":"inbox","content":{"title":"Re"}},`+
			`{"id":2,"name":"Welcome","trigger_name":"welcome","channel":"inbox","content":{"title":"Hi"}},`+
			`{"id":3,"name":"New","trigger_name":"new","channel":"inbox","content":{"title":"New"}}`, "")
	_, _, err = runRoost(t, nil, "templates", "-db", db, "import", "-replace", swapped)
	assert.ErrorContains(t, err, "templates 1, 2 trade trigger names")
	assert.Equal(t, map[int]string{1: "welcome", 2: "reply"}, storedTriggers(t, db))
}

// TestTemplatesImport_DryRunCreatesNoDatabase checks that -dry-run into a
// database that does not exist says it would create it, and does not.
func TestTemplatesImport_DryRunCreatesNoDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "roost.db")
	out, _, err := runRoost(t, nil, "templates", "-db", db, "-dry-run", "import", writeSeed(t, dir, "mine.json", welcome, ada))
	require.NoError(t, err)
	assert.Equal(t, "-dry-run: the database "+db+" does not exist; the import would create it\n"+
		"-dry-run, nothing written: created 1, replaced 0, unchanged 0 templates; created 1 people\n", out)
	assert.NoFileExists(t, db)

	_, _, err = runRoost(t, nil, "templates", "-db", db, "import", filepath.Join(dir, "missing.json"))
	require.Error(t, err)
	assert.NoFileExists(t, db, "a seed file that cannot be read creates no database")
}
