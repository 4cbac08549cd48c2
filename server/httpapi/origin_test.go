package httpapi_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/roostmsg/roost/server"
	"github.com/roostmsg/roost/server/httpapi"
)

// TestAllowedOrigins: a browser request from a page origin the site does
// not allow is refused with 403 and a reason the page can read; the
// server's own origin, the site's origins and "*" are allowed.
func TestAllowedOrigins(t *testing.T) {
	f := newFixture(t)
	id := f.send("inbox_message", seedSend)
	sites := []httpapi.Site{
		{ID: "shop", Origins: []string{"https://shop.example.com", "HTTPS://WWW.Shop.example.com:443/"}},
		{ID: "open", Origins: []string{httpapi.AnyOrigin}},
		{ID: "none"},
	}
	poll := func(h http.Handler, site, origin, host string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/v1/client/poll", nil)
		req.Host = host
		req.Header.Set("X-Roost-Site", site)
		req.Header.Set("X-Roost-User", "user_123")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	h := mustHandler(t, f.srv, httpapi.Config{Sites: sites})
	for _, tt := range []struct {
		name, site, origin, host string
		ok                       bool
	}{
		{"OKListed", "shop", "https://shop.example.com", "roost.example.com", true},
		{"OKListedNormalized", "shop", "https://www.shop.example.com", "roost.example.com", true},
		{"OKAny", "open", "https://anyone.example", "roost.example.com", true},
		{"OKSameOrigin", "none", "https://roost.example.com", "roost.example.com", true},
		{"OKNoOriginHeader", "none", "", "roost.example.com", true},
		{"ErrOtherSitesOrigin", "none", "https://shop.example.com", "roost.example.com", false},
		{"ErrUnlisted", "shop", "https://evil.example", "roost.example.com", false},
		{"ErrOtherScheme", "shop", "http://shop.example.com", "roost.example.com", false},
		{"ErrOtherPort", "shop", "https://shop.example.com:8443", "roost.example.com", false},
		{"ErrNull", "open", "null", "roost.example.com", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := poll(h, tt.site, tt.origin, tt.host)
			if tt.ok {
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				assert.Contains(t, w.Body.String(), id)
				return
			}
			require.Equal(t, http.StatusForbidden, w.Code)
			assert.Contains(t, errorMessage(t, w), "is not allowed for site")
			assert.NotContains(t, w.Body.String(), id)
			assert.Equal(t, tt.origin, w.Header().Get("Access-Control-Allow-Origin"), "the page can read why")
		})
	}

	t.Run("ErrEventsFromUnlistedOrigin", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/v1/client/events",
			strings.NewReader(`{"events":[{"id":"e1","delivery_id":"`+id+`","type":"deleted"}]}`))
		req.Header.Set("X-Roost-Site", "shop")
		req.Header.Set("X-Roost-User", "user_123")
		req.Header.Set("Origin", "https://evil.example")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equal(t, http.StatusForbidden, w.Code)
		assert.Equal(t, false, getDelivery(t, f, id)["deleted"], "nothing was applied")
	})

	t.Run("PublicURLIsTheOnlySameOrigin", func(t *testing.T) {
		h := mustHandler(t, f.srv, httpapi.Config{Sites: sites, PublicURL: "https://roost.example.com/"})
		assert.Equal(t, http.StatusOK, poll(h, "none", "https://roost.example.com", "internal:8080").Code)
		assert.Equal(t, http.StatusForbidden, poll(h, "none", "https://rebound.example", "rebound.example").Code,
			"a Host that names the page's own origin is not the server's")
	})
}

func TestNew_Errors(t *testing.T) {
	srv := server.New(server.Config{}, nil)
	for _, tt := range []struct {
		name string
		cfg  httpapi.Config
		want string
	}{
		{"ErrSiteID", httpapi.Config{Sites: []httpapi.Site{{ID: "a b"}}}, `site id "a b"`},
		{"ErrDuplicateSite", httpapi.Config{Sites: []httpapi.Site{{ID: "a"}, {ID: "a"}}}, "configured twice"},
		{"ErrOriginPath", httpapi.Config{Sites: []httpapi.Site{{ID: "a", Origins: []string{"https://a.example/app"}}}}, "no path"},
		{"ErrOriginScheme", httpapi.Config{Sites: []httpapi.Site{{ID: "a", Origins: []string{"shop.example.com"}}}}, "http or https"},
		{"ErrOriginWildcard", httpapi.Config{Sites: []httpapi.Site{{ID: "a", Origins: []string{"https://*.example.com"}}}}, "wildcards are not taken"},
		{"ErrEmptyKey", httpapi.Config{APIKeys: []string{" "}}, "API key"},
		{"ErrPublicURL", httpapi.Config{PublicURL: "roost.example.com"}, "public URL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpapi.New(srv, tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestAPIKeys_Rotation(t *testing.T) {
	f := newFixtureWith(t, func(cfg *config) { cfg.http.APIKeys = []string{"old-key", "new-key"} })
	for _, key := range []string{"old-key", "new-key"} {
		w := f.do(http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer "+key)
		assert.Equal(t, http.StatusOK, w.Code, "%s: %s", key, w.Body.String())
	}
	w := f.do(http.MethodPost, "/v1/send/inbox_message", seedSend, "Authorization", "Bearer "+testKey)
	assert.Equal(t, http.StatusUnauthorized, w.Code)
}

// TestRefusalsAreCountedAndTheOriginLogged: refused browser requests are
// counted by site and reason, and a refused origin is logged once a
// minute at most, so an operator learns which origin to add.
func TestRefusalsAreCountedAndTheOriginLogged(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	h, err := httpapi.New(f.srv, httpapi.Config{Sites: []httpapi.Site{{ID: "shop", IdentitySecret: "s3cret"}},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	poll := func(site, origin, sig string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/client/poll", nil)
		req.Header.Set("X-Roost-Site", site)
		req.Header.Set("X-Roost-User", "user_123")
		req.Header.Set("X-Roost-Signature", sig)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for range 3 {
		assert.Equal(t, http.StatusForbidden, poll("shop", "https://other.example", server.SignIdentity("s3cret", "user_123")))
	}
	assert.Equal(t, http.StatusForbidden, poll("shop", "", "0123"))
	assert.Equal(t, http.StatusUnauthorized, poll("nosuch", "", ""))
	assert.Equal(t, uint64(3), h.Refusals("shop", httpapi.RefusedOrigin))
	assert.Equal(t, uint64(1), h.Refusals("shop", httpapi.RefusedSignature))
	assert.Equal(t, uint64(1), h.Refusals("", httpapi.RefusedUnknownSite))
	assert.Equal(t, 1, strings.Count(logs.String(), `origin=https://other.example`), logs.String())
	assert.NotContains(t, logs.String(), "s3cret")
	assert.Equal(t, []string{"shop"}, h.SiteIDs())
}
