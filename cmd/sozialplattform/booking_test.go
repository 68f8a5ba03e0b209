package main

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ical "github.com/arran4/golang-ical"
	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/store"
)

// The person's side of the online booking (issue 17, Fall 1), without
// JavaScript: calendar, time, details, check and consent, the pending
// booking's mail with its links and ICS, confirmation and cancellation by
// link (GET shows, POST changes), a time taken meanwhile, tampered and
// used and expired links, HTML typed into the name, Arabic.

// bookingFixture is a centre made for these tests through the store:
// bookable every day, and on day (three days ahead) from 09:00 to 12:00
// whatever the calendar says (an exception opens a public holiday too),
// one service of 60 minutes with one seat.
type bookingFixture struct {
	centre  *counselling.Centre
	service booking.Service
	day     booking.Day
	base    string // /de/beratung/{slug}/termin without the language
}

func newBookingFixture(t *testing.T, in *instance) bookingFixture {
	t.Helper()
	ctx := context.Background()
	now := in.DB.Now()
	org := counselling.DemoOrganisations[0].ID
	staff, err := in.DB.StaffOfOrg(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	var counsellor string
	if len(staff) > 0 {
		counsellor = staff[0].ID
	} else {
		st := &account.Staff{ID: uuid.NewString(), Email: "berater-" + uuid.NewString()[:8] + "@test.example", DisplayName: "Berater",
			Role: account.Counsellor, OrgID: org, CreatedAt: now}
		if err := in.DB.CreateStaff(ctx, st); err != nil {
			t.Fatal(err)
		}
		counsellor = st.ID
	}
	var week counselling.Week
	for d := range week {
		week[d] = []counselling.Interval{{From: 8 * 60, To: 18 * 60}}
	}
	id := uuid.NewString()
	c := &counselling.Centre{ID: id, OrgID: org, Slug: "testberatung-termine-" + id[:8], Name: "Testberatung <b>Termine</b>",
		Types: []string{counselling.TypeDebt}, Traeger: "Testträger Soziales e. V.", TraegerAddress: "Domkloster 4, 50667 Köln",
		Locations: []counselling.Location{{Street: "Domkloster 4", Postcode: "50667", City: "Köln", Lat: 50.94, Lon: 6.96}},
		Phone:     "0221 123456", Email: "beratung@test.example", Hours: week, Languages: []string{"de"},
		Accessibility: "Stufenloser Eingang, Rampe links", Transit: "Straßenbahn 5, Haltestelle Dom/Hbf", OwnBooking: true, UpdatedAt: now}
	if err := in.DB.SaveCentre(ctx, c, counselling.AuditEntry{At: now, ActorID: "test", OrgID: org, Entity: "centre", EntityID: id, Action: "create"}); err != nil {
		t.Fatal(err)
	}
	day := booking.DayOf(now).AddDays(3)
	if err := in.DB.SaveBookingSettings(ctx, booking.Settings{CentreID: id, Hours: week,
		Exceptions:         []counselling.Exception{{From: day.Midnight(), To: day.AddDays(8).Midnight(), Hours: []counselling.Interval{{From: 9 * 60, To: 12 * 60}}}},
		MaxPendingPerEmail: 2, MaxPendingPerClient: 100}); err != nil {
		t.Fatal(err)
	}
	svc := booking.Service{ID: uuid.NewString(), CentreID: id, Name: "Erstgespräch", Duration: 60, Seats: 1, HorizonDays: 60,
		Counsellors: []string{counsellor}, Active: true}
	if err := in.DB.SaveService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if err := in.refreshBookingReady(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := in.DB.FindCentre(ctx, id); err != nil || got.BookingCase() != counselling.BookOwn {
		t.Fatalf("the test centre does not take bookings: %v", err)
	}
	return bookingFixture{centre: c, service: svc, day: day, base: "/beratung/" + c.Slug + "/termin"}
}

// dayURL is the calendar page with the fixture's day chosen.
func (f bookingFixture) dayURL(lang string) string {
	return "/" + lang + f.base + "?" + url.Values{"angebot": {f.service.ID}, "tag": {f.day.String()}}.Encode()
}

var beginRe = regexp.MustCompile(`name="beginn" value="([^"]+)"`)

// times are the free times a calendar page offers (RFC 3339, UTC).
func (p page) times() []string {
	var out []string
	for _, m := range beginRe.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// chooseTime picks a time on the calendar page (its button) and returns
// the answer.
func chooseTime(t *testing.T, b *browser, f bookingFixture, lang, begin string) page {
	t.Helper()
	cal := b.get(f.dayURL(lang))
	return b.post("/"+lang+f.base, url.Values{"csrf_token": {cal.csrf(t)}, "angebot": {f.service.ID}, "beginn": {begin}})
}

// giveDetails fills step 3.
func giveDetails(t *testing.T, b *browser, f bookingFixture, lang string, form url.Values) page {
	t.Helper()
	p := b.get("/" + lang + f.base + "/angaben")
	if p.status != 200 {
		t.Fatalf("details: %d", p.status)
	}
	form.Set("csrf_token", p.csrf(t))
	return b.post("/"+lang+f.base+"/angaben", form)
}

// sendBooking agrees and presses "Termin vereinbaren".
func sendBooking(t *testing.T, b *browser, f bookingFixture, lang string) page {
	t.Helper()
	p := b.get("/" + lang + f.base + "/pruefen")
	if p.status != 200 {
		t.Fatalf("check: %d", p.status)
	}
	return b.post("/"+lang+f.base+"/pruefen", url.Values{"csrf_token": {p.csrf(t)}, "einwilligung": {"ja"}})
}

// bookByWeb runs the five steps for one person and returns the first free
// time it took.
func bookByWeb(t *testing.T, b *browser, f bookingFixture, lang, last, first, email string) string {
	t.Helper()
	times := b.get(f.dayURL(lang)).times()
	if len(times) == 0 {
		t.Fatal("no free time on the fixture's day")
	}
	if p := chooseTime(t, b, f, lang, times[0]); p.status != 303 {
		t.Fatalf("choose: %d", p.status)
	}
	if p := giveDetails(t, b, f, lang, url.Values{"nachname": {last}, "vorname": {first}, "email": {email}}); p.status != 303 {
		t.Fatalf("details: %d\n%s", p.status, errorSummary(p.body))
	}
	p := sendBooking(t, b, f, lang)
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), f.base+"/gesendet") {
		t.Fatalf("send: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	return times[0]
}

// bookingMail is one caught mail, its parts decoded.
type bookingMail struct {
	subject, text, html string
	atts                []mail.Attachment
}

// bookingMailsTo are the caught mails to an address, oldest first.
func bookingMailsTo(t *testing.T, in *instance, to string) []bookingMail {
	t.Helper()
	ctx := context.Background()
	if _, err := in.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	caught, err := in.DB.ListCaughtMail(ctx, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []bookingMail
	for i := len(caught) - 1; i >= 0; i-- {
		if !strings.Contains(caught[i].Recipients, to) {
			continue
		}
		full, err := in.DB.FindCaughtMail(ctx, caught[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := netmail.ReadMessage(strings.NewReader(full.Raw))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		m := bookingMail{subject: subject, atts: mail.ParseAttachments(full.Raw)}
		walkMailParts(t, msg.Header, msg.Body, &m)
		out = append(out, m)
	}
	return out
}

type mailHeader interface{ Get(string) string }

func walkMailParts(t *testing.T, h mailHeader, body io.Reader, m *bookingMail) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkMailParts(t, p.Header, p, m)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	switch mt {
	case "text/plain":
		if m.text == "" {
			m.text = string(b)
		}
	case "text/html":
		m.html = string(b)
	}
}

var (
	confirmLinkRe = regexp.MustCompile(`https?://[^\s"<]+/termin/bestaetigen/[A-Za-z0-9_-]{43}`)
	cancelLinkRe  = regexp.MustCompile(`https?://[^\s"<]+/termin/absagen/[A-Za-z0-9_-]{43}`)
)

// pathOf is a link's path.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || link == "" {
		t.Fatalf("link %q", link)
	}
	return u.Path
}

// calendarOf reads a mail's calendar file.
func calendarOf(t *testing.T, m bookingMail) (*ical.Calendar, string) {
	t.Helper()
	for _, a := range m.atts {
		if strings.HasPrefix(a.ContentType, "text/calendar") {
			cal, err := ical.ParseCalendar(strings.NewReader(string(a.Data)))
			if err != nil {
				t.Fatalf("ICS does not parse: %v\n%s", err, a.Data)
			}
			return cal, string(a.Data)
		}
	}
	t.Fatalf("mail %q has no calendar file", m.subject)
	return nil, ""
}

func eventProp(t *testing.T, cal *ical.Calendar, p ical.ComponentProperty) string {
	t.Helper()
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	if prop := evs[0].GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

func calendarMethod(cal *ical.Calendar) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			return p.Value
		}
	}
	return ""
}

func bookingState(t *testing.T, in *instance, id string) *booking.Booking {
	t.Helper()
	bk, err := in.DB.FindBooking(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return bk
}

// TestBookingFlowWithoutJavaScript: the five steps with links and
// buttons only; the mail's confirmation link shows a button and changes
// nothing, the button confirms once; the cancel link shows, its button
// cancels and the time is free again; every page with personal data is
// no-store, the links' pages send no referrer.
func TestBookingFlowWithoutJavaScript(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)

	// The centre's page leads here; step 1 and 2 on one page.
	if p := b.get("/de/beratung/" + f.centre.Slug); !strings.Contains(p.body, `href="/de`+f.base+`"`) {
		t.Fatalf("the centre's page has no booking link (%d)", p.status)
	}
	p := b.get("/de" + f.base)
	if p.status != 200 || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("calendar: %d %q", p.status, p.header.Get("Cache-Control"))
	}
	p.mustContain(t, "Termin buchen", "Testberatung &lt;b&gt;Termine&lt;/b&gt;", "Erstgespräch", "60 Min.",
		"Stufenloser Eingang, Rampe links", "Straßenbahn 5", "Ortszeit Deutschland", `<table class="kern-table booking-calendar">`,
		"<caption", "Sie möchten lieber anhand einer bestimmten Uhrzeit suchen?", `<select class="kern-form-input__select" id="uhrzeit" name="uhrzeit">`,
		"frei", "nicht buchbar", "Wählen Sie im Kalender einen freien Tag")
	if strings.Contains(p.body, "<b>Termine</b>") {
		t.Error("the centre's name is not escaped")
	}
	// The day of the fixture is a link in its month's calendar.
	month := url.Values{"angebot": {f.service.ID}, "monat": {f.day.Midnight().Format("2006-01")}}.Encode()
	p = b.get("/de" + f.base + "?" + month)
	dayLink := `href="/de` + f.base + `?angebot=` + f.service.ID + `&amp;monat=` + f.day.Midnight().Format("2006-01") + `&amp;tag=` + f.day.String() + `#zeiten"`
	p.mustContain(t, dayLink)
	// The chosen day lists its free times as buttons: 09:00, 10:00, 11:00.
	p = b.get(f.dayURL("de"))
	times := p.times()
	if len(times) != 3 {
		t.Fatalf("times on the day: %v", times)
	}
	p.mustContain(t, "Freie Zeiten am ", ">09:00 Uhr<", ">11:00 Uhr<", `aria-current="true"`)
	// The search by time: the days 10:00 is free.
	p = b.get("/de" + f.base + "?" + url.Values{"angebot": {f.service.ID}, "uhrzeit": {"10:00"}}.Encode())
	p.mustContain(t, "Tage mit freiem Termin um 10:00 Uhr")
	if n := len(p.times()); n < 9 {
		t.Errorf("days with 10:00 free: %d", n)
	}
	// Bad query values: a message each, the page still works.
	p = b.get("/de" + f.base + "?" + url.Values{"angebot": {"gibt-es-nicht"}, "monat": {"1999-01"}, "uhrzeit": {"03:17"}}.Encode())
	if p.status != 422 {
		t.Fatalf("bad values: %d", p.status)
	}
	p.mustContain(t, "Dieses Angebot gibt es nicht", "In diesem Monat können Sie nicht buchen", "Diese Uhrzeit wird nicht angeboten", `id="error-summary"`)

	// Step 2 → 3: choose 09:00.
	if p := chooseTime(t, b, f, "de", times[0]); p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), f.base+"/angaben") {
		t.Fatalf("choose: %d %s", p.status, p.header.Get("Location"))
	}
	// Step 3 with mistakes: beside the fields and in the summary, nothing lost.
	long := strings.Repeat("x", 150)
	p = giveDetails(t, b, f, "de", url.Values{"nachname": {long}, "vorname": {""}, "email": {"keine-adresse"}, "telefon": {"0221 12345"}})
	if p.status != 422 || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("bad details: %d", p.status)
	}
	p.mustContain(t, `id="error-summary"`, `href="#nachname"`, `id="nachname-error"`, "höchstens 100 Zeichen", `href="#vorname"`,
		`id="email-error"`, "name@beispiel.de", `value="`+long+`"`, `value="keine-adresse"`, `value="0221 12345"`, "Pseudonym")
	p = giveDetails(t, b, f, "de", url.Values{"nachname": {"Muster"}, "vorname": {"Erika"}, "email": {"erika@example.org"}, "telefon": {""}})
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), f.base+"/pruefen") {
		t.Fatalf("details: %d\n%s", p.status, errorSummary(p.body))
	}
	// Step 4: the summary, a link back to each step.
	p = b.get("/de" + f.base + "/pruefen")
	p.mustContain(t, "Muster", "Erika", "erika@example.org", "keine Angabe", "09:00 Uhr", "Ortszeit Deutschland",
		`href="/de`+f.base+`/angaben#nachname"`, `href="/de`+f.base+`/angaben#email"`, "#zeiten\">Ändern", "Testträger Soziales e. V.",
		`href="/de/nutzungsbedingungen"`, `href="/de/datenschutz"`, "Termin vereinbaren")
	if p.header.Get("Cache-Control") != "no-store" {
		t.Error("the check page can be cached")
	}
	// Going back keeps what was typed.
	b.get("/de"+f.base+"/angaben").mustContain(t, `value="Muster"`, `value="erika@example.org"`)
	// Step 5 without consent: a message beside the box.
	p = b.post("/de"+f.base+"/pruefen", url.Values{"csrf_token": {p.csrf(t)}})
	if p.status != 422 {
		t.Fatalf("no consent: %d", p.status)
	}
	p.mustContain(t, `id="einwilligung-error"`, `href="#einwilligung"`)
	if len(bookingMailsTo(t, in, "erika@example.org")) != 0 {
		t.Fatal("a mail went out without consent")
	}
	p = sendBooking(t, b, f, "de")
	if p.status != 303 {
		t.Fatalf("send: %d\n%s", p.status, errorSummary(p.body))
	}
	p = b.get(strings.TrimPrefix(p.header.Get("Location"), in.base))
	p.mustContain(t, "noch nicht gebucht", "erika@example.org", "bestätigen Sie den Termin bis spätestens")
	if p.header.Get("Cache-Control") != "no-store" {
		t.Error("the sent page can be cached")
	}
	// Sent: the session forgets the details (a shared computer).
	if p := chooseTime(t, b, f, "de", times[1]); !strings.HasSuffix(p.header.Get("Location"), f.base+"/angaben") {
		t.Errorf("after sending, a new time leads to %s", p.header.Get("Location"))
	}
	if strings.Contains(b.get("/de"+f.base+"/angaben").body, "erika@example.org") {
		t.Error("the session keeps the details after sending")
	}

	// The mail: both links, the time in German, the address, an ICS
	// invitation that is tentative.
	mails := bookingMailsTo(t, in, "erika@example.org")
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	m := mails[0]
	when := booking.DayOf(mustTime(t, times[0]))
	if !strings.Contains(m.subject, "Bitte bestätigen") || !strings.Contains(m.subject, when.Midnight().Format("2006")) {
		t.Errorf("subject %q", m.subject)
	}
	for _, s := range []string{"noch nicht gebucht", "09:00 Uhr", "Domkloster 4", "50667 Köln", "Ortszeit Deutschland", "Erika Muster"} {
		if !strings.Contains(m.text, s) || !strings.Contains(m.html, s) {
			t.Errorf("mail lacks %q", s)
		}
	}
	confirm, cancel := confirmLinkRe.FindString(m.text), cancelLinkRe.FindString(m.text)
	if confirm == "" || cancel == "" || !strings.Contains(m.html, `href="`+confirm+`"`) {
		t.Fatalf("links: %q %q", confirm, cancel)
	}
	cal, raw := calendarOf(t, m)
	if calendarMethod(cal) != "REQUEST" || eventProp(t, cal, ical.ComponentPropertyStatus) != "TENTATIVE" ||
		eventProp(t, cal, ical.ComponentPropertySequence) != "0" || !strings.Contains(raw, "\r\n") {
		t.Errorf("pending ICS:\n%s", raw)
	}
	uid := eventProp(t, cal, ical.ComponentPropertyUniqueId)
	id, host, _ := strings.Cut(uid, "@")
	if host != "127.0.0.1" {
		t.Errorf("UID %q", uid)
	}
	if bookingState(t, in, id).State != booking.Pending {
		t.Fatal("not pending")
	}
	// The time is held: gone from the day.
	if got := b.get(f.dayURL("de")).times(); len(got) != 2 {
		t.Errorf("times after booking: %v", got)
	}

	// The confirmation link: GET shows a button and changes nothing (a
	// mail scanner follows links), however often.
	other := newBrowser(t, in.base)
	cpath := pathOf(t, confirm)
	for range 2 {
		p = other.get(cpath)
		if p.status != 200 || p.header.Get("Cache-Control") != "no-store" || p.header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("confirm page: %d %q %q", p.status, p.header.Get("Cache-Control"), p.header.Get("Referrer-Policy"))
		}
	}
	p.mustContain(t, "Termin bestätigen</span></button>", "Erstgespräch", "09:00 Uhr", "Erika Muster")
	if bookingState(t, in, id).State != booking.Pending {
		t.Fatal("GET changed the booking")
	}
	token := p.csrf(t)
	p = other.post(cpath, url.Values{"csrf_token": {token}})
	if p.status != 303 {
		t.Fatalf("confirm: %d", p.status)
	}
	p = other.get(cpath)
	p.mustContain(t, "Ihr Termin ist bestätigt")
	if strings.Contains(p.body, "Termin bestätigen</span></button>") {
		t.Error("a used link still offers the button")
	}
	bk := bookingState(t, in, id)
	if bk.State != booking.Confirmed {
		t.Fatalf("state %s", bk.State)
	}
	mails = bookingMailsTo(t, in, "erika@example.org")
	if len(mails) != 2 || !strings.Contains(mails[1].subject, "Termin gebucht") {
		t.Fatalf("%d mails", len(mails))
	}
	cal, raw = calendarOf(t, mails[1])
	if calendarMethod(cal) != "REQUEST" || eventProp(t, cal, ical.ComponentPropertyStatus) != "CONFIRMED" ||
		eventProp(t, cal, ical.ComponentPropertyUniqueId) != uid || eventProp(t, cal, ical.ComponentPropertySequence) != "1" {
		t.Errorf("confirmed ICS:\n%s", raw)
	}
	// The used link again, and its button again: the state, no second mail.
	p = other.post(cpath, url.Values{"csrf_token": {token}})
	if p.status != 303 || len(bookingMailsTo(t, in, "erika@example.org")) != 2 {
		t.Fatalf("second confirm: %d", p.status)
	}

	// The cancel link: GET shows, POST cancels, the time is free again.
	kpath := pathOf(t, cancel)
	p = other.get(kpath)
	p.mustContain(t, "Termin absagen</span></button>")
	if p.header.Get("Referrer-Policy") != "no-referrer" || bookingState(t, in, id).State != booking.Confirmed {
		t.Fatal("the cancel page changed something or sends a referrer")
	}
	p = other.post(kpath, url.Values{"csrf_token": {p.csrf(t)}})
	if p.status != 303 {
		t.Fatalf("cancel: %d", p.status)
	}
	other.get(kpath).mustContain(t, "Dieser Termin ist abgesagt", "Neuen Termin buchen")
	if bookingState(t, in, id).State != booking.Cancelled {
		t.Fatal("not cancelled")
	}
	if got := b.get(f.dayURL("de")).times(); len(got) != 3 {
		t.Errorf("times after cancelling: %v", got)
	}
	mails = bookingMailsTo(t, in, "erika@example.org")
	if len(mails) != 3 || !strings.Contains(mails[2].subject, "abgesagt") {
		t.Fatalf("%d mails", len(mails))
	}
	cal, raw = calendarOf(t, mails[2])
	if calendarMethod(cal) != "CANCEL" || eventProp(t, cal, ical.ComponentPropertyStatus) != "CANCELLED" ||
		eventProp(t, cal, ical.ComponentPropertyUniqueId) != uid || eventProp(t, cal, ical.ComponentPropertySequence) != "2" {
		t.Errorf("cancel ICS:\n%s", raw)
	}
	// The confirmation link of a cancelled booking says so.
	other.get(cpath).mustContain(t, "Dieser Termin ist abgesagt")
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBookingSlotJustTaken: two people pick the same time; the second to
// send is sent back to the day with a clear message, the time is gone,
// and everything else typed is kept. Too many unconfirmed bookings of one
// address get a message too.
func TestBookingSlotJustTaken(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	a, b := newBrowser(t, in.base), newBrowser(t, in.base)
	first := b.get(f.dayURL("de")).times()[0]
	for _, x := range []struct {
		br    *browser
		email string
	}{{a, "anna@example.org"}, {b, "ben@example.org"}} {
		if p := chooseTime(t, x.br, f, "de", first); p.status != 303 {
			t.Fatalf("choose: %d", p.status)
		}
		if p := giveDetails(t, x.br, f, "de", url.Values{"nachname": {"N"}, "vorname": {"V"}, "email": {x.email}, "telefon": {"0221 98765"}}); p.status != 303 {
			t.Fatalf("details: %d", p.status)
		}
	}
	if p := sendBooking(t, a, f, "de"); p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/gesendet") {
		t.Fatalf("a: %d", p.status)
	}
	p := sendBooking(t, b, f, "de")
	loc := strings.TrimPrefix(p.header.Get("Location"), in.base)
	if p.status != 303 || !strings.Contains(loc, f.base+"?") || !strings.Contains(loc, "tag="+f.day.String()) {
		t.Fatalf("b: %d %s", p.status, loc)
	}
	p = b.get(loc)
	p.mustContain(t, "Diese Zeit wurde gerade vergeben", "Ihre Angaben bleiben erhalten")
	for _, x := range p.times() {
		if x == first {
			t.Error("the taken time is still offered")
		}
	}
	if len(bookingMailsTo(t, in, "ben@example.org")) != 0 {
		t.Error("a mail for a time not booked")
	}
	// Shown once.
	if strings.Contains(b.get(loc).body, "Diese Zeit wurde gerade vergeben") {
		t.Error("the message stays")
	}
	// Choosing the taken time again (an old page) says so at once.
	p = b.post("/de"+f.base, url.Values{"csrf_token": {p.csrf(t)}, "angebot": {f.service.ID}, "beginn": {first}})
	if p.status != 303 || !strings.Contains(b.get(strings.TrimPrefix(p.header.Get("Location"), in.base)).body, "Diese Zeit wurde gerade vergeben") {
		t.Fatalf("old time: %d", p.status)
	}
	// With the details kept, a new time leads straight to the check.
	next := b.get(f.dayURL("de")).times()[0]
	if p := chooseTime(t, b, f, "de", next); !strings.HasSuffix(p.header.Get("Location"), f.base+"/pruefen") {
		t.Fatalf("after a new time: %s", p.header.Get("Location"))
	}
	b.get("/de"+f.base+"/pruefen").mustContain(t, "ben@example.org", "0221 98765")
	b.get("/de"+f.base+"/angaben").mustContain(t, `value="ben@example.org"`, `value="0221 98765"`)

	// Two pending bookings of one address are the centre's limit here.
	ctx := context.Background()
	o, err := in.Booking.Offer(ctx, f.centre.ID)
	if err != nil {
		t.Fatal(err)
	}
	slots, err := in.Booking.DaySlots(ctx, o, f.service, f.day.AddDays(1))
	if err != nil || len(slots) < 2 {
		t.Fatalf("slots: %v %v", slots, err)
	}
	for _, s := range slots[:2] {
		if _, _, _, err := in.Booking.Book(ctx, o, booking.Request{CentreID: f.centre.ID, ServiceID: f.service.ID, Start: s.Start,
			LastName: "N", FirstName: "V", Email: "ben@example.org", Lang: "de", Client: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}
	p = sendBooking(t, b, f, "de")
	if p.status != 429 {
		t.Fatalf("too many: %d", p.status)
	}
	p.mustContain(t, "schon mehrere Termine angefragt", `id="error-summary"`, "checked")
}

// TestBookingLinksRefuseTampering: a link that is no token, or a token
// changed in one character, is a 404 page in the person's language that
// says the link is invalid or expired, for GET and POST.
func TestBookingLinksRefuseTampering(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)
	bookByWeb(t, b, f, "de", "Test", "Tom", "tom@example.org")
	m := bookingMailsTo(t, in, "tom@example.org")[0]
	confirm := pathOf(t, confirmLinkRe.FindString(m.text))
	cancel := pathOf(t, cancelLinkRe.FindString(m.text))
	flip := func(p string) string {
		c := "A"
		if strings.HasSuffix(p, "A") {
			c = "B"
		}
		return p[:len(p)-1] + c
	}
	token := confirm[strings.LastIndex(confirm, "/")+1:]
	for _, c := range []struct{ path, want string }{
		{"/de/termin/bestaetigen/abc", "Link ungültig oder abgelaufen"},
		{flip(confirm), "Link ungültig oder abgelaufen"},
		{flip(cancel), "Link ungültig oder abgelaufen"},
		{"/de/termin/absagen/" + token, "Link ungültig oder abgelaufen"}, // a confirmation token is no cancel token
		{"/de/termin/bestaetigen/" + strings.Repeat("%3Cscript%3E", 4), "Link ungültig oder abgelaufen"},
		{"/ar/termin/absagen/" + strings.Repeat("x", 43), `dir="rtl"`},
		{"/en/termin/bestaetigen/" + strings.Repeat("x", 43), "Link invalid or expired"},
	} {
		p := b.get(c.path)
		if p.status != 404 || !strings.Contains(p.body, c.want) {
			t.Errorf("%s: %d", c.path, p.status)
		}
	}
	tok := b.get(confirm).csrf(t)
	if p := b.post(flip(confirm), url.Values{"csrf_token": {tok}}); p.status != 404 {
		t.Errorf("POST to a tampered link: %d", p.status)
	}
	if p := b.post(flip(cancel), url.Values{"csrf_token": {tok}}); p.status != 404 {
		t.Errorf("POST to a tampered cancel link: %d", p.status)
	}
	// The untouched links still work.
	if p := b.get(confirm); p.status != 200 || !strings.Contains(p.body, "Termin bestätigen</span></button>") {
		t.Errorf("the real link: %d", p.status)
	}
}

