//go:build js && wasm

package main

import (
	"context"
	"sync"
	"syscall/js"
)

var (
	jsPromise          = js.Global().Get("Promise")
	jsBroadcastChannel = js.Global().Get("BroadcastChannel")
)

// coordinator is client.Coordinator over the browser's Web Locks and a
// BroadcastChannel, for a runtime in a dedicated Worker: the runtimes of the
// origin's tabs share one poller per person through it. Both work in workers.
type coordinator struct {
	locks   js.Value // navigator.locks
	channel js.Value
}

// newCoordinator opens the origin's "roost" BroadcastChannel and hands every
// message on it to receive; nil where the worker has no Web Locks or no
// BroadcastChannel (each tab then polls for itself, as before), or where
// the browser denies it Web Locks: a browser that blocks the origin's
// storage (its cookies blocked) rejects every lock request, so no runtime
// would ever lead and poll.
func newCoordinator(receive func([]byte)) *coordinator {
	navigator := js.Global().Get("navigator")
	if !navigator.Truthy() || !navigator.Get("locks").Truthy() || !jsBroadcastChannel.Truthy() {
		return nil
	}
	if _, err := await(context.Background(), navigator.Get("locks").Call("query")); err != nil {
		return nil
	}
	channel := jsBroadcastChannel.New("roost")
	channel.Set("onmessage", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if data := args[0].Get("data"); data.Type() == js.TypeString {
			receive([]byte(data.String()))
		}
		return nil
	}))
	return &coordinator{locks: navigator.Get("locks"), channel: channel}
}

// Broadcast posts msg to the other runtimes of the origin.
func (c *coordinator) Broadcast(msg []byte) {
	c.channel.Call("postMessage", string(msg))
}

// Lock requests the Web Lock name; it is held, by a Promise the lock callback
// returns, until release resolves that Promise. The browser releases it when
// the worker ends (its tab closes or crashes).
func (c *coordinator) Lock(name string, granted func()) (release func()) {
	var (
		mu       sync.Mutex
		released bool
		unlock   js.Value // resolves the Promise that holds the lock, once granted
	)
	abort := jsAbortController.New()
	onGrant := js.FuncOf(func(_ js.Value, _ []js.Value) any {
		executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
			mu.Lock()
			defer mu.Unlock()
			unlock = args[0]
			if released { // released while the grant was on its way
				unlock.Invoke()
			}
			return nil
		})
		held := jsPromise.New(executor) // the executor runs now, synchronously
		executor.Release()
		mu.Lock()
		if !released {
			go granted()
		}
		mu.Unlock()
		return held
	})
	options := jsObject.New()
	options.Set("signal", abort.Get("signal"))
	request := c.locks.Call("request", name, options, onGrant)
	go func() {
		// The request settles once the lock is released or the request withdrawn.
		_, _ = await(context.Background(), request)
		onGrant.Release()
	}()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		if released {
			return
		}
		released = true
		if unlock.Truthy() {
			unlock.Invoke()
		} else {
			abort.Call("abort") // withdraws a request still waiting; no effect once granted
		}
	}
}
