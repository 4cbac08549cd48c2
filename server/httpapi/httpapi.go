// Package httpapi puts Roost's message server (package server) on HTTP:
// the send side a site's backend calls with an App API key, and the browser
// side the runtime calls for a person of a site (docs/protocol.md). It owns
// the wire: routes, request decoding, the error table, authentication,
// allowed origins and rate limits; the rules stay in package server.
package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/server"
)

// DefaultSendRateLimit is the send-side requests per second and per key
// allowed when Config.SendRateLimit is 0 (the seed docs' transactional limit).
const DefaultSendRateLimit = 100

// AnyOrigin in a Site's Origins lets pages of every origin use the site.
const AnyOrigin = "*"

// Config holds the HTTP layer's settings.
type Config struct {
	// APIKeys are the App API keys the send side may present as a Bearer
	// token; several let a key be rotated without downtime. None refuses
	// every send-side request.
	APIKeys []string
	// Sites are the sites whose pages run the browser runtime. None
	// refuses every browser-side request.
	Sites []Site
	// SendRateLimit is how many send-side requests per second one API key
	// may make on average before getting 429; 0 means
	// DefaultSendRateLimit, a negative value turns the limit off.
	SendRateLimit float64
	// SendRateBurst is how many send-side requests one key may make at once
	// over the average; 0 means twice SendRateLimit.
	SendRateBurst int
	// PublicURL is the server's public base URL (https://roost.example.com),
	// if it is known: browser requests from its origin are same-origin.
	// When it is not set, a request whose Origin names the Host it was sent
	// to is.
	PublicURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is read
	// to tell clients apart for the failed-authentication limits (see
	// ParseTrustedProxies, DefaultTrustedProxies); nil trusts none.
	TrustedProxies []netip.Prefix
	// StreamHeartbeat is the heartbeat period of GET /v1/client/stream
	// (0: DefaultStreamHeartbeat); StreamMaxAge how long a stream lasts
	// at most, less up to a tenth at random (0: DefaultStreamMaxAge).
	StreamHeartbeat, StreamMaxAge time.Duration
	// StreamWriteTimeout bounds each write of a stream and each read of
	// its answer, in place of the http.Server's WriteTimeout, which would
	// cut the stream (set it to that): a client that stops reading is cut
	// then. 0: writes are not bounded.
	StreamWriteTimeout time.Duration
	// StreamPlain keeps every stream an ordinary chunked answer of the
	// HTTP server, instead of taking its connection over (about 35 KB a
	// stream instead of 15): what the capacity measurement compares, and a
	// way back should a proxy mind the taken connections.
	StreamPlain bool
	// Logger receives unexpected errors and throttled addresses; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Site is one site whose pages run the browser runtime; they name it in
// X-Roost-Site. Sites share the server's people and messages: a site is a
// place the runtime is embedded, with its own secret and page origins.
type Site struct {
	// ID is the site id pages give (data-site-id): letters, digits, ".",
	// "_" and "-", at most 64 of them.
	ID string
	// IdentitySecret signs the identities of the site's pages
	// (server.SignIdentity, or server.SignIdentityToken for a token that
	// expires): every browser request must carry the user id's signature
	// or an unexpired token. Empty: identities are not signed, and anyone
	// can read and change anyone's messages by naming their id.
	IdentitySecret string
	// Origins are the page origins ("https://shop.example.com") allowed
	// to use the site from another origin than the server's own, or
	// AnyOrigin. A browser request from any other origin is refused (403).
	Origins []string
}

// siteIDPattern is what a site id may look like.
var siteIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Validate returns an error saying what is wrong with s, if anything.
func (s *Site) Validate() error {
	if !siteIDPattern.MatchString(s.ID) {
		return fmt.Errorf("site id %q: use 1 to 64 letters, digits, '.', '_' or '-'", s.ID)
	}
	for _, o := range s.Origins {
		if _, err := NormalizeOrigin(o); err != nil {
			return fmt.Errorf("site %s: %w", s.ID, err)
		}
	}
	return nil
}

// NormalizeOrigin returns origin as browsers send it in an Origin header
// (scheme://host[:port], lowercase, no default port, no trailing slash),
// or AnyOrigin, or an error saying why it is not an origin.
func NormalizeOrigin(origin string) (string, error) {
	if origin == AnyOrigin {
		return origin, nil
	}
	u, err := url.Parse(strings.TrimSuffix(strings.TrimSpace(origin), "/"))
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("origin %q: %s; write it as https://shop.example.com (scheme, host and port only), or %q for any", origin, why, AnyOrigin)
	}
	switch {
	case err != nil:
		return bad(err.Error())
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("the scheme must be http or https")
	case u.Host == "" || u.User != nil:
		return bad("it has no host")
	case strings.ContainsAny(u.Host, "*"):
		return bad("an origin is one host: list each, wildcards are not taken")
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		return bad("an origin has no path, query or fragment")
	}
	host := strings.ToLower(u.Host)
	if (u.Scheme == "http" && strings.HasSuffix(host, ":80")) || (u.Scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndex(host, ":")]
	}
	return u.Scheme + "://" + host, nil
}

// ValidateAPIKey returns an error unless key can be an App API key: not
// empty, no white space.
func ValidateAPIKey(key string) error {
	if strings.TrimSpace(key) == "" || strings.ContainsAny(key, " \t\r\n\ufeff") {
		return errors.New("an API key is empty or has white space in it")
	}
	return nil
}

