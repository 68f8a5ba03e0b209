package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

// signInFrom walks the BundID sign-in with the test IdP starting at a
// sign-in address (as a link on a page gives it) and returns the ACS's answer.
func signInFrom(t *testing.T, b *browser, signinPath, person string) page {
	t.Helper()
	p := b.get(signinPath)
	if p.status != 200 || !strings.Contains(p.body, `name="niveau"`) {
		t.Fatalf("sign-in page %s: %d", signinPath, p.status)
	}
	form := hiddenFields(p.body)
	form.Set("niveau", "niedrig")
	p = b.post("/de/anmelden", form)
	action := regexp.MustCompile(`<form method="post" action="([^"]+)" data-autosubmit`).FindStringSubmatch(p.body)[1]
	p = b.post(strings.TrimPrefix(html.UnescapeString(action), b.base), hiddenFields(p.body))
	form = hiddenFields(p.body)
	form.Set("person", person)
	p = b.post("/testidp/login", form)
	return b.post("/saml/acs", hiddenFields(p.body))
}

// ageSession lets the browser's session run out in the database, as 30
// idle minutes would.
func ageSession(t *testing.T, in *instance, b *browser) {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256([]byte(sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))))
	rec, err := in.DB.FindSession(ctx, hex.EncodeToString(sum[:]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec.ExpiresAt = time.Now().Add(-time.Second)
	if err := in.DB.SaveSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
}

var signinLinkRe = regexp.MustCompile(`href="(/de/anmelden\?weiter=[^"]+)"`)

// TestSignInFromAChapterReturnsToIt: a person who starts without signing
// in and presses "Anmelden" on a chapter lands, after BundID, on that
// chapter again, with what they had typed.
func TestSignInFromAChapterReturnsToIt(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	p := b.open(base)
	chapter := p.path
	if p := b.post(chapter, chapterForm(p.csrf(t), "aktualisieren", "antrag_fuer", "selbst", "person.vorname", "Zeynep")); p.status != 200 {
		t.Fatalf("update: %d", p.status)
	}
	p = b.get(chapter)
	m := signinLinkRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("chapter %s has no sign-in link that comes back", chapter)
	}
	acs := signInFrom(t, b, html.UnescapeString(m[1]), "max")
	if acs.status != http.StatusSeeOther || acs.header.Get("Location") != chapter {
		t.Fatalf("after sign-in: %d to %q, want %s", acs.status, acs.header.Get("Location"), chapter)
	}
	back := b.get(chapter)
	back.mustContain(t, `value="Zeynep"`, "Ohne Aktivität endet Ihre Anmeldung nach 30 Minuten")
}

