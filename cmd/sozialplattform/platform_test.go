package main

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// publicPaths are the pages every visitor can reach, below each language.
var publicPaths = []string{"/", "/impressum", "/datenschutz", "/datenschutz/loeschfristen", "/nutzungsbedingungen",
	"/barrierefreiheit", "/hilfe", "/leistungen", "/leistungsfinder", "/zustaendige-stelle", "/antrag", "/beratung",
	"/anmelden", "/intern/anmelden", "/feedback/danke", "/barrierefreiheit/danke", "/dev/post", "/dev/stelle",
	"/suche", "/suche?q=Sozialhilfe", "/leistungen/hilfe-zum-lebensunterhalt", "/leistungen/hilfe-zum-lebensunterhalt?ort=53840",
	"/leistungen/kindergeld", "/leistungen/suchtberatung", "/antrag/hilfe-zum-lebensunterhalt?ars=053820068068",
	"/antrag/99107012017000", "/beratung?ort=50667&q=Schulden", "/beratung/suchtberatung-koln-demo",
	"/beratung/schuldnerberatung-koln-nord-demo-28a233", "/beratung/fuer-beratungsstellen", "/hilfe-beratungsstellen"}

// statePaths show the other states of the office finder (Fall 2, Fall 3, a
// choice of places, bad input); the browser tests check them too.
var statePaths = []string{"/leistungen/hilfe-zum-lebensunterhalt?ort=33602", "/leistungen/hilfe-zum-lebensunterhalt?ort=48565",
	"/leistungen/hilfe-zum-lebensunterhalt?ort=59969", "/leistungen/hilfe-zum-lebensunterhalt?ort=5384",
	"/zustaendige-stelle?leistung=&ort="}

func TestRootRedirectsByCookieThenAcceptLanguageThenGerman(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	if p := b.get("/"); p.status != 303 || p.header.Get("Location") != "/de/" {
		t.Fatalf("no preference: %d %s", p.status, p.header.Get("Location"))
	}
	b.lang = "ar,en;q=0.5"
	if p := b.get("/"); p.header.Get("Location") != "/ar/" {
		t.Fatalf("Accept-Language ar: %s", p.header.Get("Location"))
	}
	b.lang = "en"
	b.get("/pl/hilfe") // reading a Polish page remembers Polish
	if p := b.get("/"); p.header.Get("Location") != "/pl/" {
		t.Fatalf("remembered choice: %s", p.header.Get("Location"))
	}
}

func TestEveryPageInEveryLanguage(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	h1 := regexp.MustCompile(`<h1[ >]`)
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`)
	untranslated := regexp.MustCompile(`\b(nav|feedback|footer|home|section|signin|form|barrier|retention|staff|dev|error|role|fallback|mail|place|office|officefinder|case[123]|service|search|benefits|apply|applystart|area|link)\.[a-z_0-9]+\b`)
	for _, l := range i18n.Languages {
		for _, path := range publicPaths {
			p := b.open("/" + l.Code + path)
			name := l.Code + path
			if p.status != 200 {
				t.Errorf("%s: status %d", name, p.status)
				continue
			}
			p.mustContain(t, `<html lang="`+l.HTMLLang+`" dir="`+l.Dir+`" `, `<main id="main"`, `href="#main"`)
			if n := len(h1.FindAllString(p.body, -1)); n != 1 {
				t.Errorf("%s: %d h1 elements", name, n)
			}
			if inlineScript.MatchString(p.body) || strings.Contains(p.body, " style=") || strings.Contains(p.body, "onclick") {
				t.Errorf("%s: inline script or style", name)
			}
			// The switcher names the page shown (an application's entry
			// leads on to its chapter).
			shown := strings.TrimPrefix(p.path, "/"+l.Code)
			for _, other := range i18n.Languages {
				if !strings.Contains(p.body, `href="/`+other.Code+html.EscapeString(shown)+`"`) {
					t.Errorf("%s: language switcher lacks %s", name, other.Code)
				}
			}
			if strings.Contains(p.body, "{n}") || untranslated.MatchString(p.body) {
				t.Errorf("%s: untranslated key or placeholder on the page", name)
			}
			if got := p.header.Get("Content-Language"); got != l.HTMLLang {
				t.Errorf("%s: Content-Language %q", name, got)
			}
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	in := start(t, testConfig(t))
	p := newBrowser(t, in.base).get("/de/")
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Permissions-Policy":      "camera=()",
	} {
		if !strings.Contains(p.header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, p.header.Get(h), want)
		}
	}
	if !strings.Contains(p.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP allows framing")
	}
	if p.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS in development mode over plain HTTP")
	}
}

func TestStaticAssetsAreHashedAndImmutable(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.get("/de/")
	css := regexp.MustCompile(`href="(/static/css/bundle\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(p.body)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	b.lang = ""
	req := b.get(css[1])
	if req.status != 200 || !strings.Contains(req.header.Get("Cache-Control"), "immutable") {
		t.Fatalf("stylesheet: %d %q", req.status, req.header.Get("Cache-Control"))
	}
	for _, u := range regexp.MustCompile(`url\((/static/[^)]+)\)`).FindAllStringSubmatch(req.body, -1) {
		if r := b.get(u[1]); r.status != 200 {
			t.Errorf("stylesheet refers to %s: %d", u[1], r.status)
		}
	}
	if r := b.get("/static/css/bundle.0000000000.css"); r.status != 404 {
		t.Errorf("unknown asset: %d", r.status)
	}
}

