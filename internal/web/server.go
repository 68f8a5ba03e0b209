// Package web is the kit every part of the HTTP adapter shares: the site's
// middleware (security headers, CSRF, sessions, body limits, logging and
// metrics), language routing, rendering with the common layout and
// partials, error pages, the page cache and the static assets.
//
// It knows no domain package. The pages themselves live in one package per
// audience below it (internal/web/info, apply, citizen, counsel, backoffice,
// api, devpages); each registers its routes on a Site with Routes and holds
// only what its handlers use. Who is signed in reaches the kit through two
// functions the wiring gives it (StaffOf, CitizenOf), so the layout can
// show it without the kit knowing accounts or identities.
// docs/architecture.md has the map of what may import what.
package web

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

// MaxBodyBytes is the global request body limit. Routes that take files set
// their own, larger limit with BodyLimit.
const MaxBodyBytes = 1 << 20

// Readiness reports whether the platform can serve (database reachable,
// migrations applied).
type Readiness func(ctx context.Context) error

// Config is the kit's configuration.
type Config struct {
	Production   bool
	MetricsToken string // if set, /metrics requires "Authorization: Bearer <token>"
	CSRFKey      []byte
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (ClientAddr); loopback is always trusted.
	TrustedProxies []netip.Prefix
}

// Site is the shared part of the web layer: one per process, with the areas
// mounted on it by Init.
type Site struct {
	Config   Config
	Log      *slog.Logger
	Catalog  *i18n.Catalog
	Sessions *session.Manager
	Ready    Readiness
	Now      func() time.Time
	Registry *prometheus.Registry
	// StaffOf loads the staff member a back-office session belongs to;
	// (nil, nil) when the account is gone. The kit keeps the answer in the
	// request (StaffOf(r)) and asks nothing of it.
	StaffOf func(ctx context.Context, id string) (any, error)
	// CitizenOf reads the signed-in citizen from a citizen session (nil:
	// none), kept in the request as CitizenOf(r).
	CitizenOf func(sess *session.Session) any
	// TestIdP: the built-in test identity provider is on; every page warns.
	TestIdP bool
	// IdPOrigin is the identity provider's origin, allowed as a form target
	// in the Content-Security-Policy ("" when it is this site).
	IdPOrigin string

	assets  *assets
	base    *template.Template // layout and shared partials
	errors  *Pages
	metrics *metrics
	pages   pageCache
	mux     *http.ServeMux
	routes  map[string]*route // by the pattern as registered
	handler http.Handler
}

// Area is one audience's part of the site: it registers its routes (and
// loads its templates) on the site.
type Area interface {
	Routes(s *Site) error
}

// Init loads the shared templates and assets, mounts the areas and builds
// the middleware around them. Call it once before serving.
func (s *Site) Init(areas ...Area) error {
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return err
	}
	if s.base, err = loadBase(s.assets); err != nil {
		return err
	}
	if s.errors, err = s.Pages(templateFS, nil); err != nil {
		return err
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.Registry)
	s.mux = http.NewServeMux()
	s.routes = map[string]*route{}

	s.HandleFunc("GET /{$}", s.redirectToLanguage)
	s.HandleFunc("GET /healthz", s.healthz)
	s.HandleFunc("GET /readyz", s.readyz)
	s.Handle("GET /metrics", s.metricsHandler())
	s.HandleFunc("GET /static/", s.assets.serve)
	s.HandleFunc("GET /favicon.ico", s.favicon)
	s.HandleFunc("GET /robots.txt", s.robots)
	s.Page("GET /{lang}", s.redirectLangRoot)
	for _, a := range areas {
		if err := a.Routes(s); err != nil {
			return fmt.Errorf("web: %T: %w", a, err)
		}
	}
	s.mux.HandleFunc("/", s.notFound)
	s.handler = s.middleware(s.mux)
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Site) middleware(mux http.Handler) http.Handler {
	h := mux
	h = s.csrf(h)
	h = s.loadSession(h)
	h = s.servePageCache(h)
	h = s.limitBody(h)
	// Cross-origin state-changing requests (Sec-Fetch-Site/Origin) are refused
	// before the token check, with the same localized page as a bad token.
	cop := http.NewCrossOriginProtection()
	for pattern, rt := range s.routes {
		if rt.crossSite {
			cop.AddInsecureBypassPattern(pattern)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeError(w, r, errCrossOrigin)
	}))
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	h = s.recoverPanics(h)
	return h
}

