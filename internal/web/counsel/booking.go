package counsel

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/ics"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Online appointment booking for a person seeking advice (Fall 1, issue
// 17), without an account and without JavaScript:
//
//	GET  /{lang}/beratung/{slug}/termin            service, month calendar, free times of a day, days of a time
//	POST /{lang}/beratung/{slug}/termin            a time chosen: into the session, on to the details
//	GET  /{lang}/beratung/{slug}/termin/angaben    name, email, phone
//	POST /{lang}/beratung/{slug}/termin/angaben    saved in the session, on to the check
//	GET  /{lang}/beratung/{slug}/termin/pruefen    summary, consent, "Termin vereinbaren"
//	POST /{lang}/beratung/{slug}/termin/pruefen    booked (pending): mail with the links and an ICS
//	GET  /{lang}/beratung/{slug}/termin/gesendet   "not booked yet: confirm with the link in your email"
//	GET  /{lang}/termin/bestaetigen/{token}        the booking and a confirm button (GET changes nothing)
//	POST /{lang}/termin/bestaetigen/{token}        confirms, mails the ICS
//	GET  /{lang}/termin/absagen/{token}            the booking and a cancel button
//	POST /{lang}/termin/absagen/{token}            cancels, frees the seat, mails the ICS cancellation
//
// What the person chose and typed lives in the visitor session under keys
// "booking.*", never in an address; every page that shows it is no-store.
// Times are computed and shown in Europe/Berlin, and the pages say so.

// Session keys.
const (
	keyCentre  = "booking.centre"
	keyService = "booking.service"
	keyStart   = "booking.start" // RFC 3339, UTC
	keyLast    = "booking.nachname"
	keyFirst   = "booking.vorname"
	keyEmail   = "booking.email"
	keyPhone   = "booking.telefon"
	keyNotice  = "booking.notice" // a message for the calendar page, shown once
	keySent    = "booking.sent"   // what the "sent" page shows, JSON
)

// Notices the calendar page shows once.
const (
	noticeTaken   = "taken"   // the chosen time was just taken
	noticeInvalid = "invalid" // the chosen time is not offered (any more)
)

const (
	// maxTimeDays is how many days the search by time of day lists.
	maxTimeDays = 20
	// maxKept bounds what a too-long field keeps for the form shown again
	// (the message says how long it may be).
	maxKept = 1000
)

var dayKeys = weekdayKeys // Monday first

// bookingRoutes registers the booking pages; every page with personal
// data (the details, the check, the sent page, the links of the mail) is
// no-store, and so is the calendar, whose free times change by the minute.
func (h *Handler) bookingRoutes(site *web.Site) {
	ns := web.NoStore
	site.Page("GET /{lang}/beratung/{slug}/termin", h.bookingCalendar, ns)
	site.Page("POST /{lang}/beratung/{slug}/termin", h.bookingChoose, ns)
	site.Page("GET /{lang}/beratung/{slug}/termin/angaben", h.bookingDetails, ns)
	site.Page("POST /{lang}/beratung/{slug}/termin/angaben", h.bookingDetailsSave, ns)
	site.Page("GET /{lang}/beratung/{slug}/termin/pruefen", h.bookingCheck, ns)
	site.Page("POST /{lang}/beratung/{slug}/termin/pruefen", h.bookingSubmit, ns)
	site.Page("GET /{lang}/beratung/{slug}/termin/gesendet", h.bookingSent, ns)
	site.Page("GET /{lang}/termin/bestaetigen/{token}", h.bookingLink(booking.PurposeConfirm), ns)
	site.Page("POST /{lang}/termin/bestaetigen/{token}", h.bookingConfirm, ns)
	site.Page("GET /{lang}/termin/absagen/{token}", h.bookingLink(booking.PurposeCancel), ns)
	site.Page("POST /{lang}/termin/absagen/{token}", h.bookingCancel, ns)
}

// bookingCentre finds the centre of the address and what it offers;
// 404 for a centre that takes no bookings on the platform.
func (h *Handler) bookingCentre(w http.ResponseWriter, r *http.Request) (*booking.Offer, bool, error) {
	ix, err := h.counsellingIndex(r)
	if err != nil {
		return nil, false, err
	}
	c, ok := ix.Centre(r.PathValue("slug"))
	if !ok || c.BookingCase() != counselling.BookOwn || h.Booking == nil {
		return nil, false, web.ErrNotFound
	}
	if r.PathValue("slug") != c.Slug && r.Method == http.MethodGet {
		target := "/" + web.Lang(r).Code + "/beratung/" + c.Slug + strings.TrimPrefix(r.URL.Path, "/"+web.Lang(r).Code+"/beratung/"+r.PathValue("slug"))
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
		return nil, true, nil
	}
	o, err := h.Booking.Offer(r.Context(), c.ID)
	if errors.Is(err, booking.ErrNotFound) {
		return nil, false, web.ErrNotFound
	}
	return o, false, err
}

func bookingBase(lang string, c *counselling.Centre) string {
	return "/" + lang + "/beratung/" + c.Slug + "/termin"
}

// calendarURL is the calendar page of a service, a month and a day.
func calendarURL(base, service string, month booking.Day, day *booking.Day) string {
	q := url.Values{}
	if service != "" {
		q.Set("angebot", service)
	}
	if month.Year != 0 {
		q.Set("monat", monthString(month))
	}
	if day != nil {
		q.Set("tag", day.String())
	}
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}

