package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/booking"
)

// TestBookingMailTemplates (issue 17): an organisation administrator words
// the confirmation mail in German; the preview shows it with sample
// values (HTML as text), the test mail reaches the administrator, and the
// Konfig-Check names the languages still missing; a text without {link}
// is refused beside the field, what was typed kept; a counsellor and
// another organisation change nothing.
func TestBookingMailTemplates(t *testing.T) {
	in := start(t, testConfig(t))
	a, b := twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	list := admin.get(bookingAddr(a, "/vorlagen"))
	list.mustContain(t, "E-Mail-Texte", "Terminanfrage mit Bestätigungslink", "Text der Plattform")
	admin.get(bookingAddr(a, "/vorlagen/confirm/de")).mustContain(t, "ist die Online-Buchung ausgeschaltet, bis diese E-Mail in allen acht Sprachen")
	if list.header.Get("Cache-Control") != "no-store" {
		t.Error("templates page can be cached")
	}
	addr := bookingAddr(a, "/vorlagen/confirm/de")
	form := admin.get(addr)
	send := func(action, subject, text string) page {
		return admin.post(addr, url.Values{"csrf_token": {form.csrf(t)}, "aktion": {action}, "betreff": {subject}, "text": {text}})
	}
	bad := send("speichern", "Ihr Termin am {datum}", "Hallo {vorname}, <b>ohne</b> Link")
	if bad.status != 422 {
		t.Fatalf("text without link: %d", bad.status)
	}
	bad.mustContain(t, "Bitte fügen Sie {link} in den Text ein.", "Hallo {vorname}, &lt;b&gt;ohne&lt;/b&gt; Link", `href="#text"`)
	body := "Hallo {vorname} <i>{nachname}</i>,\nbitte bestätigen Sie Ihren Termin am {datum} um {uhrzeit}:\n{link}"
	prev := send("vorschau", "Ihr Termin am {datum}", body)
	prev.mustContain(t, "Vorschau mit Beispielwerten", "Ihr Termin am 09.12.2026", "Hallo Erika &lt;i&gt;Mustermann&lt;/i&gt;")
	test := send("testmail", "Ihr Termin am {datum}", body)
	test.mustContain(t, "Die Testmail ist an admin-a@example.org unterwegs.")
	if mails := caughtTo(t, in, "admin-a@example.org"); len(mails) == 0 || !strings.Contains(strings.Join(mails, ""), "Ihr Termin am 09.12.2026") {
		t.Errorf("no test mail: %d", len(mails))
	}
	saved := send("speichern", "Ihr Termin am {datum}", body)
	if saved.status != 303 {
		t.Fatalf("save: %d", saved.status)
	}
	admin.get(strings.TrimPrefix(saved.header.Get("Location"), in.base)).mustContain(t, "eigener Text", "Der E-Mail-Text ist gespeichert.")
	admin.get(bookingAddr(a, "")).mustContain(t, "Eigene E-Mail-Texte fehlen in diesen Sprachen: Leichte Sprache, English, Polski, Українська, Русский, Türkçe, العربية.")

	// A counsellor of A reads but cannot save; B's administrator sees nothing.
	createStaff(t, in, "beraterin-a@example.org", account.Counsellor)
	if _, err := in.DB.ExecContext(t.Context(), in.DB.Rebind(`UPDATE staff_users SET org_id = ? WHERE email = ?`), "org-a", "beraterin-a@example.org"); err != nil {
		t.Fatal(err)
	}
	other := signInOrgStaff(t, in, "admin-b@example.org", account.OrgAdmin, "org-b")
	if p := other.get(addr); p.status != 403 {
		t.Errorf("B's admin on A's template: %d", p.status)
	}
	if p := other.post(addr, url.Values{"csrf_token": {other.get(bookingAddr(b, "/vorlagen/confirm/de")).csrf(t)}, "aktion": {"speichern"}, "betreff": {"x"}, "text": {"{link}"}}); p.status != 403 {
		t.Errorf("B's admin saves A's template: %d", p.status)
	}
	if p := admin.get(bookingAddr(a, "/vorlagen/unsinn/de")); p.status != 404 {
		t.Errorf("unknown kind: %d", p.status)
	}
}

// TestBookingMailUsesTheCentresWording: once the centre words its
// confirmation request in German, a German booking gets that text (with
// the real link and the person's name as text), still with the calendar
// file; an English booking still gets the platform's English text.
func TestBookingMailUsesTheCentresWording(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	if err := in.DB.SaveTemplate(t.Context(), booking.Template{CentreID: f.centre.ID, Lang: "de", Kind: booking.MailConfirm,
		Subject: "Ihre Anfrage bei {beratungsstelle}", Body: "Guten Tag {vorname} {nachname},\nbitte bestätigen Sie hier:\n{link}\n\nIhr Team"}); err != nil {
		t.Fatal(err)
	}
	bookByWeb(t, newBrowser(t, in.base), f, "de", "<b>Haddad</b>", "Lina", "lina@example.org")
	bookByWeb(t, newBrowser(t, in.base), f, "en", "Smith", "Jo", "jo@example.org")
	de := bookingMailsTo(t, in, "lina@example.org")
	if len(de) != 1 || de[0].subject != "Ihre Anfrage bei "+f.centre.Name || !strings.Contains(de[0].text, "Guten Tag Lina <b>Haddad</b>") ||
		!strings.Contains(de[0].text, "/de/termin/bestaetigen/") || strings.Contains(de[0].html, "<b>Haddad") || len(de[0].atts) != 1 {
		t.Fatalf("German mail: %+v", de)
	}
	en := bookingMailsTo(t, in, "jo@example.org")
	if len(en) != 1 || strings.Contains(en[0].text, "Guten Tag") || !strings.Contains(en[0].text, "/en/termin/bestaetigen/") {
		t.Fatalf("English mail: %+v", en)
	}
}

// TestBookingSentChangesTheSessionCookie (new-user walk): after "Termin
// vereinbaren" the session gets a new token, so the browser's
// back/forward cache never shows the check page with the person's name
// and address again on a shared computer.
func TestBookingSentChangesTheSessionCookie(t *testing.T) {
	in := start(t, testConfig(t))
	f := newBookingFixture(t, in)
	b := newBrowser(t, in.base)
	times := b.get(f.dayURL("de")).times()
	if len(times) == 0 {
		t.Fatal("no time")
	}
	chooseTime(t, b, f, "de", times[0])
	giveDetails(t, b, f, "de", url.Values{"nachname": {"Kaya"}, "vorname": {"Ada"}, "email": {"ada@example.org"}})
	p := sendBooking(t, b, f, "de")
	if p.status != 303 || !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), ";"), in.Web.Site.Sessions.CookieName()+"=") {
		t.Fatalf("sending: %d, cookies %v", p.status, p.header.Values("Set-Cookie"))
	}
}
