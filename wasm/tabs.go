//go:build js && wasm

package main

import "syscall/js"

// WatchTab implements client.TabWatcher with Web Locks: the worker asks for
// the tab's lock, which the browser grants only once the tab is gone. The
// callback releases the lock at once and tells the worker script to forget
// the port; gone runs on its own goroutine, since a js.FuncOf callback must
// not block.
func (h host) WatchTab(port int, lock string, gone func()) {
	locks := js.Global().Get("navigator").Get("locks")
	if !locks.Truthy() {
		return // no Web Locks (an insecure context): bye alone tells
	}
	var granted, settled js.Func
	granted = js.FuncOf(func(js.Value, []js.Value) any {
		if c := js.Global().Get("roostClose"); c.Type() == js.TypeFunction {
			c.Invoke(port)
		}
		go gone()
		return nil // returning releases the lock
	})
	// The request settles after the grant, or fails (an AbortError): either way it is over.
	settled = js.FuncOf(func(js.Value, []js.Value) any {
		granted.Release()
		settled.Release()
		return nil
	})
	locks.Call("request", lock, granted).Call("then", settled, settled)
}
