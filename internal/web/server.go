// Package web is the HTTP adapter: routes, middleware, server-rendered pages
// (html/template) and static assets. Domain logic lives in the domain
// packages; handlers parse, call, and render or redirect.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/search"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

// MaxBodyBytes is the global request body limit. Routes that take uploads set
// their own, larger limit.
const MaxBodyBytes = 1 << 20

// Readiness reports whether the platform can serve (database reachable,
// migrations applied).
type Readiness func(ctx context.Context) error

// Store is what the web layer reads directly; everything else goes through
// domain services.
type Store interface {
	feedback.Store
	retention.Store
	ListCaughtMail(ctx context.Context, limit int) ([]mail.Caught, error)
	FindCaughtMail(ctx context.Context, id string) (*mail.Caught, error)
}

// Config is the web layer's configuration.
type Config struct {
	Production     bool
	BaseURL        string
	OperatorEmail  string // receives barrier reports
	MetricsToken   string // if set, /metrics requires "Authorization: Bearer <token>"
	DevMailCatcher bool   // show the mail catcher pages
	CSRFKey        []byte
	Version        string
}

// Server holds the dependencies of the HTTP handlers.
type Server struct {
	Config  Config
	Log     *slog.Logger
	Catalog *i18n.Catalog
	Content *content.Library
	// Catalogue, Places, Offices and Search serve the benefit pages and the
	// office finder.
	Catalogue *content.Catalogue
	Places    *geo.Directory
	Offices   *office.Finder
	Search    *search.Index
	// OfficeStore reads the office directory for the back office;
	// OfficeEditor changes it.
	OfficeStore  office.Store
	OfficeEditor *office.Editor
	// Drafts keeps signed-in citizens' drafts and application statuses.
	Drafts *draft.Service
	// Forms are the application definitions by LeiKa id; Delivery takes
	// sent applications, Submissions finds them for the receipt; Uploads
	// keeps proofs (nil: uploads are off).
	Forms       map[string]*form.Definition
	Delivery    application.Delivery
	Submissions interface {
		FindSubmission(ctx context.Context, id string) (*application.Submission, error)
	}
	Uploads *upload.Service
	// OnSubmit is told the number of every application handed to the outbox
	// (it starts the delivery at once); nil: delivery waits for its scan.
	OnSubmit func(ctx context.Context, id string)
	// Centres is the counselling-centre directory of the finder.
	Centres *counselling.Directory
	// CentreEditor is the centres' back office (it decides who may).
	CentreEditor *counselling.Editor
	CentreBulk   counselling.BulkStore
	Onboarding   *counselling.Onboarding
	// DevFITConnect is the embedded default's FIT-Connect stand-in for the
	// office page (nil, or returning nil before the stand-in runs).
	DevFITConnect func() DevOffice
	// PostkorbCopies: signed-in people get both PDFs in their BundID
	// Postkorb (the receipt says so).
	PostkorbCopies bool
	// Deliveries tells the processing report how delivery stands (nil:
	// no delivery wired; the report then says "being delivered").
	Deliveries interface {
		FindDelivery(ctx context.Context, id string) (*delivery.Record, error)
		delivery.OverviewStore
	}
	// BundID signs citizens in; nil when no identity provider is configured.
	BundID *bundid.SP
	// SAMLSessions links BundID sessions to platform sessions for single logout.
	SAMLSessions interface {
		RememberSAMLSession(ctx context.Context, nameIDKey, owner string, expires time.Time) error
		TakeSAMLSessionOwners(ctx context.Context, nameIDKey string) ([]string, error)
	}
	// TestIdP is the built-in stand-in for BundID (development), mounted
	// below /testidp/; nil in production unless enabled.
	TestIdP http.Handler
	// IdPOrigin is the identity provider's origin, allowed as a form target
	// in the Content-Security-Policy ("" when it is this site).
	IdPOrigin string
	Sessions  *session.Manager
	Accounts  *account.Service
	Mail      *mail.Service
	Store     Store
	Ready     Readiness
	Now       func() time.Time
	Registry  *prometheus.Registry

	assets  *assets
	tmpl    *templates
	metrics *metrics
	pages   pageCache
	states  stateCache
	handler http.Handler
}

