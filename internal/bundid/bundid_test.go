package bundid_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/bundid/testidp"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// rig is an SP and the test IdP on one real HTTP server, as in the
// embedded default.
type rig struct {
	srv   *httptest.Server
	sp    *bundid.SP
	idp   *testidp.IdP
	clk   *clock
	last  error
	lastR *bundid.Result
}

func newRig(t testing.TB, db *store.DB) *rig {
	t.Helper()
	idpKey, idpCert, err := bundid.NewKeyPair("test-idp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	spKey, spCert, err := bundid.NewKeyPair("sozialplattform-sp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return newRigWithKeys(t, db, idpKey, idpCert, spKey, spCert)
}

func newRigWithKeys(t testing.TB, db *store.DB, idpKey *rsa.PrivateKey, idpCert *x509.Certificate, spKey *rsa.PrivateKey, spCert *x509.Certificate) *rig {
	t.Helper()
	r := &rig{clk: &clock{t: time.Now()}}
	db.Now = r.clk.Now
	mux := http.NewServeMux()
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	var err error
	r.idp, err = testidp.New(r.srv.URL, "/testidp", idpKey, idpCert)
	if err != nil {
		t.Fatal(err)
	}
	r.sp = newSPWithKey(t, r.srv.URL, r.idp, db, r.clk, spKey, spCert)
	mux.Handle("/testidp/", r.idp.Handler())
	mux.HandleFunc("POST /saml/acs", func(w http.ResponseWriter, req *http.Request) {
		res, err := r.sp.FinishSignIn(req.Context(), req)
		r.last, r.lastR = err, res
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(res.Identity)
	})
	return r
}

func newSPWithKey(t testing.TB, base string, idp *testidp.IdP, db *store.DB, clk *clock, key *rsa.PrivateKey, cert *x509.Certificate) *bundid.SP {
	t.Helper()
	raw, err := idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var md saml.EntityDescriptor
	if err := xml.Unmarshal(raw, &md); err != nil {
		t.Fatal(err)
	}
	sp, err := bundid.New(bundid.Config{BaseURL: base, Key: key, Certificate: cert, IDPMetadata: &md, Now: clk.Now,
		Attributes: map[string]bool{identity.OIDbPK2: true, identity.OIDGivenName: false, identity.OIDSurname: false}}, db)
	if err != nil {
		t.Fatal(err)
	}
	spMD, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if err := idp.SetServiceProvider(spMD); err != nil {
		t.Fatal(err)
	}
	return sp
}

var (
	hiddenRe = regexp.MustCompile(`name="(SAMLRequest|SAMLResponse|RelayState)" value="([^"]*)"`)
)

func hidden(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func post(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn runs the browser's part: request to the IdP, choose a person, get
// the response form. It returns the SAMLResponse form, not yet posted.
func (r *rig) signIn(t *testing.T, level identity.Level, person string) url.Values {
	t.Helper()
	st, err := r.sp.StartSignIn(context.Background(), level, "/de/konto")
	if err != nil {
		t.Fatal(err)
	}
	code, body := post(t, st.Destination, url.Values{"SAMLRequest": {st.SAMLRequest}})
	if code != 200 || !strings.Contains(body, "person-"+person) {
		t.Fatalf("chooser: %d %s", code, body)
	}
	form := hidden(body)
	form.Set("person", person)
	code, body = post(t, r.srv.URL+"/testidp/login", form)
	if code != 200 {
		t.Fatalf("idp login: %d %s", code, body)
	}
	return hidden(body)
}

func (r *rig) acs(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	return post(t, r.srv.URL+"/saml/acs", form)
}

func TestSignInAtEachTrustLevel(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		for _, c := range []struct {
			person string
			level  identity.Level
		}{{"max", identity.LevelNiedrig}, {"firma", identity.LevelSubstantiell}, {"erika", identity.LevelHoch}, {"oezguel", identity.LevelHoch}} {
			form := r.signIn(t, identity.LevelNiedrig, c.person)
			code, body := r.acs(t, form)
			if code != 200 {
				t.Fatalf("%s: %d %s", c.person, code, body)
			}
			id := r.lastR.Identity
			if id.Level != c.level || id.Subject == "" || r.lastR.ReturnTo != "/de/konto" {
				t.Fatalf("%s: %+v", c.person, id)
			}
		}
		if id := r.lastR.Identity; id.GivenName != "Özgül Ayşe" || id.Surname != "Müller-Lüdenscheidt" || id.Locality != "Troisdorf" {
			t.Fatalf("umlauts and double names: %+v", id)
		}
	})
}

func TestAssertionsAreEncryptedAndSigned(t *testing.T) {
	r := newRig(t, testenv.SQLite(t))
	form := r.signIn(t, identity.LevelNiedrig, "erika")
	raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
	s := string(raw)
	if !strings.Contains(s, "EncryptedAssertion") || strings.Contains(s, "Erika") || strings.Contains(s, "bPK2-erika") {
		t.Fatal("the assertion travels in clear text")
	}
}

func TestRefusals(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db)
		expect := func(name string, form url.Values, want error) {
			t.Helper()
			code, body := r.acs(t, form)
			if code != http.StatusForbidden || !errors.Is(r.last, want) {
				t.Errorf("%s: %d %v (%s), want %v", name, code, r.last, strings.TrimSpace(body), want)
			}
		}
		// Replay: the same response twice.
		form := r.signIn(t, identity.LevelNiedrig, "max")
		if code, _ := r.acs(t, form); code != 200 {
			t.Fatal("first use refused")
		}
		expect("replayed", form, bundid.ErrUnknownRequest)

		// Level too low: asked for hoch, signed in with a password.
		expect("level", r.signIn(t, identity.LevelHoch, "max"), bundid.ErrLevelTooLow)

		// Expired: the browser took too long.
		form = r.signIn(t, identity.LevelNiedrig, "max")
		r.clk.Add(10 * time.Minute)
		expect("expired", form, bundid.ErrInvalid)
		r.clk.Add(-10 * time.Minute)

		// Wrong audience.
		r.idp.SetTamper(func(a *saml.Assertion) {
			a.Conditions.AudienceRestrictions = []saml.AudienceRestriction{{Audience: saml.Audience{Value: "https://other.example/"}}}
		})
		expect("audience", r.signIn(t, identity.LevelNiedrig, "max"), bundid.ErrInvalid)
		// A level claimed in the attributes above the AuthnContext does not count.
		r.idp.SetTamper(func(a *saml.Assertion) {
			a.AuthnStatements[0].AuthnContext.AuthnContextClassRef.Value = "STORK-QAA-Level-1"
		})
		expect("context below", r.signIn(t, identity.LevelHoch, "erika"), bundid.ErrLevelTooLow)
		r.idp.SetTamper(nil)

		// An assertion without its own signature (the response is signed).
		r.idp.SetUnsignedAssertions(true)
		expect("unsigned assertion", r.signIn(t, identity.LevelNiedrig, "max"), bundid.ErrInvalid)
		if r.last == nil || !strings.Contains(r.last.Error(), "not signed") {
			t.Errorf("unsigned assertion refused for another reason: %v", r.last)
		}
		r.idp.SetUnsignedAssertions(false)

		// DOCTYPE and entity declarations.
		form = r.signIn(t, identity.LevelNiedrig, "max")
		raw, _ := base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		evil := `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>` + strings.TrimPrefix(string(raw), `<?xml version="1.0" encoding="UTF-8"?>`)
		form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(evil)))
		expect("doctype", form, bundid.ErrDoctype)

		// Wrapping: a plain, unsigned assertion beside the encrypted one.
		form = r.signIn(t, identity.LevelNiedrig, "max")
		raw, _ = base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		wrapped := strings.Replace(string(raw), "<saml:EncryptedAssertion", `<saml:Assertion ID="evil" Version="2.0"><saml:Issuer>x</saml:Issuer></saml:Assertion><saml:EncryptedAssertion`, 1)
		form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(wrapped)))
		expect("wrapping", form, bundid.ErrInvalid)

		// Unknown InResponseTo.
		form = r.signIn(t, identity.LevelNiedrig, "max")
		raw, _ = base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		other := regexp.MustCompile(`InResponseTo="[^"]+"`).ReplaceAllString(string(raw), `InResponseTo="id-unknown"`)
		form.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(other)))
		expect("in response to", form, bundid.ErrUnknownRequest)

		// Garbage and nothing.
		expect("garbage", url.Values{"SAMLResponse": {"%%%"}}, bundid.ErrMalformed)
		expect("empty", url.Values{}, bundid.ErrNoResponse)
	})
}

