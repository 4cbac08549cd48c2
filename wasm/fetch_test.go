//go:build js && wasm

package main

import (
	"context"
	"errors"
	"syscall/js"
	"testing"
	"time"

	"github.com/roostmsg/roost/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeFetch replaces the browser's fetch with a JS function of (url, init)
// whose body is script; it keeps both in globalThis.seen.
func fakeFetch(t *testing.T, script string) {
	old := jsFetch
	jsFetch = js.Global().Get("Function").New("url", "init", "globalThis.seen = {url, init};\n"+script)
	t.Cleanup(func() { jsFetch = old })
}

// streamingAnswer answers with status and a body the test writes with
// globalThis.push(text) and ends with globalThis.finish().
const streamingAnswer = `
const enc = new TextEncoder();
let ctl;
const body = new ReadableStream({start(c) { ctl = c; }});
globalThis.push = (s) => ctl.enqueue(enc.encode(s));
globalThis.finish = () => ctl.close();
return Promise.resolve(new Response(body, {status: 200, headers: {"Retry-After": "7", "ETag": "\"e\""}}));
`

type streamed struct {
	heads  chan client.Response
	chunks chan string
	done   chan error
}

func startStream(ctx context.Context) *streamed {
	s := &streamed{heads: make(chan client.Response, 1), chunks: make(chan string, 10), done: make(chan error, 1)}
	req := client.Request{Method: "GET", URL: "https://roost.test/v1/client/stream",
		Header: map[string]string{"X-Roost-User": "u1", "Last-Event-ID": `"e"`}}
	go func() {
		s.done <- stream(ctx, req, func(r client.Response) { s.heads <- r }, func(b []byte) { s.chunks <- string(b) })
	}()
	return s
}

func receive[T any](t *testing.T, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing came")
		var zero T
		return zero
	}
}

func TestStreamReadsTheBodyAsItComes(t *testing.T) {
	fakeFetch(t, streamingAnswer)
	s := startStream(context.Background())
	head := receive(t, s.heads)
	assert.Equal(t, client.Response{Status: 200, ETag: `"e"`, RetryAfter: 7 * time.Second}, head, "the headers before the body")

	seen := js.Global().Get("seen")
	assert.Equal(t, "https://roost.test/v1/client/stream", seen.Get("url").String())
	init := seen.Get("init")
	assert.Equal(t, "GET", init.Get("method").String())
	assert.Equal(t, "no-store", init.Get("cache").String())
	assert.Equal(t, "omit", init.Get("credentials").String())
	assert.Equal(t, `"e"`, init.Get("headers").Get("Last-Event-ID").String())
	assert.Equal(t, "u1", init.Get("headers").Get("X-Roost-User").String())

	js.Global().Call("push", "event: hello\n")
	assert.Equal(t, "event: hello\n", receive(t, s.chunks))
	js.Global().Call("push", "data: {}\n\n")
	assert.Equal(t, "data: {}\n\n", receive(t, s.chunks))
	js.Global().Call("finish")
	assert.NoError(t, receive(t, s.done), "the body ended")
}

func TestStreamAbortsWhenContextEnds(t *testing.T) {
	fakeFetch(t, streamingAnswer)
	ctx, cancel := context.WithCancel(context.Background())
	s := startStream(ctx)
	receive(t, s.heads)
	cancel()
	assert.ErrorIs(t, receive(t, s.done), context.Canceled)
	require.Eventually(t, func() bool {
		return js.Global().Get("seen").Get("init").Get("signal").Get("aborted").Bool()
	}, 5*time.Second, time.Millisecond, "the request was aborted")
}

func TestStreamRefusalComesWithItsBody(t *testing.T) {
	fakeFetch(t, `return Promise.resolve(new Response('{"meta":{"error":"no"}}', {status: 403}));`)
	s := startStream(context.Background())
	head := receive(t, s.heads)
	assert.Equal(t, 403, head.Status)
	assert.JSONEq(t, `{"meta":{"error":"no"}}`, string(head.Body))
	assert.NoError(t, receive(t, s.done))
}

func TestStreamNetworkError(t *testing.T) {
	fakeFetch(t, `return Promise.reject(new TypeError("Failed to fetch"));`)
	s := startStream(context.Background())
	err := receive(t, s.done)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Failed to fetch")
	assert.False(t, errors.Is(err, context.Canceled))
	select {
	case h := <-s.heads:
		t.Fatalf("head called after a network error: %v", h)
	default:
	}
}

func TestFetchReadsTheWholeAnswer(t *testing.T) {
	fakeFetch(t, `return Promise.resolve(new Response('{"messages":[]}', {status: 200, headers: {"ETag": "\"v1\"", "Date": "Thu, 03 Dec 2026 09:00:00 GMT"}}));`)
	res, err := fetch(context.Background(), client.Request{Method: "POST", URL: "https://roost.test/v1/client/events", Body: []byte(`{}`)})
	require.NoError(t, err)
	assert.Equal(t, 200, res.Status)
	assert.Equal(t, `"v1"`, res.ETag)
	assert.Equal(t, `{"messages":[]}`, string(res.Body))
	assert.Equal(t, time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), res.Date.UTC())
	assert.False(t, js.Global().Get("seen").Get("init").Get("signal").Get("aborted").Bool(), "a finished fetch is not aborted")
}
