//go:build !unix

package sqlite_test

import "testing"

// asUnprivileged reports whether this process should run the calling test's
// body; off Unix, file modes are not what these tests check, so it skips it.
func asUnprivileged(t *testing.T) bool {
	t.Skip("file modes are Unix's")
	return false
}
