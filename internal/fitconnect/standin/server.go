package standin

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"mime"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a stand-in. Only Clients is needed for a useful one.
type Config struct {
	// BaseURL is the address clients reach the stand-in at, without a
	// trailing slash ("http://127.0.0.1:8091"). It is the issuer of the
	// SETs and the submissionHost of the routing signatures. Empty: taken
	// from each request (scheme and Host). See also SetBaseURL.
	BaseURL string
	// Dir keeps destinations, submissions, the JWE blobs and the keys as
	// files under it, so a stand-in started again on the same Dir carries
	// on where the last one stopped. Empty: everything in memory.
	Dir string
	// KeyDir caches the generated keys and certificates (PEM). Default:
	// Dir/keys. With neither, keys are cached for the life of the process
	// only (shared by every stand-in in it, so tests generate each once).
	KeyDir string
	// Clients are the senders' OAuth credentials: client_id → secret.
	Clients map[string]string
	// Now is the clock for tokens and events; default time.Now.
	Now func() time.Time
	// Routes is the routing service's table. Each destination it names is
	// created (with keys) if it does not exist yet.
	Routes []Route
	// Destinations are created if they do not exist yet.
	Destinations []DestinationSpec
	// KeyBits is the size of the RSA keys the stand-in generates: 4096
	// (default), as FIT-Connect requires. Smaller (at least 2048) only for
	// a client that is configured to accept it.
	KeyBits int
	// TokenTTL is the lifetime of access tokens; default 30 minutes.
	TokenTTL time.Duration
	// MaxAttachmentBytes limits one attachment's JWE; default 140 MiB,
	// room for a 100 MiB file after base64url.
	MaxAttachmentBytes int64
	// MaxSubmitBytes limits the body of PUT /v1/submissions/{id}
	// (metadata and data JWEs); default 8 MiB. Every other body: 1 MiB.
	MaxSubmitBytes int64
	// Logf receives notes about recovered panics and storage errors;
	// default log.Printf.
	Logf func(format string, args ...any)
}

// Route is one row of the routing table: applications for LeiKa from the
// area ARS go to DestinationID.
type Route struct {
	// LeiKa is the 14-digit LeiKa key of the service.
	LeiKa string
	// ARS is a regional key or its prefix: 12 digits (Gemeinde),
	// 9 (Gemeindeverband), 5 (Kreis), 3 (Regierungsbezirk) or 2 (Land).
	// The most specific prefix of the asked ARS wins.
	ARS           string
	DestinationID string
	// Name is the destinationName shown in the route.
	Name string
}

// DestinationSpec describes a destination to create.
type DestinationSpec struct {
	// ID is the destinationId (a UUID); a new one if empty.
	ID   string
	Name string
	// LeiKa are the 14-digit LeiKa keys of the services it accepts, in
	// addition to those the routing table sends to it.
	LeiKa []string
	// Schemas are the schema URIs of the data it accepts (XML); default
	// the XSozial schema (XSozialSchemaURI).
	Schemas []string
	// Status is "active" (default), "inactive" or "archived".
	Status string
}

// Destination is a destination as the receiving office sees it,
// including its private keys.
type Destination struct {
	ID            string
	Name          string
	Status        string
	LeiKa         []string
	EncryptionKid string
	// EncryptionKey decrypts what senders encrypt to the destination
	// (RSA-OAEP-256).
	EncryptionKey *rsa.PrivateKey
	// EncryptionChain is the x5c of the encryption key: leaf,
	// intermediate CA, root CA (RootCA).
	EncryptionChain []*x509.Certificate
	SignatureKid    string
	// SignatureKey signs the office's own events (accept, reject), PS512.
	SignatureKey   *rsa.PrivateKey
	SignatureChain []*x509.Certificate
}