// TestBookingExpiredHold: a confirmation link whose hold ran out (24
// hours) says so, offers to book again and confirms nothing. There is no
// settable clock in the running instance, so the booking's ExpiresAt (and
// its seat's hold) is moved into the past in the database.
func TestBookingExpiredHold(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)
	bookByWeb(t, b, f, "de", "Spät", "Sam", "sam@example.org")
	m := bookingMailsTo(t, in, "sam@example.org")[0]
	confirm := pathOf(t, confirmLinkRe.FindString(m.text))
	cal, _ := calendarOf(t, m)
	id, _, _ := strings.Cut(eventProp(t, cal, ical.ComponentPropertyUniqueId), "@")
	past := store.Millis(time.Now().Add(-time.Minute))
	ctx := context.Background()
	token := b.get(confirm).csrf(t) // the page as opened before the hold ran out
	if _, err := in.DB.DB.ExecContext(ctx, `UPDATE bookings SET expires_at = ? WHERE id = ?`, past, id); err != nil {
		t.Fatal(err)
	}
	if _, err := in.DB.DB.ExecContext(ctx, `UPDATE booking_seats SET held_until = ? WHERE booking_id = ?`, past, id); err != nil {
		t.Fatal(err)
	}
	p := b.get(confirm)
	p.mustContain(t, "Dieser Link ist abgelaufen", "Neuen Termin buchen", `href="/de`+f.base+`?angebot=`+f.service.ID+`"`)
	if strings.Contains(p.body, "Termin bestätigen</span></button>") {
		t.Error("an expired link offers the button")
	}
	// The button of a page opened before: refused, the state says why.
	p = b.post(confirm, url.Values{"csrf_token": {token}})
	if p.status != 410 || !strings.Contains(p.body, "Dieser Link ist abgelaufen") {
		t.Fatalf("confirm after expiry: %d", p.status)
	}
	if st := bookingState(t, in, id).State; st != booking.Expired {
		t.Fatalf("state %s", st)
	}
	if len(bookingMailsTo(t, in, "sam@example.org")) != 1 {
		t.Error("a mail for an expired booking")
	}
	// The time is free again.
	if got := b.get(f.dayURL("de")).times(); len(got) != 3 {
		t.Errorf("times: %v", got)
	}
}

