package fitconnect_test

// A minimal fake of the documented FIT-Connect endpoints (token,
// destinations and keys, submissions, attachments, submit, event log, JWKS,
// routes), just enough to test the client. The real local stand-in lives in
// ./standin and gets its own integration tests.

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
)

// keys holds every key and certificate of the tests, made once per test
// binary (two RSA-4096 keys take a few seconds).
type testKeys struct {
	root, rogueRoot *x509.Certificate
	roots           *x509.CertPool
	enc             *rsa.PrivateKey // the destination's key (4096)
	encChain        []*x509.Certificate
	sig             *rsa.PrivateKey // signs SETs and destinationSignatures (4096)
	small           *rsa.PrivateKey // 2048 bits, properly chained
	smallChain      []*x509.Certificate
	rogueChain      []*x509.Certificate // sig's public key, certified by a CA not in roots
	attacker        *rsa.PrivateKey     // 2048, signs forgeries
}

var (
	keysOnce sync.Once
	theKeys  testKeys
)

func keys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() {
		k := &theKeys
		var wg sync.WaitGroup
		gen := func(dst **rsa.PrivateKey, bits int) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key, err := rsa.GenerateKey(rand.Reader, bits)
				if err != nil {
					panic(err)
				}
				*dst = key
			}()
		}
		var caKey, interKey, rogueKey *rsa.PrivateKey
		gen(&k.enc, 4096)
		gen(&k.sig, 4096)
		gen(&k.small, 2048)
		gen(&k.attacker, 2048)
		gen(&caKey, 2048)
		gen(&interKey, 2048)
		gen(&rogueKey, 2048)
		wg.Wait()

		k.root = makeCert("Test Root CA", &caKey.PublicKey, nil, caKey, true)
		inter := makeCert("Test Intermediate CA", &interKey.PublicKey, k.root, caKey, true)
		k.rogueRoot = makeCert("Rogue Root CA", &rogueKey.PublicKey, nil, rogueKey, true)
		k.roots = x509.NewCertPool()
		k.roots.AddCert(k.root)
		k.encChain = []*x509.Certificate{makeCert("Destination encryption", &k.enc.PublicKey, inter, interKey, false), inter, k.root}
		k.smallChain = []*x509.Certificate{makeCert("Small key", &k.small.PublicKey, inter, interKey, false), inter, k.root}
		k.rogueChain = []*x509.Certificate{makeCert("Rogue", &k.sig.PublicKey, k.rogueRoot, rogueKey, false), k.rogueRoot}
	})
	return &theKeys
}

func makeCert(cn string, pub *rsa.PublicKey, parent *x509.Certificate, signer *rsa.PrivateKey, ca bool) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Sozialplattform tests"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	if ca {
		tpl.IsCA, tpl.BasicConstraintsValid = true, true
		tpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tpl.KeyUsage = x509.KeyUsageKeyEncipherment
	}
	if parent == nil {
		parent = tpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, pub, signer)
	if err != nil {
		panic(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return c
}

// encJWK is the public JWK a destination publishes.
func encJWK(t testing.TB, pub *rsa.PublicKey, kid string, chain []*x509.Certificate) []byte {
	t.Helper()
	b, err := jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(jose.RSA_OAEP_256), Certificates: chain}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	// FIT-Connect keys say key_ops instead of use.
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	m["key_ops"] = []string{"wrapKey"}
	b, _ = json.Marshal(m)
	return b
}

const (
	encKid  = "enc-key-1"
	sigKid  = "sig-key-1"
	leika   = "99107012017000"
	schema  = "urn:xoev-de:d-nrw:standard:xsozialbasis_2.1.0"
	ars     = "059130000000" // Dortmund
	gebiet  = "05913"
	clientI = "client-1"
	secret  = "s3cret"
)

type fakeDest struct {
	status string
	kid    string
	jwk    []byte
	leika  string
}

type fakeSub struct {
	id, caseID, dest string
	create           map[string]any
	announced        []string
	attachments      map[string]string // id → JWE
	metadata, data   string
	submitted        bool
}

type fakeRoute struct {
	leika, ars, dest, sig string
}