func TestBadInputGetsAPageInTheUsersLanguage(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)

	b.lang = "en"
	p := b.get("/xx/hilfe")
	if p.status != 404 || !strings.Contains(p.body, "Page not found") || !strings.Contains(p.body, `lang="en"`) {
		t.Errorf("unknown language: %d", p.status)
	}
	p = b.get("/uk/does-not-exist")
	if p.status != 404 || !strings.Contains(p.body, `lang="uk"`) {
		t.Errorf("unknown route: %d", p.status)
	}

	form := b.get("/de/barrierefreiheit")
	token := form.csrf(t)
	p = b.post("/de/barrierefreiheit", url.Values{"description": {"Kontrast zu schwach"}})
	if p.status != 403 || !strings.Contains(p.body, "Sicherheitsprüfung fehlgeschlagen") {
		t.Errorf("missing CSRF token: %d", p.status)
	}
	p = b.post("/tr/barrierefreiheit", url.Values{"description": {"x"}, "csrf_token": {token + "x"}})
	if p.status != 403 || !strings.Contains(p.body, `lang="tr"`) {
		t.Errorf("wrong CSRF token: %d", p.status)
	}
	// A form another site makes a browser post is refused, in the language
	// of the address, even where no token is needed.
	req, _ := http.NewRequest("POST", in.base+"/uk/feedback", strings.NewReader("rating=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != 403 || !strings.Contains(p.body, `lang="uk"`) {
		t.Errorf("cross-site feedback post: %d", p.status)
	}
	big := strings.Repeat("a", 2<<20)
	p = b.post("/de/feedback", url.Values{"rating": {"4"}, "comment": {big}, "csrf_token": {token}})
	if p.status != 413 || !strings.Contains(p.body, "Zu viele Daten") {
		t.Errorf("oversized body: %d", p.status)
	}

	// Malformed cookies are ignored, not fatal.
	raw := newBrowser(t, in.base)
	r2, _ := newRequest("GET", in.base+"/de/hilfe")
	r2.Header.Set("Cookie", "sp_session=%%%; sp_csrf=<script>; sp_lang=zz")
	if p := raw.do(r2); p.status != 200 {
		t.Errorf("malformed cookies: %d", p.status)
	}
	r3, _ := newRequest("GET", in.base+"/")
	r3.Header.Set("Cookie", "sp_lang=../../etc")
	if p := raw.do(r3); p.header.Get("Location") != "/de/" {
		t.Errorf("malformed language cookie: %s", p.header.Get("Location"))
	}
}

