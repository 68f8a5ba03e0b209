package main

import (
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestBrowserBookingByKeyboard (issue 17): a person at 360 × 740 px books
// an appointment at a demo centre with the keyboard alone — Tab to a free
// day of the calendar and Enter, Tab to a free time and Enter, the details
// typed (a name with HTML in it, Arabic in the Arabic run), Space on the
// consent, Enter on "Termin vereinbaren" — reads the link in the caught
// mail, confirms with the button of its page, gets the reminder (the job
// run with a clock moved to the day before) and cancels with the reminder's
// link. In German and in Arabic; on every page axe-core finds nothing, the
// Tab key reaches every control, nothing scrolls sideways, and the page
// reads in the language's direction. Scripts only read what the page shows.
func TestBrowserBookingByKeyboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	axe := axeSource(t)
	in := start(t, testConfig(t))
	c, _ := readyDemoCentre(t, in)
	root := newChrome(t)
	people := []struct{ lang, last, first, email string }{
		{"de", "<b>Müller</b>", "Erika", "erika.tastatur@example.org"},
		{"ar", "<b>حداد</b>", "لينا", "lina.tastatur@example.org"},
	}
	for _, p := range people {
		t.Run(p.lang, func(t *testing.T) {
			// A browser context of its own: no session of the run before.
			tab, cancelTab := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
			defer cancelTab()
			if err := chromedp.Do(tab); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(tab, 90*time.Second)
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
				t.Fatal(err)
			}
			k := &keyboardBooker{t: t, ctx: ctx, in: in, axe: axe, lang: p.lang}
			k.book("/"+p.lang+"/beratung/"+c.Slug+"/termin", p.last, p.first, p.email)
		})
	}
}

// keyboardBooker is one person at the keyboard in one tab.
type keyboardBooker struct {
	t    *testing.T
	ctx  context.Context
	in   *instance
	axe  string
	lang string
	tr   *i18n.Translator
}

var (
	bookingConfirmPathRe = regexp.MustCompile(`/[a-z]{2}/termin/bestaetigen/[A-Za-z0-9_-]{43}`)
	bookingCancelPathRe  = regexp.MustCompile(`/[a-z]{2}/termin/absagen/[A-Za-z0-9_-]{43}`)
)

