//go:build unix

package service

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDB takes the lock that says a roost serves the database at path: an
// exclusive flock of path+".lock", held until release is called or the
// process ends (a crash or kill -9 frees it). A second roost on the same
// database is refused: each keeps poll answers in memory and would serve
// what the other changed late.
func lockDB(path string) (release func(), err error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("database %s: its lock file: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(name)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("database %s: another roost serves it (%s): run one roost serve per database", path, trimmed(holder))
		}
		return nil, fmt.Errorf("database %s: locking %s: %w", path, name, err)
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "pid %d", os.Getpid())
	return func() {
		_ = f.Truncate(0)
		f.Close() // closing the file releases the lock
	}, nil
}

// trimmed is what a lock file says of its holder, for a message.
func trimmed(b []byte) string {
	if len(b) == 0 || len(b) > 64 {
		return "its lock file is held"
	}
	return string(b)
}
