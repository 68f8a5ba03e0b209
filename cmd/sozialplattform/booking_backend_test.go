package main

import (
	"context"
	"io"
	"mime/quotedprintable"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// readyDemoCentre is a demo centre with its own booking that passes the
// Konfig-Check, with its offer.
func readyDemoCentre(t testing.TB, in *instance) (*counselling.Centre, *booking.Offer) {
	t.Helper()
	ctx := context.Background()
	cs, err := in.DB.AllCentres(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.BookingCase() == counselling.BookOwn {
			o, err := in.Booking.Offer(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c, o
		}
	}
	t.Fatal("no demo centre takes bookings")
	return nil, nil
}

// TestReminderGoesOutOnceInTheBookersLanguage (issue 17): a confirmed
// booking's reminder, due 24 h before, is composed in the language the
// person booked in, names the time in Berlin with a fresh cancel link, and
// is sent once however often the job runs.
func TestReminderGoesOutOnceInTheBookersLanguage(t *testing.T) {
	in := start(t, testConfig(t))
	ctx := context.Background()
	c, o := readyDemoCentre(t, in)
	svc := o.Services[0]
	var slot *booking.Slot
	for d, i := booking.DayOf(in.DB.Now()).AddDays(2), 0; i < 30 && slot == nil; d, i = d.AddDays(1), i+1 {
		ss, err := in.Booking.DaySlots(ctx, o, svc, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) > 0 {
			slot = &ss[0]
		}
	}
	if slot == nil {
		t.Fatal("no slot in 30 days")
	}
	bk, confirm, _, err := in.Booking.Book(ctx, o, booking.Request{CentreID: c.ID, ServiceID: svc.ID, Start: slot.Start, LastName: "<b>Haddad</b>",
		FirstName: "Lina", Email: "lina@example.org", Lang: "ar", Client: "203.0.113.9"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Booking.Confirm(ctx, confirm); err != nil {
		t.Fatal(err)
	}
	// Before it is due: nothing; at the time: one mail; again: none.
	compose := func(b booking.Booking, tok string) (mail.Message, error) {
		return in.reminderMail(ctx, in.MailService.Composer.Catalog, b, tok)
	}
	if n, err := in.Booking.SendReminders(ctx, compose); err != nil || n != 0 {
		t.Fatalf("early: %d %v", n, err)
	}
	later := *in.Booking // the job of this instance keeps the real clock
	later.Now = func() time.Time { return bk.Start.Add(-23 * time.Hour) }
	sent := 0
	for range 3 {
		n, err := later.SendReminders(ctx, compose)
		if err != nil {
			t.Fatal(err)
		}
		sent += n
	}
	if sent != 1 {
		t.Fatalf("%d reminders queued over three runs", sent)
	}
	mails := caughtTo(t, in, "lina@example.org")
	var reminders []string
	for _, m := range mails {
		// The bodies are quoted-printable (Arabic): read them as a mail
		// program would.
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m))); err == nil {
			m = string(b)
		}
		if strings.Contains(m, "/ar/termin/absagen/") {
			reminders = append(reminders, m)
		}
	}
	if len(reminders) != 1 {
		t.Fatalf("%d reminders among %d mails: %v", len(reminders), len(mails), mails)
	}
	when := slot.Start.In(booking.Berlin).Format("02.01.2006, 15:04")
	if !strings.Contains(reminders[0], when) || !strings.Contains(reminders[0], "بالتوقيت المحلي في ألمانيا") {
		t.Errorf("the reminder lacks the time %s in Arabic:\n%s", when, reminders[0])
	}
}

// TestFinderMarksOnlineBooking (new-user walk): the finder's results say
// which centres take bookings online, so nobody opens each one to find out.
func TestFinderMarksOnlineBooking(t *testing.T) {
	in := start(t, testConfig(t))
	c, _ := readyDemoCentre(t, in)
	p := newBrowser(t, in.base).get("/de/beratung?ort=" + url.QueryEscape(c.Locations[0].Postcode) + "&radius=5")
	i := strings.Index(p.body, `href="/de/beratung/`+c.Slug+`"`)
	if i < 0 {
		t.Fatalf("%s not among the results", c.Name)
	}
	card := p.body[i:]
	if j := strings.Index(card, "</li>"); j > 0 {
		card = card[:j]
	}
	if !strings.Contains(card, "Termine online buchbar") {
		t.Errorf("the result of %s does not say it takes bookings online", c.Name)
	}
}
