package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/sozialplattform/sozialplattform/internal/account"
)

// authenticator is the test's stand-in for a staff member's phone: the
// secret read from the set-up page and the last time step it sent, since
// the platform takes a code of each step once.
type authenticator struct {
	secret string
	last   int64
	codes  []string // the recovery codes shown at set-up
}

// authenticators by platform and email: tests start many platforms whose
// staff share addresses.
var authenticators = struct {
	sync.Mutex
	m map[string]*authenticator
}{m: map[string]*authenticator{}}

func authenticatorFor(b *browser, email string) *authenticator {
	authenticators.Lock()
	defer authenticators.Unlock()
	return authenticators.m[b.base+" "+account.NormalizeEmail(email)]
}

func rememberAuthenticator(b *browser, email string, a *authenticator) {
	authenticators.Lock()
	defer authenticators.Unlock()
	authenticators.m[b.base+" "+account.NormalizeEmail(email)] = a
}

const period = int64(account.TOTPPeriod / time.Second)

// codeOfStep computes a code with an implementation other than the
// platform's.
func codeOfStep(t testing.TB, secret string, step int64) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totp.ValidateOpts{
		Period: uint(period), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// next returns a code the platform has not seen: the current step's, or
// the next one's (accepted as clock skew) when the current was sent; when
// both were, it waits for the next step.
func (a *authenticator) next(t testing.TB) string {
	t.Helper()
	now := time.Now().Unix() / period
	step := max(now, a.last+1)
	if step > now+1 {
		time.Sleep(time.Until(time.Unix((step-1)*period, 0)))
	}
	a.last = step
	return codeOfStep(t, a.secret, step)
}

var (
	secretRe   = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)
	recoveryRe = regexp.MustCompile(`<strong class="receipt-number" dir="ltr">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{2})</strong>`)
)

// enrol sets up the authenticator of a pending sign-in and returns it with
// the recovery codes page.
func enrol(t testing.TB, b *browser, lang string) (*authenticator, page) {
	t.Helper()
	setup := b.get("/" + lang + "/intern/2fa/einrichten")
	m := secretRe.FindStringSubmatch(setup.body)
	if setup.status != 200 || m == nil {
		t.Fatalf("set-up page: %d\n%s", setup.status, setup.body)
	}
	a := &authenticator{secret: strings.ReplaceAll(m[1], " ", "")}
	p := b.post("/"+lang+"/intern/2fa/einrichten", url.Values{"code": {a.next(t)}, "csrf_token": {setup.csrf(t)}})
	if p.status != 200 {
		t.Fatalf("set-up: %d\n%s", p.status, p.body)
	}
	for _, c := range recoveryRe.FindAllStringSubmatch(p.body, -1) {
		a.codes = append(a.codes, c[1])
	}
	return a, p
}

// finishStaffSignIn completes a sign-in after the password was accepted
// (p is that answer): administrators set up the authenticator the first
// time and give a code later; counsellors are signed in already.
func finishStaffSignIn(t testing.TB, b *browser, lang, email string, p page) {
	t.Helper()
	if p.status != 303 {
		t.Fatalf("staff sign-in: %d\n%s", p.status, p.body)
	}
	pending := sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))
	switch loc := p.header.Get("Location"); loc {
	case "/" + lang + "/intern/":
		return
	case "/" + lang + "/intern/2fa/einrichten":
		a, codes := enrol(t, b, lang)
		rememberAuthenticator(b, email, a)
		p = b.post("/"+lang+"/intern/2fa/fertig", url.Values{"csrf_token": {codes.csrf(t)}})
	case "/" + lang + "/intern/anmelden/code":
		a := authenticatorFor(b, email)
		if a == nil {
			t.Fatalf("%s has an authenticator this test did not set up", email)
		}
		form := b.get(loc)
		p = b.post(loc, url.Values{"code": {a.next(t)}, "csrf_token": {form.csrf(t)}})
	default:
		t.Fatalf("after the password: %s", loc)
	}
	if p.status != 303 || p.header.Get("Location") != "/"+lang+"/intern/" {
		t.Fatalf("second factor: %d %s\n%s", p.status, p.header.Get("Location"), p.body)
	}
	if after := sessionCookie(b.c.Jar.Cookies(mustURL(b.base))); after == "" || after == pending {
		t.Fatal("session ID not renewed when the sign-in completed")
	}
}

