package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteOverlay: the line make bench changes is still in client/, and
// the overlay puts the changed copy, that line alone different, in place
// of the file.
func TestWriteOverlay(t *testing.T) {
	t.Chdir("..") // make bench runs from the repository's root
	dir := t.TempDir()
	raw, err := os.ReadFile(writeOverlay(dir))
	require.NoError(t, err)
	var overlay struct{ Replace map[string]string }
	require.NoError(t, json.Unmarshal(raw, &overlay))
	abs, err := filepath.Abs(updateFile)
	require.NoError(t, err)
	require.Contains(t, overlay.Replace, abs)
	changed, err := os.ReadFile(overlay.Replace[abs])
	require.NoError(t, err)
	original, err := os.ReadFile(updateFile)
	require.NoError(t, err)
	want := strings.Replace(string(original), updateOld, updateNew, 1)
	assert.Equal(t, want, string(changed))
	assert.NotEqual(t, string(original), string(changed))
	assert.Equal(t, strings.Count(string(original), "\n"), strings.Count(string(changed), "\n"), "one line changed, none added")
}