// fake is the minimal FIT-Connect service.
type fake struct {
	t       testing.TB
	k       *testKeys
	srv     *httptest.Server
	version string

	mu            sync.Mutex
	tokens        map[string]bool
	tokenRequests int
	dests         map[string]*fakeDest
	subs          map[string]*fakeSub
	events        map[string][]string // case → SETs
	routes        []fakeRoute
	creates       int
	puts          map[string]int // attachment ID → PUTs
	discard       bool           // attachments: keep only the tag
	// fail, when set, may answer a request itself (return true).
	fail func(w http.ResponseWriter, r *http.Request) bool
}

func newFake(t testing.TB, version string) *fake {
	t.Helper()
	f := &fake{t: t, k: keys(t), version: version, tokens: map[string]bool{}, dests: map[string]*fakeDest{},
		subs: map[string]*fakeSub{}, events: map[string][]string{}, puts: map[string]int{}}
	mux := http.NewServeMux()
	v := "/" + version
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET "+v+"/destinations/{id}", f.auth(f.destination))
	mux.HandleFunc("GET "+v+"/destinations/{id}/keys/{kid}", f.auth(f.key))
	mux.HandleFunc("POST "+v+"/submissions", f.auth(f.create))
	mux.HandleFunc("PUT "+v+"/submissions/{sid}/attachments/{aid}", f.auth(f.attachment))
	mux.HandleFunc("PUT "+v+"/submissions/{sid}", f.auth(f.submit))
	mux.HandleFunc("GET "+v+"/cases/{cid}/events", f.auth(f.eventLog))
	mux.HandleFunc("GET /.well-known/jwks.json", f.jwks)
	mux.HandleFunc("GET /routing/v1/routes", f.findRoutes)
	mux.HandleFunc("GET /routing/jwks.json", f.jwks)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "" || strings.HasPrefix(r.Header.Get("User-Agent"), "Go-http-client") {
			http.Error(w, "User-Agent required", http.StatusForbidden)
			return
		}
		f.mu.Lock()
		fail := f.fail
		f.mu.Unlock()
		if fail != nil && fail(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) config() fitconnect.Config {
	return fitconnect.Config{
		TokenURL:       f.srv.URL + "/token",
		SubmissionURL:  f.srv.URL,
		RoutingURL:     f.srv.URL + "/routing/v1",
		APIVersion:     f.version,
		ClientID:       clientI,
		ClientSecret:   secret,
		Scope:          "send-submissions",
		Roots:          f.k.roots,
		RoutingKeysURL: f.srv.URL + "/routing/jwks.json",
		UserAgent:      "sozialplattform-test/1",
	}
}

// addDest publishes a destination with the given key JWK.
func (f *fake) addDest(status string, jwk []byte) string {
	id := uuid.NewString()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dests[id] = &fakeDest{status: status, kid: encKid, jwk: jwk, leika: leika}
	return id
}

func (f *fake) goodDest() string {
	return f.addDest("active", encJWK(f.t, &f.k.enc.PublicKey, encKid, f.k.encChain))
}

// sign makes a PS512 compact JWS.
func sign(t testing.TB, key *rsa.PrivateKey, kid, typ string, payload any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.PS512, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(payload)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// routeSig is a destinationSignature as the routing service signs it.
func (f *fake) routeSig(key *rsa.PrivateKey, dest, leikaKey, area string) string {
	host := strings.TrimPrefix(f.srv.URL, "http://")
	return sign(f.t, key, sigKid, "jwt", map[string]any{
		"submissionHost": host,
		"iss":            "https://portal.auth-testing.example",
		"services": []map[string]any{{
			"gebietIDs":   []string{"urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:" + area},
			"leistungIDs": []string{"urn:de:fim:leika:leistung:" + leikaKey},
		}},
		"destinationId": dest,
		"iat":           time.Now().Unix(),
		"jti":           uuid.NewString(),
	})
}

func (f *fake) addRoute(r fakeRoute) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes = append(f.routes, r)
}

// set makes a Security Event Token of the service.
func (f *fake) set(key *rsa.PrivateKey, typ, event, sid, cid string, body map[string]any) string {
	if body == nil {
		body = map[string]any{}
	}
	return sign(f.t, key, sigKid, typ, map[string]any{
		"$schema": "https://schema.fitko.de/fit-connect/set-payload/1.0.0/set-payload.schema.json",
		"iss":     f.srv.URL,
		"iat":     time.Now().Unix(),
		"jti":     uuid.NewString(),
		"sub":     "submission:" + sid,
		"txn":     "case:" + cid,
		"events":  map[string]any{event: body},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": title, "status": status})
}

func (f *fake) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
		r.PostForm.Get("client_id") != clientI || r.PostForm.Get("client_secret") != secret || r.PostForm.Get("scope") == "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	f.mu.Lock()
	f.tokenRequests++
	tok := fmt.Sprintf("tok-%d-%s", f.tokenRequests, uuid.NewString())
	f.tokens[tok] = true
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 1800, "scope": r.PostForm.Get("scope")})
}