// Server is the stand-in: a FIT-Connect Submission API (v1 and v2), its
// token endpoint, the routing service and the receiving office, in one
// http.Handler.
type Server struct {
	cfg       Config
	now       func() time.Time
	keys      *keyStore
	mux       *http.ServeMux
	maxAttach int64
	maxSubmit int64
	logf      func(string, ...any)

	root, inter        *x509.Certificate
	rootKey, interKey  *rsa.PrivateKey
	setKey, routingKey *signingKey
	tokenSecret        []byte
	routes             []Route
	panics             atomic.Int64
	otherRootOnce      sync.Once
	otherRoot          *x509.Certificate
	otherRootKey       *rsa.PrivateKey
	otherRootErr       error
	wrongSETOnce       sync.Once
	wrongSETKey        *signingKey
	wrongSETErr        error
	destMu             sync.Mutex // serialises NewDestination's key generation per ID
	destRecs           map[string]destRecord
	dests              map[string]*destination
	subs               map[string]*subRecord
	cases              map[string]string // caseId → submissionId
	blobs              map[string][]byte // without Dir
	mu                 sync.Mutex        // guards destRecs, dests, subs, cases, blobs
	baseURL            atomic.Pointer[string]
	fmu                sync.Mutex // guards the fault fields
	faults             []*faultRule
	delay              time.Duration
	wrongSET           bool
	unchained          bool
	breakRoutingSig    bool
}

// destination is a destination with its keys, ready to serve.
type destination struct {
	encKey, sigKey     *rsa.PrivateKey
	encKid, sigKid     string
	encChain, sigChain []*x509.Certificate
	unchained          []*x509.Certificate // the encryption key under another CA (made on demand)
}

const (
	// XSozialSchemaURI is the submission schema every stand-in destination
	// accepts, with mime type application/xml.
	XSozialSchemaURI = "urn:xoev-de:d-nrw:standard:xsozialbasis_2.1.0"
	// MetadataVersion is the metadata schema version the destinations
	// announce.
	MetadataVersion = "2.1.0"
	leikaPrefix     = "urn:de:fim:leika:leistung:"
	maxSmallBody    = 1 << 20
	maxAnnounced    = 500
)