func TestSignedByAnotherKeyIsRefused(t *testing.T) {
	db := testenv.SQLite(t)
	r := newRig(t, db)
	// An impostor IdP with its own key, at the same address and entity ID,
	// answers our request: the SP trusts only the pinned certificate.
	key, cert, _ := bundid.NewKeyPair("impostor", time.Now())
	impostor, _ := testidp.New(r.srv.URL, "/testidp", key, cert)
	spMD, _ := r.sp.Metadata()
	impostor.SetServiceProvider(spMD)
	st, err := r.sp.StartSignIn(context.Background(), identity.LevelNiedrig, "/de/konto")
	if err != nil {
		t.Fatal(err)
	}
	imp := httptest.NewServer(impostor.Handler())
	defer imp.Close()
	_, body := post(t, imp.URL+"/testidp/sso", url.Values{"SAMLRequest": {st.SAMLRequest}})
	form := hidden(body)
	form.Set("person", "max")
	_, body = post(t, imp.URL+"/testidp/login", form)
	code, _ := r.acs(t, hidden(body))
	if code != http.StatusForbidden || !errors.Is(r.last, bundid.ErrInvalid) {
		t.Fatalf("impostor accepted: %d %v", code, r.last)
	}
}

func TestAuthnRequestCarriesBundIDExtension(t *testing.T) {
	r := newRig(t, testenv.SQLite(t))
	st, err := r.sp.StartSignIn(context.Background(), identity.LevelSubstantiell, "/")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(st.SAMLRequest)
	s := string(raw)
	for _, want := range []string{`xmlns:akdb="https://www.akdb.de/request/2018/09"`, `Version="2"`, `Comparison="minimum"`,
		"STORK-QAA-Level-3", `RequiredAttribute="true"`, identity.OIDbPK2, "SignatureValue"} {
		if !strings.Contains(s, want) {
			t.Errorf("AuthnRequest lacks %s:\n%s", want, s)
		}
	}
	if strings.Count(s, "SignatureValue>") != 2 { // opening and closing tag of exactly one signature
		t.Errorf("want exactly one signature:\n%s", s)
	}
	// The Signature follows the Issuer, as the schema demands.
	if i, j := strings.Index(s, "Issuer>"), strings.Index(s, "Signature "); i < 0 || j < i || j > strings.Index(s, "Extensions") {
		t.Errorf("signature not right after the issuer:\n%s", s)
	}
}
