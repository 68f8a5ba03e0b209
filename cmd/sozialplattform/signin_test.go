package main

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

var hiddenFieldRe = regexp.MustCompile(`name="(SAMLRequest|SAMLResponse|RelayState|csrf_token|weiter)" value="([^"]*)"`)

func hiddenFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenFieldRe.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signInCitizen walks the browser through BundID sign-in with the test
// IdP: sign-in page, the form to the IdP, the chooser, the answer to the ACS.
func signInCitizen(t *testing.T, b *browser, lang, level, person string) page {
	t.Helper()
	return b.post("/saml/acs", samlResponseFor(t, b, lang, level, person))
}

// samlResponseFor is signInCitizen without the last step: the IdP's answer,
// not yet posted to the ACS.
func samlResponseFor(t *testing.T, b *browser, lang, level, person string) url.Values {
	t.Helper()
	p := b.get("/" + lang + "/anmelden?niveau=" + level)
	if !strings.Contains(p.body, `name="niveau"`) {
		t.Fatalf("sign-in page has no level choice: %s", p.body)
	}
	form := hiddenFields(p.body)
	form.Set("niveau", level)
	p = b.post("/"+lang+"/anmelden", form)
	if p.status != 200 || !strings.Contains(p.body, "data-autosubmit") {
		t.Fatalf("sign-in start: %d", p.status)
	}
	action := regexp.MustCompile(`<form method="post" action="([^"]+)" data-autosubmit`).FindStringSubmatch(p.body)[1]
	p = b.post(strings.TrimPrefix(html.UnescapeString(action), b.base), hiddenFields(p.body))
	if p.status != 200 || !strings.Contains(p.body, "person-"+person) {
		t.Fatalf("test IdP chooser: %d %s", p.status, p.body)
	}
	form = hiddenFields(p.body)
	form.Set("person", person)
	p = b.post("/testidp/login", form)
	if p.status != 200 {
		t.Fatalf("test IdP login: %d %s", p.status, p.body)
	}
	return hiddenFields(p.body)
}