// New starts a stand-in: it loads Dir (if set), loads or generates its
// keys and creates the configured destinations. It listens nowhere; serve
// it with net/http or httptest.
func New(cfg Config) (*Server, error) {
	s := &Server{
		cfg:       cfg,
		now:       cfg.Now,
		maxAttach: cfg.MaxAttachmentBytes,
		maxSubmit: cfg.MaxSubmitBytes,
		logf:      cfg.Logf,
		destRecs:  map[string]destRecord{},
		dests:     map[string]*destination{},
		subs:      map[string]*subRecord{},
		cases:     map[string]string{},
		blobs:     map[string][]byte{},
	}
	s.SetBaseURL(cfg.BaseURL)
	if s.now == nil {
		s.now = time.Now
	}
	if s.logf == nil {
		s.logf = log.Printf
	}
	if s.maxAttach <= 0 {
		s.maxAttach = 140 << 20
	}
	if s.maxSubmit <= 0 {
		s.maxSubmit = 8 << 20
	}
	if cfg.TokenTTL <= 0 {
		s.cfg.TokenTTL = 30 * time.Minute
	}
	bits := cfg.KeyBits
	if bits == 0 {
		bits = 4096
	}
	if bits < 2048 {
		return nil, fmt.Errorf("standin: KeyBits %d: at least 2048", bits)
	}
	if b := *s.baseURL.Load(); b != "" {
		if u, err := url.Parse(b); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("standin: BaseURL %q is not an http(s) URL", cfg.BaseURL)
		}
	}
	for id, secret := range cfg.Clients {
		if id == "" || secret == "" {
			return nil, errors.New("standin: a client needs an id and a secret")
		}
	}
	keyDir := cfg.KeyDir
	if keyDir == "" && cfg.Dir != "" {
		keyDir = filepath.Join(cfg.Dir, "keys")
	}
	s.keys = &keyStore{dir: keyDir, bits: bits}

	// The routing table, and the destinations it implies.
	implied := map[string]DestinationSpec{}
	var order []string
	for i, r := range cfg.Routes {
		if !leikaRE.MatchString(r.LeiKa) {
			return nil, fmt.Errorf("standin: route %d: LeiKa %q is not 14 digits", i, r.LeiKa)
		}
		if !arsRE.MatchString(r.ARS) {
			return nil, fmt.Errorf("standin: route %d: ARS %q is not 2, 3, 5, 9 or 12 digits", i, r.ARS)
		}
		if !isUUID(r.DestinationID) {
			return nil, fmt.Errorf("standin: route %d: destination %q is not a UUID", i, r.DestinationID)
		}
		r.DestinationID = strings.ToLower(r.DestinationID)
		s.routes = append(s.routes, r)
		d, ok := implied[r.DestinationID]
		if !ok {
			order = append(order, r.DestinationID)
			d = DestinationSpec{ID: r.DestinationID, Name: r.Name}
		}
		d.LeiKa = append(d.LeiKa, r.LeiKa)
		implied[r.DestinationID] = d
	}
	type pending struct {
		spec    DestinationSpec
		implied bool // from the routing table: its name only if there is none
	}
	var specs []pending
	for _, sp := range cfg.Destinations {
		specs = append(specs, pending{spec: sp})
	}
	for _, id := range order {
		specs = append(specs, pending{spec: implied[id], implied: true})
	}

	if cfg.Dir != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	// Merge the configured destinations into the stored ones.
	now := s.now().UTC()
	var changed []string
	for i, p := range specs {
		sp := p.spec
		if sp.ID == "" {
			sp.ID = newUUID()
		}
		if !isUUID(sp.ID) {
			return nil, fmt.Errorf("standin: destination %d: id %q is not a UUID", i, sp.ID)
		}
		sp.ID = strings.ToLower(sp.ID)
		if err := checkSpec(sp); err != nil {
			return nil, fmt.Errorf("standin: destination %s: %w", sp.ID, err)
		}
		rec, ok := s.destRecs[sp.ID]
		if !ok {
			rec = destRecord{ID: sp.ID, Status: "active", CreatedAt: now}
		}
		if sp.Name != "" && (!p.implied || rec.Name == "") {
			rec.Name = sp.Name
		}
		if sp.Status != "" {
			rec.Status = sp.Status
		}
		rec.LeiKa = mergeSorted(rec.LeiKa, sp.LeiKa)
		rec.Schemas = mergeSorted(rec.Schemas, sp.Schemas)
		s.destRecs[sp.ID] = rec
		changed = append(changed, sp.ID)
	}

	// Keys: the stand-in's own and every destination's, in parallel.
	names := []string{"root-ca", "intermediate-ca", "set-signing", "routing-signing"}
	ids := make([]string, 0, len(s.destRecs))
	for id := range s.destRecs {
		ids = append(ids, id)
		names = append(names, destKeyName(id, "enc"), destKeyName(id, "sig"))
	}
	sort.Strings(ids)
	got, err := s.keys.prefetch(names)
	if err != nil {
		return nil, fmt.Errorf("standin: %w", err)
	}
	s.rootKey, s.interKey = got["root-ca"], got["intermediate-ca"]
	s.root, err = s.keys.cert(certSpec{name: "root-ca", cn: "FIT-Connect stand-in Test Root CA", ca: true, pathLen: 1,
		usage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, validFor: 20 * 365 * 24 * time.Hour}, s.rootKey, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("standin: %w", err)
	}
	s.inter, err = s.keys.cert(certSpec{name: "intermediate-ca", cn: "FIT-Connect stand-in Test Intermediate CA", ca: true, pathLen: 0,
		usage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, validFor: 10 * 365 * 24 * time.Hour}, s.interKey, s.root, s.rootKey)
	if err != nil {
		return nil, fmt.Errorf("standin: %w", err)
	}
	s.setKey = newSigningKey(got["set-signing"])
	s.routingKey = newSigningKey(got["routing-signing"])
	if s.tokenSecret, err = s.keys.secret("token-hmac", 64); err != nil {
		return nil, fmt.Errorf("standin: %w", err)
	}
	for _, id := range ids {
		d, err := s.buildDestination(s.destRecs[id], got)
		if err != nil {
			return nil, fmt.Errorf("standin: %w", err)
		}
		s.dests[id] = d
	}
	for _, id := range changed {
		if err := s.saveDest(s.destRecs[id]); err != nil {
			return nil, fmt.Errorf("standin: %w", err)
		}
	}
	s.routesMux()
	return s, nil
}