func postPassword(t testing.TB, b *browser, lang, email, password string) page {
	t.Helper()
	token := b.get("/" + lang + "/intern/anmelden").csrf(t)
	return b.post("/"+lang+"/intern/anmelden", url.Values{"email": {email}, "password": {password}, "csrf_token": {token}})
}

func createStaff(t testing.TB, in *instance, email string, role account.Role) {
	t.Helper()
	if _, err := in.Accounts.Create(context.Background(), email, "Anna Admin", role, "a really long password"); err != nil {
		t.Fatal(err)
	}
}

// TestOrgAdminEnrolsAtFirstSignIn: the first sign-in of an organisation
// administrator sets up the authenticator (QR code, the secret as text, a
// confirming code) and shows 10 recovery codes once; until then, the staff
// area stays closed.
func TestOrgAdminEnrolsAtFirstSignIn(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	createStaff(t, in, "org@example.org", account.OrgAdmin)
	p := postPassword(t, b, "de", "org@example.org", "a really long password")
	if p.status != 303 || p.header.Get("Location") != "/de/intern/2fa/einrichten" {
		t.Fatalf("after the password: %d %s", p.status, p.header.Get("Location"))
	}
	if p := b.get("/de/intern/"); p.status != 303 || p.header.Get("Location") != "/de/intern/anmelden" {
		t.Fatalf("staff area during the pending sign-in: %d %s", p.status, p.header.Get("Location"))
	}
	// The right password renews the session token already: a planted one
	// could otherwise finish the sign-in after the set-up.
	planted := sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))
	postPassword(t, b, "de", "org@example.org", "a really long password")
	if now := sessionCookie(b.c.Jar.Cookies(mustURL(b.base))); planted == "" || now == planted {
		t.Fatal("session token not renewed after the password")
	}
	if p := b.get("/de/intern/anmelden/code"); p.status != 303 || p.header.Get("Location") != "/de/intern/2fa/einrichten" {
		t.Fatalf("code page before set-up: %d %s", p.status, p.header.Get("Location"))
	}

	setup := b.get("/de/intern/2fa/einrichten")
	setup.mustContain(t, "Zweiten Faktor einrichten", `src="/de/intern/2fa/qr.png"`, `alt="QR-Code zum Einrichten`,
		`href="otpauth://totp/Sozialplattform:org@example.org?`, `autocomplete="one-time-code"`, `inputmode="numeric"`,
		`name="csrf_token"`, "Anmeldung als org@example.org")
	m := secretRe.FindStringSubmatch(setup.body)
	if m == nil || !regexp.MustCompile(`^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$`).MatchString(m[1]) {
		t.Fatalf("secret not shown in groups of four: %v", m)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	link := regexp.MustCompile(`href="(otpauth://[^"]+)"`).FindStringSubmatch(setup.body)
	key, err := otp.NewKeyFromURL(html.UnescapeString(link[1]))
	if err != nil || key.Secret() != secret || key.Issuer() != "Sozialplattform" || key.AccountName() != "org@example.org" {
		t.Fatalf("otpauth link %s: %v", link[1], err)
	}
	if again := b.get("/de/intern/2fa/einrichten"); !strings.Contains(again.body, m[1]) {
		t.Error("reloading the set-up page changed the secret")
	}

	qr := b.get("/de/intern/2fa/qr.png")
	if qr.status != 200 || qr.header.Get("Content-Type") != "image/png" || qr.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("QR code: %d %q %q", qr.status, qr.header.Get("Content-Type"), qr.header.Get("Cache-Control"))
	}
	if img, err := png.Decode(bytes.NewReader([]byte(qr.body))); err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("QR code is no PNG: %v", err)
	}
	if p := newBrowser(t, in.base).get("/de/intern/2fa/qr.png"); p.status != 404 {
		t.Fatalf("another visitor got the QR code: %d", p.status)
	}

	token := setup.csrf(t)
	wrong := codeOfStep(t, secret, time.Now().Unix()/period+5)
	p = b.post("/de/intern/2fa/einrichten", url.Values{"code": {wrong}, "csrf_token": {token}})
	if p.status != 422 {
		t.Fatalf("wrong set-up code: %d", p.status)
	}
	p.mustContain(t, `id="error-summary"`, `href="#code"`, `id="code-error"`, `aria-invalid="true"`,
		"Der Code ist nicht richtig oder wurde schon verwendet.", m[1])
	p = b.post("/de/intern/2fa/einrichten", url.Values{"code": {""}, "csrf_token": {token}})
	if p.status != 422 || !strings.Contains(p.body, "Bitte geben Sie den 6-stelligen Code aus der App ein.") {
		t.Fatalf("empty set-up code: %d", p.status)
	}

	codes := b.post("/de/intern/2fa/einrichten", url.Values{"code": {codeOfStep(t, secret, time.Now().Unix()/period)}, "csrf_token": {token}})
	if codes.status != 200 {
		t.Fatalf("set-up: %d\n%s", codes.status, codes.body)
	}
	codes.mustContain(t, "Ihre Wiederherstellungscodes", "Die Codes werden nur jetzt angezeigt.", "Ich habe die Codes gesichert – weiter",
		`action="/de/intern/2fa/fertig"`)
	shown := recoveryRe.FindAllStringSubmatch(codes.body, -1)
	if len(shown) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(shown))
	}
	if codes.header.Get("Cache-Control") != "no-store" {
		t.Error("the recovery codes page may be cached")
	}
	if p := b.get("/de/intern/2fa/qr.png"); p.status != 404 {
		t.Errorf("QR code still served after the set-up: %d", p.status)
	}
	if p := b.get("/de/intern/"); p.status != 303 {
		t.Fatalf("signed in before confirming the codes: %d", p.status)
	}

	pending := sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))
	p = b.post("/de/intern/2fa/fertig", url.Values{"csrf_token": {codes.csrf(t)}})
	if p.status != 303 || p.header.Get("Location") != "/de/intern/" {
		t.Fatalf("continue: %d %s", p.status, p.header.Get("Location"))
	}
	if after := sessionCookie(b.c.Jar.Cookies(mustURL(b.base))); after == pending {
		t.Fatal("session ID not renewed at sign-in")
	}
	home := b.get("/de/intern/")
	if home.status != 200 {
		t.Fatalf("staff home: %d", home.status)
	}
	home.mustContain(t, "Neue Wiederherstellungscodes erzeugen", "Sie haben noch 10 unbenutzte Wiederherstellungscodes.",
		`action="/de/intern/2fa/wiederherstellungscodes"`)

	// Neither the database nor the log holds a code or the secret in clear.
	var stored string
	if err := in.DB.QueryRow(context.Background(), in.DB, `SELECT code_hash FROM staff_recovery_codes LIMIT 1`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	logs := in.logs.String()
	for _, c := range shown {
		if strings.Contains(stored, c[1]) || strings.Contains(logs, c[1]) {
			t.Errorf("recovery code %s stored or logged in clear", c[1])
		}
	}
	if strings.Contains(logs, "org@example.org") || strings.Contains(logs, secret) {
		t.Error("the log contains the email address or the secret")
	}
	if !strings.Contains(logs, "staff second factor enrolled") {
		t.Error("the set-up is not logged")
	}
}