func TestCitizenSignsInAtEachLevelAndReachesThePersonalArea(t *testing.T) {
	in := start(t, testConfig(t))
	for _, c := range []struct{ lang, level, person, name, shown string }{
		{"de", "niedrig", "max", "Max Mustermann", "Benutzername und Passwort"},
		{"en", "substantiell", "firma", "Jana Becker", "ELSTER certificate"},
		{"de", "hoch", "erika", "Erika Mustermann", "Online-Ausweis"},
		{"ar", "niedrig", "oezguel", "Özgül Ayşe Müller-Lüdenscheidt", "بطاقة الهوية الإلكترونية"},
	} {
		b := newBrowser(t, in.base)
		p := signInCitizen(t, b, c.lang, c.level, c.person)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+c.lang+"/konto" {
			t.Fatalf("%s: ACS answered %d %s", c.person, p.status, p.header.Get("Location"))
		}
		area := b.get("/" + c.lang + "/konto")
		if area.status != 200 {
			t.Fatalf("%s: personal area %d", c.person, area.status)
		}
		area.mustContain(t, c.name, c.shown)
		// Sign-out ends the session here, then at BundID (single logout).
		p = b.post("/"+c.lang+"/abmelden", url.Values{"csrf_token": {area.csrf(t)}})
		if p.status != http.StatusOK || !strings.Contains(p.body, `action="`+in.base+`/testidp/slo"`) {
			t.Fatalf("sign-out: %d", p.status)
		}
		p = b.post("/testidp/slo", hiddenFields(p.body))
		p = b.post("/saml/slo", hiddenFields(p.body))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+c.lang+"/" {
			t.Fatalf("logout answer: %d %s", p.status, p.header.Get("Location"))
		}
		if p := b.get("/" + c.lang + "/konto"); p.status != http.StatusSeeOther {
			t.Fatalf("%s: still signed in after sign-out: %d", c.person, p.status)
		}
	}
	// No personal data in the log.
	for _, secret := range []string{"Mustermann", "bPK2-", "Müller-Lüdenscheidt", "erika.mustermann"} {
		if strings.Contains(in.logs.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

func TestSignInRefusals(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	// Too low: asked for hoch, signed in with a password.
	p := signInCitizen(t, b, "de", "hoch", "max")
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "höheres Vertrauensniveau") {
		t.Fatalf("level too low: %d", p.status)
	}
	if p := b.get("/de/konto"); p.status != http.StatusSeeOther {
		t.Fatal("signed in despite the refusal")
	}
	// A forged answer.
	p = b.post("/saml/acs", url.Values{"SAMLResponse": {"PHg+"}, "RelayState": {"en"}})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "could not be confirmed") {
		t.Fatalf("forged: %d", p.status)
	}
	if !strings.Contains(in.logs.String(), "sign-in refused") {
		t.Error("refusal not logged")
	}

	// Issue 16, login CSRF: an attacker's own, unposted response, posted
	// cross-site by the victim's browser, does not sign the victim in as the
	// attacker (whether or not the victim started a sign-in of their own).
	attacker := newBrowser(t, in.base)
	resp := samlResponseFor(t, attacker, "de", "niedrig", "max")
	for _, victim := range []*browser{newBrowser(t, in.base), b} {
		req, _ := http.NewRequest("POST", in.base+"/saml/acs", strings.NewReader(resp.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://attacker.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if p := victim.do(req); p.status != http.StatusForbidden {
			t.Fatalf("login CSRF: the victim's browser was signed in: %d %s", p.status, p.header.Get("Location"))
		}
		if p := victim.get("/de/konto"); p.status != http.StatusSeeOther {
			t.Fatal("login CSRF: the victim is signed in as the attacker")
		}
	}

	// Issue 16: a forged answer naming a pending request ID does not burn
	// it; the real answer, posted cross-site as the IdP does, still signs
	// in.
	resp = samlResponseFor(t, b, "de", "niedrig", "erika")
	raw, _ := base64.StdEncoding.DecodeString(resp.Get("SAMLResponse"))
	irt := regexp.MustCompile(`InResponseTo="[^"]+"`).FindString(string(raw))
	forged := `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="f" Version="2.0" ` +
		irt + `><saml:EncryptedAssertion>garbage</saml:EncryptedAssertion></samlp:Response>`
	if p := b.post("/saml/acs", url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString([]byte(forged))}}); p.status != http.StatusForbidden {
		t.Fatalf("forged with a pending request ID: %d", p.status)
	}
	req, _ := http.NewRequest("POST", in.base+"/saml/acs", strings.NewReader(resp.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusSeeOther {
		t.Fatalf("the real answer after a forged one: %d", p.status)
	}
	if p := b.get("/de/konto"); p.status != 200 || !strings.Contains(p.body, "Erika") {
		t.Fatalf("not signed in after the real answer: %d", p.status)
	}
}

// TestSAMLBindingCookie: the cookie that binds a sign-in to its browser is
// HttpOnly, scoped to /saml/, short-lived; on plain HTTP (the embedded
// default) SameSite=Lax, since SameSite=None needs Secure.
func TestSAMLBindingCookie(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.get("/de/anmelden")
	form := hiddenFields(p.body)
	form.Set("niveau", "niedrig")
	p = b.post("/de/anmelden", form)
	var c *http.Cookie
	for _, k := range (&http.Response{Header: p.header}).Cookies() {
		if k.Name == bundid.BindingCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.Path != "/saml/" || c.MaxAge <= 0 || c.MaxAge > 1800 || c.SameSite != http.SameSiteLaxMode || len(c.Value) < 40 {
		t.Fatalf("binding cookie: %+v", c)
	}
}

func TestSignInSignsOutEverywhere(t *testing.T) {
	in := start(t, testConfig(t))
	phone, laptop := newBrowser(t, in.base), newBrowser(t, in.base)
	signInCitizen(t, phone, "de", "niedrig", "max")
	signInCitizen(t, laptop, "de", "niedrig", "max")
	area := phone.get("/de/konto")
	phone.post("/de/abmelden", url.Values{"csrf_token": {area.csrf(t)}, "everywhere": {"1"}})
	if p := laptop.get("/de/konto"); p.status != http.StatusSeeOther {
		t.Fatalf("other device still signed in: %d", p.status)
	}
}

func TestSAMLMetadataAndTestIdPBanner(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.get("/saml/metadata")
	if p.status != 200 || !strings.Contains(p.body, `use="encryption"`) || !strings.Contains(p.body, `use="signing"`) ||
		!strings.Contains(p.body, in.base+"/saml/acs") {
		t.Fatalf("metadata: %d %s", p.status, p.body)
	}
	b.get("/de/").mustContain(t, "Test-Anmeldedienst aktiv")
}

func TestPersonalAreaConsentAndDrafts(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "erika")
	area := b.get("/de/konto")
	area.mustContain(t, "Angaben aus der BundID übernehmen?", "Mustermann", "12.08.1964", "Köln", "Sie haben keine gespeicherten Entwürfe")
	if strings.Contains(area.body, "Willkommen, Erika") {
		t.Error("the name is used before consent")
	}
	p := b.post("/de/konto/datenuebernahme", url.Values{"csrf_token": {area.csrf(t)}, "consent": {"yes"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("consent: %d", p.status)
	}
	area = b.get("/de/konto")
	area.mustContain(t, "Willkommen, Erika Mustermann.", "werden in Anträge übernommen")

	// Drafts: the owner's are listed with both dates and can be deleted;
	// someone else's cannot.
	ctx := context.Background()
	ds := &draft.Service{Store: in.DB, Now: in.DB.Now}
	mine := &draft.Draft{ID: "d-erika", Owner: session.CitizenOwner("bPK2-erika-0001"), Service: "hilfe-zum-lebensunterhalt", Data: "{}"}
	theirs := &draft.Draft{ID: "d-max", Owner: session.CitizenOwner("bPK2-max-0002"), Service: "buergergeld", Data: "{}"}
	if err := ds.Save(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if err := ds.Save(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	area = b.get("/de/konto")
	area.mustContain(t, "Hilfe zum Lebensunterhalt", "Zuletzt bearbeitet", "Verfügbar bis", "?entwurf=d-erika")
	if strings.Contains(area.body, "Bürgergeld") {
		t.Error("another person's draft is listed")
	}
	token := area.csrf(t)
	if p := b.post("/de/konto/entwurf/d-max/loeschen", url.Values{"csrf_token": {token}}); p.status != http.StatusNotFound {
		t.Errorf("deleting another person's draft: %d", p.status)
	}
	if p := b.post("/de/konto/entwurf/d-erika/loeschen", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	b.get("/de/konto?ok=geloescht").mustContain(t, "Der Entwurf wurde gelöscht", "Sie haben keine gespeicherten Entwürfe")
	if left, _ := ds.List(ctx, theirs.Owner); len(left) != 1 {
		t.Error("the other person's draft is gone")
	}
	// Without sign-in the personal area sends to the sign-in page.
	if p := newBrowser(t, in.base).get("/de/konto"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/de/anmelden") {
		t.Fatalf("anonymous personal area: %d %s", p.status, p.header.Get("Location"))
	}
}

func TestServiceAboveTheSessionsLevelAsksToSignInAgain(t *testing.T) {
	in := start(t, testConfig(t))
	hzl, _ := in.Catalogue.BySlug("hilfe-zum-lebensunterhalt")
	hzl.MinLevel = "hoch" // as if the service demanded the online ID card
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "max")
	p := b.get("/de/antrag/hilfe-zum-lebensunterhalt?ars=053820068068")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/de/anmelden?niveau=hoch") {
		t.Fatalf("%d %s", p.status, p.header.Get("Location"))
	}
	b.get(p.header.Get("Location")).mustContain(t, `value="hoch" checked`)
	// At the right level the application starts.
	signInCitizen(t, b, "de", "hoch", "erika")
	if p := b.get("/de/antrag/hilfe-zum-lebensunterhalt?ars=053820068068"); p.status != 200 {
		t.Fatalf("at level hoch: %d", p.status)
	}
}

func TestSignOutAtBundIDEndsSessionsHere(t *testing.T) {
	in := start(t, testConfig(t))
	phone, laptop := newBrowser(t, in.base), newBrowser(t, in.base)
	signInCitizen(t, phone, "de", "niedrig", "max")
	p := signInCitizen(t, laptop, "de", "niedrig", "erika")
	if p.status != http.StatusSeeOther {
		t.Fatal("sign-in")
	}
	nameID := in.TestIdP.LastNameID("erika")
	dest, sr, err := in.TestIdP.LogoutRequestFor(nameID)
	if err != nil {
		t.Fatal(err)
	}
	p = laptop.post(strings.TrimPrefix(dest, in.base), url.Values{"SAMLRequest": {sr}, "RelayState": {"de"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="SAMLResponse"`) {
		t.Fatalf("IdP-initiated logout: %d %s", p.status, p.body)
	}
	if p := laptop.get("/de/konto"); p.status != http.StatusSeeOther {
		t.Fatal("still signed in after BundID signed the person out")
	}
	if p := phone.get("/de/konto"); p.status != 200 {
		t.Fatal("another person was signed out")
	}
	// The same logout request again is refused.
	if p := laptop.post(strings.TrimPrefix(dest, in.base), url.Values{"SAMLRequest": {sr}}); p.status != http.StatusBadRequest {
		t.Fatalf("replayed logout request: %d", p.status)
	}
}
