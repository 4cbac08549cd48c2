//go:build unix

package sqlite

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// notWritable returns why this process may not write the file, or create
// files in the directory, at p (info is its FileInfo), or "" if it may.
func notWritable(p string, info fs.FileInfo) string {
	const wOK, xOK = 0x2, 0x1 // access(2)'s W_OK and X_OK
	mode := uint32(wOK)
	if info.IsDir() {
		mode |= xOK
	}
	switch err := syscall.Access(p, mode); err {
	case syscall.EROFS:
		return "is on a read-only file system"
	case syscall.EACCES, syscall.EPERM:
	default: // nil, or an error SQLite will meet and tell
		return ""
	}
	why := fmt.Sprintf("is not writable by this user (uid %d)", os.Getuid())
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		why += fmt.Sprintf(": it belongs to uid %d with mode %04o", st.Uid, info.Mode().Perm())
	}
	return why
}