// TestSignedInSessionWarnsAndEnds (WCAG 2.2.1): a signed-in person's
// chapter says how long the sign-in lasts without activity and carries
// the script's warning five minutes before, with "Angemeldet bleiben",
// which moves the end (a script gets 204; a form comes back). After the
// end, the person lands on the sign-in, which says the sign-in ended and
// that the saved draft is in the personal area.
func TestSignedInSessionWarnsAndEnds(t *testing.T) {
	in := start(t, testConfig(t))
	idle := session.Policies[session.Citizen].Idle
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "max")
	p := b.open("/de/antrag/" + hzl)
	chapter := p.path
	p.mustContain(t, "Ohne Aktivität endet Ihre Anmeldung nach "+strconv.Itoa(int(idle.Minutes()))+" Minuten",
		`data-session-idle="`+strconv.Itoa(int(idle.Seconds()))+`"`, `data-session-warn="300"`,
		"Ihre Anmeldung endet in 5 Minuten, wenn Sie nichts tun", "Angemeldet bleiben", `action="/de/konto/sitzung"`)
	area := b.get("/de/konto")
	area.mustContain(t, "Ohne Aktivität endet Ihre Anmeldung nach 30 Minuten", `data-session-idle="1800"`)

	// "Angemeldet bleiben" without a script: back to the page.
	if r := b.post("/de/konto/sitzung", url.Values{"csrf_token": {p.csrf(t)}, "weiter": {chapter}}); r.status != 303 || r.header.Get("Location") != chapter {
		t.Fatalf("stay signed in: %d %s", r.status, r.header.Get("Location"))
	}
	// With the script: 204, and the session ends later than before.
	sum := sha256.Sum256([]byte(sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))))
	rec, err := in.DB.FindSession(t.Context(), hex.EncodeToString(sum[:]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec.ExpiresAt = time.Now().Add(2 * time.Minute) // about to end
	rec.LastSeenAt = time.Now().Add(-idle + 2*time.Minute)
	if err := in.DB.SaveSession(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", b.base+"/de/konto/sitzung", strings.NewReader(url.Values{"csrf_token": {p.csrf(t)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if r := b.do(req); r.status != http.StatusNoContent {
		t.Fatalf("stay signed in by script: %d", r.status)
	}
	again, err := in.DB.FindSession(t.Context(), hex.EncodeToString(sum[:]), time.Now())
	if err != nil || again.ExpiresAt.Before(time.Now().Add(idle-time.Minute)) {
		t.Fatalf("the session was not extended: %v %v", again, err)
	}

	// The end: the chapter sends to the sign-in, which says where the draft is.
	ageSession(t, in, b)
	r := b.get(chapter)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/de/anmelden?") {
		t.Fatalf("chapter after the end: %d %s", r.status, r.header.Get("Location"))
	}
	landed := b.get(r.header.Get("Location"))
	landed.mustContain(t, "Ihre Anmeldung ist abgelaufen", "Ihr zuletzt gespeicherter Entwurf liegt in Ihrem persönlichen Bereich",
		`href="/de/konto"`, `name="weiter" value="/de/konto"`)
	// The script's post after the end gets 401.
	req, _ = http.NewRequest("POST", b.base+"/de/konto/sitzung", strings.NewReader(url.Values{"csrf_token": {p.csrf(t)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if r := b.do(req); r.status != http.StatusUnauthorized {
		t.Fatalf("stay signed in after the end: %d", r.status)
	}
	// The personal area says the same.
	b2 := newBrowser(t, in.base)
	signInCitizen(t, b2, "de", "niedrig", "max")
	ageSession(t, in, b2)
	k := b2.get("/de/konto")
	if k.status != http.StatusSeeOther || !strings.Contains(k.header.Get("Location"), "abgelaufen=1") {
		t.Fatalf("personal area after the end: %d %s", k.status, k.header.Get("Location"))
	}
}

// TestBundIDDetailsAsPeopleWriteThem: BundID's birth date (ISO) is filled
// in as 12.08.1964 and its nationality code "D" chooses "deutsch"; the
// personal area shows both the German way and as a word, not 1964-08-12 or
// "D".
func TestBundIDDetailsAsPeopleWriteThem(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "hoch", "erika")
	area := b.get("/de/konto")
	area.mustContain(t, "12.08.1964", "<dd>Deutschland</dd>")
	if strings.Contains(area.body, "1964-08-12") || strings.Contains(area.body, "<dd>D</dd>") {
		t.Fatal("the personal area shows BundID's codes")
	}
	if p := b.post("/de/konto/datenuebernahme", url.Values{"csrf_token": {area.csrf(t)}, "consent": {"yes"}}); p.status != 303 {
		t.Fatalf("consent: %d", p.status)
	}
	p := b.open("/de/antrag/" + hzl)
	p.mustContain(t, `value="12.08.1964"`)
	if !regexp.MustCompile(`name="person.staatsangehoerigkeit" value="DEU"[^>]*checked|value="DEU"[^>]*selected`).MatchString(p.body) {
		t.Errorf("nationality D did not choose DEU:\n%s", errorSummary(p.body[strings.Index(p.body, "staatsangehoerigkeit"):]))
	}
	// Özgül: "TR" chooses "andere Staatsangehörigkeit", and the area names Turkey.
	b2 := newBrowser(t, in.base)
	signInCitizen(t, b2, "en", "hoch", "oezguel")
	b2.get("/en/konto").mustContain(t, "<dd>Turkey</dd>", "28.02.1990")
}

// TestStorageTextsAgree: what the benefit page says is stored without
// signing in and what every chapter says agree, in every language: the
// answers are kept in the session for 24 hours after the last activity
// (session.Policies[Visitor].Idle) — not "nothing is stored".
func TestStorageTextsAgree(t *testing.T) {
	if h := session.Policies[session.Visitor].Idle; h != 24*time.Hour {
		t.Fatalf("visitor sessions last %v; the texts say 24 hours", h)
	}
	catalog := i18n.MustLoad()
	for _, l := range i18n.Languages {
		tr := catalog.For(l)
		for _, key := range []string{"case1.drafts.text", "form.draft.not_kept"} {
			if !strings.Contains(tr.T(key), "24") {
				t.Errorf("%s %s does not name the 24 hours: %q", l.Code, key, tr.T(key))
			}
		}
	}
	de, _ := i18n.Lookup("de")
	for _, key := range []string{"case1.drafts.text", "form.draft.not_kept"} {
		text := catalog.For(de).T(key)
		for _, wrong := range []string{"nichts gespeichert", "werden nicht gespeichert", "speichern wir nichts"} {
			if strings.Contains(text, wrong) {
				t.Errorf("de %s says %q although the answers are kept in the session: %q", key, wrong, text)
			}
		}
		if !strings.Contains(text, "Sitzung") {
			t.Errorf("de %s does not say where the answers are kept: %q", key, text)
		}
	}
}
