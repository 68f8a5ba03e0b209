package main

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// What an outside tester found walking the application for "Hilfe zum
// Lebensunterhalt" at 360 px (issue 14, walk), each checked as found.

const arabicPostcodeError = "يتكوّن الرمز البريدي من 5 أرقام بالضبط"

// TestWalkArabicDigitsInPlaces: a postcode typed on an Arabic (or
// Persian) keyboard is a postcode in the office finder, the counselling
// finder and the places API, as it is in the form engine.
func TestWalkArabicDigitsInPlaces(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	for _, q := range []string{"٥٣٨٤٠", "۵۳۸۴۰", "٥٣٨٤٠ Troisdorf"} {
		p := b.get("/ar/leistungen/hilfe-zum-lebensunterhalt?ort=" + url.QueryEscape(q))
		if p.status != 200 || strings.Contains(p.body, arabicPostcodeError) {
			t.Errorf("office finder with %q: %d, postcode refused: %v", q, p.status, strings.Contains(p.body, arabicPostcodeError))
		}
		p.mustContain(t, "Troisdorf", "Sozialamt Rhein-Sieg-Kreis", "ars=053820068068")
	}
	p := b.get("/ar/beratung?q=Schulden&ort=" + url.QueryEscape("٥٠٦٦٧") + "&radius=25")
	if p.status != 200 || strings.Contains(p.body, arabicPostcodeError) {
		t.Errorf("counselling finder: %d", p.status)
	}
	p.mustContain(t, "Schuldnerberatung Köln")
	p = b.get("/api/v1/places?q=" + url.QueryEscape("٥٣٨٤٠"))
	if p.status != 200 || !strings.Contains(p.body, `"53840"`) || !strings.Contains(p.body, "Troisdorf") {
		t.Errorf("places API: %d %s", p.status, p.body)
	}
}

var (
	telLink   = regexp.MustCompile(`href="tel:[^"]*">([^<]*<bdi dir="ltr">)?`)
	bareTime  = regexp.MustCompile(`>\d\d\.\d\d\.\d{4} \d\d:\d\d<`)
	ltrTime   = regexp.MustCompile(`<bdi dir="ltr">\d\d\.\d\d\.\d{4} \d\d:\d\d</bdi>`)
	isolated  = regexp.MustCompile("\u2066\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d\u2069")
	ltrOffice = []string{`<dd><bdi dir="ltr">`, `<h4 class="kern-heading-small"><bdi>`}
)

// phonesLeftToRight reports the office phone links of a page whose number
// is not kept left to right.
func phonesLeftToRight(t *testing.T, where string, body string) {
	t.Helper()
	ms := telLink.FindAllStringSubmatch(body, -1)
	if len(ms) == 0 {
		t.Errorf("%s: no phone number", where)
	}
	for _, m := range ms {
		if m[1] == "" {
			t.Errorf("%s: a phone number without dir=ltr: %s", where, m[0])
		}
	}
}

