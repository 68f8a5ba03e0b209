package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/bundid/testidp"
	"github.com/sozialplattform/sozialplattform/internal/config"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/search"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/upload"
	xtastandin "github.com/sozialplattform/sozialplattform/internal/xta/standin"
)

// Main holds the wired platform. Tests build one on a free port with a temp
// data folder and drive it over HTTP, exactly as an operator would.
type Main struct {
	Config      config.Config
	Log         *slog.Logger
	DB          *store.DB
	Accounts    *account.Service
	MailService *mail.Service
	Queue       *job.Queue
	Web         *webLayer
	Catcher     *mail.Catcher // dev only
	Places      *geo.Directory
	TestIdP     *testidp.IdP // the built-in stand-in for BundID, if on
	Catalogue   *content.Catalogue
	Booking     *booking.Booker

	// FITConnect is the local FIT-Connect stand-in of the embedded default
	// (nil when a real service is configured or none).
	FITConnect *standin.Server
	XTA        *xtastandin.Server
	Delivery   *delivery.Service

	listener net.Listener
	srv      *http.Server
	mu       sync.Mutex
	closers  []func()
	unlock   func() // the data folder's lock (SQLite), released last
	wg       sync.WaitGroup
}

func openDB(ctx context.Context, cfg config.Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openOwnDB opens the database for serving. On SQLite the process takes
// the data folder for itself and takes back the leases its predecessor
// held when it stopped (a crash included), so interrupted deliveries and
// jobs go on at once.
func (m *Main) openOwnDB(ctx context.Context) error {
	cfg := m.Config
	if cfg.DatabaseURL == "" {
		release, err := store.LockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		m.unlock = release
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	m.DB = db
	if db.Dialect == store.SQLite {
		return db.ReleaseLeases(ctx)
	}
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// NewMain validates the configuration, opens and migrates the database and
// wires every part of the platform. It does not listen yet.
func NewMain(ctx context.Context, cfg config.Config, logOut io.Writer) (_ *Main, err error) {
	// With port 0 the real port is known only after listening; listen now,
	// so the base URL (and the SAML endpoints built from it) is right.
	var early net.Listener
	if strings.HasSuffix(cfg.Addr, ":0") && cfg.BaseURL == "" {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, err
		}
		early, cfg.Addr = ln, ln.Addr().String()
	}
	if err := cfg.Validate(); err != nil {
		if early != nil {
			early.Close()
		}
		return nil, err
	}
	m := &Main{Config: cfg, Log: newLogger(logOut, cfg.LogLevel), listener: early}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if err := m.openOwnDB(ctx); err != nil {
		return nil, err
	}
	catalog, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	lib, err := content.Load()
	if err != nil {
		return nil, err
	}
	cat, err := content.LoadCatalogue()
	if err != nil {
		return nil, err
	}
	places, err := geo.Load()
	if err != nil {
		return nil, err
	}
	if keys, err := m.DB.MunicipalityKeys(ctx); err != nil {
		return nil, err
	} else if len(keys) > 0 {
		places.SetExactARS(keys)
	}
	m.Places, m.Catalogue = places, cat
	forms, err := loadForms(cat)
	if err != nil {
		return nil, err
	}
	m.Accounts = &account.Service{Store: m.DB, Tokens: m.DB, Now: m.DB.Now}
	m.Queue = job.New(m.DB, m.Log)
	m.Queue.Now = m.DB.Now

	var sender mail.Sender
	if cfg.SMTPHost != "" {
		sender = &mail.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUser, Password: cfg.SMTPPassword,
			From: cfg.SMTPFrom, TLS: mail.TLSMode(cfg.SMTPTLS)}
	} else if !cfg.Production() {
		// The embedded default catches mail with a real SMTP server, so the
		// sending path is the production one.
		m.Catcher = &mail.Catcher{Store: m.DB, Log: m.Log}
		if err := m.Catcher.Start("127.0.0.1:0"); err != nil {
			m.DB.Close()
			return nil, fmt.Errorf("start mail catcher: %w", err)
		}
		sender = &mail.SMTP{Host: "127.0.0.1", Port: m.Catcher.Addr().Port, From: cfg.SMTPFrom, TLS: mail.NoTLS}
	}
	m.MailService = &mail.Service{Outbox: m.DB, Sender: sender, Now: m.DB.Now,
		Composer: &mail.Composer{Catalog: catalog, BaseURL: cfg.BaseURL}}
	m.Queue.Register(mail.JobKind, m.MailService.HandleJob)

	sweeper := &retention.Sweeper{Store: m.DB, Rules: retention.Rules, Now: m.DB.Now, Log: m.Log}
	m.Queue.Register(retention.JobKind, func(ctx context.Context, _ *job.Job) error { return sweeper.Sweep(ctx) })
	m.Queue.Every(retention.JobKind, retention.Interval)
	m.wireBooking(catalog)

	sp, idp, idpOrigin, err := m.wireBundID(ctx)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("BundID sign-in: %w", err)
	}
	csrfKey, err := m.DB.Secret(ctx, "csrf")
	if err != nil {
		m.Close()
		return nil, err
	}
	if m.Accounts.DeviceKey, err = m.DB.Secret(ctx, "staff-device"); err != nil {
		m.Close()
		return nil, err
	}
	uploads, err := m.wireUploads(ctx)
	if err != nil {
		m.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	jobs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sozialplattform_jobs_total",
		Help: "Background jobs by kind and outcome."}, []string{"kind", "outcome"})
	reg.MustRegister(jobs)
	m.Queue.OnResult = func(kind, outcome string) { jobs.WithLabelValues(kind, outcome).Inc() }

	var testIdP http.Handler
	if idp != nil {
		m.TestIdP = idp
		testIdP = idp.Handler()
	}
	if err := m.wireDeliveries(ctx, forms, cat, catalog, uploads); err != nil {
		m.Close()
		return nil, fmt.Errorf("delivery: %w", err)
	}
	if err := m.wireWeb(webParts{catalog: catalog, library: lib, catalogue: cat, forms: forms, uploads: uploads,
		bundID: sp, testIdP: testIdP, idpOrigin: idpOrigin, csrfKey: csrfKey, registry: reg}); err != nil {
		m.Close()
		return nil, err
	}
	if !cfg.Production() {
		if err := m.loadDemoData(ctx); err != nil {
			m.Close()
			return nil, err
		}
		if err := m.loadDemoCentres(ctx); err != nil {
			return nil, err
		}
		if err := m.loadDemoBooking(ctx); err != nil {
			m.Close()
			return nil, err
		}
		if err := m.loadDemoOffices(ctx); err != nil {
			m.Close()
			return nil, err
		}
	}
	if err := m.refreshBookingReady(ctx); err != nil {
		m.Close()
		return nil, err
	}
	// Loading reference and demo data leaves megabytes of garbage; hand it
	// back to the system now rather than minutes later, so an idle instance
	// is small from the start.
	debug.FreeOSMemory()
	return m, nil
}

