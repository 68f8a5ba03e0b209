package bundid_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
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
	srv *httptest.Server
	// browser is the person's browser (its own cookies); others can be
	// made with newBrowser.
	browser *http.Client
	sp      *bundid.SP
	idp     *testidp.IdP
	clk     *clock
	last    error
	lastR   *bundid.Result
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
	// What the platform's sign-in start does: the AuthnRequest, bound to
	// the browser that asked, as the fields of the form to the IdP.
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, req *http.Request) {
		level, err := identity.ParseLevel(req.FormValue("niveau"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		st, err := r.sp.StartSignIn(w, req, level, "/de/konto")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, `<form action="%s"><input name="SAMLRequest" value="%s"></form>`, html.EscapeString(st.Destination), html.EscapeString(st.SAMLRequest))
	})
	r.browser = newBrowser()
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

func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func post(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	return postWith(t, http.DefaultClient, u, form)
}

func postWith(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var actionRe = regexp.MustCompile(`action="([^"]*)"`)

// start asks the SP for an AuthnRequest in browser b: the IdP's address
// and the SAMLRequest.
func (r *rig) start(t *testing.T, b *http.Client, level identity.Level) (string, string) {
	t.Helper()
	code, body := postWith(t, b, r.srv.URL+"/start", url.Values{"niveau": {level.Key()}})
	m := actionRe.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("start: %d %s", code, body)
	}
	return html.UnescapeString(m[1]), hidden(body).Get("SAMLRequest")
}

// signIn runs the browser's part: request to the IdP, choose a person, get
// the response form. It returns the SAMLResponse form, not yet posted.
func (r *rig) signIn(t *testing.T, level identity.Level, person string) url.Values {
	t.Helper()
	return r.signInWith(t, r.browser, level, person)
}

func (r *rig) signInWith(t *testing.T, b *http.Client, level identity.Level, person string) url.Values {
	t.Helper()
	dest, samlRequest := r.start(t, b, level)
	code, body := postWith(t, b, dest, url.Values{"SAMLRequest": {samlRequest}})
	if code != 200 || !strings.Contains(body, "person-"+person) {
		t.Fatalf("chooser: %d %s", code, body)
	}
	form := hidden(body)
	form.Set("person", person)
	code, body = postWith(t, b, r.srv.URL+"/testidp/login", form)
	if code != 200 {
		t.Fatalf("idp login: %d %s", code, body)
	}
	return hidden(body)
}

// acs posts a response form from the person's browser.
func (r *rig) acs(t *testing.T, form url.Values) (int, string) {
	t.Helper()
	return postWith(t, r.browser, r.srv.URL+"/saml/acs", form)
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

		// Issue 16: an IdP-signed assertion without an AudienceRestriction,
		// with a sender-vouches confirmation or with none at all.
		for _, c := range []struct {
			name, why string
			tamper    testidp.Tamper
		}{
			{"no audience", "no AudienceRestriction", func(a *saml.Assertion) { a.Conditions.AudienceRestrictions = nil }},
			{"sender-vouches", "not bearer", func(a *saml.Assertion) {
				a.Subject.SubjectConfirmations[0].Method = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
			}},
			{"no subject confirmation", "no SubjectConfirmation", func(a *saml.Assertion) { a.Subject.SubjectConfirmations = nil }},
		} {
			r.idp.SetTamper(c.tamper)
			expect(c.name, r.signIn(t, identity.LevelNiedrig, "max"), bundid.ErrInvalid)
			if r.last == nil || !strings.Contains(r.last.Error(), c.why) {
				t.Errorf("%s refused for another reason: %v", c.name, r.last)
			}
		}
		r.idp.SetTamper(nil)

		// Issue 16, login CSRF: the attacker signs in with their own account
		// and has the victim's browser post the response. Refused whether
		// the victim's browser has a binding of its own (r.browser) or none;
		// the attacker's request stays pending.
		attacker := newBrowser()
		form = r.signInWith(t, attacker, identity.LevelNiedrig, "erika")
		expect("started in another browser", form, bundid.ErrUnknownRequest)
		if code, _ := postWith(t, newBrowser(), r.srv.URL+"/saml/acs", form); code != http.StatusForbidden || !errors.Is(r.last, bundid.ErrUnknownRequest) {
			t.Errorf("posted by a browser without binding: %d %v", code, r.last)
		}
		if code, _ := postWith(t, attacker, r.srv.URL+"/saml/acs", form); code != 200 {
			t.Errorf("the browser that started the sign-in was refused: %d %v", code, r.last)
		}

		// Issue 16: a forged response naming a pending request ID (even from
		// the browser that started it) does not consume the request; the
		// real response still signs in.
		form = r.signIn(t, identity.LevelNiedrig, "max")
		raw, _ = base64.StdEncoding.DecodeString(form.Get("SAMLResponse"))
		irt := regexp.MustCompile(`InResponseTo="[^"]+"`).FindString(string(raw))
		forged := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="forged" Version="2.0" ` + irt +
			`><saml:EncryptedAssertion>garbage</saml:EncryptedAssertion></samlp:Response>`
		expect("forged", url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(forged))}}, bundid.ErrInvalid)
		// The real response with its signature broken.
		broken := regexp.MustCompile(`<ds:SignatureValue>.`).ReplaceAllStringFunc(string(raw), func(m string) string {
			if strings.HasSuffix(m, "A") {
				return m[:len(m)-1] + "B"
			}
			return m[:len(m)-1] + "A"
		})
		if broken == string(raw) {
			t.Fatal("no signature to break")
		}
		expect("bad signature", url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(broken))}}, bundid.ErrInvalid)
		if code, body := r.acs(t, form); code != 200 {
			t.Errorf("a forged response burnt the pending sign-in: %d %s", code, body)
		}

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
	_, samlRequest := r.start(t, r.browser, identity.LevelNiedrig)
	imp := httptest.NewServer(impostor.Handler())
	defer imp.Close()
	_, body := post(t, imp.URL+"/testidp/sso", url.Values{"SAMLRequest": {samlRequest}})
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
	_, samlRequest := r.start(t, r.browser, identity.LevelSubstantiell)
	raw, _ := base64.StdEncoding.DecodeString(samlRequest)
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

// TestBindingCookieOnHTTPS: behind HTTPS the binding cookie is
// SameSite=None; Secure, so it arrives with the IdP's cross-site POST.
func TestBindingCookieOnHTTPS(t *testing.T) {
	db := testenv.SQLite(t)
	r := newRig(t, db)
	spKey, spCert, _ := bundid.NewKeyPair("https-sp", time.Now())
	sp := newSPWithKey(t, "https://sozialplattform.example/portal", r.idp, db, r.clk, spKey, spCert)
	rec := httptest.NewRecorder()
	if _, err := sp.StartSignIn(rec, httptest.NewRequest(http.MethodPost, "https://sozialplattform.example/portal/de/anmelden", nil), identity.LevelNiedrig, "/"); err != nil {
		t.Fatal(err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != bundid.BindingCookie || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteNoneMode || cs[0].Path != "/portal/saml/" {
		t.Fatalf("binding cookie on HTTPS: %+v", cs)
	}
}