// TestBookingHTMLInNameIsText: what a person types is text in the pages,
// the mail and the calendar file.
func TestBookingHTMLInNameIsText(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)
	evil := `<script>alert(1)</script>`
	times := b.get(f.dayURL("de")).times()
	chooseTime(t, b, f, "de", times[0])
	if p := giveDetails(t, b, f, "de", url.Values{"nachname": {evil}, "vorname": {`Eva & "Ö"; x,y`}, "email": {"eva@example.org"}}); p.status != 303 {
		t.Fatalf("details: %d\n%s", p.status, errorSummary(p.body))
	}
	p := b.get("/de" + f.base + "/pruefen")
	if strings.Contains(p.body, evil) || !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the check page does not escape the name")
	}
	if p := sendBooking(t, b, f, "de"); p.status != 303 {
		t.Fatalf("send: %d", p.status)
	}
	m := bookingMailsTo(t, in, "eva@example.org")[0]
	if strings.Contains(m.html, evil) || !strings.Contains(m.html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML mail does not escape the name:\n%s", m.html)
	}
	if !strings.Contains(m.text, `Eva & "Ö"; x,y `+evil) {
		t.Errorf("the text mail changes the name:\n%s", m.text)
	}
	cal, raw := calendarOf(t, m)
	if !strings.Contains(eventProp(t, cal, ical.ComponentPropertyDescription), `Eva & "Ö"; x,y `+evil) {
		t.Errorf("ICS description:\n%s", raw)
	}
	if !strings.Contains(strings.ReplaceAll(raw, "\r\n ", ""), `Eva & "Ö"\; x\,y <script>`) {
		t.Errorf("ICS text not escaped:\n%s", raw)
	}
	confirm := pathOf(t, confirmLinkRe.FindString(m.text))
	p = b.get(confirm)
	if strings.Contains(p.body, evil) || !strings.Contains(p.body, "&lt;script&gt;") {
		t.Error("the confirmation page does not escape the name")
	}
}

