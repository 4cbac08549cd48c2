//go:build js && wasm

// Command wasm is the Roost browser runtime: it runs in a SharedWorker (or a
// dedicated Worker) started by the shim, speaks the shim's JSON op protocol
// over the worker's ports, and calls the server with the browser's fetch.
// It is the only package that imports syscall/js.
package main

import (
	"context"
	"syscall/js"

	"github.com/roostmsg/roost/client"
)

// The worker script defines roostPost(port, json) before starting Go, and
// calls roostReceive(port, json), which Go defines here, for each message.
func main() {
	global := js.Global()
	post := global.Get("roostPost")
	rt := client.New(host{post: post}, client.Options{})
	global.Set("roostReceive", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 || args[1].Type() != js.TypeString {
			return nil
		}
		port, msg := args[0].Int(), []byte(args[1].String())
		go rt.Receive(port, msg) // never block the worker's event loop
		return nil
	}))
	global.Call("roostReady")
	select {}
}

// host adapts the worker to client.Host.
type host struct{ post js.Value }

// Post sends msg to one tab through the worker script.
func (h host) Post(port int, msg []byte) {
	h.post.Invoke(port, string(msg))
}

// Fetch calls the browser's fetch.
func (h host) Fetch(ctx context.Context, req client.Request) (client.Response, error) {
	return fetch(ctx, req)
}
