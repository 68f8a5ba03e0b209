package booking

import (
	"context"
	"errors"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// Centres gives the booking the centre it belongs to.
type Centres interface {
	FindCentre(ctx context.Context, id string) (*counselling.Centre, error)
}

// Booker runs bookings: what a person and a centre's staff may do.
type Booker struct {
	Store   Store
	Centres Centres
	// AGS names the municipality of a centre's main address (for its
	// public holidays); "" if unknown (then only the Land's, from nothing:
	// the nationwide ones).
	AGS func(c *counselling.Centre) string
	Now func() time.Time
	// Templates are the centres' own wordings of the mails (nil: none).
	Templates TemplateStore
}

// FieldError is a problem with one field, as a message key.
type FieldError struct {
	Field, Key string
	Args       []any
}

// ValidationError lists what a person must change.
type ValidationError struct{ Problems []FieldError }

func (e *ValidationError) Error() string { return "booking: invalid request" }

// Offer is what the booking pages show of a centre.
type Offer struct {
	Centre   *counselling.Centre
	Settings Settings
	Services []Service // active ones
	Calendar Calendar
}

// Offer loads what a centre offers; ErrNotFound if it takes no bookings on
// the platform.
func (b *Booker) Offer(ctx context.Context, centreID string) (*Offer, error) {
	c, err := b.Centres.FindCentre(ctx, centreID)
	if errors.Is(err, counselling.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !c.OwnBooking {
		return nil, ErrNotFound
	}
	set, err := b.Store.BookingSettings(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	set.Defaults()
	svcs, err := b.Store.Services(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	o := &Offer{Centre: c, Settings: set, Calendar: CalendarFor(c, set, b.ags(c))}
	for _, s := range svcs {
		if s.Active {
			o.Services = append(o.Services, s)
		}
	}
	return o, nil
}

func (b *Booker) ags(c *counselling.Centre) string {
	if b.AGS == nil {
		return ""
	}
	return b.AGS(c)
}

// Service returns an active service of the offer.
func (o *Offer) Service(id string) (Service, bool) {
	for _, s := range o.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// DaySlots are the slots of a service on a day with their free seats.
func (b *Booker) DaySlots(ctx context.Context, o *Offer, svc Service, d Day) ([]Slot, error) {
	now := b.Now()
	taken, err := b.Store.Taken(ctx, svc.ID, d.Midnight(), d.AddDays(1).Midnight(), now)
	if err != nil {
		return nil, err
	}
	return Slots(o.Calendar, svc, d, now, taken), nil
}

// DayState is how a calendar day looks to a person.
type DayState int

const (
	DayUnavailable DayState = iota // closed, past or beyond the horizon
	DayFull                        // slots, none free
	DayFree                        // at least one free slot
)

// Month reports each day of a month: unavailable, fully booked or free.
func (b *Booker) Month(ctx context.Context, o *Offer, svc Service, year int, month time.Month) (map[int]DayState, error) {
	now := b.Now()
	from := Day{year, month, 1}
	to := Day{year, month + 1, 1}
	taken, err := b.Store.Taken(ctx, svc.ID, from.Midnight(), time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, Berlin), now)
	if err != nil {
		return nil, err
	}
	out := map[int]DayState{}
	for d := from; d.Month == month; d = d.AddDays(1) {
		st := DayUnavailable
		for _, s := range Slots(o.Calendar, svc, d, now, taken) {
			st = DayFull
			if s.Free > 0 {
				st = DayFree
				break
			}
		}
		out[d.Day] = st
	}
	return out, nil
}

// Validate checks what a person typed; the fields as the form names them.
func (r *Request) Validate() []FieldError {
	var errs []FieldError
	t := func(s string) string {
		return strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 {
				return -1
			}
			return r
		}, s))
	}
	r.LastName, r.FirstName, r.Email, r.Phone = t(r.LastName), t(r.FirstName), t(r.Email), t(r.Phone)
	name := func(field, v, key string) {
		switch {
		case v == "":
			errs = append(errs, FieldError{Field: field, Key: key})
		case utf8.RuneCountInString(v) > MaxName:
			errs = append(errs, FieldError{Field: field, Key: "booking.error.too_long", Args: []any{"max", MaxName}})
		}
	}
	name("nachname", r.LastName, "booking.error.last_name")
	name("vorname", r.FirstName, "booking.error.first_name")
	_, domain, _ := strings.Cut(r.Email, "@")
	// "ali@beispiel" parses, but no mail arrives there: a domain has a dot.
	if a, err := netmail.ParseAddress(r.Email); r.Email == "" || err != nil || a.Address != r.Email || len(r.Email) > MaxEmail ||
		!strings.Contains(strings.Trim(domain, "."), ".") {
		errs = append(errs, FieldError{Field: "email", Key: "booking.error.email"})
	}
	if r.Phone != "" && !counselling.ValidPhone(r.Phone) {
		errs = append(errs, FieldError{Field: "telefon", Key: "booking.error.phone"})
	}
	return errs
}

// Book claims the slot for the person: PENDING until confirmed by the
// link in the mail. It returns the booking and the two links' tokens.
func (b *Booker) Book(ctx context.Context, o *Offer, r Request) (*Booking, string, string, error) {
	if p := r.Validate(); len(p) > 0 {
		return nil, "", "", &ValidationError{p}
	}
	svc, ok := o.Service(r.ServiceID)
	if !ok {
		return nil, "", "", ErrSlotInvalid
	}
	now := b.Now()
	// The slot must be one the calendar offers now (not a time made up,
	// past, too soon or beyond the horizon).
	var slot *Slot
	for _, s := range Slots(o.Calendar, svc, DayOf(r.Start), now, nil) {
		if s.Start.Equal(r.Start) {
			slot = &s
			break
		}
	}
	if slot == nil {
		return nil, "", "", ErrSlotInvalid
	}
	confirm, confirmHash := NewToken()
	cancel, cancelHash := NewToken()
	bk := Booking{ID: uuid.NewString(), CentreID: o.Centre.ID, ServiceID: svc.ID, Start: slot.Start, End: slot.End,
		State: Pending, LastName: r.LastName, FirstName: r.FirstName, Email: strings.ToLower(r.Email), Phone: r.Phone,
		Lang: r.Lang, CreatedAt: now, ExpiresAt: now.Add(PendingLifetime)}
	if bk.ExpiresAt.After(slot.Start) {
		bk.ExpiresAt = slot.Start // a hold never outlives the appointment
	}
	err := b.Store.ClaimSeat(ctx, Claim{Booking: bk, Seats: svc.Seats, ConfirmHash: confirmHash, CancelHash: cancelHash,
		ClientKey: TokenHash("client\x00" + r.Client), MaxPerEmail: o.Settings.MaxPendingPerEmail,
		MaxPerClient: o.Settings.MaxPendingPerClient, Now: now, OrgID: o.Centre.OrgID})
	if err != nil {
		return nil, "", "", err
	}
	return &bk, confirm, cancel, nil
}

// ByToken finds the booking a link is for (GET shows it; nothing changes).
func (b *Booker) ByToken(ctx context.Context, token, purpose string) (*Booking, error) {
	if !ValidTokenShape(token) {
		return nil, ErrNotFound
	}
	return b.Store.BookingByToken(ctx, TokenHash(token), purpose, time.Time{})
}

// Confirm confirms the booking of a confirmation link (POST), once.
// ErrTokenExpired when the hold ran out; ErrWrongState when it is not
// pending (confirmed already, cancelled): the caller shows the state.
func (b *Booker) Confirm(ctx context.Context, token string) (*Booking, error) {
	bk, err := b.ByToken(ctx, token, PurposeConfirm)
	if err != nil {
		return nil, err
	}
	now := b.Now()
	if bk.State == Pending && !now.Before(bk.ExpiresAt) {
		if _, err := b.Store.Transition(ctx, bk.ID, []string{Pending}, Expired, Transition{Now: now}); err != nil && !errors.Is(err, ErrWrongState) {
			return nil, err
		}
		return bk, ErrTokenExpired
	}
	set, err := b.Store.BookingSettings(ctx, bk.CentreID)
	if err != nil {
		return nil, err
	}
	set.Defaults()
	due := bk.Start.Add(-set.ReminderLead)
	if due.Before(now) {
		due = now // a booking for tomorrow morning is reminded at once
	}
	return b.Store.Transition(ctx, bk.ID, []string{Pending}, Confirmed, Transition{Now: now, ReminderDue: due, UseToken: TokenHash(token)})
}

// CancelByPerson cancels with the cancel link (POST); the seat is free at
// once. A past appointment cannot be cancelled.
func (b *Booker) CancelByPerson(ctx context.Context, token string) (*Booking, error) {
	bk, err := b.ByToken(ctx, token, PurposeCancel)
	if err != nil {
		return nil, err
	}
	now := b.Now()
	if !now.Before(bk.Start) {
		return bk, ErrWrongState
	}
	return b.Store.Transition(ctx, bk.ID, []string{Pending, Confirmed}, Cancelled, Transition{Now: now})
}

// mayManage: staff of the centre's organisation (every role) and system
// administrators.
func mayManage(a counselling.Actor, c *counselling.Centre) bool {
	return a.Role == counselling.RoleSystemAdmin || a.OrgID != "" && a.OrgID == c.OrgID
}

// Manage checks that the actor may see and change a centre's bookings.
func (b *Booker) Manage(ctx context.Context, a counselling.Actor, centreID string) (*counselling.Centre, error) {
	c, err := b.Centres.FindCentre(ctx, centreID)
	if errors.Is(err, counselling.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !mayManage(a, c) {
		return nil, ErrForbidden
	}
	return c, nil
}

// StaffBookings lists a centre's bookings in [from, to) for its staff.
func (b *Booker) StaffBookings(ctx context.Context, a counselling.Actor, centreID string, from, to time.Time) ([]Booking, error) {
	if _, err := b.Manage(ctx, a, centreID); err != nil {
		return nil, err
	}
	return b.Store.Bookings(ctx, centreID, from, to)
}

// StaffChange cancels (with a reason the person is told), or marks a
// booking done or no-show. The booking must belong to the centre.
func (b *Booker) StaffChange(ctx context.Context, a counselling.Actor, centreID, bookingID, to, reason string) (*Booking, error) {
	c, err := b.Manage(ctx, a, centreID)
	if err != nil {
		return nil, err
	}
	bk, err := b.Store.FindBooking(ctx, bookingID)
	if err != nil {
		return nil, err
	}
	if bk.CentreID != c.ID {
		return nil, ErrNotFound // another centre's: as if it did not exist
	}
	tr := Transition{Now: b.Now(), By: a.ID, OrgID: c.OrgID}
	switch to {
	case Cancelled:
		reason = strings.TrimSpace(reason)
		if utf8.RuneCountInString(reason) > 500 {
			return nil, &ValidationError{[]FieldError{{Field: "grund", Key: "booking.error.too_long", Args: []any{"max", 500}}}}
		}
		tr.Reason = reason
		return b.Store.Transition(ctx, bk.ID, []string{Pending, Confirmed}, Cancelled, tr)
	case Done, NoShow:
		if b.Now().Before(bk.Start) {
			return nil, ErrWrongState // not before it began
		}
		return b.Store.Transition(ctx, bk.ID, []string{Confirmed}, to, tr)
	}
	return nil, ErrWrongState
}

// Problem is one thing that keeps a centre from taking bookings, with the
// back-office page that fixes it.
type Problem struct {
	Key  string // message key
	Args []any
	Fix  string // path below /{lang}/intern/beratungsstellen/{id}/termine
}

// Check is the "Konfig-Check": every problem that blocks booking. A
// centre whose check passes is shown with online booking (Fall 1).
// mailOK: the platform can send mail.
func (b *Booker) Check(ctx context.Context, c *counselling.Centre, mailOK bool, counsellorIDs map[string]bool) ([]Problem, error) {
	var out []Problem
	set, err := b.Store.BookingSettings(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	set.Defaults()
	cal := CalendarFor(c, set, b.ags(c))
	hasHours := false
	for _, d := range cal.Hours {
		hasHours = hasHours || len(d) > 0
	}
	if !hasHours {
		out = append(out, Problem{Key: "booking.check.no_hours", Fix: "/zeiten"})
	}
	svcs, err := b.Store.Services(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	active := 0
	for _, s := range svcs {
		if !s.Active {
			continue
		}
		active++
		ok := false
		for _, id := range s.Counsellors {
			ok = ok || counsellorIDs[id]
		}
		if !ok {
			out = append(out, Problem{Key: "booking.check.no_counsellor", Args: []any{"service", s.Name}, Fix: "/angebote/" + s.ID})
		}
	}
	if active == 0 {
		out = append(out, Problem{Key: "booking.check.no_service", Fix: "/angebote"})
	}
	if hasHours && active > 0 {
		now := b.Now()
		free := false
		for _, s := range svcs {
			if !s.Active {
				continue
			}
			taken, err := b.Store.Taken(ctx, s.ID, now, now.Add(15*24*time.Hour), now)
			if err != nil {
				return nil, err
			}
			for d, i := DayOf(now), 0; i < 14 && !free; d, i = d.AddDays(1), i+1 {
				for _, sl := range Slots(cal, s, d, now, taken) {
					free = free || sl.Free > 0
				}
			}
		}
		if !free {
			out = append(out, Problem{Key: "booking.check.no_free_slot", Fix: "/zeiten"})
		}
	}
	if b.Templates != nil {
		ts, err := b.Templates.Templates(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		missing := MissingTemplates(ts)
		for _, kind := range MailKinds {
			if langs := missing[kind]; len(langs) > 0 {
				names := make([]string, len(langs))
				for i, code := range langs {
					names[i] = code
					if l, ok := i18n.Lookup(code); ok {
						names[i] = l.Name // "English", "العربية": not "en", "ar"
					}
				}
				out = append(out, Problem{Key: "booking.check.template_missing",
					Args: []any{"kind", kind, "languages", strings.Join(names, ", ")}, Fix: "/vorlagen"})
			}
		}
	}
	if !mailOK {
		out = append(out, Problem{Key: "booking.check.no_mail"})
	}
	return out, nil
}

// Readiness is what RefreshReady needs besides the booking store.
type Readiness interface {
	AllCentres(ctx context.Context) ([]*counselling.Centre, error)
	// StaffIDsOf lists the staff of an organisation.
	StaffIDsOf(ctx context.Context, orgID string) (map[string]bool, error)
	SetBookingReady(ctx context.Context, ids []string) error
}

// RefreshReady runs the Konfig-Check of every centre that wants its own
// booking and records the ones that pass; only these are shown with
// online booking (Fall 1). Run periodically (free slots run out with
// time) and after a centre changes its booking.
func (b *Booker) RefreshReady(ctx context.Context, r Readiness, mailOK bool) ([]string, error) {
	cs, err := r.AllCentres(ctx)
	if err != nil {
		return nil, err
	}
	var ready []string
	staff := map[string]map[string]bool{}
	for _, c := range cs {
		if !c.OwnBooking {
			continue
		}
		ids, ok := staff[c.OrgID]
		if !ok {
			if ids, err = r.StaffIDsOf(ctx, c.OrgID); err != nil {
				return nil, err
			}
			staff[c.OrgID] = ids
		}
		problems, err := b.Check(ctx, c, mailOK, ids)
		if err != nil {
			return nil, err
		}
		if len(problems) == 0 {
			ready = append(ready, c.ID)
		}
	}
	return ready, r.SetBookingReady(ctx, ready)
}

// ReminderJob is the periodic job that sends due reminders.
const ReminderJob = "booking_reminders"

// SendReminders queues the reminder of every confirmed booking that is
// due: compose makes the mail, with the new cancel link's token. Each is
// sent exactly once (Store.MarkReminded).
func (b *Booker) SendReminders(ctx context.Context, compose func(bk Booking, cancelToken string) (mail.Message, error)) (int, error) {
	now := b.Now()
	due, err := b.Store.DueReminders(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, bk := range due {
		token, hash := NewToken()
		m, err := compose(bk, token)
		if err != nil {
			return n, err
		}
		j, err := job.NewJob(mail.JobKind, mail.JobArgs{}, now, job.MaxAttempts(8))
		if err != nil {
			return n, err
		}
		ok, err := b.Store.MarkReminded(ctx, bk.ID, now, hash, m, j)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