// TestAdminSignInAsksForACode: a later sign-in asks for the code; a wrong
// one is refused with the message, a used one is refused the second time,
// and a recovery code works once.
func TestAdminSignInAsksForACode(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "sys@example.org", account.SystemAdmin)
	first := newBrowser(t, in.base)
	finishStaffSignIn(t, first, "de", "sys@example.org", postPassword(t, first, "de", "sys@example.org", "a really long password"))
	a := authenticatorFor(first, "sys@example.org")
	if a == nil || len(a.codes) != 10 {
		t.Fatalf("set-up: %+v", a)
	}

	b := newBrowser(t, in.base)
	p := postPassword(t, b, "en", "sys@example.org", "a really long password")
	if p.status != 303 || p.header.Get("Location") != "/en/intern/anmelden/code" {
		t.Fatalf("after the password: %d %s", p.status, p.header.Get("Location"))
	}
	if p := b.get("/en/intern/"); p.status != 303 {
		t.Fatalf("staff area during the pending sign-in: %d", p.status)
	}
	form := b.get("/en/intern/anmelden/code")
	form.mustContain(t, "Confirm sign-in", `autocomplete="one-time-code"`, `inputmode="numeric"`, `name="code"`,
		`href="/en/intern/anmelden/wiederherstellungscode"`, "Signing in as sys@example.org", `name="csrf_token"`)
	token := form.csrf(t)

	p = b.post("/en/intern/anmelden/code", url.Values{"code": {"000000"}, "csrf_token": {token}})
	if p.status != 422 {
		t.Fatalf("wrong code: %d", p.status)
	}
	p.mustContain(t, `id="error-summary"`, `href="#code"`, `id="code-error"`, "The code is wrong or has already been used.",
		"sys@example.org")
	p = b.post("/en/intern/anmelden/code", url.Values{"code": {"12a"}, "csrf_token": {token}})
	if p.status != 422 || !strings.Contains(p.body, "Please enter the 6-digit code from the app.") {
		t.Fatalf("malformed code: %d", p.status)
	}

	code := a.next(t)
	p = b.post("/en/intern/anmelden/code", url.Values{"code": {code}, "csrf_token": {token}})
	if p.status != 303 || p.header.Get("Location") != "/en/intern/" {
		t.Fatalf("right code: %d %s", p.status, p.header.Get("Location"))
	}
	if p := b.get("/en/intern/"); p.status != 200 {
		t.Fatalf("staff home after the code: %d", p.status)
	}

	// The same code once more, from another device within its window.
	c := newBrowser(t, in.base)
	postPassword(t, c, "de", "sys@example.org", "a really long password")
	p = c.post("/de/intern/anmelden/code", url.Values{"code": {code}, "csrf_token": {c.get("/de/intern/anmelden/code").csrf(t)}})
	if p.status != 422 || !strings.Contains(p.body, "Der Code ist nicht richtig oder wurde schon verwendet.") {
		t.Fatalf("a code used before: %d", p.status)
	}
	if p := c.get("/de/intern/"); p.status != 303 {
		t.Fatalf("the used code opened the staff area: %d", p.status)
	}

	// A recovery code, typed in capitals without dashes, works once.
	rec := c.get("/de/intern/anmelden/wiederherstellungscode")
	rec.mustContain(t, "Mit Wiederherstellungscode anmelden", `action="/de/intern/anmelden/wiederherstellungscode"`, `href="/de/intern/anmelden/code"`)
	typed := strings.ToUpper(strings.ReplaceAll(a.codes[0], "-", ""))
	p = c.post("/de/intern/anmelden/wiederherstellungscode", url.Values{"code": {typed}, "csrf_token": {rec.csrf(t)}})
	if p.status != 303 || p.header.Get("Location") != "/de/intern/" {
		t.Fatalf("recovery code: %d %s", p.status, p.header.Get("Location"))
	}
	home := c.get("/de/intern/")
	home.mustContain(t, "Sie haben noch 9 unbenutzte Wiederherstellungscodes.")

	d := newBrowser(t, in.base)
	postPassword(t, d, "de", "sys@example.org", "a really long password")
	dRec := d.get("/de/intern/anmelden/wiederherstellungscode")
	p = d.post("/de/intern/anmelden/wiederherstellungscode", url.Values{"code": {a.codes[0]}, "csrf_token": {dRec.csrf(t)}})
	if p.status != 422 {
		t.Fatalf("recovery code used twice: %d", p.status)
	}
	p.mustContain(t, "Dieser Wiederherstellungscode ist nicht richtig oder wurde schon verwendet.", `href="#code"`)

	// New codes replace all old ones.
	fresh := c.post("/de/intern/2fa/wiederherstellungscodes", url.Values{"csrf_token": {home.csrf(t)}})
	if fresh.status != 200 {
		t.Fatalf("regenerate: %d", fresh.status)
	}
	fresh.mustContain(t, "Neue Wiederherstellungscodes sind erzeugt.", `href="/de/intern/"`)
	newCodes := recoveryRe.FindAllStringSubmatch(fresh.body, -1)
	if len(newCodes) != 10 {
		t.Fatalf("%d new codes", len(newCodes))
	}
	p = d.post("/de/intern/anmelden/wiederherstellungscode", url.Values{"code": {a.codes[1]}, "csrf_token": {dRec.csrf(t)}})
	if p.status != 422 {
		t.Fatalf("an old recovery code after regenerating: %d", p.status)
	}
	p = d.post("/de/intern/anmelden/wiederherstellungscode", url.Values{"code": {newCodes[0][1]}, "csrf_token": {dRec.csrf(t)}})
	if p.status != 303 {
		t.Fatalf("a new recovery code: %d", p.status)
	}
	if logs := in.logs.String(); strings.Contains(logs, "sys@example.org") || strings.Contains(logs, a.codes[0]) || strings.Contains(logs, code) {
		t.Error("the log contains the email address or a code")
	}
}

