//go:build js && wasm

// Command wasm is the Roost browser runtime: it runs in a SharedWorker (or a
// dedicated Worker) started by the shim, speaks the shim's JSON op protocol
// over the worker's ports, and calls the server with the browser's fetch.
// It is the only package that imports syscall/js.
package main

import (
	"context"
	"sync"
	"syscall/js"

	"github.com/roostmsg/roost/client"
)

// The worker script defines roostPost(port, json) before starting Go, and
// calls roostReceive(port, json), which Go defines here, for each message.
// It sets roostDedicated in a dedicated Worker: the runtime then shares one
// poller per person with the other tabs' runtimes (see client.Coordinator).
func main() {
	global := js.Global()
	post := global.Get("roostPost")
	in := &inbound{ready: make(chan struct{}, 1)}
	opts := client.Options{Storage: &idbStorage{}}
	if global.Get("roostDedicated").Truthy() {
		if c := newCoordinator(func(b []byte) { in.push(message{peer: true, data: b}) }); c != nil {
			opts.Coordinator = c
		}
	}
	rt := client.New(host{post: post}, opts)
	global.Set("roostReceive", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) < 2 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeString {
			return nil
		}
		in.push(message{port: args[0].Int(), data: []byte(args[1].String())})
		return nil
	}))
	global.Call("roostReady")
	for { // one goroutine handles the tabs' and the other runtimes' messages, in the order they came
		for _, m := range in.take() {
			if m.peer {
				rt.Peer(m.data)
			} else {
				rt.Receive(m.port, m.data)
			}
		}
	}
}

type message struct {
	port int
	data []byte
	peer bool // from another tab's runtime (BroadcastChannel), not from a tab
}

// inbound queues messages from the worker's event loop without ever blocking it.
type inbound struct {
	mu    sync.Mutex
	queue []message
	ready chan struct{}
}

func (q *inbound) push(m message) {
	q.mu.Lock()
	q.queue = append(q.queue, m)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take waits for messages and returns all that are queued.
func (q *inbound) take() []message {
	<-q.ready
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.queue
	q.queue = nil
	return out
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

// Stream calls the browser's fetch and reads the body as it comes (client.Streamer).
func (h host) Stream(ctx context.Context, req client.Request, head func(client.Response), chunk func([]byte)) error {
	return stream(ctx, req, head, chunk)
}
