package standin

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// A minimal FIT-Connect sender written from the public documentation, to
// drive the stand-in over real HTTP.

const (
	testClientID = "sozialplattform-test"
	testSecret   = "s3cr3t-for-tests"
	leikaHzL     = "99107012017000"
	leikaOther   = "99050012104000"
	// destKreis gets Hilfe zum Lebensunterhalt for the Rhein-Sieg-Kreis
	// and for all of NRW; destGemeinde for one Gemeinde in it.
	destKreis    = "6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1c01"
	destGemeinde = "6f1c2a2e-0d3b-4c55-9a53-0a7a3f3b1c02"
	arsGemeinde  = "053820068068"
)

func testRoutes() []Route {
	return []Route{
		{LeiKa: leikaHzL, ARS: "05", DestinationID: destKreis, Name: "Sozialamt Land (Auffang)"},
		{LeiKa: leikaHzL, ARS: "05382", DestinationID: destKreis, Name: "Sozialamt Rhein-Sieg-Kreis"},
		{LeiKa: leikaHzL, ARS: arsGemeinde, DestinationID: destGemeinde, Name: "Sozialamt Gemeinde"},
		{LeiKa: leikaOther, ARS: "05382", DestinationID: destKreis, Name: "Sozialamt Rhein-Sieg-Kreis"},
	}
}

// clock is a settable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fixture struct {
	s   *Server
	ts  *httptest.Server
	url string
}

func start(t *testing.T, cfg Config) *fixture {
	t.Helper()
	if cfg.Clients == nil {
		cfg.Clients = map[string]string{testClientID: testSecret, "other-portal": "other-secret"}
	}
	if cfg.Routes == nil {
		cfg.Routes = testRoutes()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	s.SetBaseURL(ts.URL)
	t.Cleanup(func() {
		ts.Close()
		if n := s.panics.Load(); n != 0 {
			t.Errorf("the stand-in recovered from %d panics", n)
		}
	})
	return &fixture{s: s, ts: ts, url: ts.URL}
}

type sender struct {
	t     *testing.T
	base  string
	ver   string
	hc    *http.Client
	token string
}

func newSender(t *testing.T, f *fixture, ver string) *sender {
	return &sender{t: t, base: f.url, ver: ver, hc: &http.Client{Timeout: 60 * time.Second}}
}

// do sends a request and returns status, body and headers.
func (c *sender) do(method, path string, body []byte, ct string) (int, []byte, http.Header) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", "sozialplattform-standin-test/1")
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// call sends JSON (if in != nil), wants status and decodes into out.
func (c *sender) call(method, path string, in any, want int, out any) []byte {
	c.t.Helper()
	var body []byte
	ct := ""
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			c.t.Fatal(err)
		}
		ct = "application/json"
	}
	status, b, h := c.do(method, path, body, ct)
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	if status >= 400 && !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") {
		c.t.Errorf("%s %s: error with Content-Type %q", method, path, h.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return b
}

