package client

import (
	"context"
	"time"
)

// skewRewatch is how much the estimate of the server's clock must move
// before the tabs' identity tokens are watched again (watchToken).
const skewRewatch = time.Minute

// fetch sends req through the host and notes the server's clock from the
// answer's Date (serverNow); r.mu must not be held.
func (r *Runtime) fetch(ctx context.Context, req Request) (Response, error) {
	res, err := r.host.Fetch(ctx, req)
	if err == nil && !res.Date.IsZero() {
		r.noteServerTime(res.Date)
	}
	return res, err
}

// noteServerTime records how far the server's clock (date, its Date
// header: whole seconds) is from the runtime's. Identity tokens expire by
// the server's clock, so a browser whose clock is off neither trusts a
// token the server refuses nor asks the page for fresh tokens at once
// (or too late). When the estimate moves by skewRewatch or more (the
// first answer, mostly), the tabs' tokens are watched again.
func (r *Runtime) noteServerTime(date time.Time) {
	skew := date.Add(500 * time.Millisecond).Sub(r.opts.Clock.Now()) // the middle of Date's second
	r.mu.Lock()
	defer r.mu.Unlock()
	moved := !r.skewKnown || (skew-r.skew).Abs() >= skewRewatch
	r.skew, r.skewKnown = skew, true
	if !moved {
		return
	}
	for _, p := range r.ports {
		if p.tokenDone != nil {
			r.watchToken(p)
		}
	}
}

// serverNow is the server's clock as the runtime estimates it (its own
// until an answer said otherwise); r.mu is held.
func (r *Runtime) serverNow() time.Time {
	return r.opts.Clock.Now().Add(r.skew)
}
