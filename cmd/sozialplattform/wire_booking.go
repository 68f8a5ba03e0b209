package main

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// Booking's background work: reminders (each exactly once) and the set of
// centres whose booking passes the Konfig-Check (Fall 1 in the finder).
const (
	bookingReadyJob       = "booking_ready"
	bookingReadyInterval  = 5 * time.Minute
	bookingReminderPeriod = time.Minute
)

// booker is the appointment booking of counselling centres; a centre's
// public holidays follow the municipality of its main address.
func (m *Main) booker() *booking.Booker {
	return &booking.Booker{Store: m.DB, Centres: m.DB, Templates: m.DB, Now: m.DB.Now, AGS: func(c *counselling.Centre) string {
		if len(c.Locations) == 0 {
			return ""
		}
		res, err := m.Places.Lookup(c.Locations[0].Postcode+" "+c.Locations[0].City, 1)
		if err != nil || len(res.Places) == 0 {
			return ""
		}
		return res.Places[0].AGS
	}}
}

func (m *Main) wireBooking(catalog *i18n.Catalog) {
	m.Booking = m.booker()
	m.Queue.Register(bookingReadyJob, func(ctx context.Context, _ *job.Job) error { return m.refreshBookingReady(ctx) })
	m.Queue.Every(bookingReadyJob, bookingReadyInterval)
	m.Queue.Register(booking.ReminderJob, func(ctx context.Context, _ *job.Job) error {
		_, err := m.Booking.SendReminders(ctx, func(bk booking.Booking, cancelToken string) (mail.Message, error) {
			return m.reminderMail(ctx, catalog, bk, cancelToken)
		})
		return err
	})
	m.Queue.Every(booking.ReminderJob, bookingReminderPeriod)
}

func (m *Main) refreshBookingReady(ctx context.Context) error {
	_, err := m.Booking.RefreshReady(ctx, m.DB, m.MailService != nil)
	return err
}

// reminderMail composes the reminder in the language the person booked in.
func (m *Main) reminderMail(ctx context.Context, catalog *i18n.Catalog, bk booking.Booking, cancelToken string) (mail.Message, error) {
	lang, ok := i18n.Lookup(bk.Lang)
	if !ok {
		lang, _ = i18n.Lookup(i18n.Default)
	}
	c, err := m.DB.FindCentre(ctx, bk.CentreID)
	if err != nil {
		return mail.Message{}, err
	}
	svcs, err := m.DB.Services(ctx, bk.CentreID)
	if err != nil {
		return mail.Message{}, err
	}
	data := mail.BookingReminder{Centre: c.Name, When: whenText(catalog.For(lang), bk.Start),
		CancelLink: m.Config.BaseURL + "/" + lang.Code + "/termin/absagen/" + cancelToken}
	for _, s := range svcs {
		if s.ID == bk.ServiceID {
			data.Service = s.Name
			if s.Location >= 0 && s.Location < len(c.Locations) {
				l := c.Locations[s.Location]
				data.Address = strings.TrimSpace(l.Street + ", " + l.Postcode + " " + l.City)
			}
		}
	}
	t, err := booking.TemplateFor(ctx, m.DB, bk.CentreID, lang.Code, booking.MailReminder)
	if err != nil {
		return mail.Message{}, err
	}
	if t != nil { // the centre's own wording
		subject, text := t.Render(booking.Values(bk, bk.FirstName, bk.LastName, data.Service, c.Name, data.Address, data.CancelLink, ""))
		return m.MailService.Composer.Custom(lang, bk.Email, subject, text)
	}
	return m.MailService.Composer.Compose(lang, "booking_reminder", bk.Email, data)
}

// whenText is "Mittwoch, 09.12.2026, 10:00" in the reader's language, in
// Berlin time.
func whenText(tr *i18n.Translator, t time.Time) string {
	t = t.In(booking.Berlin)
	days := []string{"mo", "tu", "we", "th", "fr", "sa", "su"}
	return tr.T("counselling.day."+days[(int(t.Weekday())+6)%7]) + ", " + t.Format("02.01.2006, 15:04")
}

// loadDemoBooking makes the demo centres that offer their own booking
// bookable: one counsellor per demo organisation (no password: nobody
// signs in as them), bookable at the opening hours, one service.
func (m *Main) loadDemoBooking(ctx context.Context) error {
	counsellor := map[string]string{}
	for _, o := range counselling.DemoOrganisations {
		staff, err := m.DB.StaffOfOrg(ctx, o.ID)
		if err != nil {
			return err
		}
		if len(staff) > 0 {
			counsellor[o.ID] = staff[0].ID
			continue
		}
		st := &account.Staff{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("demo-counsellor/"+o.ID)).String(),
			Email: "beratung-" + o.ID + "@demo.sozialplattform.invalid", DisplayName: "Demo-Beratung", Role: account.Counsellor,
			OrgID: o.ID, CreatedAt: m.DB.Now()}
		if err := m.DB.CreateStaff(ctx, st); err != nil {
			return err
		}
		counsellor[o.ID] = st.ID
	}
	cs, err := m.DB.AllCentres(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !c.Demo || !c.OwnBooking {
			continue
		}
		if svcs, err := m.DB.Services(ctx, c.ID); err != nil || len(svcs) > 0 {
			if err != nil {
				return err
			}
			continue
		}
		if err := m.DB.SaveBookingSettings(ctx, booking.Settings{CentreID: c.ID, UseOpeningHours: true}); err != nil {
			return err
		}
		if err := m.DB.SaveService(ctx, booking.Service{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("demo-service/"+c.ID)).String(),
			CentreID: c.ID, Name: "Erstgespräch", Duration: 45, Buffer: 15, Seats: 1, MinNotice: 2 * time.Hour, HorizonDays: 60,
			Counsellors: []string{counsellor[c.OrgID]}, Active: true}); err != nil {
			return err
		}
	}
	return nil
}