// TestFiveWrongCodesLockTheAccount: wrong codes count like wrong
// passwords; the right password does not reset the count in between.
func TestFiveWrongCodesLockTheAccount(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "org@example.org", account.OrgAdmin)
	first := newBrowser(t, in.base)
	finishStaffSignIn(t, first, "de", "org@example.org", postPassword(t, first, "de", "org@example.org", "a really long password"))

	b := newBrowser(t, in.base)
	for i := 1; i < account.MaxFailures; i++ {
		// Signing in again with the right password between guesses.
		if p := postPassword(t, b, "de", "org@example.org", "a really long password"); p.status != 303 {
			t.Fatalf("password %d: %d", i, p.status)
		}
		p := b.post("/de/intern/anmelden/code", url.Values{"code": {"000000"}, "csrf_token": {b.get("/de/intern/anmelden/code").csrf(t)}})
		if p.status != 422 {
			t.Fatalf("wrong code %d: %d", i, p.status)
		}
	}
	token := b.get("/de/intern/anmelden/code").csrf(t)
	p := b.post("/de/intern/anmelden/code", url.Values{"code": {"000000"}, "csrf_token": {token}})
	if p.status != 429 || !strings.Contains(p.body, "15 Minuten gesperrt") {
		t.Fatalf("5th wrong code: %d", p.status)
	}
	p.mustContain(t, `value="org@example.org"`, `action="/de/intern/anmelden"`)
	// The pending sign-in is gone, and the right password is refused too.
	if p := b.get("/de/intern/anmelden/code"); p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "/de/intern/anmelden?") {
		t.Fatalf("code page after the lock: %d %s", p.status, p.header.Get("Location"))
	}
	if p := postPassword(t, b, "de", "org@example.org", "a really long password"); p.status != 429 {
		t.Fatalf("password during the lock: %d", p.status)
	}
}