func (c *sender) login(id, secret string) {
	c.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {"send:region:de"}}
	status, b, _ := c.do("POST", "/token", []byte(form.Encode()), "application/x-www-form-urlencoded")
	if status != 200 {
		c.t.Fatalf("token: %d %s", status, b)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	if err := json.Unmarshal(b, &tok); err != nil {
		c.t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.AccessToken == "" || tok.Scope != "send:region:de" {
		c.t.Fatalf("token response %s", b)
	}
	c.token = tok.AccessToken
}

func (c *sender) p(format string, args ...any) string {
	return "/" + c.ver + fmt.Sprintf(format, args...)
}

type destinationResp struct {
	DestinationID string             `json:"destinationId"`
	Status        string             `json:"status"`
	EncryptionKid string             `json:"encryptionKid"`
	PublicKeys    jose.JSONWebKeySet `json:"publicKeys"`
	Services      []struct {
		Identifier        string             `json:"identifier"`
		SubmissionSchemas []submissionSchema `json:"submissionSchemas"`
	} `json:"services"`
}

// encryptionKey fetches the destination's encryption key and checks it
// the way a sender must: active destination, kid, RSA ≥ 4096 bits with
// the API's 683-character n, alg and use, and an x5c chain to root.
func (c *sender) encryptionKey(destID string, root *x509.Certificate) (jose.JSONWebKey, error) {
	c.t.Helper()
	var d destinationResp
	c.call("GET", c.p("/destinations/%s", destID), nil, 200, &d)
	if d.Status != "active" || d.EncryptionKid == "" || d.DestinationID != destID {
		c.t.Fatalf("destination %+v", d)
	}
	found := false
	for _, s := range d.Services {
		if s.Identifier == leikaPrefix+leikaHzL && len(s.SubmissionSchemas) == 1 &&
			s.SubmissionSchemas[0] == (submissionSchema{XSozialSchemaURI, "application/xml"}) {
			found = true
		}
	}
	if !found {
		c.t.Fatalf("destination %s does not offer HzL with XSozial: %+v", destID, d.Services)
	}
	_, raw, _ := c.do("GET", c.p("/destinations/%s/keys/%s", destID, d.EncryptionKid), nil, "")
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(raw, &jwk); err != nil {
		c.t.Fatalf("key: %v: %s", err, raw)
	}
	var rawMap map[string]any
	_ = json.Unmarshal(raw, &rawMap)
	if n, _ := rawMap["n"].(string); len(n) < 683 {
		c.t.Fatalf("n has %d characters", len(n))
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() < 4096 || jwk.KeyID != d.EncryptionKid || jwk.Algorithm != "RSA-OAEP-256" || jwk.Use != "enc" {
		c.t.Fatalf("key %s", raw)
	}
	if len(d.PublicKeys.Keys) != 1 || d.PublicKeys.Keys[0].KeyID != jwk.KeyID {
		c.t.Fatalf("publicKeys %+v", d.PublicKeys)
	}
	return jwk, verifyChain(jwk, root, x509.KeyUsageKeyEncipherment)
}

func verifyChain(jwk jose.JSONWebKey, root *x509.Certificate, usage x509.KeyUsage) error {
	if len(jwk.Certificates) < 2 {
		return fmt.Errorf("x5c has %d certificates", len(jwk.Certificates))
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	inter := x509.NewCertPool()
	for _, c := range jwk.Certificates[1:] {
		inter.AddCert(c)
	}
	leaf := jwk.Certificates[0]
	if !publicKeyEqual(leaf.PublicKey, jwk.Key.(*rsa.PublicKey)) {
		return fmt.Errorf("x5c leaf is not the JWK's key")
	}
	if leaf.KeyUsage&usage == 0 {
		return fmt.Errorf("x5c leaf key usage %v", leaf.KeyUsage)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

func encrypt(t *testing.T, jwk jose.JSONWebKey, plaintext []byte, alg jose.KeyAlgorithm, enc jose.ContentEncryption, kid string) string {
	t.Helper()
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: alg, Key: jwk.Key, KeyID: kid},
		(&jose.EncrypterOptions{}).WithContentType("application/json"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sha512hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

type testFile struct {
	id, name, mime, purpose string
	content                 []byte
}

func metadata(data []byte, files []testFile) []byte {
	atts := []map[string]any{}
	for _, f := range files {
		atts = append(atts, map[string]any{
			"attachmentId": f.id, "filename": f.name, "mimeType": f.mime, "purpose": f.purpose,
			"hash": map[string]string{"type": "sha512", "content": sha512hex(f.content)},
		})
	}
	m := map[string]any{
		"$schema": "https://schema.fitko.de/fit-connect/metadata/2.1.0/metadata.schema.json",
		"contentStructure": map[string]any{
			"data": map[string]any{
				"submissionSchema": map[string]string{"schemaUri": XSozialSchemaURI, "mimeType": "application/xml"},
				"hash":             map[string]string{"type": "sha512", "content": sha512hex(data)},
			},
			"attachments": atts,
		},
	}
	b, _ := json.Marshal(m)
	return b
}

type sent struct {
	SubmissionID, CaseID, DestinationID string
	meta, data                          string
	att                                 map[string]string // id → JWE
}

// send runs the whole sending flow for files to destID.
func (c *sender) send(destID string, jwk jose.JSONWebKey, xml []byte, files []testFile) sent {
	c.t.Helper()
	ids := []string{}
	for _, f := range files {
		ids = append(ids, f.id)
	}
	svcField := "serviceType"
	if c.ver == "v2" {
		svcField = "publicService"
	}
	var created createdDoc
	c.call("POST", c.p("/submissions"), map[string]any{
		"destinationId": destID, "announcedAttachments": ids,
		svcField: map[string]string{"name": "Hilfe zum Lebensunterhalt", "identifier": leikaPrefix + leikaHzL},
	}, 201, &created)
	if created.DestinationID != destID || !isUUID(created.SubmissionID) || !isUUID(created.CaseID) {
		c.t.Fatalf("created %+v", created)
	}
	out := sent{SubmissionID: created.SubmissionID, CaseID: created.CaseID, DestinationID: destID, att: map[string]string{}}
	for _, f := range files {
		jwe := encrypt(c.t, jwk, f.content, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
		status, b, _ := c.do("PUT", c.p("/submissions/%s/attachments/%s", created.SubmissionID, f.id), []byte(jwe), "application/jose")
		if status != 204 {
			c.t.Fatalf("attachment %s: %d %s", f.id, status, b)
		}
		out.att[f.id] = jwe
	}
	out.meta = encrypt(c.t, jwk, metadata(xml, files), jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	out.data = encrypt(c.t, jwk, xml, jose.RSA_OAEP_256, jose.A256GCM, jwk.KeyID)
	var done createdDoc
	c.call("PUT", c.p("/submissions/%s", created.SubmissionID), map[string]string{"encryptedMetadata": out.meta, "encryptedData": out.data}, 202, &done)
	if done.SubmissionID != created.SubmissionID || done.CaseID != created.CaseID {
		c.t.Fatalf("submitted %+v", done)
	}
	return out
}

// event is a verified SET.
type event struct {
	claims setClaims
	uri    string
	body   json.RawMessage
	kid    string
}

func lastPart(jwe string) string { return jwe[strings.LastIndex(jwe, ".")+1:] }

// events fetches and verifies a case's event log: service events against
// /.well-known/jwks.json, office events against the destination's key.
func (c *sender) events(caseID string) ([]event, error) {
	c.t.Helper()
	var log struct {
		EventLog []string `json:"eventLog"`
	}
	c.call("GET", c.p("/cases/%s/events", caseID), nil, 200, &log)
	var set jose.JSONWebKeySet
	c.call("GET", "/.well-known/jwks.json", nil, 200, &set)
	var out []event
	for _, tok := range log.EventLog {
		obj, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.PS512})
		if err != nil {
			return nil, err
		}
		h := obj.Signatures[0].Protected
		if h.ExtraHeaders["typ"] != "secevent+jwt" {
			return nil, fmt.Errorf("typ %v", h.ExtraHeaders["typ"])
		}
		var unverified setClaims
		if err := json.Unmarshal(obj.UnsafePayloadWithoutVerification(), &unverified); err != nil {
			return nil, err
		}
		var key any
		if keys := set.Key(h.KeyID); len(keys) == 1 {
			key = keys[0]
		} else if isUUID(unverified.Iss) {
			// An office event: the destination's signature key.
			var jwk jose.JSONWebKey
			c.call("GET", c.p("/destinations/%s/keys/%s", unverified.Iss, h.KeyID), nil, 200, &jwk)
			if jwk.Use != "sig" || jwk.Algorithm != "PS512" {
				return nil, fmt.Errorf("office key %+v", jwk)
			}
			key = jwk
		} else {
			return nil, fmt.Errorf("unknown kid %q", h.KeyID)
		}
		payload, err := obj.Verify(key)
		if err != nil {
			return nil, err
		}
		var e event
		if err := json.Unmarshal(payload, &e.claims); err != nil {
			return nil, err
		}
		if len(e.claims.Events) != 1 {
			return nil, fmt.Errorf("events %v", e.claims.Events)
		}
		var raw struct {
			Events map[string]json.RawMessage `json:"events"`
		}
		_ = json.Unmarshal(payload, &raw)
		for k, v := range raw.Events {
			e.uri, e.body = k, v
		}
		e.kid = h.KeyID
		out = append(out, e)
	}
	return out, nil
}
