package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/roostmsg/roost/server"
)

// appHandler is a send-side handler; the error it returns is written by fail.
type appHandler func(w http.ResponseWriter, r *http.Request) error

// clientHandler is a browser-side handler for the identified person.
type clientHandler func(w http.ResponseWriter, r *http.Request, personID string) error

// app authenticates the App API key, then runs next. A missing or wrong
// key counts against the client's address (MaxKeyFailures); past the
// limit it is answered 429 instead of 401, while a right key from the
// same address is served.
func (h *Handler) app(next appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := h.checkAPIKey(r)
		if err != nil {
			err = h.authFailed(h.keyFailures, AuthSideSend, r, err)
		} else {
			err = h.checkRate(key)
		}
		if err == nil {
			err = next(w, r)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	})
}

// authFailed counts a failed authentication of r's address on side, and
// returns the error to answer: refusal, or while the address is blocked,
// the 429 of the limiter l, logging the address at most once per
// ThrottleLogEvery (never a key or a signature).
func (h *Handler) authFailed(l *failureLimiter, side string, r *http.Request, refusal error) error {
	addr := h.clientAddress(r)
	throttled, log := l.failed(addr, h.srv.Now())
	if throttled == nil {
		return refusal
	}
	if log {
		h.cfg.Logger.Warn("throttling failed authentications from an address (logged once a minute): requests with valid credentials are still served",
			"side", side, "address", addr, "limit", fmt.Sprintf("%d %s in %s", l.max, l.what, l.window))
	}
	return throttled
}

// AuthThrottled returns how many failed authentications of side (one of
// AuthSides) were answered 429 so far, their address being blocked.
func (h *Handler) AuthThrottled(side string) uint64 {
	switch side {
	case AuthSideSend:
		return h.keyFailures.throttledCount()
	case AuthSideClient:
		return h.sigFailures.throttledCount()
	}
	return 0
}

// checkAPIKey returns the key r carries as "Bearer <key>" when it is one
// of the configured keys (compared in constant time), else EUNAUTHORIZED.
func (h *Handler) checkAPIKey(r *http.Request) (string, error) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", server.Errorf(server.EUNAUTHORIZED, "missing API key: send the header Authorization: Bearer <app api key>")
	}
	key = strings.TrimSpace(key)
	found := false
	for _, k := range h.cfg.APIKeys {
		if secretEqual(key, k) {
			found = true // no early return: every key is compared
		}
	}
	if !found {
		return "", server.Errorf(server.EUNAUTHORIZED, "wrong API key")
	}
	return key, nil
}

// checkRate takes one request from key's rate limit, or returns ERATELIMIT
// with the wait (WriteError's Retry-After).
func (h *Handler) checkRate(key string) error {
	ok, wait := h.limit.allow(key, h.srv.Now())
	if ok {
		return nil
	}
	return server.RateLimited(wait, "rate limit exceeded: at most %g requests per second per API key; retry after %d s", h.cfg.SendRateLimit)
}

// client identifies the site and the person from the X-Roost-* headers,
// checks the page's origin and the person's signature, then runs next. A
// missing or wrong signature counts against the client's address
// (MaxSignatureFailures); past the limit it is answered 429, while a right
// one from the same address is served.
func (h *Handler) client(next clientHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := h.identify(r)
		if err == nil {
			err = next(w, r, user)
		}
		if err != nil {
			h.fail(w, r, err)
		}
	})
}

// identify returns the person a browser-side request is for, or why the
// request is refused: EUNAUTHORIZED for a missing or unknown site or a
// missing signature, EFORBIDDEN for an origin the site does not allow or a
// wrong or expired signature, EINVALID for a missing or invalid user; a
// missing or wrong signature counts against r's address (authFailed).
func (h *Handler) identify(r *http.Request) (string, error) {
	return h.identifyAs(r, headerCredentials(r))
}

// credentials are what a browser request says of its site and person.
type credentials struct {
	site, user, signature string
}

// headerCredentials returns the credentials of r's X-Roost-* headers.
func headerCredentials(r *http.Request) credentials {
	return credentials{site: r.Header.Get("X-Roost-Site"), user: r.Header.Get("X-Roost-User"),
		signature: r.Header.Get("X-Roost-Signature")}
}

