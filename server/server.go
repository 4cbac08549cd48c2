// Package server is Roost's message server: the transactional send API a
// site's backend calls, templates, people, the delivery queue, and the poll
// and event endpoints the browser runtime calls. The wire protocol is
// docs/protocol.md. Storage is behind the Store interface; server/sqlite
// implements it.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/roostmsg/roost/inbox"
	"github.com/roostmsg/roost/render"
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

// DefaultSendRateLimit is the send-side requests per second and per key
// allowed when Config.SendRateLimit is 0 (the seed docs' transactional limit).
const DefaultSendRateLimit = 100

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
	// SendRateLimit is how many send-side requests per second one API key
	// may make on average before getting 429; 0 means
	// DefaultSendRateLimit, a negative value turns the limit off.
	SendRateLimit float64
	// SendRateBurst is how many send-side requests one key may make at once
	// over the average; 0 means twice SendRateLimit.
	SendRateBurst int
	// TierActive, TierInactive and TierLow are the poll intervals of the
	// tiers; zero means DefaultTierActive, DefaultTierInactive, DefaultTierLow.
	TierActive, TierInactive, TierLow time.Duration
	// PollCacheBytes is the memory, in bytes, the poll answer cache may use:
	// a person's last answer is kept until a write or the passing of time
	// can change it, so that an unchanged poll (a 304, or a 200 with the
	// same body) does not read the store. Each answer costs its body
	// (about 500 bytes a queued message like the seed's) plus about 200
	// bytes. 0 means DefaultPollCacheBytes, a negative value turns the
	// cache off. The cache assumes that this Server is the only writer of
	// its Store (true of the embedded SQLite store): a write made around
	// it, by another process or directly on the Store, is seen by polls
	// only once the cached answer expires, if ever.
	PollCacheBytes int
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives unexpected errors; nil means slog.Default().
	Logger *slog.Logger
}

// Server answers the routes of docs/protocol.md from a Store.
type Server struct {
	cfg    Config
	store  Store
	ids    idGen
	render *render.Renderer
	limit  *rateLimiter
	// polls caches poll answers; nil when Config.PollCacheBytes is negative.
	polls *pollCache
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
	if cfg.SendRateLimit == 0 {
		cfg.SendRateLimit = DefaultSendRateLimit
	}
	if cfg.SendRateBurst <= 0 {
		cfg.SendRateBurst = max(1, int(2*cfg.SendRateLimit))
	}
	if cfg.PollCacheBytes == 0 {
		cfg.PollCacheBytes = DefaultPollCacheBytes
	}
	s := &Server{cfg: cfg, store: store, render: render.New(), limit: newRateLimiter(cfg.SendRateLimit, cfg.SendRateBurst)}
	if s.polls = newPollCache(cfg.PollCacheBytes); s.polls != nil {
		s.store = &invalidatingStore{store: store, polls: s.polls}
	}
	return s
}

// Handler returns the HTTP handler of all routes: the send side under
// /v1/send, /v1/transactional, /v1/deliveries, /v1/drafts and /v1/people
// (API key, rate limited), the browser side under /v1/client (site, user
// and signature headers, with CORS).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v1/send/inbox_message", methods{http.MethodPost: s.app(s.sendHandler(inbox.ChannelInbox))})
	mux.Handle("/v1/send/in_app", methods{http.MethodPost: s.app(s.sendHandler(inbox.ChannelInApp))})
	mux.Handle("/v1/deliveries/{id}", methods{http.MethodGet: s.app(s.handleGetDelivery)})
	mux.Handle("/v1/drafts", methods{http.MethodGet: s.app(s.handleListDrafts)})
	mux.Handle("/v1/drafts/{id}", methods{http.MethodDelete: s.app(s.handleDeleteDraft)})
	mux.Handle("/v1/drafts/{id}/send", methods{http.MethodPost: s.app(s.handleSendDraft)})
	mux.Handle("/v1/people/{id}", methods{http.MethodGet: s.app(s.handleGetPerson), http.MethodPut: s.app(s.handlePutPerson)})
	mux.Handle("/v1/transactional", methods{http.MethodGet: s.app(s.handleListTemplates), http.MethodPost: s.app(s.handleCreateTemplate)})
	mux.Handle("/v1/transactional/{id}", methods{
		http.MethodGet: s.app(s.handleGetTemplate), http.MethodPut: s.app(s.handlePutTemplate),
		http.MethodDelete: s.app(s.handleDeleteTemplate),
	})
	mux.Handle("/v1/transactional/{id}/contents", methods{http.MethodGet: s.app(s.handleListContents)})
	mux.Handle("/v1/transactional/{id}/content/{content_id}", methods{http.MethodPut: s.app(s.handlePutContent)})
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

// Maintain does the server's background work every interval until ctx is
// done: it drops the content and data of finished deliveries whose
// retention is disabled (Store.DropFinishedContent). Errors are logged.
func (s *Server) Maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.maintainOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maintainOnce does Maintain's work once.
func (s *Server) maintainOnce(ctx context.Context) {
	if _, err := s.store.DropFinishedContent(ctx, s.now()); err != nil && ctx.Err() == nil {
		s.cfg.Logger.Error("drop finished content", "err", err)
	}
}