func monthString(d booking.Day) string { return d.Midnight().Format("2006-01") }

func parseMonth(s string) (booking.Day, bool) {
	t, err := time.ParseInLocation("2006-01", s, booking.Berlin)
	if err != nil {
		return booking.Day{}, false
	}
	return booking.Day{Year: t.Year(), Month: t.Month(), Day: 1}, true
}

func monthIndex(d booking.Day) int { return d.Year*12 + int(d.Month) - 1 }

// Dates and times in the reader's language, always Berlin wall-clock time.

func weekdayIndex(d booking.Day) int { return (int(d.Midnight().Weekday()) + 6) % 7 }

func longDate(tr *i18n.Translator, d booking.Day) string {
	return tr.T("booking.date", "weekday", tr.T("counselling.day."+dayKeys[weekdayIndex(d)]), "day", d.Day,
		"month", tr.T("booking.month_date."+strconv.Itoa(int(d.Month))), "year", d.Year)
}

func clockTime(t time.Time) string { return t.In(booking.Berlin).Format("15:04") }

func whenText(tr *i18n.Translator, t time.Time) string {
	return tr.T("booking.when", "date", longDate(tr, booking.DayOf(t)), "time", clockTime(t))
}

func monthCaption(tr *i18n.Translator, d booking.Day) string {
	return tr.T("booking.calendar.month", "month", tr.T("booking.month."+strconv.Itoa(int(d.Month))), "year", d.Year)
}

// The person's choice and details in the session.

type chosen struct {
	Centre, Service string
	Start           time.Time
}

type details struct {
	LastName, FirstName, Email, Phone string
}

func sessionChoice(sess *session.Session) chosen {
	ch := chosen{Centre: sess.Get(keyCentre), Service: sess.Get(keyService)}
	if t, err := time.Parse(time.RFC3339, sess.Get(keyStart)); err == nil {
		ch.Start = t.UTC()
	}
	return ch
}

func sessionDetails(sess *session.Session) details {
	return details{LastName: sess.Get(keyLast), FirstName: sess.Get(keyFirst), Email: sess.Get(keyEmail), Phone: sess.Get(keyPhone)}
}

// choiceFor is the session's choice if it is one of this centre's.
func choiceFor(sess *session.Session, o *booking.Offer) (chosen, booking.Service, bool) {
	ch := sessionChoice(sess)
	if ch.Centre != o.Centre.ID || ch.Start.IsZero() {
		return ch, booking.Service{}, false
	}
	svc, ok := o.Service(ch.Service)
	return ch, svc, ok
}

func (d details) request(o *booking.Offer, ch chosen, lang string) booking.Request {
	return booking.Request{CentreID: o.Centre.ID, ServiceID: ch.Service, Start: ch.Start, LastName: d.LastName,
		FirstName: d.FirstName, Email: d.Email, Phone: d.Phone, Lang: lang}
}

// problems are the details' mistakes as messages beside their fields; too
// long an address or number says so rather than that it is malformed.
func (d details) problems(tr *i18n.Translator) []web.FieldMessage {
	req := booking.Request{LastName: d.LastName, FirstName: d.FirstName, Email: d.Email, Phone: d.Phone}
	var out []web.FieldMessage
	for _, p := range req.Validate() {
		key, args := p.Key, p.Args
		switch {
		case p.Field == "email" && utf8.RuneCountInString(strings.TrimSpace(d.Email)) > booking.MaxEmail:
			key, args = "booking.error.too_long", []any{"max", booking.MaxEmail}
		case p.Field == "telefon" && utf8.RuneCountInString(strings.TrimSpace(d.Phone)) > booking.MaxPhone:
			key, args = "booking.error.too_long", []any{"max", booking.MaxPhone}
		}
		out = append(out, web.FieldMessage{Field: p.Field, Message: tr.T(key, args...)})
	}
	return out
}

func (h *Handler) saveSession(w http.ResponseWriter, r *http.Request, sess *session.Session) error {
	return h.site.Sessions.Save(r.Context(), w, sess)
}

// Step 1 and 2: the service, the month, the day's free times, the days of
// a time.

type calDay struct {
	Day    int
	State  string // free, full, none; "" for a cell outside the month
	Href   string
	Chosen bool
}

type calMonth struct {
	Caption    string
	Headers    []calHeader
	Weeks      [][]calDay
	Prev, Next string
	PrevLabel  string
	NextLabel  string
}

type calHeader struct{ Short, Long string }

type slotChoice struct {
	Value string // the start, RFC 3339 in UTC
	Label string
	Free  int // seats left (shown for group appointments)
}

type bookingPage struct {
	C           *counselling.Centre
	Base        string
	Services    []booking.Service
	Service     booking.Service
	Location    *counselling.Location
	Week        []counsellingDay
	Exceptions  []string
	Month       calMonth
	Day         *booking.Day
	DayLabel    string
	DayState    booking.DayState
	DayClosed   string // why the day is closed, if the calendar says
	Slots       []slotChoice
	Times       []string
	ByTime      string
	ByTimeDays  []slotChoice
	ByTimeMore  bool
	Chosen      string // the time chosen before, in words
	ChosenNext  string // where to go on with it
	Notice      string
	HorizonLast string
	Seats       bool // group appointments: show free seats
}

