//go:build unix

package service

import "syscall"

// openFilesLimit returns the process's open files limit (RLIMIT_NOFILE,
// the soft one, which Go raises to the hard one at start), and false when
// it cannot be read or is unlimited.
func openFilesLimit() (uint64, bool) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil || int64(l.Cur) < 0 { // RLIM_INFINITY
		return 0, false
	}
	return uint64(l.Cur), true
}