// identifyAs is identify with the credentials c (headers, or for the
// stream, the query where a header is missing).
func (h *Handler) identifyAs(r *http.Request, c credentials) (string, error) {
	id, user := c.site, c.user
	if id == "" {
		h.refused.add("", RefusedUnknownSite)
		return "", server.Errorf(server.EUNAUTHORIZED, "missing X-Roost-Site header")
	}
	site := h.sites[id]
	if site == nil {
		h.refused.add("", RefusedUnknownSite)
		return "", server.Errorf(server.EUNAUTHORIZED, "unknown site %s", server.Quote(id))
	}
	if origin := r.Header.Get("Origin"); origin != "" && !h.originAllowed(site, origin, r.Host) {
		h.refused.add(id, RefusedOrigin)
		if h.refused.shouldLog(id, origin, h.srv.Now()) {
			// The log handler quotes what needs it (slog); the origin is only cut short.
			h.cfg.Logger.Warn("refused browser requests from a page origin the site does not allow (logged once a minute): add it to the site's origins if it is yours",
				"site", id, "origin", origin[:min(len(origin), 200)])
		}
		return "", server.Errorf(server.EFORBIDDEN, "origin %s is not allowed for site %s: add it to the site's allowed origins", server.Quote(origin), server.Quote(id))
	}
	if user == "" {
		return "", server.Errorf(server.EINVALID, "missing X-Roost-User header")
	}
	if err := server.ValidatePersonID(user); err != nil {
		return "", err
	}
	if site.IdentitySecret != "" {
		if err := server.VerifyIdentity(site.IdentitySecret, user, c.signature, h.srv.Now()); err != nil {
			h.refused.add(id, RefusedSignature)
			if server.IdentityExpired(err) {
				return "", err // an expired token was made by the backend: no guess
			}
			return "", h.authFailed(h.sigFailures, AuthSideClient, r, err)
		}
	}
	return user, nil
}

// originAllowed reports whether a browser request from origin may use
// site: the origin is the server's own (Config.PublicURL's, or when that
// is not set, the Host the request was sent to), or one of the site's
// Origins, or the site allows AnyOrigin.
func (h *Handler) originAllowed(site *Site, origin, host string) bool {
	o, err := NormalizeOrigin(origin)
	if err != nil {
		return false // "null" (a sandboxed or file: page) and the like
	}
	if h.public != "" {
		if o == h.public {
			return true
		}
	} else if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Host, host) {
		return true
	}
	for _, allowed := range site.Origins {
		if allowed == o || allowed == AnyOrigin {
			return true
		}
	}
	return false
}

// secretEqual compares a and b in time independent of their contents.
func secretEqual(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// cors adds the CORS headers of docs/protocol.md to every answer of next.
// Any origin may ask, and read the answer (a refusal says why): which
// origins a site allows is enforced by the server (Handler.identify), and
// browser requests carry no cookies or other ambient credentials.
func cors(next http.Handler) http.Handler {
	return corsAllowing(allowHeaders, next)
}

// allowHeaders are the request headers a browser request may carry.
const allowHeaders = "Content-Type, X-Roost-Site, X-Roost-User, X-Roost-Signature, If-None-Match"

// corsAllowing is cors with the request headers allowed.
func corsAllowing(allowed string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setCORS(w.Header(), r, allowed)
		next.ServeHTTP(w, r)
	})
}

// setCORS sets the CORS headers of an answer to r, allowing the request
// headers allowed. (A function of its own: corsAllowing's frame is under
// every stream's handler while the stream lasts.)
func setCORS(hd http.Header, r *http.Request, allowed string) {
	hd.Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		hd.Set("Access-Control-Allow-Origin", origin)
	}
	hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	hd.Set("Access-Control-Allow-Headers", allowed)
	hd.Set("Access-Control-Expose-Headers", "ETag, Retry-After, Date")
	hd.Set("Access-Control-Max-Age", "86400")
}

// preflight answers a CORS preflight (the headers come from cors).
var preflight = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
})