// PublicOrigin returns the origin of a public base URL
// (https://roost.example.com), or an error saying how to write it: the
// server is served at the root of its origin, so the URL has no path.
func PublicOrigin(publicURL string) (string, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q: write it as https://roost.example.com (the server is served at the root of its origin)", publicURL)
	}
	return NormalizeOrigin(u.Scheme + "://" + u.Host)
}

// Handler answers the routes of docs/protocol.md.
type Handler struct {
	srv    *server.Server
	cfg    Config
	sites  map[string]*Site
	public string // the origin of cfg.PublicURL, or ""
	limit  *rateLimiter
	// unavailableLog lets an unreachable database be logged once a minute.
	unavailableLog logGate
	// keyFailures and sigFailures count failed authentications per
	// client address: wrong API keys, wrong browser signatures.
	keyFailures, sigFailures *failureLimiter
	mux                      *http.ServeMux
	// refused counts the browser requests refused before the rules.
	refused refusals
	// streamOpening is what every stream starts with: retry and hello
	// (streamHello).
	streamOpening []byte
}

// New returns the handler of srv's routes with cfg, its zero fields set to
// their defaults, or an error naming a setting that is wrong.
func New(srv *server.Server, cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.SendRateLimit == 0 {
		cfg.SendRateLimit = DefaultSendRateLimit
	}
	if cfg.SendRateBurst <= 0 {
		cfg.SendRateBurst = max(1, int(2*cfg.SendRateLimit))
	}
	h := &Handler{srv: srv, cfg: cfg, sites: map[string]*Site{},
		limit:       newRateLimiter(cfg.SendRateLimit, cfg.SendRateBurst),
		keyFailures: newFailureLimiter(MaxKeyFailures, AuthFailureWindow, "wrong API keys"),
		sigFailures: newFailureLimiter(MaxSignatureFailures, AuthFailureWindow, "wrong signatures")}
	h.cfg.TrustedProxies = slices.Clone(cfg.TrustedProxies)
	for _, key := range cfg.APIKeys {
		if err := ValidateAPIKey(key); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Sites {
		s := cfg.Sites[i]
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if h.sites[s.ID] != nil {
			return nil, fmt.Errorf("site %s is configured twice", s.ID)
		}
		s.Origins = slices.Clone(s.Origins)
		for j, o := range s.Origins {
			s.Origins[j], _ = NormalizeOrigin(o)
		}
		h.sites[s.ID] = &s
	}
	if cfg.PublicURL != "" {
		var err error
		if h.public, err = PublicOrigin(cfg.PublicURL); err != nil {
			return nil, err
		}
	}
	h.streamOpening = streamHello(h.heartbeat())
	h.routes()
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// SiteIDs returns the ids of the configured sites.
func (h *Handler) SiteIDs() []string {
	ids := make([]string, 0, len(h.sites))
	for id := range h.sites {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// SiteOrigins returns the page origins allowed for the site with id (see
// Site.Origins), and whether the site exists.
func (h *Handler) SiteOrigins(id string) ([]string, bool) {
	s, ok := h.sites[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(s.Origins), true
}

// routes registers every route.
func (h *Handler) routes() {
	mux := http.NewServeMux()
	mux.Handle("/v1/send/inbox_message", methods{http.MethodPost: h.app(h.sendHandler(inbox.ChannelInbox))})
	mux.Handle("/v1/send/in_app", methods{http.MethodPost: h.app(h.sendHandler(inbox.ChannelInApp))})
	mux.Handle("/v1/deliveries/{id}", methods{http.MethodGet: h.app(h.handleGetDelivery)})
	mux.Handle("/v1/drafts", methods{http.MethodGet: h.app(h.handleListDrafts)})
	mux.Handle("/v1/drafts/{id}", methods{http.MethodDelete: h.app(h.handleDeleteDraft)})
	mux.Handle("/v1/drafts/{id}/send", methods{http.MethodPost: h.app(h.handleSendDraft)})
	mux.Handle("/v1/people/{id}", methods{http.MethodGet: h.app(h.handleGetPerson), http.MethodPut: h.app(h.handlePutPerson)})
	mux.Handle("/v1/transactional", methods{http.MethodGet: h.app(h.handleListTemplates), http.MethodPost: h.app(h.handleCreateTemplate)})
	mux.Handle("/v1/transactional/{id}", methods{
		http.MethodGet: h.app(h.handleGetTemplate), http.MethodPut: h.app(h.handlePutTemplate),
		http.MethodDelete: h.app(h.handleDeleteTemplate),
	})
	mux.Handle("/v1/transactional/{id}/contents", methods{http.MethodGet: h.app(h.handleListContents)})
	mux.Handle("/v1/transactional/{id}/content/{content_id}", methods{http.MethodPut: h.app(h.handlePutContent)})
	mux.Handle(inbox.PathPoll, cors(methods{http.MethodGet: h.client(h.handlePoll), http.MethodOptions: preflight}))
	mux.Handle(inbox.PathStream, corsAllowing(streamAllowHeaders, methods{http.MethodGet: http.HandlerFunc(h.handleStream), http.MethodOptions: preflight}))
	mux.Handle(inbox.PathEvents, cors(methods{http.MethodPost: h.client(h.handleEvents), http.MethodOptions: preflight}))
	mux.Handle("/v1/client/", cors(notFound))
	mux.Handle("/", notFound)
	h.mux = mux
}
