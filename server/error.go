package server

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Error codes. The HTTP layer (server/httpapi) maps each to one status, and
// any error without a code to EINTERNAL.
const (
	// ECONFLICT is a request that clashes with stored state (a trigger name in use).
	ECONFLICT = "conflict"
	// EINTERNAL is an unexpected failure; callers only ever see "internal error".
	EINTERNAL = "internal"
	// EINVALID is a malformed or semantically wrong request.
	EINVALID = "invalid"
	// ENOTFOUND is an unknown entity.
	ENOTFOUND = "not_found"
	// EUNAUTHORIZED is a missing or wrong credential (API key or site id).
	EUNAUTHORIZED = "unauthorized"
	// EFORBIDDEN is a credential that is valid in form but not for this
	// request (a signature of another person's id).
	EFORBIDDEN = "forbidden"
	// ERATELIMIT is a send-side request over the key's rate limit.
	ERATELIMIT = "rate_limited"
	// EMETHOD is a known path asked with a method it does not answer.
	EMETHOD = "method_not_allowed"
	// ETOOLARGE is a request body over its size limit.
	ETOOLARGE = "too_large"
	// ENOSPACE is a write the store could not make for want of disk space;
	// nothing of it was stored, and the same write may succeed later.
	ENOSPACE = "insufficient_storage"
	// EUNAVAILABLE is a request the store could not serve now: its database
	// cannot be reached or did not answer in time (ErrUnavailable).
	EUNAVAILABLE = "unavailable"
)

// UnavailableRetry is how long a client told EUNAVAILABLE waits before it
// tries again (Retry-After).
const UnavailableRetry = 5 * time.Second

// ErrUnavailable is the error a store wraps (beside its cause, which the
// logs show) when its database cannot be reached or does not answer in
// time: nothing of the request was stored, and it may succeed shortly.
var ErrUnavailable = &Error{Code: EUNAVAILABLE, RetryAfter: UnavailableRetry,
	Message: "the server cannot reach its database now: nothing was stored; try again shortly"}

// Error is the server's one error type: a code for programs and a message
// for people. Its Message is shown to API callers as {"meta":{"error":...}}.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is the human-readable explanation.
	Message string
	// RetryAfter, for ERATELIMIT and EUNAVAILABLE, is how long until a
	// request can succeed (the HTTP layer's Retry-After); 0 when unknown.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("roost error: code=%s message=%s", e.Code, e.Message)
}

// RetrySeconds is wait in the whole seconds a Retry-After header gives:
// rounded up, at least 1, so a client that waits them is served.
func RetrySeconds(wait time.Duration) int64 {
	return max(1, int64(math.Ceil(wait.Seconds())))
}

// RateLimited returns an ERATELIMIT *Error whose request can succeed after
// wait. The message is formatted with the arguments, then the whole
// seconds to wait (RetrySeconds) as the last one.
func RateLimited(wait time.Duration, format string, args ...any) *Error {
	e := Errorf(ERATELIMIT, format, append(args, RetrySeconds(wait))...)
	e.RetryAfter = wait
	return e
}

// RetryAfter returns the wait of the *Error in err's chain (ERATELIMIT,
// EUNAVAILABLE), 0 when there is none.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, "" for nil and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, "" for nil
// and "internal error" for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