func checkSpec(sp DestinationSpec) error {
	for _, l := range sp.LeiKa {
		if !leikaRE.MatchString(l) {
			return fmt.Errorf("LeiKa %q is not 14 digits", l)
		}
	}
	switch sp.Status {
	case "", "active", "inactive", "archived":
	default:
		return fmt.Errorf("status %q: active, inactive or archived", sp.Status)
	}
	if len(sp.Name) > 500 {
		return errors.New("name longer than 500 bytes")
	}
	return nil
}

func destKeyName(id, use string) string { return "dest-" + id + "-" + use }

func (s *Server) buildDestination(rec destRecord, keys map[string]*rsa.PrivateKey) (*destination, error) {
	enc, sig := keys[destKeyName(rec.ID, "enc")], keys[destKeyName(rec.ID, "sig")]
	var err error
	if enc == nil {
		if enc, err = s.keys.key(destKeyName(rec.ID, "enc")); err != nil {
			return nil, err
		}
	}
	if sig == nil {
		if sig, err = s.keys.key(destKeyName(rec.ID, "sig")); err != nil {
			return nil, err
		}
	}
	const leafValidity = 3 * 365 * 24 * time.Hour
	encCert, err := s.keys.cert(certSpec{name: destKeyName(rec.ID, "enc"), cn: "Zustellpunkt " + rec.ID + " Verschlüsselung",
		usage: x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment, validFor: leafValidity}, enc, s.inter, s.interKey)
	if err != nil {
		return nil, err
	}
	sigCert, err := s.keys.cert(certSpec{name: destKeyName(rec.ID, "sig"), cn: "Zustellpunkt " + rec.ID + " Signatur",
		usage: x509.KeyUsageDigitalSignature, validFor: leafValidity}, sig, s.inter, s.interKey)
	if err != nil {
		return nil, err
	}
	return &destination{
		encKey: enc, sigKey: sig,
		encKid: kidOf(&enc.PublicKey), sigKid: kidOf(&sig.PublicKey),
		encChain: []*x509.Certificate{encCert, s.inter, s.root},
		sigChain: []*x509.Certificate{sigCert, s.inter, s.root},
	}, nil
}

// SetBaseURL sets the address clients reach the stand-in at (for an
// httptest.Server whose URL is known only after the handler exists).
func (s *Server) SetBaseURL(u string) {
	b := strings.TrimRight(u, "/")
	s.baseURL.Store(&b)
}