func (m *Main) ready(ctx context.Context) error {
	if err := m.DB.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	cur, latest, err := m.DB.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if cur != latest {
		return fmt.Errorf("migrations: at %d, want %d", cur, latest)
	}
	return nil
}

// wireUploads sets up the proofs' storage: encrypted files in a folder,
// scanned by clamd. Without --clamd (embedded default only; production
// refuses to start) files are kept unscanned and every upload page says so.
// Held files (scanner was down) are scanned again by a periodic job, and
// expired files are swept with their blobs.
func (m *Main) wireUploads(ctx context.Context) (*upload.Service, error) {
	dir := m.Config.UploadDir
	if dir == "" {
		dir = filepath.Join(m.Config.DataDir, "uploads")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("upload folder: %w", err)
	}
	var key []byte
	var err error
	if m.Config.UploadKey != "" {
		if key, err = hex.DecodeString(m.Config.UploadKey); err != nil || len(key) != 32 {
			return nil, errors.New("SOZ_UPLOAD_KEY must be 64 hex digits")
		}
	} else if key, err = m.DB.Secret(ctx, "uploads"); err != nil {
		return nil, err
	}
	svc := &upload.Service{Store: m.DB, Blobs: &upload.DirBlobs{Dir: dir}, Key: key, Now: m.DB.Now, Log: m.Log}
	if m.Config.Clamd != "" {
		svc.Scanner = &upload.Clamd{Addr: m.Config.Clamd, Timeout: 30 * time.Second}
	}
	m.Queue.Register(upload.RescanJobKind, func(ctx context.Context, _ *job.Job) error {
		_, _, _, err := svc.Rescan(ctx)
		return err
	})
	m.Queue.Every(upload.RescanJobKind, upload.RescanInterval)
	m.Queue.Register(upload.SweepJobKind, func(ctx context.Context, _ *job.Job) error {
		_, err := svc.SweepExpired(ctx)
		return err
	})
	m.Queue.Every(upload.SweepJobKind, upload.SweepInterval)
	return svc, nil
}

