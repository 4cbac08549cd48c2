package httpapi

import (
	"sync"
	"sync/atomic"
	"time"
)

// Reasons a browser request is refused before it reaches the rules, as
// Handler.Refusals counts them.
const (
	// RefusedUnknownSite is a missing or unknown X-Roost-Site.
	RefusedUnknownSite = "unknown_site"
	// RefusedOrigin is a page origin the site does not allow.
	RefusedOrigin = "origin"
	// RefusedSignature is a missing or wrong signature of the user id.
	RefusedSignature = "signature"
)

// RefusalReasons lists every reason a refusal is counted under.
var RefusalReasons = []string{RefusedUnknownSite, RefusedOrigin, RefusedSignature}

// originLogEvery is how often one refused origin of one site is logged:
// an operator must learn which origin to add, without a line per request.
const originLogEvery = time.Minute

// refusals counts refused browser requests by site and reason, and
// remembers when each refused origin was last logged.
type refusals struct {
	counts sync.Map // site + "\x00" + reason -> *atomic.Uint64

	mu     sync.Mutex
	logged map[string]time.Time // site + "\x00" + origin -> last logged
}

// add counts one refusal of site for reason.
func (r *refusals) add(site, reason string) {
	v, _ := r.counts.LoadOrStore(site+"\x00"+reason, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

// shouldLog reports whether the refusal of origin for site is to be
// logged now (at most once per originLogEvery for each pair).
func (r *refusals) shouldLog(site, origin string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.logged == nil || len(r.logged) > 1000 { // bounded, whoever sends what
		r.logged = map[string]time.Time{}
	}
	key := site + "\x00" + origin
	if last, ok := r.logged[key]; ok && now.Sub(last) < originLogEvery {
		return false
	}
	r.logged[key] = now
	return true
}

// Refusals returns how many browser requests for the site with id were
// refused for reason (one of RefusalReasons) so far. Requests naming no
// configured site count under the site id "".
func (h *Handler) Refusals(id, reason string) uint64 {
	if v, ok := h.refused.counts.Load(id + "\x00" + reason); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}