func TestFeedbackIsStoredAndExportedSafely(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	// The feedback form needs no token (see web.tokenFree).
	if strings.Contains(b.get("/en/hilfe").body, "csrf_token") {
		t.Error("feedback form carries a token: public pages could not be cached")
	}

	// No rating: the form comes back with the message and the comment kept.
	p := b.post("/en/feedback", url.Values{"page": {"/en/hilfe"}, "comment": {"Too long to read"}})
	if p.status != 422 {
		t.Fatalf("missing rating: %d", p.status)
	}
	p.mustContain(t, "Please choose a rating from 1 to 5.", "Too long to read", `href="#feedback-rating"`, `id="error-summary"`)

	p = b.post("/en/feedback", url.Values{"page": {"/en/hilfe"}, "rating": {"2"}, "comment": {"=cmd|' /C calc'!A0"}})
	if p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "/en/feedback/danke") {
		t.Fatalf("feedback: %d %s", p.status, p.header.Get("Location"))
	}
	thanks := b.get(p.header.Get("Location"))
	thanks.mustContain(t, "Thank you for your feedback", `href="/en/hilfe"`)

	// Open redirect attempts end on the start page.
	evil := b.get("/en/feedback/danke?seite=//evil.example/")
	if strings.Contains(evil.body, "evil.example") {
		t.Error("thank-you page links to another site")
	}

	staff := signInStaff(t, in, b, "en")
	_ = staff
	csvPage := b.get("/en/intern/feedback.csv")
	if csvPage.status != 200 || !strings.HasPrefix(csvPage.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d", csvPage.status)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvPage.body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("csv rows: %v %v", rows, err)
	}
	if rows[1][3] != "2" || rows[1][4] != "'=cmd|' /C calc'!A0" || rows[1][1] != "/en/hilfe" {
		t.Errorf("csv row %q: formula not defused or data wrong", rows[1])
	}
}

func signInStaff(t *testing.T, in *instance, b *browser, lang string) *account.Staff {
	t.Helper()
	st, err := in.Accounts.Create(context.Background(), "ops@example.org", "Ops", account.SystemAdmin, "a really long password")
	if err != nil {
		t.Fatal(err)
	}
	token := b.get("/" + lang + "/intern/anmelden").csrf(t)
	p := b.post("/"+lang+"/intern/anmelden", url.Values{"email": {"ops@example.org"}, "password": {"a really long password"}, "csrf_token": {token}})
	finishStaffSignIn(t, b, lang, "ops@example.org", p)
	return st
}

func TestStaffSignInLockoutAndSignOut(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	if p := b.get("/de/intern/"); p.status != 303 || p.header.Get("Location") != "/de/intern/anmelden" {
		t.Fatalf("staff area without sign-in: %d %s", p.status, p.header.Get("Location"))
	}
	if _, err := in.Accounts.Create(context.Background(), "ops@example.org", "Ops", account.SystemAdmin, "a really long password"); err != nil {
		t.Fatal(err)
	}
	token := b.get("/de/intern/anmelden").csrf(t)
	p := b.post("/de/intern/anmelden", url.Values{"email": {"ops@example.org"}, "password": {""}, "csrf_token": {token}})
	p.mustContain(t, "Bitte geben Sie Ihr Passwort ein.", `value="ops@example.org"`)
	for i := 0; i < account.MaxFailures-1; i++ {
		p = b.post("/de/intern/anmelden", url.Values{"email": {"ops@example.org"}, "password": {"wrong"}, "csrf_token": {token}})
		if p.status != 401 {
			t.Fatalf("wrong password: %d", p.status)
		}
	}
	p.mustContain(t, "E-Mail-Adresse oder Passwort sind nicht richtig.")
	p = b.post("/de/intern/anmelden", url.Values{"email": {"ops@example.org"}, "password": {"wrong"}, "csrf_token": {token}})
	if p.status != 429 || !strings.Contains(p.body, "1 Minute gesperrt") {
		t.Fatalf("lockout: %d", p.status)
	}
	if strings.Contains(in.logs.String(), "ops@example.org") || strings.Contains(in.logs.String(), "wrong") {
		t.Error("log contains the email address or password")
	}

	b2 := newBrowser(t, in.base)
	signInStaffExisting(t, b2, "ru", "other@example.org", in)
	home := b2.get("/ru/intern/")
	if home.status != 200 {
		t.Fatalf("staff home: %d", home.status)
	}
	b3 := newBrowser(t, in.base)
	signInStaffExisting(t, b3, "de", "other@example.org", nil)
	// Sign out everywhere from b2 ends b3's session too.
	p = b2.post("/ru/intern/abmelden", url.Values{"everywhere": {"1"}, "csrf_token": {home.csrf(t)}})
	if p.status != 303 {
		t.Fatalf("sign out: %d", p.status)
	}
	if p := b3.get("/de/intern/"); p.status != 303 {
		t.Fatalf("other device still signed in: %d", p.status)
	}
	if p := b2.get("/ru/intern/"); p.status != 303 {
		t.Fatalf("still signed in after sign-out: %d", p.status)
	}
}

