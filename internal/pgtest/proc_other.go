//go:build !unix

package pgtest

import "syscall"

// sysProcAttr is nil: outside Unix the tests never run as root, so there is
// no credential to set (cred is always nil), and no parent-death signal.
func sysProcAttr(cred *credential, daemon bool) *syscall.SysProcAttr {
	return nil
}

// processGone is false: outside Unix stale directories are left alone.
func processGone(pid int) bool { return false }
