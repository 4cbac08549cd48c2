package assets

import (
	"errors"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmbeddedWithoutABuild(t *testing.T) {
	_, err := builtIn(fstest.MapFS{"dist/README.md": {Data: []byte("make runtime writes here")}})
	require.ErrorIs(t, err, ErrNotBuilt)
	assert.EqualError(t, err, "this binary was built without the browser runtime: run `make runtime` (or `make roost`) before `go build`")

	half := fstest.MapFS{"dist/README.md": {}, "dist/roost.js": {}}
	_, err = builtIn(half)
	assert.ErrorIs(t, err, ErrNotBuilt, "a build must be whole")
}

func TestEmbeddedWithABuild(t *testing.T) {
	built := fstest.MapFS{"dist/README.md": {}, "dist/version": {Data: []byte("0123456789abcdef\n")}}
	for _, name := range builtFiles {
		built["dist/"+name] = &fstest.MapFile{Data: []byte(name)}
	}
	files, err := builtIn(built)
	require.NoError(t, err)
	b, err := fs.ReadFile(files, "roost.js")
	require.NoError(t, err)
	assert.Equal(t, "roost.js", string(b), "the directory's files, at its root")
	_, err = New(files, Options{})
	assert.NoError(t, err)
}

// TestEmbedded: this test binary carries the runtime exactly when
// server/assets/dist held a build when it was compiled.
func TestEmbedded(t *testing.T) {
	files, err := Embedded()
	if _, statErr := os.Stat("dist/roost.wasm"); errors.Is(statErr, os.ErrNotExist) {
		assert.ErrorIs(t, err, ErrNotBuilt, "nothing built in dist/")
		return
	}
	require.NoError(t, err)
	_, err = New(files, Options{})
	assert.NoError(t, err)
}
