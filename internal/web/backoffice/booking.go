package backoffice

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/holidays"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/ics"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The centres' side of the online booking (issue 17, Fall 1): the
// Konfig-Check, the services, the bookable hours and the day and week view
// of bookings, under /{lang}/intern/beratungsstellen/{id}/termine. Who may
// see a centre's booking pages is decided by booking.Booker.Manage (staff
// of the centre's organisation, every role, and system administrators);
// another organisation's centre is a 403 as in the centre editor, another
// centre's booking or service a 404. Services and hours are changed only
// by the centre's organisation administrators and system administrators
// (mayConfigure); counsellors read them. Bookings are changed through
// Booker.StaffChange, which writes the audit entry.

// Limits of the forms beyond the domain's (booking.MaxSeats,
// MaxDuration, MaxHorizonDays).
const (
	maxServiceName   = 100
	minDuration      = 5   // minutes
	maxNoticeHours   = 720 // 30 days
	maxReminderHours = 336 // 14 days
	maxPendingEmail  = 20
	maxPendingClient = 50
	maxCancelReason  = 500
	maxBookingRows   = 2000 // a week of a very busy centre
)

// bookingPath is a centre's booking pages' address below the language.
func bookingPath(centreID string) string {
	return "/intern/beratungsstellen/" + centreID + "/termine"
}

// bookingError turns the booking domain's refusals into pages.
func bookingError(err error) error {
	switch {
	case errors.Is(err, booking.ErrForbidden):
		return web.ErrForbidden
	case errors.Is(err, booking.ErrNotFound):
		return web.ErrNotFound
	}
	return err
}

// mayConfigure: a centre's services and hours are changed by the
// administrators of its organisation and system administrators.
func mayConfigure(a counselling.Actor, c *counselling.Centre) bool {
	return a.Role == counselling.RoleSystemAdmin || a.Role == counselling.RoleOrgAdmin && a.OrgID != "" && a.OrgID == c.OrgID
}

// bookingHead is what every booking page shows: the centre, the
// navigation between the pages, and whether the reader may change things.
type bookingHead struct {
	Centre  *counselling.Centre
	Base    string // bookingPath of the centre
	Section string // overview, services, hours, bookings
	CanEdit bool
	Flash   string
}

// bookingCentre is the centre of the request's {id}, if the signed-in
// staff member may manage its bookings.
func (h *Handler) bookingCentre(r *http.Request) (*counselling.Centre, counselling.Actor, error) {
	a := actorFrom(r)
	if h.Booking == nil {
		return nil, a, web.ErrNotFound
	}
	c, err := h.Booking.Manage(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return nil, a, bookingError(err)
	}
	return c, a, nil
}

func (h *Handler) bookingView(r *http.Request, c *counselling.Centre, a counselling.Actor, section, titleKey string) (*web.View, bookingHead) {
	v := h.site.NewView(r, "")
	v.Title = v.T(titleKey, "centre", c.Name)
	return v, bookingHead{Centre: c, Base: bookingPath(c.ID), Section: section, CanEdit: mayConfigure(a, c)}
}

// orgStaff is the centre's organisation's staff: who can offer a service.
// Counsellors may not list a team (account.Service.Team), but they see
// who offers which service of their own centre, so it is read here after
// Manage allowed the centre.
func (h *Handler) orgStaff(ctx context.Context, orgID string) ([]*account.Staff, error) {
	if orgID == "" || h.Accounts == nil || h.Accounts.Tokens == nil {
		return nil, nil
	}
	return h.Accounts.Tokens.StaffOfOrg(ctx, orgID)
}

// cleanText drops control and invisible characters (bidi overrides,
// zero-width ones) from a single line or, with lines, keeps line breaks.
func cleanText(s string, lines bool) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' && lines:
			return r
		case r == '\r' && lines:
			return -1
		case r == '\n' || r == '\r' || r == '\t' || r == 0x2028 || r == 0x2029:
			return ' '
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
			r == 0x200B, r == 0x2060, r == 0xFEFF:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// intField reads a whole number in [lo, hi]; ok false when it is not one.