// TestBookingInArabic: right to left, dates and times in Arabic, the mail
// in Arabic too.
func TestBookingInArabic(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)
	months := []string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"}
	month := months[f.day.Month-1]
	p := b.get(f.dayURL("ar"))
	if p.status != 200 {
		t.Fatalf("ar calendar: %d", p.status)
	}
	p.mustContain(t, `<html lang="ar" dir="rtl"`, "حجز موعد", "بالتوقيت المحلي في ألمانيا", "الأوقات المتاحة يوم", month+" "+f.day.Midnight().Format("2006"),
		">09:00<", "هل تفضّل البحث حسب وقت معيّن؟", "<span aria-hidden=\"true\">إثنين</span>")
	if strings.Contains(p.body, "Uhr") || strings.Contains(p.body, "Dezember") || strings.Contains(p.body, "Ortszeit") {
		t.Error("German on the Arabic page")
	}
	bookByWeb(t, b, f, "ar", "حداد", "لينا", "lina@example.org")
	b.get("/ar"+f.base+"/gesendet").mustContain(t, "لم يُحجز موعدك بعد")
	m := bookingMailsTo(t, in, "lina@example.org")[0]
	if !strings.Contains(m.subject, month) || !strings.Contains(m.html, `dir="rtl"`) || !strings.Contains(m.text, "الساعة 09:00") ||
		!strings.Contains(m.text, "لينا حداد") || !strings.Contains(m.text, "/ar/termin/bestaetigen/") {
		t.Errorf("Arabic mail %q:\n%s", m.subject, m.text)
	}
	b.get(pathOf(t, confirmLinkRe.FindString(m.text))).mustContain(t, `dir="rtl"`, "تأكيد الموعد", month, "الساعة 09:00")
}

// TestBookingPagesAreNoStore holds the route table: every booking page is
// no-store.
func TestBookingPagesAreNoStore(t *testing.T) {
	in := start(t, testConfig(t))
	n := 0
	for pattern, noStore := range in.Web.Site.NoStoreRoutes() {
		if strings.Contains(pattern, "/termin/") || strings.HasSuffix(pattern, "/termin") {
			n++
			if !noStore {
				t.Errorf("%s can be cached", pattern)
			}
		}
	}
	if n != 11*8 {
		t.Errorf("%d booking routes", n)
	}
}
