package main

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// The centres' booking pages (issue 17, "For the centre"): services and
// hours set up through the pages until the Konfig-Check says ready; a
// counsellor reads but changes nothing; nobody of organisation A sees or
// changes anything of centre B; a cancellation with a reason mails the
// person.

// bookingAddr is a centre's booking page below /de.
func bookingAddr(c *counselling.Centre, rest string) string {
	return "/de/intern/beratungsstellen/" + c.ID + "/termine" + rest
}

// allWeekHours are own bookable hours on every day, so that the test
// finds free slots whatever day it runs.
func allWeekHours(token string) url.Values {
	f := url.Values{"csrf_token": {token}, "oeffnungszeiten": {"nein"}, "ausnahmen": {""}, "erinnerung": {"24"},
		"max_email": {"3"}, "max_client": {"5"}}
	for d := range 7 {
		f.Set("zeit_"+strconv.Itoa(d), "08:00–12:00, 13:00–18:00")
	}
	return f
}

func serviceValues(token string, kv ...string) url.Values {
	f := url.Values{"csrf_token": {token}, "name": {"Erstgespräch"}, "dauer": {"45"}, "puffer": {"15"}, "plaetze": {"1"},
		"vorlauf": {"24"}, "zeitraum": {"60"}, "ort": {"0"}, "aktiv": {"ja"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func plain(p page) string { return html.UnescapeString(p.body) }

// TestBookingStaffSetUpUntilReady: an organisation administrator switches
// the centre's own booking on, enters hours and a service through the
// pages (bad values get a message beside their field and stay as typed),
// and the Konfig-Check goes from its problems, each with a link to fix
// it, to "Alles bereit".
func TestBookingStaffSetUpUntilReady(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	ctx := context.Background()
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	createStaff(t, in, "beraterin-a@example.org", account.Counsellor)
	if _, err := in.DB.ExecContext(ctx, in.DB.Rebind(`UPDATE staff_users SET org_id = ? WHERE email = ?`), "org-a", "beraterin-a@example.org"); err != nil {
		t.Fatal(err)
	}
	counsellor := mustStaff(t, in, "beraterin-a@example.org")

	home := admin.get("/de/intern/")
	home.mustContain(t, `href="/de/intern/termine"`)
	list := admin.get("/de/intern/termine")
	list.mustContain(t, bookingAddr(a, ""), a.Name)

	over := admin.get(bookingAddr(a, ""))
	if over.status != 200 || over.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("overview: %d %q", over.status, over.header.Get("Cache-Control"))
	}
	for _, want := range []string{"nicht eingeschaltet", "Es gibt keine buchbaren Zeiten", "Es gibt kein buchbares Angebot",
		`href="/de/intern/beratungsstellen/` + a.ID + `/termine/zeiten"`, `href="/de/intern/beratungsstellen/` + a.ID + `/termine/angebote"`} {
		if !strings.Contains(plain(over), want) {
			t.Errorf("overview before set-up lacks %q", want)
		}
	}
	if strings.Contains(over.body, "Alles bereit") {
		t.Fatal("ready before anything is set up")
	}

	// The centre's own booking, in the centre editor.
	form := admin.get("/de/intern/beratungsstellen/" + a.ID)
	if p := admin.post("/de/intern/beratungsstellen/"+a.ID, centreForm(t, form, "eigene_termine", "ja")); p.status != 303 {
		t.Fatalf("switch on own booking: %d\n%s", p.status, errorSummary(p.body))
	}

	// Hours: mistakes beside their fields, everything typed kept.
	hours := admin.get(bookingAddr(a, "/zeiten"))
	hours.mustContain(t, "Buchbar zu den Öffnungszeiten", "Feiertage", "Nordrhein-Westfalen")
	bad := allWeekHours(hours.csrf(t))
	bad.Set("zeit_0", "12:00–08:00")
	bad.Set("zeit_1", "morgens")
	bad.Set("ausnahmen", "31.02.2027: geschlossen")
	bad.Set("erinnerung", "0")
	bad.Set("max_email", "viele")
	p := admin.post(bookingAddr(a, "/zeiten"), bad)
	if p.status != 422 {
		t.Fatalf("bad hours: %d", p.status)
	}
	for _, want := range []string{"Eine Zeit endet, bevor sie beginnt", "Schreiben Sie die Zeiten wie", "Zeile 1: Dieses Datum gibt es nicht",
		"Erinnerung als ganze Zahl von 1 bis 336", "ganze Zahl von 1 bis 20", `value="morgens"`, "31.02.2027: geschlossen", `href="#zeit_0"`, `value="viele"`} {
		if !strings.Contains(plain(p), want) {
			t.Errorf("bad hours: no %q", want)
		}
	}
	if set, _ := in.DB.BookingSettings(ctx, a.ID); set.ReminderLead != 0 {
		t.Fatal("bad hours were saved")
	}
	good := allWeekHours(hours.csrf(t))
	good.Set("ausnahmen", "24.12.2030: geschlossen (Betriebsferien)")
	good.Set("erinnerung", "48")
	if p := admin.post(bookingAddr(a, "/zeiten"), good); p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/termine/zeiten?ok=saved") {
		t.Fatalf("hours: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	set, err := in.DB.BookingSettings(ctx, a.ID)
	if err != nil || set.UseOpeningHours || len(set.Hours[6]) != 2 || set.ReminderLead != 48*time.Hour || len(set.Exceptions) != 1 || set.MaxPendingPerEmail != 3 {
		t.Fatalf("settings: %+v %v", set, err)
	}
	if again := admin.get(bookingAddr(a, "/zeiten?ok=saved")); !strings.Contains(plain(again), "08:00–12:00, 13:00–18:00") || !strings.Contains(again.body, "24.12.2030: geschlossen (Betriebsferien)") {
		t.Error("the saved hours are not shown as saved")
	}
	over = admin.get(bookingAddr(a, ""))
	if strings.Contains(plain(over), "keine buchbaren Zeiten") || !strings.Contains(plain(over), "kein buchbares Angebot") {
		t.Fatal("check after the hours")
	}

	// A service: the limits, each beside its field.
	neu := admin.get(bookingAddr(a, "/angebote/neu"))
	if neu.status != 200 {
		t.Fatalf("new service form: %d", neu.status)
	}
	neu.mustContain(t, `name="berater"`, "Anna Admin", `name="ort"`, "Domstraße 1")
	p = admin.post(bookingAddr(a, "/angebote/neu"), serviceValues(neu.csrf(t), "name", "  ", "dauer", "3", "puffer", "-1", "plaetze", "51",
		"vorlauf", "soon", "zeitraum", "366", "ort", "7"))
	if p.status != 422 {
		t.Fatalf("bad service: %d", p.status)
	}
	for _, want := range []string{"Geben Sie den Namen des Angebots ein", "von 5 bis 480 Minuten", "von 0 bis 480 Minuten", "von 1 bis 50",
		"Mindestvorlauf als ganze Zahl von 0 bis 720", "von 1 bis 365 Tagen", "Wählen Sie einen Ort", `value="366"`, `value="soon"`} {
		if !strings.Contains(plain(p), want) {
			t.Errorf("bad service: no %q", want)
		}
	}
	p = admin.post(bookingAddr(a, "/angebote/neu"), serviceValues(neu.csrf(t), "vorlauf", "48", "zeitraum", "2"))
	if p.status != 422 || !strings.Contains(p.body, "keinen buchbaren Termin") {
		t.Fatalf("notice beyond the horizon: %d", p.status)
	}
	if svcs, _ := in.DB.Services(ctx, a.ID); len(svcs) != 0 {
		t.Fatal("a bad service was saved")
	}
	// Markup in the name stays text; without a counsellor.
	p = admin.post(bookingAddr(a, "/angebote/neu"), serviceValues(neu.csrf(t), "name", "Erstgespräch <b>Schulden</b>"))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/termine/angebote?ok=saved") {
		t.Fatalf("service: %d\n%s", p.status, errorSummary(p.body))
	}
	svcs, err := in.DB.Services(ctx, a.ID)
	if err != nil || len(svcs) != 1 || svcs[0].Duration != 45 || svcs[0].Buffer != 15 || svcs[0].MinNotice != 24*time.Hour || svcs[0].HorizonDays != 60 || !svcs[0].Active {
		t.Fatalf("services: %+v %v", svcs, err)
	}
	svc := svcs[0]
	listed := admin.get(bookingAddr(a, "/angebote?ok=saved"))
	listed.mustContain(t, "Das Angebot ist gespeichert", "Erstgespräch &lt;b&gt;Schulden&lt;/b&gt;", "niemand")
	over = admin.get(bookingAddr(a, ""))
	if !strings.Contains(plain(over), "Das Angebot „Erstgespräch <b>Schulden</b>“ bietet niemand aus dem Team an.") ||
		!strings.Contains(over.body, bookingAddr(a, "/angebote/"+svc.ID)) || strings.Contains(over.body, "<b>Schulden</b>") {
		t.Fatalf("check with a service nobody offers:\n%s", over.body)
	}

	// A tampered counsellor (someone of organisation B) is refused.
	createStaff(t, in, "berater-b@example.org", account.Counsellor)
	if _, err := in.DB.ExecContext(ctx, in.DB.Rebind(`UPDATE staff_users SET org_id = ? WHERE email = ?`), "org-b", "berater-b@example.org"); err != nil {
		t.Fatal(err)
	}
	foreign := mustStaff(t, in, "berater-b@example.org")
	edit := admin.get(bookingAddr(a, "/angebote/"+svc.ID))
	if edit.status != 200 || strings.Contains(edit.body, foreign.ID) {
		t.Fatalf("service form: %d (lists B's staff: %v)", edit.status, strings.Contains(edit.body, foreign.ID))
	}
	f := serviceValues(edit.csrf(t))
	f["berater"] = []string{foreign.ID}
	if p := admin.post(bookingAddr(a, "/angebote/"+svc.ID), f); p.status != 422 || !strings.Contains(p.body, "nur Personen aus Ihrem Team") {
		t.Fatalf("foreign counsellor: %d", p.status)
	}
	f["berater"] = []string{counsellor.ID}
	if p := admin.post(bookingAddr(a, "/angebote/"+svc.ID), f); p.status != 303 {
		t.Fatalf("offer by the counsellor: %d\n%s", p.status, errorSummary(p.body))
	}
	if svcs, _ := in.DB.Services(ctx, a.ID); len(svcs) != 1 || len(svcs[0].Counsellors) != 1 || svcs[0].Counsellors[0] != counsellor.ID || svcs[0].Name != "Erstgespräch" {
		t.Fatalf("after the change: %+v", svcs)
	}

	over = admin.get(bookingAddr(a, ""))
	if !strings.Contains(over.body, "Alles bereit") || strings.Contains(over.body, "kern-alert--warning") {
		t.Fatalf("not ready:\n%s", over.body)
	}
	// Switching the service off brings the problem back.
	f["aktiv"] = nil
	if p := admin.post(bookingAddr(a, "/angebote/"+svc.ID), f); p.status != 303 {
		t.Fatalf("switch off: %d", p.status)
	}
	if over := admin.get(bookingAddr(a, "")); strings.Contains(over.body, "Alles bereit") || !strings.Contains(over.body, "kein buchbares Angebot") {
		t.Fatal("check with the service switched off")
	}
}

// setUpBooking gives centre c a service offered by staffID and own hours
// on every day, through the store.
func setUpBooking(t *testing.T, in *instance, c *counselling.Centre, staffID string) booking.Service {
	t.Helper()
	ctx := context.Background()
	svc := booking.Service{ID: uuid.NewString(), CentreID: c.ID, Name: "Sprechstunde " + c.Name, Duration: 60, Seats: 2,
		MinNotice: time.Hour, HorizonDays: 30, Counsellors: []string{staffID}, Active: true}
	if err := in.DB.SaveService(ctx, svc); err != nil {
		t.Fatal(err)
	}
	set := booking.Settings{CentreID: c.ID}
	for d := range set.Hours {
		set.Hours[d] = []counselling.Interval{{From: 8 * 60, To: 18 * 60}}
	}
	if err := in.DB.SaveBookingSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	return svc
}

// bookFor records a confirmed booking of the service at start, as the
// public booking would (a claimed seat, then the confirmation).
func bookFor(t *testing.T, in *instance, svc booking.Service, start time.Time, last, email, lang string) *booking.Booking {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	_, ch := booking.NewToken()
	_, xh := booking.NewToken()
	bk := booking.Booking{ID: uuid.NewString(), CentreID: svc.CentreID, ServiceID: svc.ID, Start: start, End: start.Add(time.Hour),
		State: booking.Pending, LastName: last, FirstName: "Kim", Email: email, Phone: "0221 987654", Lang: lang, CreatedAt: now,
		ExpiresAt: now.Add(booking.PendingLifetime)}
	if err := in.DB.ClaimSeat(ctx, booking.Claim{Booking: bk, Seats: svc.Seats, ConfirmHash: ch, CancelHash: xh, ClientKey: "test-" + bk.ID,
		MaxPerEmail: 10, MaxPerClient: 10, Now: now}); err != nil {
		t.Fatal(err)
	}
	done, err := in.DB.Transition(ctx, bk.ID, []string{booking.Pending}, booking.Confirmed, booking.Transition{Now: now, ReminderDue: start.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return done
}

func stateOf(t *testing.T, in *instance, id string) string {
	t.Helper()
	bk, err := in.DB.FindBooking(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return bk.State
}

// TestBookingStaffCounsellorReadsOnly: a counsellor of the centre's
// organisation sees the check, the services, the hours and the bookings,
// but cannot add or change a service or the hours.
func TestBookingStaffCounsellorReadsOnly(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	ctx := context.Background()
	c := signInOrgStaff(t, in, "berater-a@example.org", account.Counsellor, "org-a")
	me := mustStaff(t, in, "berater-a@example.org")
	svc := setUpBooking(t, in, a, me.ID)

	home := c.get("/de/intern/")
	home.mustContain(t, `href="/de/intern/termine"`)
	if l := c.get("/de/intern/termine"); l.status != 200 || !strings.Contains(l.body, bookingAddr(a, "")) || strings.Contains(l.body, "Beta") {
		t.Fatalf("centres: %d", l.status)
	}
	for _, path := range []string{"", "/angebote", "/angebote/" + svc.ID, "/zeiten", "/buchungen", "/buchungen?ansicht=woche"} {
		p := c.get(bookingAddr(a, path))
		if p.status != 200 || p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("counsellor %s: %d %q", path, p.status, p.header.Get("Cache-Control"))
		}
	}
	page := c.get(bookingAddr(a, "/angebote/"+svc.ID))
	if strings.Contains(page.body, `name="dauer"`) || !strings.Contains(page.body, "Ändern können sie die Administratorinnen") {
		t.Error("the counsellor gets a service form")
	}
	if l := c.get(bookingAddr(a, "/angebote")); strings.Contains(l.body, "/angebote/neu") {
		t.Error("the counsellor is offered a new service")
	}
	if p := c.get(bookingAddr(a, "/angebote/neu")); p.status != 403 {
		t.Errorf("new service form: %d", p.status)
	}
	token := c.get("/de/intern/").csrf(t)
	if p := c.post(bookingAddr(a, "/angebote/neu"), serviceValues(token)); p.status != 403 {
		t.Errorf("new service: %d", p.status)
	}
	if p := c.post(bookingAddr(a, "/angebote/"+svc.ID), serviceValues(token, "name", "Geändert")); p.status != 403 {
		t.Errorf("change service: %d", p.status)
	}
	if p := c.post(bookingAddr(a, "/zeiten"), allWeekHours(token)); p.status != 403 {
		t.Errorf("hours: %d", p.status)
	}
	if svcs, _ := in.DB.Services(ctx, a.ID); len(svcs) != 1 || svcs[0].Name != svc.Name {
		t.Fatalf("services after the attempts: %+v", svcs)
	}
	if set, _ := in.DB.BookingSettings(ctx, a.ID); len(set.Hours[0]) != 1 {
		t.Fatalf("hours after the attempt: %+v", set.Hours)
	}
	// But a counsellor manages the bookings themselves.
	tomorrow := booking.DayOf(time.Now()).AddDays(1)
	start := time.Date(tomorrow.Year, tomorrow.Month, tomorrow.Day, 10, 0, 0, 0, booking.Berlin)
	bk := bookFor(t, in, svc, start, "Nowak", "nowak@example.org", "de")
	day := c.get(bookingAddr(a, "/buchungen?tag="+tomorrow.String()))
	if p := c.post(bookingAddr(a, "/buchungen/"+bk.ID), url.Values{"csrf_token": {day.csrf(t)}, "aktion": {"absagen"},
		"grund": {"Krankheit"}, "tag": {tomorrow.String()}}); p.status != 303 || stateOf(t, in, bk.ID) != booking.Cancelled {
		t.Fatalf("counsellor cancels: %d", p.status)
	}
}

// TestBookingStaffAcrossOrganisations: staff of organisation A (admin
// and counsellor) can neither see nor change anything of centre B's
// booking — pages and posts are 403 as in the centre editor — and a
// booking or service of B under A's address is 404; the system
// administrator sees both.
func TestBookingStaffAcrossOrganisations(t *testing.T) {
	in := start(t, testConfig(t))
	a, b := twoOrganisations(t, in)
	ctx := context.Background()
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	counsellor := signInOrgStaff(t, in, "berater-a@example.org", account.Counsellor, "org-a")
	bStaff := signInOrgStaff(t, in, "berater-b@example.org", account.Counsellor, "org-b")
	svcA := setUpBooking(t, in, a, mustStaff(t, in, "berater-a@example.org").ID)
	svcB := setUpBooking(t, in, b, mustStaff(t, in, "berater-b@example.org").ID)
	tomorrow := booking.DayOf(time.Now()).AddDays(1)
	start := time.Date(tomorrow.Year, tomorrow.Month, tomorrow.Day, 9, 0, 0, 0, booking.Berlin)
	bookFor(t, in, svcA, start, "Alpha-Person", "alpha@example.org", "de")
	bkB := bookFor(t, in, svcB, start, "Beta-Person", "beta@example.org", "de")
	past := bookFor(t, in, svcB, time.Now().Add(-3*time.Hour).Truncate(time.Hour), "Beta-Vergangen", "beta2@example.org", "de")

	tag := "?tag=" + tomorrow.String()
	for who, br := range map[string]*browser{"admin A": admin, "counsellor A": counsellor} {
		token := br.get("/de/intern/").csrf(t)
		for _, path := range []string{"", "/angebote", "/angebote/neu", "/angebote/" + svcB.ID, "/zeiten", "/buchungen" + tag, "/buchungen?ansicht=woche&druck=1"} {
			if p := br.get(bookingAddr(b, path)); p.status != 403 || strings.Contains(p.body, "Beta-Person") {
				t.Errorf("%s GET B%s: %d", who, path, p.status)
			}
		}
		posts := map[string]url.Values{
			"/angebote/neu":              serviceValues(token),
			"/angebote/" + svcB.ID:       serviceValues(token, "name", "Gekapert"),
			"/zeiten":                    allWeekHours(token),
			"/buchungen/" + bkB.ID:       {"csrf_token": {token}, "aktion": {"absagen"}, "grund": {"weg"}},
			"/buchungen/" + past.ID:      {"csrf_token": {token}, "aktion": {"nicht_erschienen"}},
			"/buchungen/" + bkB.ID + "x": {"csrf_token": {token}, "aktion": {"erledigt"}},
		}
		for path, form := range posts {
			if p := br.post(bookingAddr(b, path), form); p.status != 403 {
				t.Errorf("%s POST B%s: %d", who, path, p.status)
			}
		}
		// B's booking and service under A's own address: as if they did not exist.
		if p := br.post(bookingAddr(a, "/buchungen/"+bkB.ID), url.Values{"csrf_token": {token}, "aktion": {"absagen"}, "grund": {"weg"}}); p.status != 404 {
			t.Errorf("%s cancels B's booking through A: %d", who, p.status)
		}
		if p := br.post(bookingAddr(a, "/buchungen/"+past.ID), url.Values{"csrf_token": {token}, "aktion": {"nicht_erschienen"}}); p.status != 404 {
			t.Errorf("%s marks B's booking through A: %d", who, p.status)
		}
		if p := br.get(bookingAddr(a, "/angebote/"+svcB.ID)); p.status != 404 {
			t.Errorf("%s B's service through A: %d", who, p.status)
		}
		if who == "admin A" {
			if p := br.post(bookingAddr(a, "/angebote/"+svcB.ID), serviceValues(token, "name", "Gekapert")); p.status != 404 {
				t.Errorf("admin A changes B's service through A: %d", p.status)
			}
		}
		own := br.get(bookingAddr(a, "/buchungen"+tag))
		if own.status != 200 || !strings.Contains(own.body, "Alpha-Person") || strings.Contains(own.body, "Beta-Person") {
			t.Errorf("%s own bookings: %d", who, own.status)
		}
		if l := br.get("/de/intern/termine"); strings.Contains(l.body, b.ID) {
			t.Errorf("%s sees B in the list", who)
		}
	}
	if p := bStaff.get(bookingAddr(a, "/buchungen"+tag)); p.status != 403 || strings.Contains(p.body, "Alpha-Person") {
		t.Errorf("B's counsellor reads A's bookings: %d", p.status)
	}
	if p := admin.get("/de/intern/beratungsstellen/nichtda/termine"); p.status != 404 {
		t.Errorf("unknown centre: %d", p.status)
	}
	for _, bk := range []*booking.Booking{bkB, past} {
		if s := stateOf(t, in, bk.ID); s != booking.Confirmed {
			t.Fatalf("B's booking after the attempts: %s", s)
		}
	}
	if svcs, _ := in.DB.Services(ctx, b.ID); len(svcs) != 1 || svcs[0].Name != svcB.Name {
		t.Fatalf("B's services after the attempts: %+v", svcs)
	}
	if svcs, _ := in.DB.Services(ctx, a.ID); len(svcs) != 1 {
		t.Fatalf("A's services after the attempts: %+v", svcs)
	}

	sys := newBrowser(t, in.base)
	signInStaff(t, in, sys, "de")
	for _, c := range []*counselling.Centre{a, b} {
		if p := sys.get(bookingAddr(c, "/buchungen"+tag)); p.status != 200 {
			t.Errorf("system admin, %s: %d", c.Name, p.status)
		}
	}
	if l := sys.get("/de/intern/termine"); !strings.Contains(l.body, a.ID) || !strings.Contains(l.body, b.ID) {
		t.Error("system admin's centre list")
	}
}

// TestBookingStaffCancelMailsThePerson: the day and week views list each
// booking with time, service, name, email, phone and state; cancelling
// needs a reason, frees the seat and mails the person in their language
// (the reason as text, never markup); done and no-show only after the
// start; every change is in the audit log without the person's data; the
// print view has no forms.
func TestBookingStaffCancelMailsThePerson(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	ctx := context.Background()
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	svc := setUpBooking(t, in, a, mustStaff(t, in, "admin-a@example.org").ID)
	tomorrow := booking.DayOf(time.Now()).AddDays(1)
	start := time.Date(tomorrow.Year, tomorrow.Month, tomorrow.Day, 10, 0, 0, 0, booking.Berlin)
	future := bookFor(t, in, svc, start, "Öztürk", "person@example.org", "en")
	pastStart := time.Now().Add(-2 * time.Hour).Truncate(time.Hour)
	past := bookFor(t, in, svc, pastStart, "Schmidt", "schmidt@example.org", "de")

	day := admin.get(bookingAddr(a, "/buchungen?tag="+tomorrow.String()))
	if day.status != 200 {
		t.Fatalf("day view: %d", day.status)
	}
	for _, want := range []string{"10:00–11:00", "Öztürk, Kim", "person@example.org", "0221 987654", "bestätigt", svc.Name,
		"Europe/Berlin", `value="absagen"`} {
		if !strings.Contains(plain(day), want) {
			t.Errorf("day view lacks %q", want)
		}
	}
	if strings.Contains(day.body, `value="erledigt"`) {
		t.Error("done offered before the start")
	}
	week := admin.get(bookingAddr(a, "/buchungen?ansicht=woche&tag="+tomorrow.String()))
	if !strings.Contains(plain(week), "Woche vom") || !strings.Contains(plain(week), "Öztürk") {
		t.Error("week view")
	}
	printed := admin.get(bookingAddr(a, "/buchungen?ansicht=woche&druck=1&tag="+tomorrow.String()))
	if !strings.Contains(plain(printed), "Öztürk") || strings.Contains(printed.body, `value="absagen"`) {
		t.Error("print view has forms or lacks the booking")
	}
	if p := admin.get(bookingAddr(a, "/buchungen?tag=2026-13-45")); p.status != 422 || !strings.Contains(p.body, "JJJJ-MM-TT") {
		t.Errorf("bad date: %d", p.status)
	}

	// No reason: a message beside the field, nothing changes.
	token := day.csrf(t)
	p := admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"absagen"}, "grund": {"  "}, "tag": {tomorrow.String()}})
	if p.status != 422 || !strings.Contains(p.body, "Schreiben Sie, warum") || !strings.Contains(p.body, `href="#grund-`+future.ID+`"`) || stateOf(t, in, future.ID) != booking.Confirmed {
		t.Fatalf("cancel without a reason: %d", p.status)
	}
	long := strings.Repeat("x", 501)
	if p := admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"absagen"}, "grund": {long}}); p.status != 422 || !strings.Contains(p.body, long) {
		t.Fatalf("cancel with an overlong reason: %d (typed reason kept: %v)", p.status, strings.Contains(p.body, long))
	}
	// Done and no-show before the start are refused.
	p = admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"nicht_erschienen"}, "tag": {tomorrow.String()}})
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "ok=state") || stateOf(t, in, future.ID) != booking.Confirmed {
		t.Fatalf("no-show before the start: %d %s", p.status, p.header.Get("Location"))
	}
	if p := admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"loeschen"}}); p.status != 400 {
		t.Errorf("unknown action: %d", p.status)
	}

	reason := "Die Beraterin ist krank. <b>Entschuldigung</b> & bis bald"
	p = admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"absagen"}, "grund": {reason}, "tag": {tomorrow.String()}, "ansicht": {"woche"}})
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "ansicht=woche") || !strings.Contains(p.header.Get("Location"), "ok=cancelled") {
		t.Fatalf("cancel: %d %s", p.status, p.header.Get("Location"))
	}
	bk, _ := in.DB.FindBooking(ctx, future.ID)
	if bk.State != booking.Cancelled || bk.CancelReason != reason {
		t.Fatalf("after cancelling: %s %q", bk.State, bk.CancelReason)
	}
	if taken, _ := in.DB.Taken(ctx, svc.ID, start, start.Add(time.Minute), time.Now()); taken[start.UTC().UnixMilli()] != 0 {
		t.Fatal("the seat is still held")
	}
	after := admin.get(strings.TrimPrefix(p.header.Get("Location"), in.base))
	if !strings.Contains(plain(after), "Der Termin ist abgesagt") || !strings.Contains(plain(after), "abgesagt") || !strings.Contains(after.body, "&lt;b&gt;Entschuldigung&lt;/b&gt;") {
		t.Error("the page after cancelling")
	}
	raw := lastMail(t, in, "person@example.org")
	for _, want := range []string{"Subject: Your appointment has been cancelled", "Dear Kim", a.Name, "Die Beraterin ist krank.",
		"/en/beratung/" + a.Slug, "10:00", tomorrow.Midnight().Format("02.01.2006"), "Europe/Berlin", "0221 123456-0", "text/html"} {
		if !strings.Contains(raw, want) {
			t.Errorf("mail lacks %q", want)
		}
	}
	if i := strings.Index(raw, "text/html"); i < 0 || !strings.Contains(raw[i:], "&lt;b&gt;Entschuldigung&lt;/b&gt;") || strings.Contains(raw[i:], "<b>Entschuldigung</b>") {
		t.Error("the reason is not text in the HTML mail")
	}
	// The person's calendar entry goes away: a cancellation of the same
	// UID as the booking pages' invitation.
	atts := mail.ParseAttachments(raw)
	if len(atts) != 1 || !strings.Contains(atts[0].ContentType, "method=CANCEL") ||
		!strings.Contains(string(atts[0].Data), "UID:"+booking.CalendarUID(future.ID, in.Config.BaseURL)) {
		t.Errorf("no calendar cancellation with the booking's UID: %+v", atts)
	}
	// Cancelling again: the state changed, nobody is mailed twice.
	p = admin.post(bookingAddr(a, "/buchungen/"+future.ID), url.Values{"csrf_token": {token}, "aktion": {"absagen"}, "grund": {"noch mal"}, "tag": {tomorrow.String()}})
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "ok=state") {
		t.Fatalf("cancel twice: %d %s", p.status, p.header.Get("Location"))
	}

	// After the start: done or no-show, once.
	today := admin.get(bookingAddr(a, "/buchungen?tag="+booking.DayOf(pastStart).String()))
	if !strings.Contains(today.body, `value="erledigt"`) || !strings.Contains(today.body, `value="nicht_erschienen"`) {
		t.Fatal("done and no-show not offered after the start")
	}
	p = admin.post(bookingAddr(a, "/buchungen/"+past.ID), url.Values{"csrf_token": {token}, "aktion": {"erledigt"}, "tag": {booking.DayOf(pastStart).String()}})
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "ok=done") || stateOf(t, in, past.ID) != booking.Done {
		t.Fatalf("done: %d %s", p.status, p.header.Get("Location"))
	}
	if p := admin.post(bookingAddr(a, "/buchungen/"+past.ID), url.Values{"csrf_token": {token}, "aktion": {"nicht_erschienen"}}); !strings.Contains(p.header.Get("Location"), "ok=state") || stateOf(t, in, past.ID) != booking.Done {
		t.Fatalf("no-show after done: %d %s", p.status, p.header.Get("Location"))
	}

	// The audit log: who changed which booking, nothing about the person.
	entries, err := in.DB.Audit(ctx, "org-a", 50)
	if err != nil {
		t.Fatal(err)
	}
	var cancelled, done bool
	for _, e := range entries {
		if e.Entity != "booking" {
			continue
		}
		for _, f := range append(e.Fields, e.EntityID, e.ActorID) {
			if strings.Contains(f, "Öztürk") || strings.Contains(f, "@") || strings.Contains(f, "krank") {
				t.Errorf("audit entry with the person's data: %+v", e)
			}
		}
		cancelled = cancelled || e.EntityID == future.ID && e.Action == "cancelled" && e.ActorID == mustStaff(t, in, "admin-a@example.org").ID
		done = done || e.EntityID == past.ID && e.Action == "done"
	}
	if !cancelled || !done {
		t.Fatalf("audit: cancelled %v, done %v", cancelled, done)
	}
}