// loadForms reads the application definitions embedded in the binary; each
// must belong to a service of the catalogue. A broken definition stops the
// start with the file and line of every problem.
func loadForms(cat *content.Catalogue) (map[string]*form.Definition, error) {
	files, err := content.FormFiles()
	if err != nil {
		return nil, err
	}
	texts, err := content.FormTexts()
	if err != nil {
		return nil, err
	}
	out := map[string]*form.Definition{}
	for name, src := range files {
		def, err := form.Load(bytes.NewReader(src), name)
		if err != nil {
			return nil, err
		}
		if err := form.AddTextFiles(def, strings.TrimSuffix(name, ".yaml"), texts); err != nil {
			return nil, err
		}
		if _, ok := cat.ByLeiKa(def.LeiKa); !ok {
			return nil, fmt.Errorf("%s: LeiKa %s is not in the catalogue", name, def.LeiKa)
		}
		if out[def.LeiKa] != nil {
			return nil, fmt.Errorf("%s: a second definition for LeiKa %s", name, def.LeiKa)
		}
		out[def.LeiKa] = def
	}
	return out, nil
}

// searchIndex indexes the service pages and the content pages in every
// language.
func searchIndex(cat *content.Catalogue, lib *content.Library) *search.Index {
	var docs []search.Doc
	for _, svc := range cat.Services {
		for _, lang := range svc.Languages() {
			t, _ := svc.Text(lang)
			var body []string
			for _, k := range content.SectionKeys {
				body = append(body, t.Plain[k])
			}
			kw := append([]string{svc.Name}, t.Keywords...)
			docs = append(docs, search.Doc{Lang: lang, Key: "leistungen/" + svc.Slug, Path: "leistungen/" + svc.Slug,
				Title: t.Title, Summary: t.Summary, Keywords: kw, Body: strings.Join(body, "\n")})
		}
	}
	for _, p := range lib.All() {
		docs = append(docs, search.Doc{Lang: p.Lang, Key: p.Slug, Path: p.Slug, Title: p.Title, Summary: p.Description,
			Body: search.StripHTML(string(p.HTML))})
	}
	return search.New(docs)
}

// loadDemoOffices imports the demo offices of North Rhine-Westphalia into a
// database that has no offices yet, through the same import as operators use.
func (m *Main) loadDemoOffices(ctx context.Context) error {
	n, err := m.DB.CountOffices(ctx)
	if err != nil || n > 0 {
		return err
	}
	st, err := office.Import(ctx, m.DB, demoDocument(m.Places, m.Catalogue), m.DB.Now())
	if err != nil {
		return fmt.Errorf("demo offices: %w", err)
	}
	m.Log.Info("demo offices loaded", "offices", st.Offices, "responsibilities", st.Responsibilities)
	return nil
}

