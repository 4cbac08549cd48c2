package client

import (
	"fmt"
	"strings"
)

// TabWatcher is a Host that can tell when a tab is gone without saying bye:
// it crashed, was killed, or was dropped from the back/forward cache. Each
// tab holds a Web Lock as long as it lives and names it in a lock op; the
// browser hands the lock to whoever waits for it once the tab is gone. A
// Host without it (or a browser without Web Locks) relies on bye alone.
type TabWatcher interface {
	// WatchTab waits for the Web Lock named lock and calls gone, once, when
	// the browser grants it (and then releases it at once). It never blocks.
	WatchTab(port int, lock string, gone func())
}

// tabLockPrefix starts the name of every tab's lock.
const tabLockPrefix = "roost-tab-"

// MaxTabLockName bounds the name of a tab's lock, in bytes.
const MaxTabLockName = 100

// watchTab starts watching tab p's lock; r.mu is held.
func (r *Runtime) watchTab(p *port, lock string) error {
	if !strings.HasPrefix(lock, tabLockPrefix) || len(lock) > MaxTabLockName {
		return fmt.Errorf("lock: the name must start with %q and be at most %d bytes, got %.100q", tabLockPrefix, MaxTabLockName, lock)
	}
	w, ok := r.host.(TabWatcher)
	if !ok || p.lock == lock {
		return nil
	}
	p.lock = lock
	id := p.id
	w.WatchTab(id, lock, func() { r.tabGone(id, lock) })
	return nil
}

// tabGone handles a tab whose lock the browser granted: the tab is gone, as
// if it had said bye. A tab that said bye already, or named another lock
// since, is left alone.
func (r *Runtime) tabGone(portID int, lock string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.ports[portID]; p != nil && p.lock == lock {
		r.leave(p)
	}
}

// leave forgets tab p, stopping its person's session when no other tab
// shows that person; r.mu is held.
func (r *Runtime) leave(p *port) {
	delete(r.ports, p.id)
	r.setUser(p, "")
}
