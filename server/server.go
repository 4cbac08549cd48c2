// Package server is Roost's message server: the transactional send API a
// site's backend calls, templates, people, the delivery queue, and the poll
// and event endpoints the browser runtime calls. The wire protocol is
// docs/protocol.md. Storage is behind the Store interface; server/sqlite
// implements it.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/roostmsg/roost/inbox"
)

// Default poll intervals of the three tiers.
const (
	// DefaultTierActive is the poll interval while messages are queued.
	DefaultTierActive = 10 * time.Second
	// DefaultTierInactive is the poll interval after a recent message.
	DefaultTierInactive = 60 * time.Second
	// DefaultTierLow is the poll interval otherwise.
	DefaultTierLow = 180 * time.Second
)

// Config holds the server's settings.
type Config struct {
	// APIKey is the App API key the send side presents as a Bearer token.
	// An empty key refuses every send-side request.
	APIKey string
	// SiteID is the site id browsers send in X-Roost-Site.
	SiteID string
	// IdentitySecret, when set, turns on signed identities: every browser
	// request must carry X-Roost-Signature, SignIdentity(IdentitySecret,
	// user id), made by the site's backend. Empty: the user id is trusted.
	IdentitySecret string
	// TierActive, TierInactive and TierLow are the poll intervals of the
	// tiers; zero means DefaultTierActive, DefaultTierInactive, DefaultTierLow.
	TierActive, TierInactive, TierLow time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives unexpected errors; nil means slog.Default().
	Logger *slog.Logger
}

// Server answers the routes of docs/protocol.md from a Store.
type Server struct {
	cfg   Config
	store Store
	ids   idGen
}

// New returns a server with cfg, its zero fields set to their defaults,
// keeping its state in store.
func New(cfg Config, store Store) *Server {
	if cfg.TierActive <= 0 {
		cfg.TierActive = DefaultTierActive
	}
	if cfg.TierInactive <= 0 {
		cfg.TierInactive = DefaultTierInactive
	}
	if cfg.TierLow <= 0 {
		cfg.TierLow = DefaultTierLow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{cfg: cfg, store: store}
}

// Handler returns the HTTP handler of all routes: the send side under
// /v1/send, /v1/deliveries and /v1/people (API key), the browser side under
// /v1/client (site and user headers, with CORS).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/send/inbox_message", methods{http.MethodPost: s.app(s.sendHandler(inbox.ChannelInbox))})
	mux.Handle("/v1/send/in_app", methods{http.MethodPost: s.app(s.sendHandler(inbox.ChannelInApp))})
	mux.Handle("/v1/deliveries/{id}", methods{http.MethodGet: s.app(s.handleGetDelivery)})
	mux.Handle("/v1/people/{id}", methods{http.MethodPut: s.app(s.handlePutPerson)})
	mux.Handle("/v1/client/poll", cors(methods{http.MethodGet: s.client(s.handlePoll), http.MethodOptions: preflight}))
	mux.Handle("/v1/client/events", cors(methods{http.MethodPost: s.client(s.handleEvents), http.MethodOptions: preflight}))
	mux.Handle("/v1/client/", cors(s.notFound()))
	mux.Handle("/", s.notFound())
	return mux
}

// now returns the configured current time.
func (s *Server) now() time.Time {
	return s.cfg.Now()
}