// Init loads templates and assets and builds the routes. Call it once before
// serving.
func (s *Server) Init() error {
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return err
	}
	if s.tmpl, err = loadTemplates(s.assets); err != nil {
		return err
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.Registry)
	s.handler = s.routes()
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Language routes are registered once per language code rather than with a
	// {lang} wildcard: the mux then sends unknown languages to the catch-all,
	// and "/{lang}/…" never competes with "/static/". Logs and metrics see the
	// pattern with {lang}, so labels stay few.
	page := func(pattern string, h handlerFunc) {
		for _, l := range i18n.Languages {
			mux.Handle(strings.Replace(pattern, "{lang}", l.Code, 1), s.langPage(l, pattern, h))
		}
	}

	mux.HandleFunc("GET /{$}", s.redirectToLanguage)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /static/", s.assets.serve)
	mux.HandleFunc("GET /favicon.ico", s.favicon)
	mux.HandleFunc("GET /robots.txt", s.robots)

	page("GET /{lang}/{$}", s.home)
	page("GET /{lang}", s.redirectLangRoot)
	for _, slug := range []string{"impressum", "datenschutz", "nutzungsbedingungen", "hilfe", "hilfe-beratungsstellen"} {
		page("GET /{lang}/"+slug, s.contentPage(slug))
	}
	page("GET /{lang}/barrierefreiheit", s.accessibility)
	page("POST /{lang}/barrierefreiheit", s.reportBarrier)
	page("GET /{lang}/barrierefreiheit/danke", s.barrierThanks)
	page("GET /{lang}/datenschutz/loeschfristen", s.retentionRules)
	page("POST /{lang}/feedback", s.submitFeedback)
	page("GET /{lang}/feedback/danke", s.feedbackThanks)
	for _, sec := range sections {
		page("GET /{lang}/"+sec.slug, s.sectionPlaceholder(sec))
	}
	page("GET /{lang}/leistungen", s.benefits)
	page("GET /{lang}/leistungen/{id}", s.servicePage)
	page("GET /{lang}/antrag", s.applyOverview)
	page("GET /{lang}/antrag/{slug}", s.applyStart)
	page("GET /{lang}/antrag/{leika}/{chapter}", s.formChapterGet)
	page("POST /{lang}/antrag/{leika}/{chapter}", s.formChapterPost)
	page("GET /{lang}/antrag/{leika}/"+pageCheck, s.formCheck)
	page("GET /{lang}/antrag/{leika}/pdf", s.formPDF)
	page("POST /{lang}/antrag/{leika}"+uploadPathSuffix, s.formUpload)
	page("POST /{lang}/antrag/{leika}/unterlagen/loeschen", s.formUploadDelete)
	page("GET /{lang}/antrag/{leika}/eingang/{id}", s.formReceipt)
	page("GET /{lang}/antrag/{leika}/eingang/{id}/antrag.pdf", s.formReceiptPDF)
	page("GET /{lang}/antrag/{leika}/eingang/{id}/verarbeitungsbericht.pdf", s.formReport)
	page("GET /{lang}/zustaendige-stelle", s.officeFinder)
	page("GET /{lang}/suche", s.searchPage)
	page("GET /{lang}/beratung", s.counsellingFinder)
	page("GET /{lang}/beratung/fuer-beratungsstellen", s.accessRequestForm)
	page("POST /{lang}/beratung/fuer-beratungsstellen", s.accessRequest)
	page("GET /{lang}/beratung/fuer-beratungsstellen/bestaetigen/{token}", s.accessConfirmPage)
	page("POST /{lang}/beratung/fuer-beratungsstellen/bestaetigen/{token}", s.accessConfirm)
	page("GET /{lang}/beratung/{slug}", s.counsellingCentre)
	page("GET /{lang}/beratung/{slug}/termin", s.counsellingComing("termin"))
	page("GET /{lang}/beratung/{slug}/online", s.counsellingComing("online"))
	mux.HandleFunc("GET /api/v1/places", s.apiPlaces)
	mux.HandleFunc("GET /api/v1/responsibility", s.apiResponsibility)
	mux.HandleFunc("GET /api/v1/openapi.json", s.apiSpec)
	page("GET /{lang}/anmelden", s.citizenSignIn)
	page("POST /{lang}/anmelden", s.citizenSignInStart)
	page("GET /{lang}/konto", s.account)
	page("POST /{lang}/konto/datenuebernahme", s.accountConsent)
	page("POST /{lang}/konto/entwurf/{id}/loeschen", s.draftDelete)
	page("POST /{lang}/abmelden", s.citizenSignOut)
	mux.HandleFunc("POST /saml/acs", s.acs)
	mux.HandleFunc("POST /saml/slo", s.slo)
	mux.HandleFunc("GET /saml/metadata", s.samlMetadata)
	if s.TestIdP != nil {
		mux.Handle("/testidp/", s.TestIdP)
	}

	page("GET /{lang}/intern/anmelden", s.staffSignInForm)
	page("POST /{lang}/intern/anmelden", s.staffSignIn)
	page("POST /{lang}/intern/abmelden", s.staffSignOut)
	page("GET /{lang}/intern/anmelden/code", s.staffCodeForm(false))
	page("POST /{lang}/intern/anmelden/code", s.staffCode(false))
	page("GET /{lang}/intern/anmelden/wiederherstellungscode", s.staffCodeForm(true))
	page("POST /{lang}/intern/anmelden/wiederherstellungscode", s.staffCode(true))
	page("GET /{lang}/intern/2fa/einrichten", s.staffSetupForm)
	page("POST /{lang}/intern/2fa/einrichten", s.staffSetup)
	page("GET /{lang}/intern/2fa/qr.png", s.staffSetupQR)
	page("POST /{lang}/intern/2fa/fertig", s.staffSetupDone)
	page("POST /{lang}/intern/2fa/wiederherstellungscodes", s.requireStaff(s.staffRegenerateCodes))
	page("GET /{lang}/intern/{$}", s.requireStaff(s.staffHome))
	page("GET /{lang}/intern/feedback.csv", s.requireStaff(s.feedbackCSV))
	page("GET /{lang}/intern/stellen", s.requireStaff(s.officesList))
	page("GET /{lang}/intern/zustellungen", s.requireStaff(s.deliveriesOverview))
	page("GET /{lang}/intern/beratungsstellen", s.requireStaff(s.centresList))
	page("GET /{lang}/intern/beratungsstellen/neu", s.requireStaff(s.centreNewForm))
	page("POST /{lang}/intern/beratungsstellen/neu", s.requireStaff(s.centreSave))
	page("GET /{lang}/intern/beratungsstellen/import", s.requireStaff(s.centresImportForm))
	page("POST /{lang}/intern/beratungsstellen/import", s.requireStaff(s.centresImport))
	page("GET /{lang}/intern/beratungsstellen/export.csv", s.requireStaff(s.centresExport))
	page("GET /{lang}/intern/beratungsstellen/{id}", s.requireStaff(s.centreEditForm))
	page("POST /{lang}/intern/beratungsstellen/{id}", s.requireStaff(s.centreSave))
	page("POST /{lang}/intern/beratungsstellen/{id}/loeschen", s.requireStaff(s.centreDelete))
	page("GET /{lang}/intern/protokoll", s.requireStaff(s.auditLog))
	page("GET /{lang}/intern/zugangsanfragen", s.requireStaff(s.accessRequests))
	page("POST /{lang}/intern/zugangsanfragen/{id}", s.requireStaff(s.accessDecide))
	page("GET /{lang}/intern/team", s.requireStaff(s.team))
	page("POST /{lang}/intern/team", s.requireStaff(s.teamInvite))
	page("POST /{lang}/intern/team/import", s.requireStaff(s.teamImport))
	page("GET /{lang}/intern/team/export.csv", s.requireStaff(s.teamExport))
	page("GET /{lang}/intern/passwort/{token}", s.setPasswordForm)
	page("POST /{lang}/intern/passwort/{token}", s.setPassword)
	page("GET /{lang}/intern/stellen/import", s.requireStaff(s.officesImportForm))
	page("POST /{lang}/intern/stellen/import", s.requireStaff(s.officesImport))
	page("GET /{lang}/intern/stellen/{id}", s.requireStaff(s.officeEditForm))
	page("POST /{lang}/intern/stellen/{id}", s.requireStaff(s.officeSave))
	page("POST /{lang}/intern/stellen/{id}/zustaendigkeiten", s.requireStaff(s.responsibilityAdd))
	page("POST /{lang}/intern/stellen/{id}/zustaendigkeiten/loeschen", s.requireStaff(s.responsibilityDelete))
	if s.Config.DevMailCatcher {
		page("GET /{lang}/dev/post", s.mailCatcher)
		page("GET /{lang}/dev/post/{id}", s.caughtMail)
		page("GET /{lang}/dev/stelle", s.devOfficeList)
		page("GET /{lang}/dev/stelle/{dest}", s.devOfficeDestination)
		page("GET /{lang}/dev/stelle/{dest}/{sub}/{part}", s.devOfficeFile)
	}
	mux.HandleFunc("/", s.notFound)

	var h http.Handler = mux
	h = s.csrf(h)
	h = s.loadSession(h)
	h = s.servePageCache(h)
	h = limitBody(h)
	// Cross-origin state-changing requests (Sec-Fetch-Site/Origin) are refused
	// before the token check, with the same localized page as a bad token.
	cop := http.NewCrossOriginProtection()
	// The identity provider posts its answer from its own site.
	cop.AddInsecureBypassPattern("POST /saml/acs")
	cop.AddInsecureBypassPattern("POST /saml/slo")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveError(w, r, errCrossOrigin)
	}))
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	h = s.recoverPanics(h)
	return h
}
