//go:build js && wasm

package main

import (
	"context"
	"errors"
	"syscall/js"
	"time"

	"github.com/roostmsg/roost/client"
)

var (
	jsFetch           = js.Global().Get("fetch")
	jsDate            = js.Global().Get("Date")
	jsObject          = js.Global().Get("Object")
	jsUint8Array      = js.Global().Get("Uint8Array")
	jsAbortController = js.Global().Get("AbortController")
)

// await waits for a Promise; the callbacks only hand the outcome to a channel.
func await(ctx context.Context, promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	// The callbacks release themselves when the promise settles, which it
	// does even after the caller gave up (an aborted fetch rejects).
	var onOK, onErr js.Func
	settle := func(r result) {
		onOK.Release()
		onErr.Release()
		ch <- r
	}
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		settle(result{v: args[0]})
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "fetch failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		settle(result{err: errors.New(msg)})
		return nil
	})
	promise.Call("then", onOK, onErr)
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// fetch sends req with the browser's fetch (no cookies, no HTTP cache) and reads the whole answer.
func fetch(ctx context.Context, req client.Request) (client.Response, error) {
	res, out, stop, err := send(ctx, req)
	defer stop()
	if err != nil || out.Status == 304 {
		return out, err
	}
	out.Body, err = readAll(ctx, res)
	if err != nil {
		return client.Response{}, err
	}
	return out, nil
}

// stream sends req and hands the answer's body to chunk as it arrives
// (client.Streamer): the status and headers first, to head, with the whole
// body unless the status is 200. It returns when the body ends, on an error,
// or when ctx ends, which aborts the request.
func stream(ctx context.Context, req client.Request, head func(client.Response), chunk func([]byte)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // aborts the request: nothing more is read
	res, out, _, err := send(ctx, req)
	if err != nil {
		return err
	}
	if out.Status != 200 {
		if out.Body, err = readAll(ctx, res); err != nil {
			return err
		}
		head(out)
		return nil
	}
	head(out)
	body := res.Get("body")
	if !body.Truthy() {
		return errors.New("fetch: the answer has no body to read")
	}
	reader := body.Call("getReader")
	for {
		part, err := await(ctx, reader.Call("read"))
		if err != nil {
			return err
		}
		if part.Get("done").Truthy() {
			return nil
		}
		value := part.Get("value")
		b := make([]byte, value.Get("length").Int())
		js.CopyBytesToGo(b, value)
		chunk(b)
	}
}

// send starts req with the browser's fetch (no cookies, no HTTP cache; ctx's
// end aborts it until stop is called) and returns the answer once its
// headers are in, with the status and the headers the runtime reads.
func send(ctx context.Context, req client.Request) (res js.Value, out client.Response, stop func() bool, err error) {
	abort := jsAbortController.New()
	stop = context.AfterFunc(ctx, func() { abort.Call("abort") })

	headers := jsObject.New()
	for k, v := range req.Header {
		headers.Set(k, v)
	}
	init := jsObject.New()
	init.Set("method", req.Method)
	init.Set("headers", headers)
	init.Set("cache", "no-store")
	init.Set("credentials", "omit")
	init.Set("signal", abort.Get("signal"))
	if len(req.Body) > 0 {
		body := jsUint8Array.New(len(req.Body))
		js.CopyBytesToJS(body, req.Body)
		init.Set("body", body)
	}
	res, err = await(ctx, jsFetch.Invoke(req.URL, init))
	if err != nil {
		return js.Undefined(), client.Response{}, stop, err
	}
	out = client.Response{Status: res.Get("status").Int()}
	h := res.Get("headers")
	if v := h.Call("get", "ETag"); v.Type() == js.TypeString {
		out.ETag = v.String()
	}
	if v := h.Call("get", "Date"); v.Type() == js.TypeString {
		// JS's Date.parse reads the HTTP date (Go's time.Parse would add
		// its code to every visitor's download); NaN when unreadable.
		if ms := jsDate.Call("parse", v).Float(); ms == ms {
			out.Date = time.UnixMilli(int64(ms))
		}
	}
	if v := h.Call("get", "Retry-After"); v.Type() == js.TypeString {
		out.RetryAfter = client.ParseRetryAfter(v.String())
	}
	return res, out, stop, nil
}

// readAll reads the whole body of res.
func readAll(ctx context.Context, res js.Value) ([]byte, error) {
	buf, err := await(ctx, res.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	bytes := jsUint8Array.New(buf)
	out := make([]byte, bytes.Get("length").Int())
	js.CopyBytesToGo(out, bytes)
	return out, nil
}
