package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/roostmsg/roost/server"
)

// appHandler is a send-side handler; the error it returns is written by fail.
type appHandler func(w http.ResponseWriter, r *http.Request) error

// clientHandler is a browser-side handler for the identified person.
type clientHandler func(w http.ResponseWriter, r *http.Request, personID string) error

// app authenticates the App API key, then runs next. An address that
// gave too many wrong keys (MaxKeyFailures) is refused before its key is
// looked at, so that a right guess cannot be told from a wrong one.
func (h *Handler) app(next appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, now := clientAddress(r), h.srv.Now()
		if blocked, wait := h.keyFailures.blocked(addr, now); blocked {
			h.fail(w, r, h.keyFailures.refuse(wait, "wrong API keys"))
			return
		}
		key, err := h.checkAPIKey(r)
		if err != nil {
			h.keyFailures.fail(addr, now)
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
// checks the page's origin and the person's signature, then runs next. An
// address that gave too many wrong signatures (MaxSignatureFailures) is
// refused first.
func (h *Handler) client(next clientHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, now := clientAddress(r), h.srv.Now()
		if blocked, wait := h.sigFailures.blocked(addr, now); blocked {
			h.fail(w, r, h.sigFailures.refuse(wait, "wrong signatures"))
			return
		}
		user, err := h.identify(r, addr, now)
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
// wrong or expired signature, EINVALID for a missing or invalid user. A
// missing or wrong signature counts against addr, at now.
func (h *Handler) identify(r *http.Request, addr string, now time.Time) (string, error) {
	id, user := r.Header.Get("X-Roost-Site"), r.Header.Get("X-Roost-User")
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
		if h.refused.shouldLog(id, origin, time.Now()) {
			h.cfg.Logger.Warn("refused browser requests from a page origin the site does not allow (logged once a minute): add it to the site's origins if it is yours",
				"site", id, "origin", server.Quote(origin))
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
		if err := server.VerifyIdentity(site.IdentitySecret, user, r.Header.Get("X-Roost-Signature"), now); err != nil {
			h.refused.add(id, RefusedSignature)
			if !server.IdentityExpired(err) {
				h.sigFailures.fail(addr, now) // an expired token was made by the backend: no guess
			}
			return "", err
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" {
			hd.Set("Access-Control-Allow-Origin", origin)
		}
		hd.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		hd.Set("Access-Control-Allow-Headers", "Content-Type, X-Roost-Site, X-Roost-User, X-Roost-Signature, If-None-Match")
		hd.Set("Access-Control-Expose-Headers", "ETag, Retry-After")
		hd.Set("Access-Control-Max-Age", "86400")
		next.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight (the headers come from cors).
var preflight = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNoContent)
})