// base is the stand-in's address for r.
func (s *Server) base(r *http.Request) string {
	b := *s.baseURL.Load()
	if b != "" || r == nil {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// RootCA is the test root CA that every destination key's x5c chains to.
func (s *Server) RootCA() *x509.Certificate { return s.root }

// ServeHTTP serves the APIs (see the package documentation).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.panics.Add(1)
			s.logf("standin: panic serving %s %s: %v", r.Method, r.URL.Path, v)
			writeProblem(w, http.StatusInternalServerError, "internal", "the stand-in failed")
		}
	}()
	s.fmu.Lock()
	d := s.delay
	s.fmu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if rule := s.takeFault(r, false); rule != nil {
		s.answerFault(w, r, rule)
		return
	}
	if rule := s.takeFault(r, true); rule != nil && rule.hook != nil {
		s.mux.ServeHTTP(w, r)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		rule.hook()
		return
	} else if rule != nil {
		s.mux.ServeHTTP(newDiscardWriter(), r)
		s.answerFault(w, r, rule)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routesMux() {
	m := http.NewServeMux()
	m.HandleFunc("POST /token", s.handleToken)
	m.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)
	m.HandleFunc("GET /test/ca.pem", s.handleCAPEM)
	m.HandleFunc("GET /test/destinations", s.handleTestDestinations)
	m.HandleFunc("GET /test/destinations/{destinationId}/submissions", s.handleTestSubmissions)
	for _, v := range []string{"v1", "v2"} {
		p := "/" + v
		m.HandleFunc("GET "+p+"/destinations/{destinationId}", s.authed(v, s.handleDestination))
		m.HandleFunc("GET "+p+"/destinations/{destinationId}/keys/{keyId}", s.authed(v, s.handleDestinationKey))
		m.HandleFunc("POST "+p+"/submissions", s.authed(v, s.handleCreate))
		m.HandleFunc("GET "+p+"/submissions/{submissionId}", s.authed(v, s.handleStatus))
		m.HandleFunc("PUT "+p+"/submissions/{submissionId}", s.authed(v, s.handleSubmit))
		m.HandleFunc("PUT "+p+"/submissions/{submissionId}/attachments/{attachmentId}", s.authed(v, s.handleAttachment))
		m.HandleFunc("GET "+p+"/cases/{caseId}/events", s.authed(v, s.handleEvents))
		m.HandleFunc("GET "+p+"/routes", s.handleRoutes)
		m.HandleFunc("GET "+p+"/routing-jwks.json", s.handleRoutingJWKS)
	}
	s.mux = m
}

// caller is the authenticated sender of a request.
type caller struct {
	version string // "v1" or "v2"
	client  string
}

func (s *Server) authed(version string, h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		client, err := s.checkToken(r)
		if err != nil {
			if errors.Is(err, errNoToken) {
				w.Header().Set("WWW-Authenticate", `Bearer`)
			} else {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			writeProblem(w, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		}
		h(w, r, caller{version: version, client: client})
	}
}

// problemDoc is an RFC 9457 problem.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// ProblemTypePrefix starts the type of every problem the stand-in
// answers with; the rest names the problem ("attachment-not-announced").
// The real service's problem types are not documented here, so clients
// should go by the status code.
const ProblemTypePrefix = "urn:sozialplattform:fitconnect-standin:problem:"

func writeProblem(w http.ResponseWriter, status int, slug, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problemDoc{Type: ProblemTypePrefix + slug, Title: http.StatusText(status), Status: status, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON decodes one JSON object from r's body of at most limit bytes.
// It answers itself and returns false when that fails.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if mt := mediaType(r); mt != "application/json" {
		writeProblem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", fmt.Sprintf("Content-Type must be application/json, is %q", mt))
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the body is larger than %d bytes", limit))
			return false
		}
		writeProblem(w, http.StatusBadRequest, "bad-json", "the body is not the expected JSON object: "+err.Error())
		return false
	}
	if dec.More() {
		writeProblem(w, http.StatusBadRequest, "bad-json", "data after the JSON object")
		return false
	}
	return true
}

func mediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	leikaRE = regexp.MustCompile(`^[0-9]{14}$`)
	arsRE   = regexp.MustCompile(`^(?:[0-9]{2}|[0-9]{3}|[0-9]{5}|[0-9]{9}|[0-9]{12})$`)
)

// isUUID accepts the canonical 8-4-4-4-12 form only.
func isUUID(s string) bool { return uuidRE.MatchString(s) }

func mergeSorted(a, b []string) []string {
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	for _, x := range b {
		set[x] = true
	}
	out := make([]string, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// pathID reads a UUID path value, answering 400 if it is none.
func pathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	v := r.PathValue(name)
	if !isUUID(v) {
		writeProblem(w, http.StatusBadRequest, "invalid-id", fmt.Sprintf("%s %q is not a UUID", name, v))
		return "", false
	}
	return strings.ToLower(v), true
}
