//go:build linux

package pgtest

import "syscall"

// sysProcAttr runs a child as cred (nil: as this process's user); postgres
// (daemon) gets SIGQUIT (immediate shutdown) when this process dies, so that
// a killed test binary leaves no server running.
func sysProcAttr(cred *credential, daemon bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{}
	if cred != nil {
		a.Credential = &syscall.Credential{Uid: cred.uid, Gid: cred.gid}
	}
	if daemon {
		a.Pdeathsig = syscall.SIGQUIT
	}
	return a
}
