//go:build !unix

package sqlite

import "io/fs"

// notWritable returns why this process may not write the file at p, or "";
// off Unix, SQLite's own error says it.
func notWritable(p string, info fs.FileInfo) string {
	return ""
}