// bookingCalendar is GET /{lang}/beratung/{slug}/termin.
func (h *Handler) bookingCalendar(w http.ResponseWriter, r *http.Request) error {
	o, done, err := h.bookingCentre(w, r)
	if err != nil || done {
		return err
	}
	c := o.Centre
	v := h.site.NewView(r, "")
	v.Title = v.T("booking.title") + ": " + c.Name
	tr := v.Tr
	lang := v.Lang.Code
	d := &bookingPage{C: c, Base: bookingBase(lang, c), Services: o.Services}
	d.Week, d.Exceptions = h.centreWeek(v, c)
	v.Data = d
	sess := session.FromContext(r.Context())
	if n := sess.Get(keyNotice); n != "" {
		sess.Delete(keyNotice)
		if err := h.saveSession(w, r, sess); err != nil {
			return err
		}
		if n == noticeTaken || n == noticeInvalid {
			d.Notice = "booking.notice." + n
		}
	}
	if len(o.Services) == 0 {
		// A centre that takes bookings but offers nothing bookable now.
		return h.pages.Render(w, r, http.StatusOK, "booking_calendar", v)
	}
	bad := func(field, key string, args ...any) {
		v.Errors = append(v.Errors, web.FieldMessage{Field: field, Message: v.T(key, args...)})
	}
	q := r.URL.Query()
	d.Service = o.Services[0]
	if id := q.Get("angebot"); id != "" {
		if svc, ok := o.Service(id); ok {
			d.Service = svc
		} else {
			bad("angebot", "booking.error.service")
		}
	}
	svc := d.Service
	d.Seats = svc.Seats > 1
	d.Location = location(c, svc)
	now := h.Booking.Now()
	first := booking.DayOf(now)
	last := first.AddDays(max(svc.HorizonDays, 0))
	d.HorizonLast = longDate(tr, last)
	firstMonth := booking.Day{Year: first.Year, Month: first.Month, Day: 1}
	lastMonth := booking.Day{Year: last.Year, Month: last.Month, Day: 1}

	// The day asked for decides the month; else the month asked for; else
	// the first month with a free day.
	var month booking.Day
	if s := q.Get("tag"); s != "" {
		day, ok := booking.ParseDay(s)
		switch {
		case !ok:
			bad("kalender", "booking.error.day")
		case day.Midnight().Before(first.Midnight()) || day.Midnight().After(last.Midnight()):
			bad("kalender", "booking.error.day_range", "from", longDate(tr, first), "to", d.HorizonLast)
		default:
			d.Day = &day
			month = booking.Day{Year: day.Year, Month: day.Month, Day: 1}
		}
	}
	if s := q.Get("monat"); s != "" && month.Year == 0 {
		m, ok := parseMonth(s)
		switch {
		case !ok:
			bad("kalender", "booking.error.month")
		case monthIndex(m) < monthIndex(firstMonth) || monthIndex(m) > monthIndex(lastMonth):
			bad("kalender", "booking.error.month_range", "from", monthCaption(tr, firstMonth), "to", monthCaption(tr, lastMonth))
		default:
			month = m
		}
	}
	var states map[int]booking.DayState
	if month.Year == 0 {
		month = firstMonth
		for m := firstMonth; monthIndex(m) <= monthIndex(lastMonth); m = nextMonth(m) {
			st, err := h.Booking.Month(r.Context(), o, svc, m.Year, m.Month)
			if err != nil {
				return err
			}
			if hasFreeDay(st) {
				month, states = m, st
				break
			}
			if m == firstMonth {
				states = st
			}
		}
	}
	if states == nil {
		if states, err = h.Booking.Month(r.Context(), o, svc, month.Year, month.Month); err != nil {
			return err
		}
	}
	d.Month = calendar(tr, d.Base, svc.ID, month, states, d.Day, firstMonth, lastMonth)

	if d.Day != nil {
		d.DayLabel = longDate(tr, *d.Day)
		d.DayState = states[d.Day.Day]
		_, d.DayClosed = o.Calendar.Intervals(*d.Day)
		slots, err := h.Booking.DaySlots(r.Context(), o, svc, *d.Day)
		if err != nil {
			return err
		}
		for _, s := range slots {
			if s.Free > 0 {
				d.Slots = append(d.Slots, slotChoice{Value: s.Start.Format(time.RFC3339), Label: v.T("booking.time", "time", clockTime(s.Start)), Free: s.Free})
			}
		}
	}

	// The search by time of day: every time the service is offered at
	// within the horizon, and for the time asked for the days it is free.
	all, err := h.horizonSlots(r.Context(), o, svc, first, last)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, s := range all {
		if t := clockTime(s.Start); !seen[t] {
			seen[t] = true
			d.Times = append(d.Times, t)
		}
	}
	slices.Sort(d.Times)
	if t := q.Get("uhrzeit"); t != "" {
		if !seen[t] {
			bad("uhrzeit", "booking.error.time")
		} else {
			d.ByTime = t
			for _, s := range all {
				if s.Free > 0 && clockTime(s.Start) == t {
					if len(d.ByTimeDays) == maxTimeDays {
						d.ByTimeMore = true
						break
					}
					d.ByTimeDays = append(d.ByTimeDays, slotChoice{Value: s.Start.Format(time.RFC3339),
						Label: longDate(tr, booking.DayOf(s.Start)), Free: s.Free})
				}
			}
		}
	}

	if ch, chSvc, ok := choiceFor(sess, o); ok {
		d.Chosen = chSvc.Name + ", " + whenText(tr, ch.Start)
		d.ChosenNext = d.Base + "/angaben"
		if len(sessionDetails(sess).problems(tr)) == 0 {
			d.ChosenNext = d.Base + "/pruefen"
		}
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.pages.Render(w, r, status, "booking_calendar", v)
}

func nextMonth(m booking.Day) booking.Day {
	t := time.Date(m.Year, m.Month+1, 1, 12, 0, 0, 0, booking.Berlin)
	return booking.Day{Year: t.Year(), Month: t.Month(), Day: 1}
}

func prevMonth(m booking.Day) booking.Day {
	t := time.Date(m.Year, m.Month-1, 1, 12, 0, 0, 0, booking.Berlin)
	return booking.Day{Year: t.Year(), Month: t.Month(), Day: 1}
}

func hasFreeDay(m map[int]booking.DayState) bool {
	for _, s := range m {
		if s == booking.DayFree {
			return true
		}
	}
	return false
}

// horizonSlots are a service's slots from first to last (inclusive), with
// one look-up of the held seats.
func (h *Handler) horizonSlots(ctx context.Context, o *booking.Offer, svc booking.Service, first, last booking.Day) ([]booking.Slot, error) {
	now := h.Booking.Now()
	taken, err := h.Booking.Store.Taken(ctx, svc.ID, first.Midnight(), last.AddDays(1).Midnight(), now)
	if err != nil {
		return nil, err
	}
	var out []booking.Slot
	for day := first; !day.Midnight().After(last.Midnight()); day = day.AddDays(1) {
		out = append(out, booking.Slots(o.Calendar, svc, day, now, taken)...)
	}
	return out, nil
}

// calendar lays a month out in weeks from Monday, each day a link (free),
// or text (fully booked, not bookable), with the state in words.
func calendar(tr *i18n.Translator, base, service string, month booking.Day, states map[int]booking.DayState,
	chosenDay *booking.Day, firstMonth, lastMonth booking.Day) calMonth {
	cal := calMonth{Caption: monthCaption(tr, month)}
	for _, k := range dayKeys {
		cal.Headers = append(cal.Headers, calHeader{Short: tr.T("booking.wd." + k), Long: tr.T("counselling.day." + k)})
	}
	var week []calDay
	for i := 0; i < weekdayIndex(month); i++ {
		week = append(week, calDay{})
	}
	for day := month; day.Month == month.Month; day = day.AddDays(1) {
		cd := calDay{Day: day.Day}
		switch states[day.Day] {
		case booking.DayFree:
			cd.State = "free"
			dd := day
			cd.Href = calendarURL(base, service, month, &dd) + "#zeiten"
		case booking.DayFull:
			cd.State = "full"
		default:
			cd.State = "none"
		}
		cd.Chosen = chosenDay != nil && *chosenDay == day
		week = append(week, cd)
		if len(week) == 7 {
			cal.Weeks = append(cal.Weeks, week)
			week = nil
		}
	}
	if len(week) > 0 {
		for len(week) < 7 {
			week = append(week, calDay{})
		}
		cal.Weeks = append(cal.Weeks, week)
	}
	if monthIndex(month) > monthIndex(firstMonth) {
		p := prevMonth(month)
		cal.Prev, cal.PrevLabel = calendarURL(base, service, p, nil)+"#kalender", monthCaption(tr, p)
	}
	if monthIndex(month) < monthIndex(lastMonth) {
		n := nextMonth(month)
		cal.Next, cal.NextLabel = calendarURL(base, service, n, nil)+"#kalender", monthCaption(tr, n)
	}
	return cal
}

// centreWeek is the centre's opening hours and the exceptions of the
// coming weeks, as the detail page shows them.
func (h *Handler) centreWeek(v *web.View, c *counselling.Centre) ([]counsellingDay, []string) {
	var week []counsellingDay
	for i, k := range weekdayKeys {
		hours := counselling.FormatIntervals(c.Hours[i])
		if hours == "" {
			hours = v.T("counselling.closed_day")
		}
		week = append(week, counsellingDay{Name: v.T("counselling.day." + k), Hours: hours})
	}
	now := h.site.Now().In(counselling.Berlin)
	var exc []string
	for _, e := range c.Exceptions {
		if e.To.Before(now.Add(-24*time.Hour)) || e.From.After(now.AddDate(0, 0, 60)) {
			continue
		}
		when := e.From.Format("02.01.2006")
		if !e.To.Equal(e.From) {
			when += "–" + e.To.Format("02.01.2006")
		}
		what := v.T("counselling.closed_day")
		if !e.Closed {
			what = counselling.FormatIntervals(e.Hours)
		}
		if e.Note != "" {
			what += " (" + e.Note + ")"
		}
		exc = append(exc, when+": "+what)
	}
	return week, exc
}

// bookingChoose is POST /{lang}/beratung/{slug}/termin: a time chosen
// (one of the calendar's buttons). A time no longer free sends the person
// back to the day with a message; otherwise on to the details (or, when
// they were given already, to the check).
func (h *Handler) bookingChoose(w http.ResponseWriter, r *http.Request) error {
	o, _, err := h.bookingCentre(w, r)
	if err != nil {
		return err
	}
	base := bookingBase(web.Lang(r).Code, o.Centre)
	svc, ok := o.Service(r.PostForm.Get("angebot"))
	if !ok {
		http.Redirect(w, r, base, http.StatusSeeOther)
		return nil
	}
	sess := session.FromContext(r.Context())
	start, err := time.Parse(time.RFC3339, r.PostForm.Get("beginn"))
	if err != nil {
		sess.Set(keyNotice, noticeInvalid)
		if err := h.saveSession(w, r, sess); err != nil {
			return err
		}
		http.Redirect(w, r, calendarURL(base, svc.ID, booking.Day{}, nil), http.StatusSeeOther)
		return nil
	}
	start = start.UTC()
	day := booking.DayOf(start)
	slots, err := h.Booking.DaySlots(r.Context(), o, svc, day)
	if err != nil {
		return err
	}
	notice := noticeInvalid
	for _, s := range slots {
		if s.Start.Equal(start) {
			notice = ""
			if s.Free == 0 {
				notice = noticeTaken
			}
		}
	}
	if notice != "" {
		sess.Set(keyNotice, notice)
		if err := h.saveSession(w, r, sess); err != nil {
			return err
		}
		http.Redirect(w, r, calendarURL(base, svc.ID, booking.Day{Year: day.Year, Month: day.Month, Day: 1}, &day)+"#zeiten", http.StatusSeeOther)
		return nil
	}
	sess.Set(keyCentre, o.Centre.ID)
	sess.Set(keyService, svc.ID)
	sess.Set(keyStart, start.Format(time.RFC3339))
	if err := h.saveSession(w, r, sess); err != nil {
		return err
	}
	next := base + "/angaben"
	if len(sessionDetails(sess).problems(h.site.Catalog.For(web.Lang(r)))) == 0 {
		next = base + "/pruefen"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// Step 3: the details.

type detailsPage struct {
	C       *counselling.Centre
	Base    string
	Service booking.Service
	When    string
	Change  string // back to the calendar at the chosen day
	Form    details
}

func (h *Handler) chosenOrBack(w http.ResponseWriter, r *http.Request, o *booking.Offer) (chosen, booking.Service, bool) {
	ch, svc, ok := choiceFor(session.FromContext(r.Context()), o)
	if !ok {
		http.Redirect(w, r, bookingBase(web.Lang(r).Code, o.Centre), http.StatusSeeOther)
	}
	return ch, svc, ok
}

func dayLink(base string, svc booking.Service, t time.Time) string {
	day := booking.DayOf(t)
	return calendarURL(base, svc.ID, booking.Day{Year: day.Year, Month: day.Month, Day: 1}, &day) + "#zeiten"
}

// bookingDetails is GET …/termin/angaben.
func (h *Handler) bookingDetails(w http.ResponseWriter, r *http.Request) error {
	o, done, err := h.bookingCentre(w, r)
	if err != nil || done {
		return err
	}
	ch, svc, ok := h.chosenOrBack(w, r, o)
	if !ok {
		return nil
	}
	return h.renderDetails(w, r, o, ch, svc, sessionDetails(session.FromContext(r.Context())), nil)
}

func (h *Handler) renderDetails(w http.ResponseWriter, r *http.Request, o *booking.Offer, ch chosen, svc booking.Service, f details, errs []web.FieldMessage) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("booking.details.title")
	base := bookingBase(v.Lang.Code, o.Centre)
	v.Errors = errs
	v.Data = &detailsPage{C: o.Centre, Base: base, Service: svc, When: whenText(v.Tr, ch.Start), Change: dayLink(base, svc, ch.Start), Form: f}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.pages.Render(w, r, status, "booking_details", v)
}

// kept cuts what is kept of a field to maxKept characters.
func kept(s string) string {
	if utf8.RuneCountInString(s) > maxKept {
		return string([]rune(s)[:maxKept])
	}
	return s
}

// bookingDetailsSave is POST …/termin/angaben: kept in the session
// whatever it holds (nothing typed is lost), then on to the check, or the
// form again with the mistakes beside their fields.
func (h *Handler) bookingDetailsSave(w http.ResponseWriter, r *http.Request) error {
	o, _, err := h.bookingCentre(w, r)
	if err != nil {
		return err
	}
	f := details{LastName: kept(r.PostForm.Get("nachname")), FirstName: kept(r.PostForm.Get("vorname")),
		Email: kept(r.PostForm.Get("email")), Phone: kept(r.PostForm.Get("telefon"))}
	sess := session.FromContext(r.Context())
	sess.Set(keyLast, f.LastName)
	sess.Set(keyFirst, f.FirstName)
	sess.Set(keyEmail, f.Email)
	sess.Set(keyPhone, f.Phone)
	if err := h.saveSession(w, r, sess); err != nil {
		return err
	}
	ch, svc, ok := h.chosenOrBack(w, r, o)
	if !ok {
		return nil
	}
	if errs := f.problems(h.site.Catalog.For(web.Lang(r))); len(errs) > 0 {
		return h.renderDetails(w, r, o, ch, svc, f, errs)
	}
	http.Redirect(w, r, bookingBase(web.Lang(r).Code, o.Centre)+"/pruefen", http.StatusSeeOther)
	return nil
}

// Step 4 and 5: the check, the consent and "Termin vereinbaren".

type checkPage struct {
	C        *counselling.Centre
	Base     string
	Service  booking.Service
	Location *counselling.Location
	When     string
	Change   string
	Form     details
	Consent  bool
	Multi    bool // the centre offers several services
}

func location(c *counselling.Centre, svc booking.Service) *counselling.Location {
	if svc.Location >= 0 && svc.Location < len(c.Locations) {
		return &c.Locations[svc.Location]
	}
	if len(c.Locations) > 0 {
		return &c.Locations[0]
	}
	return nil
}

// bookingCheck is GET …/termin/pruefen.
func (h *Handler) bookingCheck(w http.ResponseWriter, r *http.Request) error {
	o, done, err := h.bookingCentre(w, r)
	if err != nil || done {
		return err
	}
	ch, svc, ok := h.chosenOrBack(w, r, o)
	if !ok {
		return nil
	}
	f := sessionDetails(session.FromContext(r.Context()))
	if len(f.problems(h.site.Catalog.For(web.Lang(r)))) > 0 {
		http.Redirect(w, r, bookingBase(web.Lang(r).Code, o.Centre)+"/angaben", http.StatusSeeOther)
		return nil
	}
	return h.renderCheck(w, r, http.StatusOK, o, ch, svc, f, false, nil)
}

func (h *Handler) renderCheck(w http.ResponseWriter, r *http.Request, status int, o *booking.Offer, ch chosen, svc booking.Service,
	f details, consent bool, errs []web.FieldMessage) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("booking.review.title")
	base := bookingBase(v.Lang.Code, o.Centre)
	v.Errors = errs
	v.Data = &checkPage{C: o.Centre, Base: base, Service: svc, Location: location(o.Centre, svc), When: whenText(v.Tr, ch.Start),
		Change: dayLink(base, svc, ch.Start), Form: f, Consent: consent, Multi: len(o.Services) > 1}
	return h.pages.Render(w, r, status, "booking_check", v)
}

// sentInfo is what the "sent" page shows, kept in the session.
type sentInfo struct {
	Centre  string `json:"c"`
	Service string `json:"s"`
	Start   int64  `json:"t"`
	Until   int64  `json:"u"`
	Email   string `json:"e"`
}

// bookingSubmit is POST …/termin/pruefen: the booking is made (pending),
// the mail with the confirmation link goes out, and the person learns that
// the appointment is not booked until confirmed.
func (h *Handler) bookingSubmit(w http.ResponseWriter, r *http.Request) error {
	o, _, err := h.bookingCentre(w, r)
	if err != nil {
		return err
	}
	ch, svc, ok := h.chosenOrBack(w, r, o)
	if !ok {
		return nil
	}
	l := web.Lang(r)
	tr := h.site.Catalog.For(l)
	base := bookingBase(l.Code, o.Centre)
	sess := session.FromContext(r.Context())
	f := sessionDetails(sess)
	if len(f.problems(tr)) > 0 {
		http.Redirect(w, r, base+"/angaben", http.StatusSeeOther)
		return nil
	}
	if r.PostForm.Get("einwilligung") != "ja" {
		return h.renderCheck(w, r, http.StatusUnprocessableEntity, o, ch, svc, f, false,
			[]web.FieldMessage{{Field: "einwilligung", Message: tr.T("booking.error.consent")}})
	}
	req := f.request(o, ch, l.Code)
	req.Client = h.site.ClientAddr(r)
	bk, confirm, cancel, err := h.Booking.Book(r.Context(), o, req)
	var verr *booking.ValidationError
	switch {
	case errors.As(err, &verr):
		http.Redirect(w, r, base+"/angaben", http.StatusSeeOther)
		return nil
	case errors.Is(err, booking.ErrSlotTaken), errors.Is(err, booking.ErrSlotInvalid):
		notice := noticeTaken
		if errors.Is(err, booking.ErrSlotInvalid) {
			notice = noticeInvalid
		}
		sess.Delete(keyStart)
		sess.Set(keyNotice, notice)
		if err := h.saveSession(w, r, sess); err != nil {
			return err
		}
		http.Redirect(w, r, dayLink(base, svc, ch.Start), http.StatusSeeOther)
		return nil
	case errors.Is(err, booking.ErrTooMany):
		return h.renderCheck(w, r, http.StatusTooManyRequests, o, ch, svc, f, true,
			[]web.FieldMessage{{Field: "vereinbaren", Message: tr.T("booking.error.too_many")}})
	case err != nil:
		return err
	}
	if err := h.mailBooking(r.Context(), "booking_confirm", bk, o.Centre, svc, confirm, cancel); err != nil {
		return err
	}
	info, _ := json.Marshal(sentInfo{Centre: o.Centre.ID, Service: svc.Name, Start: bk.Start.Unix(), Until: bk.ExpiresAt.Unix(), Email: bk.Email})
	// Sent: the session keeps only what the next page shows, not the
	// person's details (a shared computer).
	for _, k := range []string{keyStart, keyLast, keyFirst, keyEmail, keyPhone} {
		sess.Delete(k)
	}
	sess.Set(keySent, string(info))
	// A new session token (a changed cookie): Chromium then never restores
	// the check page, with the name and address, from its back/forward
	// cache when someone presses Back on a shared computer.
	if err := h.site.Sessions.Renew(r.Context(), w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, base+"/gesendet", http.StatusSeeOther)
	return nil
}

type sentPage struct {
	C       *counselling.Centre
	Base    string
	Service string
	When    string
	Until   string
	Email   string
	Known   bool
}

// bookingSent is GET …/termin/gesendet.
func (h *Handler) bookingSent(w http.ResponseWriter, r *http.Request) error {
	o, done, err := h.bookingCentre(w, r)
	if err != nil || done {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("booking.sent.title")
	d := &sentPage{C: o.Centre, Base: bookingBase(v.Lang.Code, o.Centre)}
	var info sentInfo
	if raw := session.FromContext(r.Context()).Get(keySent); raw != "" && json.Unmarshal([]byte(raw), &info) == nil && info.Centre == o.Centre.ID {
		d.Known, d.Service, d.Email = true, info.Service, info.Email
		d.When = whenText(v.Tr, time.Unix(info.Start, 0))
		d.Until = whenText(v.Tr, time.Unix(info.Until, 0))
	}
	v.Data = d
	return h.pages.Render(w, r, http.StatusOK, "booking_sent", v)
}

// The links of the mail: GET shows, POST changes.

type linkPage struct {
	Purpose  string // confirm, cancel
	Booking  *booking.Booking
	C        *counselling.Centre // nil if the centre is gone
	Service  string
	Location *counselling.Location
	When     string
	Until    string
	State    string // pending, expired, confirmed, cancelled, done, noshow, past
	Again    string // the centre's booking page, to book anew
	Action   string
	Name     string
}

// bookingOf loads what a link's page shows of a booking: its centre (nil
// if gone) and service.
func (h *Handler) bookingOf(ctx context.Context, bk *booking.Booking) (*counselling.Centre, booking.Service, error) {
	c, err := h.Booking.Centres.FindCentre(ctx, bk.CentreID)
	if errors.Is(err, counselling.ErrNotFound) {
		c, err = nil, nil
	}
	if err != nil {
		return nil, booking.Service{}, err
	}
	svcs, err := h.Booking.Store.Services(ctx, bk.CentreID)
	if err != nil {
		return nil, booking.Service{}, err
	}
	for _, s := range svcs {
		if s.ID == bk.ServiceID {
			return c, s, nil
		}
	}
	return c, booking.Service{ID: bk.ServiceID}, nil
}

// linkState is what the person should learn of a booking's state.
func (h *Handler) linkState(bk *booking.Booking) string {
	now := h.Booking.Now()
	switch bk.State {
	case booking.Pending:
		if !now.Before(bk.ExpiresAt) {
			return "expired"
		}
		return "pending"
	case booking.Confirmed:
		if !now.Before(bk.Start) {
			return "past"
		}
		return "confirmed"
	case booking.Expired:
		return "expired"
	case booking.Cancelled:
		return "cancelled"
	case booking.Done:
		return "done"
	case booking.NoShow:
		return "noshow"
	}
	return "past"
}

func (h *Handler) renderLink(w http.ResponseWriter, r *http.Request, status int, purpose string, bk *booking.Booking) error {
	c, svc, err := h.bookingOf(r.Context(), bk)
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("booking.link." + purpose + ".title")
	d := &linkPage{Purpose: purpose, Booking: bk, C: c, Service: svc.Name, When: whenText(v.Tr, bk.Start),
		Until: whenText(v.Tr, bk.ExpiresAt), State: h.linkState(bk), Action: r.URL.Path,
		Name: strings.TrimSpace(bk.FirstName + " " + bk.LastName)}
	if purpose == booking.PurposeCancel && d.State == "pending" {
		d.State = "pending_cancel"
	}
	if c != nil {
		d.Location = location(c, svc)
		if c.BookingCase() == counselling.BookOwn {
			d.Again = bookingBase(v.Lang.Code, c)
			if svc.Name != "" {
				d.Again += "?angebot=" + url.QueryEscape(svc.ID)
			}
		}
	}
	v.Data = d
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.pages.Render(w, r, status, "booking_link", v)
}

// errLinkUnknown answers a link whose token is unknown: malformed,
// changed, or of a request that was never confirmed and is deleted now
// (retention deletes it when its hold runs out). A 404 that says both.
var errLinkUnknown = web.NewError(http.StatusNotFound, "booking.link_unknown")

// bookingLink is GET /{lang}/termin/bestaetigen/{token} and
// …/absagen/{token}: the booking and, where it can be done, the button.
// Nothing changes: mail scanners follow links.
func (h *Handler) bookingLink(purpose string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Referrer-Policy", "no-referrer")
		if h.Booking == nil {
			return web.ErrNotFound
		}
		bk, err := h.Booking.ByToken(r.Context(), r.PathValue("token"), purpose)
		if errors.Is(err, booking.ErrNotFound) {
			return errLinkUnknown
		}
		if err != nil {
			return err
		}
		return h.renderLink(w, r, http.StatusOK, purpose, bk)
	}
}

// bookingConfirm is POST /{lang}/termin/bestaetigen/{token}.
func (h *Handler) bookingConfirm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if h.Booking == nil {
		return web.ErrNotFound
	}
	token := r.PathValue("token")
	bk, err := h.Booking.Confirm(r.Context(), token)
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return errLinkUnknown
	case errors.Is(err, booking.ErrTokenExpired):
		if again, err := h.Booking.ByToken(r.Context(), token, booking.PurposeConfirm); err == nil {
			bk = again
		}
		return h.renderLink(w, r, http.StatusGone, booking.PurposeConfirm, bk)
	case errors.Is(err, booking.ErrWrongState):
		// Confirmed already, cancelled, or gone meanwhile: the page says.
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	h.mailAfterChange(r, "booking_confirmed", bk)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

// mailAfterChange tells the person of a change made by their link. The
// change stands whatever the mail does (the page says so); a failed mail
// is logged.
func (h *Handler) mailAfterChange(r *http.Request, name string, bk *booking.Booking) {
	if c, svc, err := h.bookingOf(r.Context(), bk); err != nil || c == nil {
		h.site.Log.Error("booking changed, no mail", "request_id", web.RequestID(r), "mail", name, "error", err)
	} else if err := h.mailBooking(r.Context(), name, bk, c, svc, "", ""); err != nil {
		h.site.Log.Error("booking changed, mail failed", "request_id", web.RequestID(r), "mail", name, "error", err)
	}
}

// bookingCancel is POST /{lang}/termin/absagen/{token}.
func (h *Handler) bookingCancel(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	if h.Booking == nil {
		return web.ErrNotFound
	}
	bk, err := h.Booking.CancelByPerson(r.Context(), r.PathValue("token"))
	switch {
	case errors.Is(err, booking.ErrNotFound):
		return errLinkUnknown
	case errors.Is(err, booking.ErrWrongState):
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	h.mailAfterChange(r, "booking_cancelled", bk)
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	return nil
}

// The mails: booking_confirm (pending: the two links, ICS TENTATIVE),
// booking_confirmed (ICS CONFIRMED), booking_cancelled (ICS CANCEL), in
// the language the person booked in.

// BookingMail is what the booking mails' templates receive.
type BookingMail struct {
	Centre     string
	Service    string
	When       string // date and time in words, in Berlin
	Date       string // the date alone, for the subject
	Address    []string
	Phone      string
	Name       string
	Email      string
	PhoneOf    string // the person's phone, if given
	Until      string // a pending booking's hold
	ConfirmURL string
	CancelURL  string
	BookURL    string // to book anew
}

// SubjectArgs puts the date into the subject.
func (m BookingMail) SubjectArgs() []any { return []any{"date", m.Date} }

func (h *Handler) mailBooking(ctx context.Context, name string, bk *booking.Booking, c *counselling.Centre, svc booking.Service, confirm, cancel string) error {
	if h.Mail == nil {
		return errors.New("booking: no mail service")
	}
	l := web.LangFromCode(bk.Lang)
	tr := h.site.Catalog.For(l)
	base := strings.TrimSuffix(h.BaseURL, "/")
	m := BookingMail{Centre: c.Name, Service: svc.Name, When: whenText(tr, bk.Start) + " " + tr.T("booking.local_time"),
		Date: longDate(tr, booking.DayOf(bk.Start)), Phone: c.Phone, Name: strings.TrimSpace(bk.FirstName + " " + bk.LastName),
		Email: bk.Email, PhoneOf: bk.Phone, Until: whenText(tr, bk.ExpiresAt)}
	loc := location(c, svc)
	if loc != nil {
		if loc.Label != "" {
			m.Address = append(m.Address, loc.Label)
		}
		m.Address = append(m.Address, loc.Street, strings.TrimSpace(loc.Postcode+" "+loc.City))
	}
	if confirm != "" {
		m.ConfirmURL = base + "/" + l.Code + "/termin/bestaetigen/" + confirm
	}
	if cancel != "" {
		m.CancelURL = base + "/" + l.Code + "/termin/absagen/" + cancel
	}
	if c.BookingCase() == counselling.BookOwn {
		m.BookURL = base + bookingBase(l.Code, c)
	}
	ev := ics.Event{UID: booking.CalendarUID(bk.ID, h.BaseURL), Sequence: bk.Sequence, Start: bk.Start, End: bk.End,
		Summary:       tr.T("booking.ics.summary", "service", svc.Name, "centre", c.Name),
		Location:      strings.Join(append([]string{c.Name}, m.Address...), ", "),
		OrganizerName: c.Name, OrganizerEmail: c.Email, Stamp: h.Booking.Now()}
	desc := []string{tr.T("booking.name") + ": " + m.Name, tr.T("booking.local_time_note")}
	var att mail.Attachment
	switch name {
	case "booking_confirm":
		ev.Status = "TENTATIVE"
		desc = append(desc, tr.T("booking.ics.pending", "until", m.Until), tr.T("booking.mail.confirm_link")+": "+m.ConfirmURL,
			tr.T("booking.mail.cancel_link")+": "+m.CancelURL)
		att = mail.Attachment{Name: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=REQUEST"}
	case "booking_confirmed":
		ev.Status = "CONFIRMED"
		desc = append(desc, tr.T("booking.ics.cancel_hint"))
		att = mail.Attachment{Name: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=REQUEST"}
	case "booking_cancelled":
		att = mail.Attachment{Name: "absage.ics", ContentType: "text/calendar; charset=UTF-8; method=CANCEL"}
	}
	ev.Description = strings.Join(desc, "\n")
	if name == "booking_cancelled" {
		att.Data = ics.Cancel(ev)
	} else {
		att.Data = ics.Request(ev)
	}
	// The centre's own wording, where it has one for this mail and language.
	kind, link := map[string]string{"booking_confirm": booking.MailConfirm, "booking_confirmed": booking.MailConfirmed,
		"booking_cancelled": booking.MailCancelled}[name], m.CancelURL
	switch kind {
	case booking.MailConfirm:
		link = m.ConfirmURL
	case booking.MailCancelled:
		link = m.BookURL
	}
	t, err := booking.TemplateFor(ctx, h.Booking.Templates, c.ID, l.Code, kind)
	if err != nil {
		return err
	}
	if t != nil {
		vals := booking.Values(*bk, bk.FirstName, bk.LastName, svc.Name, c.Name, strings.Join(m.Address, ", "), link, bk.CancelReason)
		vals["absagelink"], vals["frist"] = m.CancelURL, m.Until
		subject, text := t.Render(vals)
		_, err = h.Mail.SendCustom(ctx, l, bk.Email, subject, text, att)
		return err
	}
	_, err = h.Mail.SendWith(ctx, l, name, bk.Email, m, att)
	return err
}