// loadDemoCentres stores the demo counselling centres and their invented
// organisations into a database that has no centres yet.
func (m *Main) loadDemoCentres(ctx context.Context) error {
	n, err := m.DB.CountCentres(ctx)
	if err != nil || n > 0 {
		return err
	}
	now := m.DB.Now()
	for _, o := range counselling.DemoOrganisations {
		o.CreatedAt = now
		if err := m.DB.CreateOrganisation(ctx, o); err != nil {
			return err
		}
	}
	cs := counselling.DemoCentres(m.Places, now)
	if err := m.DB.SaveCentres(ctx, cs, counselling.AuditEntry{At: now, ActorID: "system", Entity: "import", EntityID: "demo", Action: "import", Fields: []string{fmt.Sprint(len(cs))}}); err != nil {
		return fmt.Errorf("demo centres: %w", err)
	}
	m.Log.Info("demo counselling centres loaded", "centres", len(cs))
	return nil
}

// loadDemoData creates a demo system administrator on a new data folder and
// writes its password to a file only the owner can read.
func (m *Main) loadDemoData(ctx context.Context) error {
	n, err := m.DB.CountStaff(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := account.GeneratePassword(20)
	if _, err := m.Accounts.Create(ctx, "admin@demo.sozialplattform.invalid", "Demo-Administration", account.SystemAdmin, password); err != nil {
		return err
	}
	path := filepath.Join(m.Config.DataDir, "demo-zugang.txt")
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return err
	}
	text := "Demo-Zugang für /de/intern/anmelden (nur Entwicklungsbetrieb)\nE-Mail: admin@demo.sozialplattform.invalid\nPasswort: " + password + "\n" +
		"Bei der ersten Anmeldung richten Sie eine Authenticator-App ein (QR-Code oder der angezeigte Schlüssel).\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return err
	}
	m.Log.Info("demo staff account created; credentials in the data folder", "file", path)
	return nil
}

// Listen binds the configured address (":0" picks a free port).
func (m *Main) Listen() error {
	if m.listener != nil {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return err
	}
	m.listener = ln
	return nil
}

// URL is the address the platform listens on.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Serve listens (if not done yet), runs workers and serves until ctx ends,
// then shuts down gracefully.
func (m *Main) Serve(ctx context.Context) error {
	defer m.Close()
	if m.listener == nil {
		if err := m.Listen(); err != nil {
			return err
		}
	}
	m.srv = &http.Server{Handler: m.Web, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	if m.Config.Workers {
		m.wg.Add(1)
		go func() { defer m.wg.Done(); m.Queue.Run(workCtx) }()
	}
	errc := make(chan error, 1)
	go func() { errc <- m.srv.Serve(m.listener) }()
	// The address to open is the base URL, the one the sign-in forms of
	// the built-in test IdP post to and the pages' CSP allows: "localhost"
	// and the 127.0.0.1 it listens on are different sites to a browser.
	m.Log.Info("serving", "url", m.Config.BaseURL, "listen", m.URL(), "mode", m.Config.Mode, "database", string(m.DB.Dialect), "version", Version)
	select {
	case err := <-errc:
		stopWork()
		m.wg.Wait()
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	m.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := m.srv.Shutdown(shutCtx)
	stopWork()
	m.wg.Wait()
	return err
}

// Close releases the database and the mail catcher.
func (m *Main) Close() error {
	if m.Catcher != nil {
		m.Catcher.Close()
	}
	m.mu.Lock()
	closers := m.closers
	m.mu.Unlock()
	for _, c := range closers {
		c()
	}
	var err error
	if m.DB != nil {
		err = m.DB.Close()
	}
	if m.unlock != nil {
		m.unlock()
	}
	return err
}