func (k *keyboardBooker) book(base, last, first, email string) {
	t := k.t
	l, ok := i18n.Lookup(k.lang)
	if !ok {
		t.Fatalf("no language %s", k.lang)
	}
	k.tr = k.in.MailService.Composer.Catalog.For(l)

	// The calendar page (service, day, time). Its question is on the
	// first screen.
	if err := chromedp.Do(k.ctx, chromedp.Navigate(k.in.base+base)); err != nil {
		t.Fatal(err)
	}
	k.check("kalender")
	k.firstScreen()
	k.calendarDirection()

	// A free day at least two days ahead (the reminder job of the running
	// instance, on the real clock, leaves it alone), by Tab and Enter; the
	// next month's link when this month has none.
	minDay := booking.DayOf(k.in.DB.Now()).AddDays(2).String()
	for month := 0; ; month++ {
		inMonth := k.eval(fmt.Sprintf(`[...document.querySelectorAll('.booking-calendar a[href*="tag="]')].some(a => new URL(a.href).searchParams.get("tag") >= %q)`, minDay))
		if inMonth == "true" {
			break
		}
		if month == 3 {
			t.Fatalf("no free day from %s in three months", minDay)
		}
		k.tabTo("the next month's link", `el.closest("#kalender nav") && el.textContent.includes("›")`)
		k.press("\r")
		k.check("kalender-monat")
	}
	day := k.tabTo("a free day from "+minDay, fmt.Sprintf(`el.closest(".booking-calendar") && el.matches('a[href*="tag="]') && new URL(el.href).searchParams.get("tag") >= %q`, minDay))
	k.press("\r")
	if got := k.eval(`new URL(location.href).searchParams.get("tag")`); !strings.Contains(day, "tag="+got) {
		t.Fatalf("Enter on %s led to the day %q", day, got)
	}
	// The day's times are where the page starts (#zeiten): the first Tab
	// reaches the first free time, not the header again.
	if err := chromedp.Do(k.ctx, chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	if k.eval(`document.activeElement.matches('#zeiten button[name="beginn"]') && document.activeElement === document.querySelector('#zeiten button[name="beginn"]')`) != "true" {
		t.Errorf("%s: after choosing a day the first Tab goes to %s, want the day's first free time", k.lang, k.eval(`document.activeElement.outerHTML.slice(0, 200)`))
	}
	k.check("tag")
	k.timesDirection()
	// The day stays marked as chosen, in words.
	if k.eval(`!!document.querySelector('.booking-calendar a[aria-current="true"]')`) != "true" {
		t.Error("the chosen day is not marked (aria-current) in the calendar")
	}

	// A free time: the first button of the day.
	k.tabTo("a free time", `el.closest("#zeiten") && el.matches('button[name="beginn"]')`)
	start, err := time.Parse(time.RFC3339, k.eval(`document.activeElement.value`))
	if err != nil {
		t.Fatal(err)
	}
	k.press("\r")
	k.waitPath(base + "/angaben")
	k.check("angaben")
	// An address reads from left to right on an Arabic page too.
	if dir := k.eval(`getComputedStyle(document.getElementById("email")).direction`); dir != "ltr" {
		t.Errorf("%s: the email field reads %s", k.lang, dir)
	}

	// The details, typed.
	for _, f := range []struct{ id, value string }{{"nachname", last}, {"vorname", first}, {"email", email}} {
		k.tabTo("the field "+f.id, `el.id === "`+f.id+`"`)
		if err := chromedp.Do(k.ctx, chromedp.KeyEvent(f.value)); err != nil {
			t.Fatal(err)
		}
		if got := k.eval(`document.activeElement.value`); got != f.value {
			t.Fatalf("typed %q into %s, it holds %q", f.value, f.id, got)
		}
	}
	k.tabTo("the button "+k.tr.T("booking.details.next"), `el.matches('button[type="submit"]') && el.closest('form[action$="/angaben"]')`)
	k.press("\r")
	k.waitPath(base + "/pruefen")
	k.check("pruefen")
	// The name is shown as typed, as text: no <b> element made of it.
	k.mustShow("the check page", last, first, email)
	if n := k.eval(`document.querySelectorAll(".form-summary-list b").length`); n != "0" {
		t.Errorf("the check page made %s <b> elements of the name", n)
	}

	// The check: consent by Space, "Termin vereinbaren" by Enter.
	k.tabTo("the consent", `el.id === "einwilligung"`)
	if err := chromedp.Do(k.ctx, chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	if k.eval(`document.activeElement.checked`) != "true" {
		t.Fatal("Space did not tick the consent")
	}
	k.tabTo("the button "+k.tr.T("booking.submit"), `el.id === "vereinbaren"`)
	k.press("\r")
	k.waitPath(base + "/gesendet")
	k.check("gesendet")
	k.mustShow("the sent page", k.tr.T("booking.sent.not_yet"), email)

	// The mail with the links, in the person's language.
	confirmPath := ""
	for _, m := range k.mails(email) {
		if p := bookingConfirmPathRe.FindString(m); p != "" {
			confirmPath = p
		}
	}
	if !strings.HasPrefix(confirmPath, "/"+k.lang+"/") {
		t.Fatalf("no confirmation link in %s in the mails to %s: %q", k.lang, email, confirmPath)
	}
	token := confirmPath[strings.LastIndex(confirmPath, "/")+1:]
	bk := k.state(token, booking.PurposeConfirm, booking.Pending)
	if !bk.Start.Equal(start) || bk.LastName != last || bk.FirstName != first || bk.Lang != k.lang {
		t.Fatalf("booked %v %q %q %s, chose %v %q %q %s", bk.Start, bk.LastName, bk.FirstName, bk.Lang, start, last, first, k.lang)
	}

	// The link: GET shows the booking and a button and changes nothing.
	if err := chromedp.Do(k.ctx, chromedp.Navigate(k.in.base+confirmPath)); err != nil {
		t.Fatal(err)
	}
	k.check("bestaetigen")
	k.mustShow("the confirmation page", k.tr.T("booking.link.confirm.lead"), last)
	k.state(token, booking.PurposeConfirm, booking.Pending)
	k.tabTo("the button "+k.tr.T("booking.link.confirm.button"), `el.matches('form[action$="`+confirmPath+`"] button[type="submit"]')`)
	// Space on a button, as Enter was on the others.
	k.press(" ")
	k.waitPath(confirmPath)
	k.check("bestaetigt")
	k.mustShow("the confirmed page", k.tr.T("booking.state.confirmed"))
	bk = k.state(token, booking.PurposeConfirm, booking.Confirmed)

	// The reminder, the job run with its clock at the day before; its
	// cancel link is a fresh one, not the first mail's.
	seen := map[string]bool{}
	for _, m := range k.mails(email) {
		for _, p := range bookingCancelPathRe.FindAllString(m, -1) {
			seen[p] = true
		}
	}
	bctx := context.Background()
	compose := func(b booking.Booking, tok string) (mail.Message, error) {
		return k.in.reminderMail(bctx, k.in.MailService.Composer.Catalog, b, tok)
	}
	later := *k.in.Booking // the job of this instance keeps the real clock
	later.Now = func() time.Time { return bk.Start.Add(-23 * time.Hour) }
	if n, err := later.SendReminders(bctx, compose); err != nil || n < 1 {
		t.Fatalf("reminders: %d %v", n, err)
	}
	cancelPath := ""
	for _, m := range k.mails(email) {
		for _, p := range bookingCancelPathRe.FindAllString(m, -1) {
			if !seen[p] {
				cancelPath = p
			}
		}
	}
	if !strings.HasPrefix(cancelPath, "/"+k.lang+"/") {
		t.Fatalf("no new cancel link in %s after the reminder: %q", k.lang, cancelPath)
	}
	cancelToken := cancelPath[strings.LastIndex(cancelPath, "/")+1:]

	// The reminder's link: the booking, a button, and cancelled by Enter.
	if err := chromedp.Do(k.ctx, chromedp.Navigate(k.in.base+cancelPath)); err != nil {
		t.Fatal(err)
	}
	k.check("absagen")
	k.mustShow("the cancel page", k.tr.T("booking.link.cancel.button"), last)
	k.state(cancelToken, booking.PurposeCancel, booking.Confirmed)
	k.tabTo("the button "+k.tr.T("booking.link.cancel.button"), `el.matches('form[action$="`+cancelPath+`"] button[type="submit"]')`)
	k.press("\r")
	k.waitPath(cancelPath)
	k.check("abgesagt")
	k.mustShow("the cancelled page", k.tr.T("booking.state.cancelled"))
	k.state(cancelToken, booking.PurposeCancel, booking.Cancelled)
}

// eval reads something of the page (never changes it), as text.
func (k *keyboardBooker) eval(js string) string {
	k.t.Helper()
	v, err := chromedp.Run(k.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		k.t.Fatalf("%s: %v", js, err)
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// tabTo presses Tab until the focused element el matches the condition (a
// JavaScript expression of el) and returns its outline; the Tab key has
// to get there.
func (k *keyboardBooker) tabTo(what, cond string) string {
	k.t.Helper()
	js := `(() => { const el = document.activeElement; return !!el && el !== document.body && !!(` + cond + `) })()`
	for i := 0; i < 300; i++ {
		if k.eval(js) == "true" {
			// WCAG 2.4.7: where the focus is can be seen.
			if k.eval(`(() => { const cs = getComputedStyle(document.activeElement); return (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none" })()`) != "true" {
				k.t.Errorf("%s: the focus on %s cannot be seen", k.lang, what)
			}
			return k.eval(`document.activeElement.outerHTML.slice(0, 200)`)
		}
		if err := chromedp.Do(k.ctx, chromedp.KeyEvent("\t")); err != nil {
			k.t.Fatal(err)
		}
	}
	k.t.Fatalf("%s: the Tab key never gets to %s (last on %s)", k.lang, what, k.eval(`document.activeElement === document.body ? "the page itself" : document.activeElement.outerHTML.slice(0, 200)`))
	return ""
}

// press presses a key on the focused element and waits for the page it
// leads to.
func (k *keyboardBooker) press(key string) {
	k.t.Helper()
	markDocument(k.t, k.ctx)
	if err := chromedp.Do(k.ctx, chromedp.KeyEvent(key)); err != nil {
		k.t.Fatal(err)
	}
	waitNewDocument(k.t, k.ctx)
}

// waitPath: the page shown is path (after the site's redirects).
func (k *keyboardBooker) waitPath(path string) {
	k.t.Helper()
	if got := k.eval(`location.pathname`); got != path {
		k.t.Fatalf("%s: on %s (%s), want %s", k.lang, got, k.eval(`document.title + " | " + document.querySelector("main").innerText.slice(0, 400)`), path)
	}
}

// mustShow: the main part of the page says each text.
func (k *keyboardBooker) mustShow(where string, texts ...string) {
	k.t.Helper()
	main := k.eval(`document.querySelector("main").innerText`)
	for _, s := range texts {
		if !strings.Contains(main, s) {
			k.t.Errorf("%s: %s lacks %q:\n%.1500s", k.lang, where, s, main)
		}
	}
}

// state: the booking of a link's token is in the state want.
func (k *keyboardBooker) state(token, purpose, want string) *booking.Booking {
	k.t.Helper()
	bk, err := k.in.Booking.ByToken(context.Background(), token, purpose)
	if err != nil {
		k.t.Fatal(err)
	}
	if bk.State != want {
		k.t.Fatalf("%s: booking %s, want %s", k.lang, bk.State, want)
	}
	return bk
}

// mails are the caught mails to an address, quoted-printable undone.
func (k *keyboardBooker) mails(to string) []string {
	k.t.Helper()
	var out []string
	for _, m := range caughtTo(k.t, k.in, to) {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m))); err == nil {
			m = string(b)
		}
		out = append(out, m)
	}
	return out
}

// check runs axe-core on the page shown (WCAG 2.1 A and AA, as on every
// page), has the Tab key reach every control, and looks at the width and
// the direction; a page that fails leaves a screenshot in
// artifacts/screenshots.
func (k *keyboardBooker) check(what string) {
	k.t.Helper()
	name := k.lang + " " + what
	failedBefore := k.t.Failed()
	if _, err := chromedp.Run(k.ctx, chromedp.Poll[bool](`document.readyState === "complete" && !!document.querySelector("main h1")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		k.t.Fatalf("%s: no page: %v", name, err)
	}
	res, err := runAxe(k.ctx, k.axe)
	if err != nil {
		k.t.Fatalf("%s: axe: %v", name, err)
	}
	if len(res.Violations) > 0 {
		k.t.Errorf("%s at 360 px: axe violations:%s", name, res)
	}
	// Within 360 px, and within the width left beside the scroll bar
	// where the browser shows one (Chromium's clientWidth says 360 beside
	// its scroll bar; the root box's own width is what the page has).
	if k.eval(`document.documentElement.scrollWidth <= Math.min(360, document.documentElement.getBoundingClientRect().width)`) != "true" {
		w := k.eval(`document.documentElement.scrollWidth + " of " + document.documentElement.getBoundingClientRect().width`)
		k.t.Errorf("%s scrolls sideways at 360 px: %s px wide (%s)", name, w, k.eval(widest360))
	}
	wantDir := map[string]string{"de": "ltr", "ar": "rtl"}[k.lang]
	if dir := k.eval(`getComputedStyle(document.querySelector("main")).direction`); dir != wantDir {
		k.t.Errorf("%s reads %s, want %s", name, dir, wantDir)
	}
	missed, _, err := checkKeyboard(k.ctx)
	if err != nil {
		k.t.Fatalf("%s: keyboard: %v", name, err)
	}
	if len(missed) > 0 {
		k.t.Errorf("%s: the Tab key never reaches %d controls: %v", name, len(missed), missed)
	}
	// checkKeyboard left the focus somewhere on the page: the person's
	// Tab goes round from there to where it is needed.
	if k.t.Failed() && !failedBefore {
		shots := filepath.Join(testenv.RepoRoot(k.t), "artifacts", "screenshots")
		if png, err := chromedp.Run(k.ctx, chromedp.FullScreenshot(100)); err == nil && os.MkdirAll(shots, 0o755) == nil {
			os.WriteFile(filepath.Join(shots, "termin-"+k.lang+"-"+what+".png"), png, 0o644)
		}
	}
}

// widest360 names visible elements that stick out of the page's width.
const widest360 = `[...document.querySelectorAll("body *")].filter(e => { const r = e.getBoundingClientRect(); return e.checkVisibility({visibilityProperty: true}) && (r.right > document.documentElement.getBoundingClientRect().width + 1 || r.left < -1) }).slice(0, 5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().left) + ".." + Math.round(e.getBoundingClientRect().right)).join("; ")`

// firstScreen: at 360 × 740 px the question of the service (else the
// calendar's heading) starts on the first screen; less the two banners
// only the embedded default shows, it is on it whole.
func (k *keyboardBooker) firstScreen() {
	k.t.Helper()
	pos := k.eval(`(() => {
		const e = ["#schritt-angebot", "#schritt-zeit", ".booking-calendar caption"].map(s => document.querySelector(s)).filter(e => e)[0];
		if (!e) return "none";
		const r = e.getBoundingClientRect(), banners = [...document.querySelectorAll(".dev-banner")].reduce((s, b) => s + b.getBoundingClientRect().height, 0);
		return Math.round(r.top + window.scrollY) + " " + Math.round(r.bottom + window.scrollY - banners) })()`)
	var top, bottom float64
	if _, err := fmt.Sscan(pos, &top, &bottom); err != nil {
		k.t.Fatalf("%s: no service question nor calendar heading: %q", k.lang, pos)
	}
	if top >= 740 || bottom > 740 {
		k.t.Errorf("%s at 360 px: the service question starts %.0f px down (ends %.0f px down without the demo banners), below the first screen", k.lang, top, bottom)
	}
}

// calendarDirection: the week starts on the side where reading starts,
// Monday at the left in German and at the right in Arabic.
func (k *keyboardBooker) calendarDirection() {
	k.t.Helper()
	side := k.eval(`(() => { const th = document.querySelectorAll(".booking-calendar thead th"); if (th.length < 7) return "no week";
		const a = th[0].getBoundingClientRect(), b = th[6].getBoundingClientRect(); return a.right <= b.left ? "left" : (a.left >= b.right ? "right" : "overlapping") })()`)
	if want := map[string]string{"de": "left", "ar": "right"}[k.lang]; side != want {
		k.t.Errorf("%s: Monday stands %s in the calendar, want %s", k.lang, side, want)
	}
}

// timesDirection: the day's free times run in the reading direction, the
// first at the left in German and at the right in Arabic.
func (k *keyboardBooker) timesDirection() {
	k.t.Helper()
	side := k.eval(`(() => { const b = document.querySelectorAll('#zeiten button[name="beginn"]'); if (b.length < 2) return "one";
		const a = b[0].getBoundingClientRect(), c = b[1].getBoundingClientRect(); if (Math.abs(a.top - c.top) > 2) return "one";
		return a.right <= c.left ? "left" : "right" })()`)
	if want := map[string]string{"de": "left", "ar": "right"}[k.lang]; side != "one" && side != want {
		k.t.Errorf("%s: the first free time stands %s of the second, want %s", k.lang, side, want)
	}
}