// TestWalkNumbersStayLeftToRight: in Arabic, an office's phone number,
// its address and opening hours, and the time an application was sent
// keep their order ("0000 00000-0" was shown "00000-0 0000", "07.12.2026
// 22:23" as "22:23 07.12.2026").
func TestWalkNumbersStayLeftToRight(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	svc := b.get("/ar/leistungen/hilfe-zum-lebensunterhalt?ort=53840")
	phonesLeftToRight(t, "benefit page", svc.body)
	svc.mustContain(t, ltrOffice...)
	start := b.get("/ar/antrag/hilfe-zum-lebensunterhalt?ars=053820068068&ort=53840")
	if start.status != 200 {
		t.Fatalf("application start: %d", start.status)
	}
	phonesLeftToRight(t, "application start", start.body)
	start.mustContain(t, ltrOffice...)

	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "absenden")
	send := b.get("/ar/antrag/" + hzl + "/absenden")
	phonesLeftToRight(t, "send page", send.body)
	p := b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "/eingang/") {
		t.Fatalf("send: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	receipt := b.get("/ar/" + strings.TrimPrefix(p.header.Get("Location"), "/de/"))
	if receipt.status != 200 {
		t.Fatalf("receipt: %d", receipt.status)
	}
	if !ltrTime.MatchString(receipt.body) {
		t.Error("the time sent is not kept left to right")
	}
	for _, m := range bareTime.FindAllStringIndex(receipt.body, -1) {
		if !strings.HasSuffix(receipt.body[:m[0]+1], `<bdi dir="ltr">`) {
			t.Errorf("a time not kept left to right: %s", receipt.body[max(0, m[0]-80):m[1]])
		}
	}
	// In a sentence (the download deadline), where markup cannot go, the
	// time sits between directional isolates.
	if !isolated.MatchString(receipt.body) {
		t.Error("the download deadline is not isolated left to right")
	}
}

// scrolled waits until the page stops scrolling (KERN scrolls smoothly).
func scrolled(t *testing.T, ctx context.Context) {
	t.Helper()
	last := "-"
	for range 50 {
		if err := chromedp.Do(ctx, chromedp.Sleep(150*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		y := evalString(t, ctx, `String(scrollY)`)
		if y == last {
			return
		}
		last = y
	}
}

// summaryJumps follows every link of the error summary (or, with sel, the
// links sel selects) and reports those after which the field's label, or
// the legend of its group, is not in view.
func summaryJumps(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	n, err := strconv.Atoi(evalString(t, ctx, `String(document.querySelectorAll(`+"`"+sel+"`"+`).length)`))
	if err != nil || n == 0 {
		t.Fatalf("no links %s (%v)", sel, err)
	}
	var bad []string
	for i := range n {
		evalString(t, ctx, `(scrollTo({top: 0, behavior: "instant"}), "")`)
		target := evalString(t, ctx, fmt.Sprintf(`(() => { const a = document.querySelectorAll(`+"`"+sel+"`"+`)[%d]; a.click(); return a.hash })()`, i))
		scrolled(t, ctx)
		got := evalString(t, ctx, `(() => {
			const f = document.querySelector(location.hash);
			if (!f) return "no field " + location.hash;
			const fs = f.closest("fieldset");
			const label = (f.type === "radio" || f.type === "checkbox" || f.tagName === "FIELDSET") && fs ? fs.querySelector("legend") : document.querySelector('label[for="' + f.id + '"]');
			if (!label) return "no label for " + f.id;
			const l = label.getBoundingClientRect(), r = f.getBoundingClientRect();
			if (r.top < 0 || r.bottom > innerHeight) return "the field is out of view at " + Math.round(r.top);
			return l.top >= 0 ? "" : "the label is cut off at " + Math.round(l.top);
		})()`)
		if got != "" {
			bad = append(bad, target+": "+got)
		}
	}
	return bad
}

// TestWalkAJumpToAFieldShowsItsLabel: after a link of the error summary
// (and an "Ändern" of the check page) the field's label, or the legend
// of its radio group, is in view at 360 × 740 px, not above the screen.
func TestWalkAJumpToAFieldShowsItsLabel(t *testing.T) {
	ctx, in, b, token := assistantTab(t, false, "situation")
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/situation")
	pressKey(t, ctx, `button[name="aktion"][value="weiter"]`)
	if bad := summaryJumps(t, ctx, `#error-summary a[href^="#"]`); len(bad) > 0 {
		t.Errorf("after a link of the error summary:\n%s", strings.Join(bad, "\n"))
	}
	walkTo(t, b, token, "absenden")
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/pruefen")
	// The first answers of the first chapter: text fields, a date, radio
	// groups.
	for _, href := range []string{"#f-person-nachname", "#f-person-geburtsdatum", "#f-person-geschlecht", "#f-person-familienstand"} {
		sel := `.form-summary-change a[href$="` + href + `"]`
		markDocument(t, ctx)
		evalString(t, ctx, `(document.querySelector(`+"`"+sel+"`"+`).click(), "")`)
		waitNewDocument(t, ctx)
		scrolled(t, ctx)
		got := evalString(t, ctx, `(() => {
			const f = document.querySelector(location.hash);
			if (!f) return "no field " + location.hash;
			const fs = f.closest("fieldset");
			const label = (f.type === "radio" || f.type === "checkbox" || f.tagName === "FIELDSET") && fs ? fs.querySelector("legend") : document.querySelector('label[for="' + f.id + '"]');
			if (!label) return "no label for " + f.id;
			const l = label.getBoundingClientRect();
			return l.top >= 0 ? "" : "the label is cut off at " + Math.round(l.top);
		})()`)
		if got != "" {
			t.Errorf("after Ändern %s: %s", href, got)
		}
		openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/pruefen")
	}
}

// TestWalkTheAddedEntryShowsItsFocus: the first field of an entry just
// added takes the focus (autofocus) and shows it: a ring apart from the
// control (KERN only swapped a radio button's 2 px border for a 4 px
// outline of nearly the same grey), the control keeping its border.
func TestWalkTheAddedEntryShowsItsFocus(t *testing.T) {
	ctx, in, _, _ := assistantTab(t, false, "einkommen")
	// The page has the window's focus, as on a phone; a headless tab
	// without it matches no :focus.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	openPage(t, ctx, in.base+"/de/antrag/"+hzl+"/einkommen")
	answerChapter(t, ctx, false, "hat_einkommen", "ja")
	pressKey(t, ctx, `button[value="aktualisieren"]`)
	pressKey(t, ctx, `button[value="hinzufuegen:einkommen"]`)
	got := settled(t, ctx, `(() => {
		const f = document.querySelector("[autofocus]");
		if (!f) return "no field has autofocus";
		if (document.activeElement !== f) f.focus();
		const s = getComputedStyle(f);
		if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) return "no focus ring: " + s.outlineStyle + " " + s.outlineWidth;
		if (parseFloat(s.outlineOffset) < 2) return "the ring sits on the control (offset " + s.outlineOffset + ")";
		if (parseFloat(s.borderTopWidth) < 2) return "the control lost its border (" + s.borderTopWidth + ")";
		return "";
	})()`)
	if got != "" {
		t.Errorf("the added entry's first field: %s", got)
	}
}

// TestWalkSignInFromTheApplicationStartReturnsToIt: "Mit Nutzerkonto
// anmelden" on the application's start page leads back into the
// application after sign-in, with its office, not to the personal area.
func TestWalkSignInFromTheApplicationStartReturnsToIt(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.get("/de/antrag/hilfe-zum-lebensunterhalt?ars=053820068068&ort=53840")
	if p.status != 200 {
		t.Fatalf("start: %d", p.status)
	}
	link := html.UnescapeString(regexpFind(t, p.body, `href="(/de/anmelden[^"]*)">Mit Nutzerkonto anmelden`))
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	want := "/de/antrag/" + hzl + "?ars=053820068068"
	if got := u.Query().Get("weiter"); got != want {
		t.Fatalf("sign-in link %s: weiter=%q, want %q", link, got, want)
	}
	// The sign-in page keeps it, the office's place included.
	p = b.get(link)
	p.mustContain(t, `name="weiter" value="`+html.EscapeString(want)+`"`)
	form := hiddenFields(p.body)
	form.Set("niveau", "niedrig")
	p = b.post("/de/anmelden", form)
	action := regexpFind(t, p.body, `<form method="post" action="([^"]+)" data-autosubmit`)
	p = b.post(strings.TrimPrefix(html.UnescapeString(action), b.base), hiddenFields(p.body))
	form = hiddenFields(p.body)
	form.Set("person", "max")
	p = b.post("/testidp/login", form)
	p = b.post("/saml/acs", hiddenFields(p.body))
	if p.status != 303 || p.header.Get("Location") != want {
		t.Fatalf("after sign-in: %d %s, want %s", p.status, p.header.Get("Location"), want)
	}
}

// TestWalkTheServingLineNamesTheAddressToOpen: the log line names the
// address the built-in test IdP's sign-in form posts to; with
// --addr localhost:8080 it named http://127.0.0.1:8080, where the page's
// CSP (form-action) blocks that form and sign-in silently did nothing.
func TestWalkTheServingLineNamesTheAddressToOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := testConfig(t)
	cfg.Addr = "localhost:" + strconv.Itoa(port)
	in := start(t, cfg)
	want := "http://localhost:" + strconv.Itoa(port)
	deadline := time.Now().Add(5 * time.Second)
	line := ""
	for line == "" && time.Now().Before(deadline) {
		for _, l := range strings.Split(in.logs.String(), "\n") {
			if strings.Contains(l, `"msg":"serving"`) {
				line = l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(line, `"url":"`+want+`"`) {
		t.Fatalf("serving line %s, want url %s", line, want)
	}
	// The test IdP's sign-in form posts there.
	b := newBrowser(t, in.base)
	p := b.get("/de/anmelden")
	form := hiddenFields(p.body)
	form.Set("niveau", "niedrig")
	p = b.post("/de/anmelden", form)
	action := html.UnescapeString(regexpFind(t, p.body, `<form method="post" action="([^"]+)" data-autosubmit`))
	if !strings.HasPrefix(action, want+"/") {
		t.Errorf("the sign-in form posts to %s, the log names %s", action, want)
	}
}

// TestWalkTheCheckPageLeadsOnFirst: "Weiter zum Absenden" stands above the
// answers of the check page too, not only after some 125 "Ändern" links.
func TestWalkTheCheckPageLeadsOnFirst(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	token := b.open("/de/antrag/" + hzl).csrf(t)
	walkTo(t, b, token, "absenden")
	for _, lang := range []string{"de", "ar"} {
		p := b.get("/" + lang + "/antrag/" + hzl + "/pruefen")
		if p.status != 200 {
			t.Fatalf("check page %s: %d", lang, p.status)
		}
		send := strings.Index(p.body, `href="/`+lang+`/antrag/`+hzl+`/absenden"`)
		change := strings.Index(p.body, `class="form-summary-change"`)
		if send < 0 || change < 0 || send > change {
			t.Errorf("%s: the way to sending at %d, the first Ändern at %d", lang, send, change)
		}
	}
}