// revokeTokens makes every issued token invalid (the next request gets 401).
func (f *fake) revokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens = map[string]bool{}
}

func (f *fake) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		f.mu.Lock()
		valid := ok && f.tokens[tok]
		f.mu.Unlock()
		if !valid {
			problem(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		h(w, r)
	}
}

func (f *fake) destination(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	d := f.dests[r.PathValue("id")]
	f.mu.Unlock()
	if d == nil {
		problem(w, http.StatusNotFound, "destination not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"destinationId": r.PathValue("id"),
		"status":        d.status,
		"encryptionKid": d.kid,
		"services": []map[string]any{{
			"identifier":        "urn:de:fim:leika:leistung:" + d.leika,
			"submissionSchemas": []map[string]string{{"schemaUri": schema, "mimeType": "application/xml"}},
			"regions":           []string{"DE05913"},
		}},
		"metadataVersions": []string{"2.1.0"},
	})
}

func (f *fake) key(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	d := f.dests[r.PathValue("id")]
	f.mu.Unlock()
	if d == nil || r.PathValue("kid") != d.kid {
		problem(w, http.StatusNotFound, "key not found")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(d.jwk)
}

func (f *fake) create(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		problem(w, http.StatusBadRequest, "bad JSON")
		return
	}
	// v1 names the service serviceType, v2 publicService.
	want, other := "publicService", "serviceType"
	if f.version == "v1" {
		want, other = other, want
	}
	svc, _ := body[want].(map[string]any)
	if _, bad := body[other]; bad || svc == nil || svc["identifier"] != "urn:de:fim:leika:leistung:"+leika || svc["name"] == "" {
		problem(w, http.StatusUnprocessableEntity, "service: want "+want)
		return
	}
	dest, _ := body["destinationId"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dests[dest] == nil {
		problem(w, http.StatusUnprocessableEntity, "unknown destination")
		return
	}
	s := &fakeSub{id: uuid.NewString(), caseID: uuid.NewString(), dest: dest, create: body, attachments: map[string]string{}}
	if list, ok := body["announcedAttachments"].([]any); ok {
		for _, a := range list {
			s.announced = append(s.announced, a.(string))
		}
	}
	f.subs[s.id] = s
	f.creates++
	f.events[s.caseID] = append(f.events[s.caseID], f.set(f.k.sig, "secevent+jwt", "https://schema.fitko.de/fit-connect/events/create-submission", s.id, s.caseID, nil))
	writeJSON(w, http.StatusCreated, map[string]string{"destinationId": dest, "submissionId": s.id, "caseId": s.caseID})
}

func (f *fake) attachment(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/jose" {
		problem(w, http.StatusUnsupportedMediaType, "want application/jose")
		return
	}
	f.mu.Lock()
	discard := f.discard
	f.mu.Unlock()
	var b []byte
	if discard {
		// Keep only the tail with the tag (memory measurements).
		n, err := io.Copy(io.Discard, io.TeeReader(r.Body, tailWriter{&b}))
		if err != nil || n != r.ContentLength {
			problem(w, http.StatusBadRequest, "read")
			return
		}
		b = append([]byte("h.k.i.c"), b[bytes.LastIndexByte(b, '.'):]...)
	} else {
		var err error
		if b, err = io.ReadAll(io.LimitReader(r.Body, 200<<20)); err != nil || int64(len(b)) != r.ContentLength {
			problem(w, http.StatusBadRequest, "read")
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.subs[r.PathValue("sid")]
	aid := r.PathValue("aid")
	if s == nil || s.submitted {
		problem(w, http.StatusNotFound, "no such open submission")
		return
	}
	announced := false
	for _, a := range s.announced {
		announced = announced || a == aid
	}
	if !announced || strings.Count(string(b), ".") != 4 {
		problem(w, http.StatusUnprocessableEntity, "not announced or not a compact JWE")
		return
	}
	s.attachments[aid] = string(b) // a repeated PUT replaces
	f.puts[aid]++
	w.WriteHeader(http.StatusNoContent)
}

// tailWriter keeps the last 64 bytes written.
type tailWriter struct{ b *[]byte }

func (t tailWriter) Write(p []byte) (int, error) {
	*t.b = append(*t.b, p...)
	if len(*t.b) > 64 {
		*t.b = append((*t.b)[:0], (*t.b)[len(*t.b)-64:]...)
	}
	return len(p), nil
}

func tag(jwe string) string { return jwe[strings.LastIndexByte(jwe, '.')+1:] }

func (f *fake) submit(w http.ResponseWriter, r *http.Request) {
	var body struct {
		EncryptedMetadata string `json:"encryptedMetadata"`
		EncryptedData     string `json:"encryptedData"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.EncryptedMetadata == "" || body.EncryptedData == "" {
		problem(w, http.StatusBadRequest, "want encryptedMetadata and encryptedData")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.subs[r.PathValue("sid")]
	if s == nil {
		problem(w, http.StatusNotFound, "no such submission")
		return
	}
	if s.submitted {
		problem(w, http.StatusConflict, "already submitted")
		return
	}
	if len(s.attachments) != len(s.announced) {
		problem(w, http.StatusUnprocessableEntity, "missing attachments")
		return
	}
	s.metadata, s.data, s.submitted = body.EncryptedMetadata, body.EncryptedData, true
	atts := map[string]string{}
	for id, jwe := range s.attachments {
		atts[id] = tag(jwe)
	}
	f.events[s.caseID] = append(f.events[s.caseID], f.set(f.k.sig, "secevent+jwt", "https://schema.fitko.de/fit-connect/events/submit-submission", s.id, s.caseID,
		map[string]any{"authenticationTags": map[string]any{"data": tag(s.data), "metadata": tag(s.metadata), "attachments": atts}}))
	writeJSON(w, http.StatusAccepted, map[string]string{"submissionId": s.id, "status": "submitted"})
}

func (f *fake) eventLog(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	log, ok := f.events[r.PathValue("cid")]
	log = append([]string{}, log...)
	f.mu.Unlock()
	if !ok {
		problem(w, http.StatusNotFound, "no such case")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"eventLog": log})
}

func (f *fake) appendEvent(cid, set string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events[cid] = append(f.events[cid], set)
}

func (f *fake) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.k.sig.PublicKey, KeyID: sigKid, Algorithm: string(jose.PS512), Use: "sig"}}})
}

func (f *fake) findRoutes(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	routes := []map[string]any{}
	for _, rt := range f.routes {
		if rt.leika == q.Get("leikaKey") && strings.HasPrefix(q.Get("ars"), rt.ars) {
			routes = append(routes, map[string]any{"destinationId": rt.dest, "destinationSignature": rt.sig, "destinationName": "Sozialamt"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(routes), "offset": 0, "totalCount": len(routes), "routes": routes})
}

func (f *fake) sub(id string) fakeSub {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := *f.subs[id]
	s.attachments = map[string]string{}
	for k, v := range f.subs[id].attachments {
		s.attachments[k] = v
	}
	return s
}

// decrypt opens a JWE with the destination's private key and returns the
// plaintext and the protected header.
func (f *fake) decrypt(t testing.TB, compact string) ([]byte, jose.Header) {
	t.Helper()
	jwe, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := jwe.Decrypt(f.k.enc)
	if err != nil {
		t.Fatal(err)
	}
	return plain, jwe.Header
}

func (f *fake) setFail(h func(w http.ResponseWriter, r *http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = h
}

type fakeStats struct{ tokenRequests, creates int }

func (f *fake) stats() fakeStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeStats{f.tokenRequests, f.creates}
}