// TestCounsellorSignsInWithoutCode: counsellors have no second factor.
func TestCounsellorSignsInWithoutCode(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "beratung@example.org", account.Counsellor)
	b := newBrowser(t, in.base)
	p := postPassword(t, b, "de", "beratung@example.org", "a really long password")
	if p.status != 303 || p.header.Get("Location") != "/de/intern/" {
		t.Fatalf("counsellor sign-in: %d %s", p.status, p.header.Get("Location"))
	}
	home := b.get("/de/intern/")
	if home.status != 200 || strings.Contains(home.body, "Wiederherstellungscodes") {
		t.Fatalf("counsellor home: %d", home.status)
	}
	if p := b.post("/de/intern/2fa/wiederherstellungscodes", url.Values{"csrf_token": {home.csrf(t)}}); p.status != 403 {
		t.Fatalf("counsellor regenerating codes: %d", p.status)
	}
	if p := b.get("/de/intern/2fa/einrichten"); p.status != 303 || p.header.Get("Location") != "/de/intern/" {
		t.Fatalf("set-up page when signed in: %d %s", p.status, p.header.Get("Location"))
	}
}

// TestPendingSignInExpires: five minutes after the password the second
// step is over; the person starts again at the sign-in with a message.
func TestPendingSignInExpires(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "org@example.org", account.OrgAdmin)
	b := newBrowser(t, in.base)
	postPassword(t, b, "ls", "org@example.org", "a really long password")
	setup := b.get("/ls/intern/2fa/einrichten")
	secret := strings.ReplaceAll(secretRe.FindStringSubmatch(setup.body)[1], " ", "")

	// Age the pending sign-in in the database, as five minutes would.
	ctx := context.Background()
	sum := sha256.Sum256([]byte(sessionCookie(b.c.Jar.Cookies(mustURL(b.base)))))
	rec, err := in.DB.FindSession(ctx, hex.EncodeToString(sum[:]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	until, err := strconv.ParseInt(rec.Data["staff2fa.until"], 10, 64)
	if err != nil || until-time.Now().Unix() > 300 || until-time.Now().Unix() < 290 {
		t.Fatalf("pending sign-in lasts until %d (%v), want five minutes", until, err)
	}
	rec.Data["staff2fa.until"] = strconv.FormatInt(time.Now().Unix()-1, 10)
	if err := in.DB.SaveSession(ctx, rec); err != nil {
		t.Fatal(err)
	}

	p := b.post("/ls/intern/2fa/einrichten", url.Values{"code": {codeOfStep(t, secret, time.Now().Unix()/period)}, "csrf_token": {setup.csrf(t)}})
	if p.status != 303 || p.header.Get("Location") != "/ls/intern/anmelden?abgelaufen=1" {
		t.Fatalf("expired set-up: %d %s", p.status, p.header.Get("Location"))
	}
	again := b.get(p.header.Get("Location"))
	again.mustContain(t, "Das hat zu lange gedauert. Bitte melden Sie sich noch einmal an.")
	if p := b.get("/ls/intern/2fa/qr.png"); p.status != 404 {
		t.Fatalf("QR code after expiry: %d", p.status)
	}
	if enrolled, _ := in.Accounts.Enrolled(ctx, mustStaff(t, in, "org@example.org").ID); enrolled {
		t.Fatal("an expired set-up was stored")
	}
	// Without any pending sign-in the pages send the person to the start.
	for _, path := range []string{"/de/intern/anmelden/code", "/de/intern/anmelden/wiederherstellungscode", "/de/intern/2fa/einrichten"} {
		if p := newBrowser(t, in.base).get(path); p.status != 303 || p.header.Get("Location") != "/de/intern/anmelden?abgelaufen=1" {
			t.Errorf("%s without a pending sign-in: %d %s", path, p.status, p.header.Get("Location"))
		}
	}
}

func mustStaff(t testing.TB, in *instance, email string) *account.Staff {
	t.Helper()
	st, err := in.DB.FindStaffByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSecondFactorPagesInEveryLanguage: the pages of the second step are
// complete in every language (one h1, no key or placeholder left, the
// language switcher keeps the page).
func TestSecondFactorPagesInEveryLanguage(t *testing.T) {
	in := start(t, testConfig(t))
	createStaff(t, in, "org@example.org", account.OrgAdmin)
	untranslated := regexp.MustCompile(`\b(staff|role|form)\.[a-z_0-9]+\b`)
	h1 := regexp.MustCompile(`<h1[ >]`)
	placeholder := regexp.MustCompile(`\{[a-z]+\}`)
	b := newBrowser(t, in.base)
	postPassword(t, b, "de", "org@example.org", "a really long password")
	check := func(name string, p page) {
		t.Helper()
		if p.status != 200 && p.status != 422 {
			t.Errorf("%s: %d", name, p.status)
			return
		}
		if n := len(h1.FindAllString(p.body, -1)); n != 1 || untranslated.MatchString(p.body) || placeholder.MatchString(p.body) {
			t.Errorf("%s: %d h1, or an untranslated key or placeholder", name, n)
		}
	}
	var a *authenticator
	for _, l := range []string{"de", "ls", "en", "pl", "uk", "ru", "tr", "ar"} {
		setup := b.get("/" + l + "/intern/2fa/einrichten")
		check(l+" set-up", setup)
		setup.mustContain(t, `href="/en/intern/2fa/einrichten"`)
		check(l+" set-up error", b.post("/"+l+"/intern/2fa/einrichten", url.Values{"code": {"x"}, "csrf_token": {setup.csrf(t)}}))
		a = &authenticator{secret: strings.ReplaceAll(secretRe.FindStringSubmatch(setup.body)[1], " ", "")}
	}
	codes := b.post("/ar/intern/2fa/einrichten", url.Values{"code": {a.next(t)}, "csrf_token": {b.get("/ar/intern/2fa/einrichten").csrf(t)}})
	check("ar codes", codes)
	codes.mustContain(t, `dir="rtl"`, `<strong class="receipt-number" dir="ltr">`)
	for _, l := range []string{"de", "ls", "en", "pl", "uk", "ru", "tr", "ar"} {
		c := newBrowser(t, in.base)
		postPassword(t, c, l, "org@example.org", "a really long password")
		form := c.get("/" + l + "/intern/anmelden/code")
		check(l+" code", form)
		check(l+" code error", c.post("/"+l+"/intern/anmelden/code", url.Values{"code": {""}, "csrf_token": {form.csrf(t)}}))
		check(l+" recovery", c.get("/"+l+"/intern/anmelden/wiederherstellungscode"))
		check(l+" sign-in expired", c.get("/"+l+"/intern/anmelden?abgelaufen=1"))
	}
}
