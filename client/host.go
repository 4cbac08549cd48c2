// Package client is the browser runtime's logic without the browser: it keeps
// one session per identified person (poll loop, message store, event outbox),
// serves the views page JS opens with analytics.inbox(), and speaks the JSON
// op protocol with the shim's tabs. The wasm/ package adapts the browser to
// its Host interface; everything here runs and is tested natively.
package client

import (
	"context"
	"strconv"
	"time"
)

// Request is an HTTP request the host sends with the browser's fetch.
type Request struct {
	Method string
	URL    string
	Header map[string]string
	Body   []byte
}

// Response is what fetch answered.
type Response struct {
	Status int
	// ETag and RetryAfter are the headers the runtime reads.
	ETag       string
	RetryAfter time.Duration
	// Date is the server's clock when it answered (the Date header, whole
	// seconds); zero when absent.
	Date time.Time
	Body []byte
}

// Host is what the browser provides to the runtime.
type Host interface {
	// Post sends a JSON message to one tab.
	Post(port int, msg []byte)
	// Fetch sends an HTTP request; an error is a network failure.
	Fetch(ctx context.Context, req Request) (Response, error)
}

// MaxRetryAfter is the longest Retry-After the runtime heeds; a longer one
// is taken for a malformed header.
const MaxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header in whole seconds, the form the
// Roost server sends; an empty, malformed (an HTTP date included),
// negative or over-MaxRetryAfter header is 0: no wait asked.
func ParseRetryAfter(header string) time.Duration {
	secs, err := strconv.ParseInt(header, 10, 64)
	if err != nil || secs < 0 || secs > int64(MaxRetryAfter/time.Second) {
		return 0
	}
	return time.Duration(secs) * time.Second
}
