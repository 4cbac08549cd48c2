package storecols

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertDestFollows asserts that dest has, at the place of each column of
// the list selectList, the destination want gives for its name.
func assertDestFollows(t *testing.T, selectList string, dest []any, want map[string]any) {
	t.Helper()
	names := strings.Split(selectList, ",")
	require.Len(t, dest, len(names))
	require.Len(t, want, len(names), "every column is checked, once")
	for i, name := range names {
		name = strings.TrimSpace(name)
		w, ok := want[name]
		require.True(t, ok, "column %q", name)
		assert.Same(t, w, dest[i], "column %d, %q", i, name)
	}
}