func intField(s string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// ---- Centres with booking pages (the staff home's link) ----

type bookingCentreRow struct {
	ID, Name, City string
	OwnBooking     bool
}

// bookingCentres lists the centres whose booking pages the staff member
// may open: their organisation's, every centre for system administrators
// (searchable, as the centre list is).
func (h *Handler) bookingCentres(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	var cs []*counselling.Centre
	var err error
	switch {
	case a.Role == counselling.RoleSystemAdmin:
		cs, err = h.CentreEditor.Store.AllCentres(r.Context())
	case a.OrgID != "":
		cs, err = h.CentreEditor.Store.CentresOf(r.Context(), a.OrgID)
	}
	if err != nil {
		return err
	}
	q := web.QueryText(r, "q")
	var rows []bookingCentreRow
	for _, c := range cs {
		if q != "" && !strings.Contains(strings.ToLower(c.Name), strings.ToLower(q)) {
			continue
		}
		row := bookingCentreRow{ID: c.ID, Name: c.Name, OwnBooking: c.OwnBooking}
		if len(c.Locations) > 0 {
			row.City = c.Locations[0].City
		}
		rows = append(rows, row)
	}
	total := len(rows)
	if len(rows) > 300 {
		rows = rows[:300]
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("bookingstaff.centres.title")
	v.Data = map[string]any{"Centres": rows, "Total": total, "Query": q, "Search": a.Role == counselling.RoleSystemAdmin}
	return h.pages.Render(w, r, http.StatusOK, "booking_centres", v)
}

// ---- Overview: the Konfig-Check ----

// checkItem is one problem of the Konfig-Check as a sentence and the link
// that fixes it ("" when no page here can).
type checkItem struct {
	Text, Href, Link string
}

type bookingOverviewData struct {
	bookingHead
	Checks       []checkItem
	Services     int
	Active       int
	OpeningHours bool
}

func (h *Handler) bookingOverview(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, head := h.bookingView(r, c, a, "overview", "bookingstaff.overview.title")
	team, err := h.orgStaff(ctx, c.OrgID)
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, st := range team {
		ids[st.ID] = true
	}
	problems, err := h.Booking.Check(ctx, c, h.Mail != nil, ids)
	if err != nil {
		return err
	}
	svcs, err := h.Booking.Store.Services(ctx, c.ID)
	if err != nil {
		return err
	}
	set, err := h.Booking.Store.BookingSettings(ctx, c.ID)
	if err != nil {
		return err
	}
	d := &bookingOverviewData{bookingHead: head, Services: len(svcs), OpeningHours: set.UseOpeningHours}
	for _, s := range svcs {
		if s.Active {
			d.Active++
		}
	}
	// The check of the domain does not look at the centre's own switch;
	// without it the finder offers no booking however ready the rest is.
	if !c.OwnBooking {
		it := checkItem{Text: v.T("bookingstaff.check.not_enabled")}
		if head.CanEdit {
			it.Href, it.Link = v.URL("/intern/beratungsstellen/"+c.ID+"#funktionen"), v.T("bookingstaff.check.fix_centre")
		}
		d.Checks = append(d.Checks, it)
	}
	names := map[string]string{}
	for _, s := range svcs {
		names[s.ID] = s.Name
	}
	for _, p := range problems {
		it := checkItem{Text: v.TA(p.Key, p.Args)}
		switch {
		case p.Fix == "":
		case p.Fix == "/zeiten":
			it.Link = v.T("bookingstaff.check.fix_hours")
		case p.Fix == "/angebote":
			it.Link = v.T("bookingstaff.check.fix_services")
		case strings.HasPrefix(p.Fix, "/angebote/"):
			it.Link = v.T("bookingstaff.check.fix_service", "service", names[strings.TrimPrefix(p.Fix, "/angebote/")])
		default:
			it.Link = v.T("bookingstaff.check.fix")
		}
		if p.Fix != "" {
			it.Href = v.URL(head.Base + p.Fix)
		}
		d.Checks = append(d.Checks, it)
	}
	v.Data = d
	return h.pages.Render(w, r, http.StatusOK, "booking_overview", v)
}

// ---- Services ----

type serviceRow struct {
	booking.Service
	Notice      int // hours
	Place       string
	Counsellors []string // names
}

type bookingServicesData struct {
	bookingHead
	Services []serviceRow
}

// placeName is how a location of the centre is named in a choice.
func placeName(l counselling.Location) string {
	s := strings.TrimSpace(l.Street + ", " + strings.TrimSpace(l.Postcode+" "+l.City))
	s = strings.Trim(s, ", ")
	if l.Label != "" {
		return l.Label + " – " + s
	}
	return s
}

func (h *Handler) bookingServices(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v, head := h.bookingView(r, c, a, "services", "bookingstaff.services.title")
	svcs, err := h.Booking.Store.Services(ctx, c.ID)
	if err != nil {
		return err
	}
	team, err := h.orgStaff(ctx, c.OrgID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, st := range team {
		names[st.ID] = st.DisplayName
	}
	d := &bookingServicesData{bookingHead: head}
	d.Flash = map[string]string{"saved": v.T("bookingstaff.service.saved")}[r.URL.Query().Get("ok")]
	for _, s := range svcs {
		row := serviceRow{Service: s, Notice: int(s.MinNotice / time.Hour)}
		if s.Location >= 0 && s.Location < len(c.Locations) {
			row.Place = placeName(c.Locations[s.Location])
		}
		for _, id := range s.Counsellors {
			if n, ok := names[id]; ok {
				row.Counsellors = append(row.Counsellors, n)
			}
		}
		d.Services = append(d.Services, row)
	}
	v.Data = d
	return h.pages.Render(w, r, http.StatusOK, "booking_services", v)
}

// serviceForm is a service as the form has it: what was typed, kept as
// typed when something is wrong.
type serviceForm struct {
	ID, Name                                         string
	Duration, Buffer, Seats, Notice, Horizon, Placed string
	Counsellors                                      map[string]bool
	Active                                           bool
}

type staffChoice struct {
	ID, Name, Role string
}

type placeChoice struct {
	Index int
	Name  string
}

// serviceLimits are the bounds the form's hints name.
type serviceLimits struct{ MinDuration, MaxDuration, MaxSeats, MaxNotice, MaxHorizon int }

var theServiceLimits = serviceLimits{MinDuration: minDuration, MaxDuration: booking.MaxDuration, MaxSeats: booking.MaxSeats,
	MaxNotice: maxNoticeHours, MaxHorizon: booking.MaxHorizonDays}

type bookingServiceData struct {
	bookingHead
	Limits serviceLimits
	New    bool
	Form   serviceForm
	Places []placeChoice
	Staff  []staffChoice
	// Read-only (counsellors): the chosen place's and staff's names.
	Place   string
	Offered []string
}

func formOfService(s booking.Service) serviceForm {
	f := serviceForm{ID: s.ID, Name: s.Name, Duration: strconv.Itoa(s.Duration), Buffer: strconv.Itoa(s.Buffer),
		Seats: strconv.Itoa(s.Seats), Notice: strconv.Itoa(int(s.MinNotice / time.Hour)), Horizon: strconv.Itoa(s.HorizonDays),
		Placed: strconv.Itoa(s.Location), Counsellors: map[string]bool{}, Active: s.Active}
	for _, id := range s.Counsellors {
		f.Counsellors[id] = true
	}
	return f
}

// newService is what a new service starts with.
func newService() booking.Service {
	return booking.Service{Duration: 60, Seats: 1, MinNotice: 24 * time.Hour, HorizonDays: 60, Active: true}
}

// findService is the centre's service sid; web.ErrNotFound for another
// centre's or none.
func (h *Handler) findService(ctx context.Context, centreID, sid string) (booking.Service, error) {
	svcs, err := h.Booking.Store.Services(ctx, centreID)
	if err != nil {
		return booking.Service{}, err
	}
	for _, s := range svcs {
		if s.ID == sid {
			return s, nil
		}
	}
	return booking.Service{}, web.ErrNotFound
}

func (h *Handler) serviceView(r *http.Request, c *counselling.Centre, a counselling.Actor, f serviceForm, isNew bool) (*web.View, *bookingServiceData, error) {
	key := "bookingstaff.service.title"
	if isNew {
		key = "bookingstaff.service.new_title"
	}
	v, head := h.bookingView(r, c, a, "services", key)
	if !isNew {
		v.Title = v.T(key, "centre", c.Name, "service", f.Name)
	}
	team, err := h.orgStaff(r.Context(), c.OrgID)
	if err != nil {
		return nil, nil, err
	}
	d := &bookingServiceData{bookingHead: head, Limits: theServiceLimits, New: isNew, Form: f}
	for i, l := range c.Locations {
		d.Places = append(d.Places, placeChoice{Index: i, Name: placeName(l)})
		if strconv.Itoa(i) == f.Placed {
			d.Place = placeName(l)
		}
	}
	for _, st := range team {
		d.Staff = append(d.Staff, staffChoice{ID: st.ID, Name: st.DisplayName, Role: string(st.Role)})
		if f.Counsellors[st.ID] {
			d.Offered = append(d.Offered, st.DisplayName)
		}
	}
	v.Data = d
	return v, d, nil
}

func (h *Handler) bookingServiceForm(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	sid := r.PathValue("sid")
	svc := newService()
	if sid != "" {
		if svc, err = h.findService(r.Context(), c.ID, sid); err != nil {
			return err
		}
	} else if !mayConfigure(a, c) {
		return web.ErrForbidden
	}
	v, _, err := h.serviceView(r, c, a, formOfService(svc), sid == "")
	if err != nil {
		return err
	}
	return h.pages.Render(w, r, http.StatusOK, "booking_service", v)
}

// readServiceForm takes the form as typed.
func readServiceForm(r *http.Request, id string) serviceForm {
	f := r.PostForm
	sf := serviceForm{ID: id, Name: f.Get("name"), Duration: f.Get("dauer"), Buffer: f.Get("puffer"), Seats: f.Get("plaetze"),
		Notice: f.Get("vorlauf"), Horizon: f.Get("zeitraum"), Placed: f.Get("ort"), Counsellors: map[string]bool{},
		Active: f.Get("aktiv") == "ja"}
	for _, id := range f["berater"] {
		sf.Counsellors[id] = true
	}
	return sf
}

// service checks the form against the limits; staff are the IDs who may
// offer it (the organisation's team).
func (f serviceForm) service(c *counselling.Centre, staff []*account.Staff) (booking.Service, []counselling.FieldError) {
	var errs []counselling.FieldError
	bad := func(field, key string, args ...any) {
		errs = append(errs, counselling.FieldError{Field: field, Key: key, Args: args})
	}
	s := booking.Service{ID: f.ID, CentreID: c.ID, Name: cleanText(f.Name, false), Active: f.Active}
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		bad("name", "bookingstaff.error.name_missing")
	case n > maxServiceName:
		bad("name", "bookingstaff.error.name_long", "max", maxServiceName)
	}
	var ok bool
	if s.Duration, ok = intField(f.Duration, minDuration, booking.MaxDuration); !ok {
		bad("dauer", "bookingstaff.error.duration", "min", minDuration, "max", booking.MaxDuration)
	}
	if s.Buffer, ok = intField(f.Buffer, 0, booking.MaxDuration); !ok {
		bad("puffer", "bookingstaff.error.buffer", "max", booking.MaxDuration)
	}
	if s.Seats, ok = intField(f.Seats, 1, booking.MaxSeats); !ok {
		bad("plaetze", "bookingstaff.error.seats", "max", booking.MaxSeats)
	}
	notice, noticeOK := intField(f.Notice, 0, maxNoticeHours)
	if !noticeOK {
		bad("vorlauf", "bookingstaff.error.notice", "max", maxNoticeHours)
	}
	s.MinNotice = time.Duration(notice) * time.Hour
	var horizonOK bool
	if s.HorizonDays, horizonOK = intField(f.Horizon, 1, booking.MaxHorizonDays); !horizonOK {
		bad("zeitraum", "bookingstaff.error.horizon", "max", booking.MaxHorizonDays)
	}
	if noticeOK && horizonOK && notice >= s.HorizonDays*24 {
		bad("vorlauf", "bookingstaff.error.notice_horizon")
	}
	if len(c.Locations) > 0 {
		if s.Location, ok = intField(f.Placed, 0, len(c.Locations)-1); !ok {
			bad("ort", "bookingstaff.error.place")
		}
	}
	known := map[string]bool{}
	for _, st := range staff {
		known[st.ID] = true
	}
	s.Counsellors = []string{}
	for id := range f.Counsellors {
		if !known[id] {
			bad("berater", "bookingstaff.error.counsellor")
			break
		}
	}
	for _, st := range staff { // in the team's order, not the form's
		if f.Counsellors[st.ID] {
			s.Counsellors = append(s.Counsellors, st.ID)
		}
	}
	return s, errs
}

func (h *Handler) bookingServiceSave(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	if !mayConfigure(a, c) {
		return web.ErrForbidden
	}
	ctx := r.Context()
	sid := r.PathValue("sid")
	var old booking.Service
	if sid != "" {
		if old, err = h.findService(ctx, c.ID, sid); err != nil {
			return err
		}
	}
	f := readServiceForm(r, sid)
	team, err := h.orgStaff(ctx, c.OrgID)
	if err != nil {
		return err
	}
	s, problems := f.service(c, team)
	if len(problems) > 0 {
		v, _, err := h.serviceView(r, c, a, f, sid == "")
		if err != nil {
			return err
		}
		if sid != "" { // the title names the service as it is stored
			v.Title = v.T("bookingstaff.service.title", "centre", c.Name, "service", old.Name)
		}
		v.Errors = fieldMessages(v, problems)
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "booking_service", v)
	}
	if s.ID == "" {
		s.ID = uuid.NewString()
	}
	if err := h.Booking.Store.SaveService(ctx, s); err != nil {
		return err
	}
	h.site.Log.Info("booking service saved", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", c.ID, "service_id", s.ID)
	h.bookingChanged(ctx)
	http.Redirect(w, r, "/"+web.Lang(r).Code+bookingPath(c.ID)+"/angebote?ok=saved", http.StatusSeeOther)
	return nil
}

// ---- Bookable hours and settings ----

type hoursForm struct {
	UseOpening                    bool
	Days                          [7]string
	Exceptions                    string
	Reminder, MaxEmail, MaxClient string
}

type holidayRow struct {
	Date, Name string
	Open       bool // an exception opens it
}

type hoursLimits struct{ MaxReminder, MaxEmail, MaxClient int }

type bookingHoursData struct {
	bookingHead
	Limits  hoursLimits
	Form    hoursForm
	DayKeys []string
	Opening [7]string // the centre's public opening hours
	// OpeningExceptions are the centre's exceptions to them, a line each.
	OpeningExceptions []string
	Land              string
	Holidays          []holidayRow
}

func formOfSettings(s booking.Settings) hoursForm {
	s.Defaults()
	f := hoursForm{UseOpening: s.UseOpeningHours, Exceptions: counselling.FormatExceptions(s.Exceptions),
		Reminder: strconv.Itoa(int(s.ReminderLead / time.Hour)), MaxEmail: strconv.Itoa(s.MaxPendingPerEmail),
		MaxClient: strconv.Itoa(s.MaxPendingPerClient)}
	for d := range f.Days {
		f.Days[d] = counselling.FormatIntervals(s.Hours[d])
	}
	return f
}

// lands names the Länder by the first two digits of a municipality key.
var lands = map[string]string{"01": "Schleswig-Holstein", "02": "Hamburg", "03": "Niedersachsen", "04": "Bremen",
	"05": "Nordrhein-Westfalen", "06": "Hessen", "07": "Rheinland-Pfalz", "08": "Baden-Württemberg", "09": "Bayern",
	"10": "Saarland", "11": "Berlin", "12": "Brandenburg", "13": "Mecklenburg-Vorpommern", "14": "Sachsen",
	"15": "Sachsen-Anhalt", "16": "Thüringen"}

func (h *Handler) hoursView(r *http.Request, c *counselling.Centre, a counselling.Actor, f hoursForm, set booking.Settings) (*web.View, error) {
	v, head := h.bookingView(r, c, a, "hours", "bookingstaff.hours.title")
	d := &bookingHoursData{bookingHead: head, Form: f, DayKeys: weekdayKeys,
		Limits: hoursLimits{MaxReminder: maxReminderHours, MaxEmail: maxPendingEmail, MaxClient: maxPendingClient}}
	for i := range d.Opening {
		d.Opening[i] = counselling.FormatIntervals(c.Hours[i])
	}
	if ex := strings.TrimSpace(counselling.FormatExceptions(c.Exceptions)); ex != "" {
		d.OpeningExceptions = strings.Split(ex, "\n")
	}
	ags := ""
	if h.Booking.AGS != nil {
		ags = h.Booking.AGS(c)
	}
	if len(ags) == 8 {
		d.Land = lands[ags[:2]]
	}
	// The public holidays of the coming twelve months, and whether the
	// saved exceptions open them.
	set.Defaults()
	cal := booking.CalendarFor(c, set, ags)
	now := h.Booking.Now()
	today := booking.DayOf(now).Midnight()
	until := today.AddDate(1, 0, 0)
	for _, y := range []int{today.Year(), today.Year() + 1} {
		for _, hd := range holidays.InYear(y, ags) {
			if hd.Date.Before(today) || !hd.Date.Before(until) {
				continue
			}
			ivs, _ := cal.Intervals(booking.DayOf(hd.Date))
			d.Holidays = append(d.Holidays, holidayRow{Date: h.dayLabel(v, booking.DayOf(hd.Date)), Name: hd.Name, Open: len(ivs) > 0})
		}
	}
	v.Data = d
	return v, nil
}

func (h *Handler) bookingHoursForm(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	set, err := h.Booking.Store.BookingSettings(r.Context(), c.ID)
	if err != nil {
		return err
	}
	v, err := h.hoursView(r, c, a, formOfSettings(set), set)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("ok") == "saved" {
		v.Data.(*bookingHoursData).Flash = v.T("bookingstaff.hours.saved")
	}
	return h.pages.Render(w, r, http.StatusOK, "booking_hours", v)
}

// settings checks the form; problems name the fields.
func (f hoursForm) settings(centreID string) (booking.Settings, []counselling.FieldError) {
	var errs []counselling.FieldError
	s := booking.Settings{CentreID: centreID, UseOpeningHours: f.UseOpening}
	for d, text := range f.Days {
		iv, key := counselling.ParseIntervals(text)
		if key != "" {
			errs = append(errs, counselling.FieldError{Field: "zeit_" + strconv.Itoa(d), Key: key})
		}
		s.Hours[d] = iv
	}
	ex, problems := counselling.ParseExceptions(f.Exceptions)
	errs = append(errs, problems...)
	s.Exceptions = ex
	if n, ok := intField(f.Reminder, 1, maxReminderHours); ok {
		s.ReminderLead = time.Duration(n) * time.Hour
	} else {
		errs = append(errs, counselling.FieldError{Field: "erinnerung", Key: "bookingstaff.error.reminder", Args: []any{"max", maxReminderHours}})
	}
	var ok bool
	if s.MaxPendingPerEmail, ok = intField(f.MaxEmail, 1, maxPendingEmail); !ok {
		errs = append(errs, counselling.FieldError{Field: "max_email", Key: "bookingstaff.error.max_email", Args: []any{"max", maxPendingEmail}})
	}
	if s.MaxPendingPerClient, ok = intField(f.MaxClient, 1, maxPendingClient); !ok {
		errs = append(errs, counselling.FieldError{Field: "max_client", Key: "bookingstaff.error.max_client", Args: []any{"max", maxPendingClient}})
	}
	return s, errs
}

func (h *Handler) bookingHoursSave(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	if !mayConfigure(a, c) {
		return web.ErrForbidden
	}
	p := r.PostForm
	f := hoursForm{UseOpening: p.Get("oeffnungszeiten") == "ja", Exceptions: p.Get("ausnahmen"), Reminder: p.Get("erinnerung"),
		MaxEmail: p.Get("max_email"), MaxClient: p.Get("max_client")}
	for d := range f.Days {
		f.Days[d] = p.Get("zeit_" + strconv.Itoa(d))
	}
	s, problems := f.settings(c.ID)
	if len(problems) > 0 {
		old, err := h.Booking.Store.BookingSettings(r.Context(), c.ID)
		if err != nil {
			return err
		}
		v, err := h.hoursView(r, c, a, f, old)
		if err != nil {
			return err
		}
		v.Errors = fieldMessages(v, problems)
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "booking_hours", v)
	}
	if err := h.Booking.Store.SaveBookingSettings(r.Context(), s); err != nil {
		return err
	}
	h.site.Log.Info("booking hours saved", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", c.ID)
	h.bookingChanged(r.Context())
	http.Redirect(w, r, "/"+web.Lang(r).Code+bookingPath(c.ID)+"/zeiten?ok=saved", http.StatusSeeOther)
	return nil
}

// ---- Bookings: day and week ----

type bookingRow struct {
	ID, Time, Service           string
	Name, Email, Phone          string
	State                       string // message key suffix
	Reason                      string
	CanCancel, CanDone, Started bool
}

type bookingDayRows struct {
	ID, Label string
	Today     bool
	Rows      []bookingRow
}

type bookingListData struct {
	bookingHead
	Day, Week, Print            bool
	Tag                         string // the shown date, 2006-01-02
	View                        string // tag or woche
	Range                       string // the shown day or week
	Days                        []bookingDayRows
	Count                       int
	Prev, Next, Today, PrintURL string
	Truncated                   bool
	// Typed is a cancellation's reason as typed, when it came back with
	// a problem.
	Typed map[string]string
}

// dayLabel is "Mittwoch, 09.12.2026" in the reader's language.
func (h *Handler) dayLabel(v *web.View, d booking.Day) string {
	t := d.Midnight()
	return v.T("bookingstaff.day", "weekday", v.T("counselling.day."+weekdayKeys[(int(t.Weekday())+6)%7]), "date", t.Format("02.01.2006"))
}

// listQuery is the bookings page's address for a day and view.
func listQuery(base string, d booking.Day, week, print bool) string {
	q := url.Values{"tag": {d.String()}}
	if week {
		q.Set("ansicht", "woche")
	}
	if print {
		q.Set("druck", "1")
	}
	return base + "/buchungen?" + q.Encode()
}

func (h *Handler) bookingList(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	return h.renderBookingList(w, r, c, a, http.StatusOK, nil, nil)
}

// renderBookingList shows the day or week of the request's tag and
// ansicht (query or form); errs are a failed action's, about a booking
// on the day at (shown instead when the range asked for lacks it).
func (h *Handler) renderBookingList(w http.ResponseWriter, r *http.Request, c *counselling.Centre, a counselling.Actor, status int, errs []web.FieldMessage, at *booking.Day) error {
	ctx := r.Context()
	v, head := h.bookingView(r, c, a, "bookings", "bookingstaff.bookings.title")
	now := h.Booking.Now()
	today := booking.DayOf(now)
	d := &bookingListData{bookingHead: head, Week: r.FormValue("ansicht") == "woche", Print: r.FormValue("druck") == "1"}
	d.Day = !d.Week
	if bid := r.PathValue("bid"); bid != "" && r.Method == http.MethodPost {
		d.Typed = map[string]string{bid: r.PostForm.Get("grund")}
	}
	day := today
	if tag := strings.TrimSpace(r.FormValue("tag")); tag != "" {
		if x, ok := booking.ParseDay(tag); ok && x.Year >= 2000 && x.Year <= 2100 {
			day = x
		} else {
			errs = append(errs, web.FieldMessage{Field: "tag", Message: v.T("bookingstaff.error.date")})
			status = http.StatusUnprocessableEntity
		}
	}
	// The range shown: the day, or the week (Monday first) it is in.
	n, first := 1, func(x booking.Day) booking.Day { return x }
	if d.Week {
		n, first = 7, func(x booking.Day) booking.Day { return x.AddDays(-((int(x.Midnight().Weekday()) + 6) % 7)) }
	}
	from := first(day)
	if at != nil && (at.Midnight().Before(from.Midnight()) || !at.Midnight().Before(from.AddDays(n).Midnight())) {
		day, from = *at, first(*at)
	}
	to := from.AddDays(n)
	d.Tag, d.View = day.String(), map[bool]string{true: "woche", false: "tag"}[d.Week]
	if d.Week {
		d.Range = v.T("bookingstaff.bookings.week", "from", from.Midnight().Format("02.01.2006"), "to", from.AddDays(6).Midnight().Format("02.01.2006"))
	} else {
		d.Range = h.dayLabel(v, day)
	}
	d.Prev, d.Next = listQuery(head.Base, day.AddDays(-n), d.Week, false), listQuery(head.Base, day.AddDays(n), d.Week, false)
	d.Today, d.PrintURL = listQuery(head.Base, today, d.Week, false), listQuery(head.Base, day, d.Week, true)
	list, err := h.Booking.StaffBookings(ctx, a, c.ID, from.Midnight(), to.Midnight())
	if err != nil {
		return bookingError(err)
	}
	if len(list) > maxBookingRows {
		list, d.Truncated = list[:maxBookingRows], true
	}
	svcs, err := h.Booking.Store.Services(ctx, c.ID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, s := range svcs {
		names[s.ID] = s.Name
	}
	byDay := map[booking.Day][]bookingRow{}
	for _, bk := range list {
		row := bookingRow{ID: bk.ID, Time: bk.Start.In(booking.Berlin).Format("15:04") + "–" + bk.End.In(booking.Berlin).Format("15:04"),
			Service: names[bk.ServiceID], Name: strings.TrimSpace(bk.LastName + ", " + bk.FirstName), Email: bk.Email, Phone: bk.Phone,
			State: strings.ToLower(bk.State), Reason: bk.CancelReason, Started: !now.Before(bk.Start)}
		if bk.LastName == "" && bk.FirstName == "" {
			row.Name = ""
		}
		if bk.State == booking.Pending && !now.Before(bk.ExpiresAt) {
			row.State = "expired" // its hold ran out; the clean-up has not run yet
		}
		row.CanCancel = !row.Started && row.State != "expired" && (bk.State == booking.Pending || bk.State == booking.Confirmed)
		row.CanDone = row.Started && bk.State == booking.Confirmed
		byDay[booking.DayOf(bk.Start)] = append(byDay[booking.DayOf(bk.Start)], row)
		d.Count++
	}
	for i := range n {
		x := from.AddDays(i)
		d.Days = append(d.Days, bookingDayRows{ID: "tag-" + x.String(), Label: h.dayLabel(v, x), Today: x == today, Rows: byDay[x]})
	}
	d.Flash = map[string]string{"cancelled": v.T("bookingstaff.bookings.cancelled"), "done": v.T("bookingstaff.bookings.marked_done"),
		"no_show": v.T("bookingstaff.bookings.marked_no_show"), "state": v.T("bookingstaff.bookings.state_changed")}[r.URL.Query().Get("ok")]
	v.Data, v.Errors = d, errs
	return h.pages.Render(w, r, status, "booking_bookings", v)
}

// staffCancelMail is what the mail to a person whose booking the centre
// cancelled says (template booking_staff_cancelled).
type staffCancelMail struct {
	Name, Centre, Service   string
	Weekday, Date, Time     string // Weekday: a message key
	Reason                  string
	Phone, Email, BookAgain string
}

func (h *Handler) bookingChange(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	to := map[string]string{"absagen": booking.Cancelled, "erledigt": booking.Done, "nicht_erschienen": booking.NoShow}[r.PostForm.Get("aktion")]
	if to == "" {
		return web.ErrBadRequest
	}
	bid := r.PathValue("bid")
	day, ok := booking.ParseDay(r.PostForm.Get("tag"))
	if !ok {
		day = booking.DayOf(h.Booking.Now())
	}
	back := "/" + web.Lang(r).Code + listQuery(bookingPath(c.ID), day, r.PostForm.Get("ansicht") == "woche", false) + "&ok="
	reason := ""
	// A cancellation's reason: checked here, so that a problem shows
	// beside the booking's field with what was typed.
	reasonProblem := func(at booking.Day, key string, args ...any) error {
		v := h.site.NewView(r, "")
		return h.renderBookingList(w, r, c, a, http.StatusUnprocessableEntity,
			[]web.FieldMessage{{Field: "grund-" + bid, Message: v.T(key, args...)}}, &at)
	}
	if to == booking.Cancelled {
		old, err := h.Booking.Store.FindBooking(ctx, bid)
		if err != nil {
			return bookingError(err)
		}
		if old.CentreID != c.ID {
			return web.ErrNotFound // another centre's: as if it did not exist
		}
		if !h.Booking.Now().Before(old.Start) {
			http.Redirect(w, r, back+"state", http.StatusSeeOther)
			return nil
		}
		reason = cleanText(r.PostForm.Get("grund"), true)
		switch {
		case reason == "":
			return reasonProblem(booking.DayOf(old.Start), "bookingstaff.error.reason_missing")
		case utf8.RuneCountInString(reason) > maxCancelReason:
			return reasonProblem(booking.DayOf(old.Start), "bookingstaff.error.reason_long", "max", maxCancelReason)
		}
	}
	bk, err := h.Booking.StaffChange(ctx, a, c.ID, bid, to, reason)
	var ve *booking.ValidationError
	switch {
	case errors.Is(err, booking.ErrWrongState):
		http.Redirect(w, r, back+"state", http.StatusSeeOther)
		return nil
	case errors.As(err, &ve):
		return reasonProblem(day, "bookingstaff.error.reason_long", "max", maxCancelReason)
	case err != nil:
		return bookingError(err)
	}
	h.site.Log.Info("booking changed by staff", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", c.ID, "booking_id", bk.ID, "state", bk.State)
	if to == booking.Cancelled {
		if err := h.mailStaffCancel(ctx, c, bk); err != nil {
			return err
		}
		http.Redirect(w, r, back+"cancelled", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, back+strings.ToLower(to), http.StatusSeeOther)
	return nil
}

// mailStaffCancel tells the person that the centre cancelled, why, and
// where to book again, in the language they booked in.
func (h *Handler) mailStaffCancel(ctx context.Context, c *counselling.Centre, bk *booking.Booking) error {
	if bk.Email == "" || h.Mail == nil {
		return nil // deleted by retention already
	}
	l, ok := i18n.Lookup(bk.Lang)
	if !ok {
		l, _ = i18n.Lookup(i18n.Default)
	}
	svc := ""
	if svcs, err := h.Booking.Store.Services(ctx, c.ID); err == nil {
		for _, s := range svcs {
			if s.ID == bk.ServiceID {
				svc = s.Name
			}
		}
	}
	start := bk.Start.In(booking.Berlin)
	data := staffCancelMail{Name: strings.TrimSpace(bk.FirstName + " " + bk.LastName), Centre: c.Name, Service: svc,
		Weekday: "counselling.day." + weekdayKeys[(int(start.Weekday())+6)%7], Date: start.Format("02.01.2006"), Time: start.Format("15:04"),
		Reason: bk.CancelReason, Phone: c.Phone, Email: c.Email, BookAgain: h.BaseURL + "/" + l.Code + "/beratung/" + c.Slug}
	// The calendar entry the person has goes away: a cancellation of the
	// same UID as the invitation the booking pages sent.
	place := ""
	if len(c.Locations) > 0 {
		place = placeName(c.Locations[0])
	}
	att := mail.Attachment{Name: "absage.ics", ContentType: "text/calendar; charset=UTF-8; method=CANCEL",
		Data: ics.Cancel(ics.Event{UID: booking.CalendarUID(bk.ID, h.BaseURL), Sequence: bk.Sequence, Start: bk.Start, End: bk.End,
			Summary: svc + " – " + c.Name, Location: place, OrganizerName: c.Name, OrganizerEmail: c.Email, Stamp: h.Booking.Now()})}
	t, err := booking.TemplateFor(ctx, h.Booking.Templates, c.ID, l.Code, booking.MailCancelled)
	if err != nil {
		return err
	}
	if t != nil && h.CustomMail != nil { // the centre's own wording
		subject, text := t.Render(booking.Values(*bk, bk.FirstName, bk.LastName, svc, c.Name, place, data.BookAgain, bk.CancelReason))
		_, err = h.CustomMail.SendCustom(ctx, l, bk.Email, subject, text, att)
		return err
	}
	_, err = h.Mail.SendWith(ctx, l, "booking_staff_cancelled", bk.Email, data, att)
	return err
}

// bookingChanged lets the finder follow a change at once (Fall 1 only for
// centres whose Konfig-Check passes) instead of at the next periodic run.
// A failure is logged: the periodic run repeats it.
func (h *Handler) bookingChanged(ctx context.Context) {
	if h.BookingChanged == nil {
		return
	}
	if err := h.BookingChanged(ctx); err != nil {
		h.site.Log.Warn("booking readiness not refreshed", "error", err.Error())
	}
}