// route is what the kit's middleware must know of a route before the
// handler runs: it reads the body and the caches before the mux does.
type route struct {
	noStore   bool
	noToken   bool
	crossSite bool
	streams   bool
	bodyLimit int64
	version   func(ctx context.Context) (int64, error)
}

// Option sets how the kit treats a route.
type Option func(*route)

// NoStore marks a route's pages as personal: no cache may keep them
// (browser Back then asks the server again instead of showing an old copy).
func NoStore(rt *route) { rt.noStore = true }

// NoToken lets a form be posted without a CSRF token. Only for requests that
// change no one's data or carry their own proof (signed SAML messages).
func NoToken(rt *route) { rt.noToken = true }

// CrossSite lets another site post to the route (an identity provider's
// answer): http.CrossOriginProtection lets it through.
func CrossSite(rt *route) { rt.crossSite = true }

// StreamsUpload marks a route whose handler reads a multipart body as a
// stream: the kit parses nothing and leaves the token check to it (CSRFValid).
func StreamsUpload(rt *route) { rt.streams = true }

// BodyLimit raises the route's body limit above MaxBodyBytes.
func BodyLimit(n int64) Option { return func(rt *route) { rt.bodyLimit = n } }

// CacheQueries lets the page cache keep the route's pages with a query
// string (a finder's results), each for the data version it shows; version
// is asked before a cached page is served.
func CacheQueries(version func(ctx context.Context) (int64, error)) Option {
	return func(rt *route) { rt.version = version }
}

// Handle registers h for pattern (net/http syntax, no {lang}).
func (s *Site) Handle(pattern string, h http.Handler, opts ...Option) {
	s.register(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		h.ServeHTTP(w, r)
	}), opts)
}

// HandleFunc registers f for pattern.
func (s *Site) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request), opts ...Option) {
	s.Handle(pattern, http.HandlerFunc(f), opts...)
}

// Page registers a page whose pattern starts with {lang}, once per
// language rather than with a wildcard: the mux then sends unknown
// languages to the catch-all, and "/{lang}/…" never competes with
// "/static/". Logs and metrics see the pattern with {lang}, so labels stay
// few. The handler's error becomes the error page.
func (s *Site) Page(pattern string, h HandlerFunc, opts ...Option) {
	for _, l := range i18n.Languages {
		s.register(strings.Replace(pattern, "{lang}", l.Code, 1), s.langPage(l, pattern, h), opts)
	}
}

func (s *Site) register(pattern string, h http.Handler, opts []Option) {
	rt := &route{}
	for _, o := range opts {
		o(rt)
	}
	s.routes[pattern] = rt
	if rt.noStore {
		next := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	}
	s.mux.Handle(pattern, h)
}

// NoStoreRoutes reports, for every registered pattern, whether its pages
// are marked personal (NoStore): the table a test holds against the rule
// that every page with personal data and every staff page is never cached.
func (s *Site) NoStoreRoutes() map[string]bool {
	out := make(map[string]bool, len(s.routes))
	for p, rt := range s.routes {
		out[p] = rt.noStore
	}
	return out
}

// routeOf is the registered route a request will reach (an empty one for
// unknown addresses).
func (s *Site) routeOf(r *http.Request) *route {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		if rt, ok := s.routes[pattern]; ok {
			return rt
		}
	}
	return &noRoute
}

var noRoute route