func signInStaffExisting(t *testing.T, b *browser, lang, email string, create *instance) {
	t.Helper()
	if create != nil {
		if _, err := create.Accounts.Create(context.Background(), email, "Other", account.OrgAdmin, "another long password"); err != nil {
			t.Fatal(err)
		}
	}
	token := b.get("/" + lang + "/intern/anmelden").csrf(t)
	before := b.c.Jar.Cookies(mustURL(b.base))
	p := b.post("/"+lang+"/intern/anmelden", url.Values{"email": {email}, "password": {"another long password"}, "csrf_token": {token}})
	finishStaffSignIn(t, b, lang, email, p)
	after := b.c.Jar.Cookies(mustURL(b.base))
	if sessionCookie(before) != "" && sessionCookie(before) == sessionCookie(after) {
		t.Fatal("session ID not renewed at sign-in")
	}
}

func TestBarrierReportMailsOperatorAndReporter(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	form := b.get("/pl/barrierefreiheit")
	form.mustContain(t, `action="/pl/barrierefreiheit"`, `id="barrier-description"`)
	token := form.csrf(t)

	p := b.post("/pl/barrierefreiheit", url.Values{"description": {""}, "email": {"kein-at"}, "page": {"/pl/hilfe"}, "csrf_token": {token}})
	if p.status != 422 {
		t.Fatalf("invalid report: %d", p.status)
	}
	p.mustContain(t, `href="#barrier-description"`, `href="#barrier-email"`, `value="kein-at"`, `value="/pl/hilfe"`)

	p = b.post("/pl/barrierefreiheit", url.Values{"description": {"Kontrast <b>zu schwach</b>"}, "email": {"max.mustermann@example.org"},
		"page": {"/pl/hilfe"}, "csrf_token": {token}})
	if p.status != 303 {
		t.Fatalf("report: %d", p.status)
	}
	if _, err := in.Queue.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails, err := in.DB.ListCaughtMail(context.Background(), 10)
	if err != nil || len(mails) != 2 {
		t.Fatalf("caught %d mails: %v", len(mails), err)
	}
	to := mails[0].Recipients + " " + mails[1].Recipients
	if !strings.Contains(to, "betrieb@example.org") || !strings.Contains(to, "max.mustermann@example.org") {
		t.Errorf("recipients: %s", to)
	}
	list := b.get("/de/dev/post")
	list.mustContain(t, "Neue Meldung einer Barriere")
	if strings.Contains(in.logs.String(), "mustermann") || strings.Contains(in.logs.String(), "zu schwach") {
		t.Error("personal data in the log")
	}
}

func TestHealthReadinessMetrics(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	if p := b.get("/healthz"); p.status != 200 {
		t.Errorf("healthz %d", p.status)
	}
	if p := b.get("/readyz"); p.status != 200 || p.body != "ready\n" {
		t.Errorf("readyz %d %q", p.status, p.body)
	}
	b.get("/de/")
	p := b.get("/metrics")
	if p.status != 200 || !strings.Contains(p.body, `sozialplattform_http_requests_total{code="200",method="GET",route="GET /{lang}/{$}"}`) {
		t.Errorf("metrics lack the request counter:\n%.2000s", p.body)
	}
	if strings.Contains(p.body, `"/de/`) {
		t.Error("metrics contain a raw path")
	}
}