// TestBookingStaffPagesInEveryLanguage: every booking page of the back
// office, with and without problems, is complete in every language: one
// h1, no message key or placeholder left, no text fallen back to German,
// nothing missing in the log.
func TestBookingStaffPagesInEveryLanguage(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	svc := setUpBooking(t, in, a, mustStaff(t, in, "admin-a@example.org").ID)
	tomorrow := booking.DayOf(time.Now()).AddDays(1)
	bk := bookFor(t, in, svc, time.Date(tomorrow.Year, tomorrow.Month, tomorrow.Day, 11, 0, 0, 0, booking.Berlin), "Lang", "lang@example.org", "ar")
	untranslated := regexp.MustCompile(`\b(bookingstaff|booking|staff|role|form|counselling|mail)\.[a-z_0-9]+\b`)
	h1 := regexp.MustCompile(`<h1[ >]`)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	check := func(name string, p page, status int) {
		t.Helper()
		if p.status != status {
			t.Errorf("%s: %d", name, p.status)
			return
		}
		if n := len(h1.FindAllString(p.body, -1)); n != 1 || untranslated.MatchString(p.body) || placeholder.MatchString(p.body) {
			t.Errorf("%s: %d h1, key %q, placeholder %q", name, n, untranslated.FindString(p.body), placeholder.FindString(p.body))
		}
		if strings.Contains(p.body, `class="kern-alert kern-alert--info notice"`) {
			t.Errorf("%s: some text fell back to German", name)
		}
	}
	tag := "?tag=" + tomorrow.String()
	for _, l := range []string{"de", "ls", "en", "pl", "uk", "ru", "tr", "ar"} {
		base := "/" + l + "/intern/beratungsstellen/" + a.ID + "/termine"
		check(l+" home", admin.get("/"+l+"/intern/"), 200)
		check(l+" centres", admin.get("/"+l+"/intern/termine"), 200)
		check(l+" overview", admin.get(base), 200)
		check(l+" services", admin.get(base+"/angebote?ok=saved"), 200)
		check(l+" service", admin.get(base+"/angebote/"+svc.ID), 200)
		neu := admin.get(base + "/angebote/neu")
		check(l+" new service", neu, 200)
		check(l+" new service, bad", admin.post(base+"/angebote/neu", serviceValues(neu.csrf(t), "name", "", "dauer", "x", "plaetze", "0",
			"puffer", "x", "vorlauf", "x", "zeitraum", "0", "ort", "9")), 422)
		hours := admin.get(base + "/zeiten?ok=saved")
		check(l+" hours", hours, 200)
		bad := allWeekHours(hours.csrf(t))
		bad.Set("zeit_2", "x")
		bad.Set("ausnahmen", "kaputt")
		bad.Set("erinnerung", "x")
		bad.Set("max_email", "x")
		bad.Set("max_client", "x")
		check(l+" hours, bad", admin.post(base+"/zeiten", bad), 422)
		check(l+" day", admin.get(base+"/buchungen"+tag+"&ok=state"), 200)
		check(l+" week", admin.get(base+"/buchungen"+tag+"&ansicht=woche&ok=cancelled"), 200)
		check(l+" print", admin.get(base+"/buchungen"+tag+"&ansicht=woche&druck=1"), 200)
		check(l+" bad date", admin.get(base+"/buchungen?tag=x"), 422)
		check(l+" no reason", admin.post(base+"/buchungen/"+bk.ID, url.Values{"csrf_token": {hours.csrf(t)}, "aktion": {"absagen"}}), 422)
	}
	if strings.Contains(in.logs.String(), "missing translations") {
		t.Errorf("missing translations:\n%s", in.logs.String())
	}
	// The mail in the person's language (Arabic), complete.
	p := admin.post("/de/intern/beratungsstellen/"+a.ID+"/termine/buchungen/"+bk.ID, url.Values{"csrf_token": {admin.get("/de/intern/").csrf(t)},
		"aktion": {"absagen"}, "grund": {"Krankheit"}})
	if p.status != 303 {
		t.Fatalf("cancel: %d", p.status)
	}
	raw := lastMail(t, in, "lang@example.org")
	if !strings.Contains(raw, `dir="rtl"`) || untranslated.MatchString(raw) || strings.Contains(raw, "{weekday}") {
		t.Errorf("Arabic mail:\n%s", raw)
	}
}
