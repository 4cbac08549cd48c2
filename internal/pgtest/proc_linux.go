//go:build linux

package pgtest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

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

// processGone reports whether no process has the id pid, or only a zombie
// (exited, not yet reaped: where PID 1 reaps nothing, one may linger).
func processGone(pid int) bool {
	if syscall.Kill(pid, 0) == syscall.ESRCH {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat") // pid (comm) state ...
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