func TestMetricsToken(t *testing.T) {
	t.Setenv("SOZ_METRICS_TOKEN", "")
	cfg := testConfig(t)
	cfg.MetricsToken = "tok"
	in := start(t, cfg)
	b := newBrowser(t, in.base)
	if p := b.get("/metrics"); p.status != 401 {
		t.Fatalf("metrics without token: %d", p.status)
	}
	r, _ := newRequest("GET", in.base+"/metrics")
	r.Header.Set("Authorization", "Bearer tok")
	if p := b.do(r); p.status != 200 {
		t.Fatalf("metrics with token: %d", p.status)
	}
}

func TestContentFallsBackToGermanWithNotice(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	// A language without its own page shows the German text, marked as German.
	for _, l := range i18n.Languages {
		if _, fell, _ := in.Web.Content.Find(l.Code, "impressum"); !fell {
			continue
		}
		p := b.get("/" + l.Code + "/impressum")
		p.mustContain(t, `class="prose" lang="de" dir="ltr"`, `kern-alert--info notice`)
	}
}

func TestSessionsAreSharedBetweenInstancesOnPostgres(t *testing.T) {
	url := testenv.PostgresSchemaURL(t)
	cfgA, cfgB := testConfig(t), testConfig(t)
	cfgA.DatabaseURL, cfgB.DatabaseURL = url, url
	a := start(t, cfgA)
	bInst := start(t, cfgB)
	if _, err := a.Accounts.Create(context.Background(), "ops@example.org", "Ops", account.SystemAdmin, "another long password"); err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, a.base)
	signInStaffExisting(t, br, "de", "ops@example.org", nil)
	// The same browser cookies, sent to the other instance.
	cookies := br.c.Jar.Cookies(mustURL(a.base))
	other := newBrowser(t, bInst.base)
	other.c.Jar.SetCookies(mustURL(bInst.base), cookies)
	p := other.get("/de/intern/")
	if p.status != 200 || !strings.Contains(p.body, "Angemeldet als Ops") {
		t.Fatalf("session from instance A not valid on B: %d", p.status)
	}
	// A form rendered by A is accepted by B (shared CSRF key).
	token := br.get("/de/barrierefreiheit").csrf(t)
	r := other.post("/de/barrierefreiheit", url2Values("description", "Zu kleine Schrift", "csrf_token", token, "page", "/de/hilfe"))
	if r.status != 303 {
		t.Fatalf("CSRF token from A refused by B: %d", r.status)
	}
}

// TestPublicPagesAreTheSameForEveryVisitor: anonymous visitors get the same
// start page without any cookie of someone else's; staff see their own header.
func TestPublicPagesAreTheSameForEveryVisitor(t *testing.T) {
	in := start(t, testConfig(t))
	first := newBrowser(t, in.base).get("/pl/")
	second := newBrowser(t, in.base).get("/pl/")
	if first.status != 200 || second.status != 200 || first.body != second.body {
		t.Fatalf("start page differs between visitors: %d %d", first.status, second.status)
	}
	for _, c := range second.header.Values("Set-Cookie") {
		if !strings.HasPrefix(c, "sp_lang=pl;") {
			t.Errorf("a public page sets %q", c)
		}
	}
	if second.header.Get("Content-Language") != "pl" || second.header.Get("Content-Security-Policy") == "" {
		t.Errorf("headers of a repeated page: %v", second.header)
	}
	// Signed-in staff never get the anonymous copy.
	b := newBrowser(t, in.base)
	signInStaff(t, in, b, "pl")
	if p := b.get("/pl/"); !strings.Contains(p.body, `href="/pl/intern/"`) {
		t.Error("staff got the anonymous start page")
	}
	// Forms with a token are rendered for each visitor.
	a, c := newBrowser(t, in.base).get("/pl/barrierefreiheit"), newBrowser(t, in.base).get("/pl/barrierefreiheit")
	if a.csrf(t) == c.csrf(t) {
		t.Error("two visitors got the same form token")
	}
}
