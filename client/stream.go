package client

import (
	"context"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/poller"
)

// Streamer is a Host that can also hand over an answer's body as it
// arrives (the browser's fetch with a body reader). With one, the runtime
// that polls for a person also opens the push channel, GET
// /v1/client/stream, and polls only while it is down (poller.EnableStream);
// a Host without it only polls.
type Streamer interface {
	// Stream sends req and calls head once the answer's status and headers
	// are in (with the whole Body when the status is not 200), then, for a
	// 200, chunk with each piece of the body as it comes, in order, on
	// Stream's goroutine (either may block). It returns when the body ends
	// (nil), when the request or the reading fails, or when ctx ends
	// (which aborts the request).
	Stream(ctx context.Context, req Request, head func(Response), chunk func([]byte)) error
}

// streamTransport opens a session's stream, with the headers of its polls.
type streamTransport struct {
	s    *session
	host Streamer
}

// Stream implements poller.Streamer.
func (t streamTransport) Stream(ctx context.Context, etag string, head func(poller.Response), chunk func([]byte)) error {
	s := t.s
	req, signature := s.request("GET", inbox.PathStream, nil)
	s.r.mu.Lock()
	s.streamSignature = signature
	s.r.mu.Unlock()
	if etag != "" {
		req.Header["Last-Event-ID"] = etag
	}
	return t.host.Stream(ctx, req, func(res Response) {
		if !res.Date.IsZero() {
			s.r.noteServerTime(res.Date)
		}
		if res.Status == 200 { // refusals come before a stream opens: the server took the signature
			s.r.mu.Lock()
			s.accept(signature)
			s.r.mu.Unlock()
		}
		head(poller.Response{Status: res.Status, ETag: res.ETag, Body: res.Body, RetryAfter: res.RetryAfter})
	}, chunk)
}

// enableStream gives loop the push channel when the host can stream; r.mu is held.
func (r *Runtime) enableStream(s *session, loop *poller.Loop) {
	host, ok := r.host.(Streamer)
	if !ok {
		return
	}
	loop.EnableStream(streamTransport{s: s, host: host}, poller.StreamOptions{
		OpenTimeout: r.opts.StreamOpenTimeout, Backoff: r.opts.StreamBackoff})
}

// useSignature makes signature the one the session polls and streams with;
// an open stream reconnects with it. r.mu is held.
func (s *session) useSignature(signature string) {
	if signature == s.signature {
		return
	}
	s.signature = signature
	s.loop.loop.Restream()
}
