// Package office finds the office responsible for a service at a place, and
// how an application reaches it: the platform's answer to "Dahin kann ich
// mich wenden". Offices and responsibilities come from files in a format
// modelled on the Portalverbund (PVOG) data (see Import) or are kept by
// operators in the back office.
package office

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Office is an Organisationseinheit: the place a person writes to, calls or
// visits.
type Office struct {
	ID           string
	Name         string
	Street       string
	Postcode     string
	City         string
	Phone        string
	Email        string
	Website      string
	OpeningHours string
	// Demo marks invented data shipped for trying the platform out; pages
	// say so wherever it is shown.
	Demo      bool
	Source    string
	UpdatedAt time.Time
}

// Responsibility says: for service LeiKa in area ARS, the office is
// responsible, and how applications reach it.
type Responsibility struct {
	LeiKa    string
	ARS      string
	OfficeID string
	// FITConnectDestination is a FIT-Connect destination id (UUID).
	FITConnectDestination string
	// XTAAddress is the DVDV/XTA address of the office's mailbox.
	XTAAddress string
	// OnlineServiceURL is an external online service for this service.
	OnlineServiceURL string
	UpdatedAt        time.Time
}

// Electronic reports whether applications can be delivered to the office.
func (r Responsibility) Electronic() bool {
	return r.FITConnectDestination != "" || r.XTAAddress != ""
}

// Case is one of the three cases of the original platform.
type Case int

const (
	// CaseApplyHere (Fall 1): the application can be made on the platform.
	CaseApplyHere Case = 1
	// CaseExternal (Fall 2): an external online service exists.
	CaseExternal Case = 2
	// CaseContact (Fall 3): neither; contact the office directly.
	CaseContact Case = 3
)

// Match is an office responsible at a place, with the routing found.
type Match struct {
	Office Office
	// LeiKa lists the service's LeiKa ids the office is responsible for.
	LeiKa []string
	// AreaARS is the area the responsibility is recorded for (the place
	// itself, its Kreis or its Land).
	AreaARS string
	Responsibility
	Case Case
}

// Store keeps offices and responsibilities.
type Store interface {
	// FindResponsibilities returns the responsibilities for any of the
	// LeiKa ids in any of the areas, with their offices.
	FindResponsibilities(ctx context.Context, leika, areas []string) ([]Responsibility, map[string]Office, error)
	SaveOffice(ctx context.Context, o *Office) error
	SaveResponsibility(ctx context.Context, r *Responsibility) error
	// SaveAll adds or replaces offices and responsibilities in one transaction.
	SaveAll(ctx context.Context, offices []Office, rs []Responsibility) error
	DeleteResponsibility(ctx context.Context, leika, ars, officeID string) error
	FindOffice(ctx context.Context, id string) (*Office, error)
	ListOffices(ctx context.Context, q string, limit int) ([]Office, error)
	ListResponsibilities(ctx context.Context, officeID string) ([]Responsibility, error)
	CountOffices(ctx context.Context) (int, error)
}

// ErrNotFound: no such office.
var ErrNotFound = errors.New("office: not found")

// Areas lists the areas a 12-digit ARS lies in, most specific first: the
// municipality, its Gemeindeverband, Kreis, Regierungsbezirk and Land —
// the hierarchy the Portalverbund walks up.
func Areas(ars string) []string {
	if len(ars) != 12 || !isDigits(ars) {
		return nil
	}
	cands := []string{
		ars,
		ars[:9] + "000",
		ars[:5] + "0000000",
		ars[:3] + "000000000",
		ars[:2] + "0000000000",
	}
	var out []string
	for _, c := range cands {
		if len(out) == 0 || out[len(out)-1] != c {
			out = append(out, c)
		}
	}
	return out
}

// Finder answers "who is responsible for this service here".
type Finder struct {
	Store Store
}

// Find returns the offices responsible for the service (its LeiKa ids) in
// the area ars. For each LeiKa id the most specific area wins; offices are
// merged so each appears once. applyHere says whether the platform offers
// the application itself (otherwise Fall 1 cannot occur).
func (f *Finder) Find(ctx context.Context, leika []string, ars string, applyHere bool) ([]Match, error) {
	areas := Areas(ars)
	if len(areas) == 0 {
		return nil, fmt.Errorf("office: %q is not a 12-digit regional key", ars)
	}
	rs, offices, err := f.Store.FindResponsibilities(ctx, leika, areas)
	if err != nil {
		return nil, err
	}
	depth := map[string]int{}
	for i, a := range areas {
		depth[a] = i
	}
	best := map[string]int{} // leika -> most specific depth
	for _, r := range rs {
		if d, ok := best[r.LeiKa]; !ok || depth[r.ARS] < d {
			best[r.LeiKa] = depth[r.ARS]
		}
	}
	byOffice := map[string]*Match{}
	var order []string
	for _, r := range rs {
		if depth[r.ARS] != best[r.LeiKa] {
			continue
		}
		m, ok := byOffice[r.OfficeID]
		if !ok {
			o, known := offices[r.OfficeID]
			if !known {
				continue
			}
			m = &Match{Office: o, AreaARS: r.ARS, Responsibility: r}
			byOffice[r.OfficeID] = m
			order = append(order, r.OfficeID)
		}
		m.LeiKa = append(m.LeiKa, r.LeiKa)
		// Any electronic route or online service of the office counts.
		if m.FITConnectDestination == "" {
			m.FITConnectDestination = r.FITConnectDestination
		}
		if m.XTAAddress == "" {
			m.XTAAddress = r.XTAAddress
		}
		if m.OnlineServiceURL == "" {
			m.OnlineServiceURL = r.OnlineServiceURL
		}
	}
	out := make([]Match, 0, len(order))
	for _, id := range order {
		m := byOffice[id]
		sort.Strings(m.LeiKa)
		switch {
		case applyHere && m.Electronic():
			m.Case = CaseApplyHere
		case m.OnlineServiceURL != "":
			m.Case = CaseExternal
		default:
			m.Case = CaseContact
		}
		out = append(out, *m)
	}
	// The office responsible for the first (main) LeiKa id comes first.
	rank := map[string]int{}
	for i, l := range leika {
		if _, ok := rank[l]; !ok {
			rank[l] = i
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].LeiKa[0]] < rank[out[j].LeiKa[0]] })
	return out, nil
}

// FieldError is a problem with one field of an office or responsibility, as
// a message key for the UI catalogue.
type FieldError struct {
	Field, Key string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Key }

// ValidationErrors collects the field errors of one record.
type ValidationErrors []FieldError

func (v ValidationErrors) Error() string {
	var s []string
	for _, e := range v {
		s = append(s, e.Error())
	}
	return "office: invalid: " + strings.Join(s, ", ")
}

// Validate checks an office before it is stored.
func (o *Office) Validate() error {
	var errs ValidationErrors
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&o.ID, &o.Name, &o.Street, &o.Postcode, &o.City, &o.Phone, &o.Email, &o.Website, &o.OpeningHours} {
		trim(s)
	}
	if o.ID == "" || len(o.ID) > 100 {
		errs = append(errs, FieldError{"id", "office.error.id"})
	}
	if o.Name == "" || utf8.RuneCountInString(o.Name) > 200 {
		errs = append(errs, FieldError{"name", "office.error.name"})
	}
	if o.Postcode != "" && (len(o.Postcode) != 5 || !isDigits(o.Postcode)) {
		errs = append(errs, FieldError{"postcode", "office.error.postcode"})
	}
	if o.Email != "" {
		if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email {
			errs = append(errs, FieldError{"email", "office.error.email"})
		}
	}
	if o.Website != "" && !httpURL(o.Website) {
		errs = append(errs, FieldError{"website", "office.error.url"})
	}
	for _, s := range []string{o.Street, o.City, o.Phone, o.OpeningHours} {
		if utf8.RuneCountInString(s) > 1000 {
			errs = append(errs, FieldError{"", "office.error.long"})
			break
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Validate checks a responsibility before it is stored.
func (r *Responsibility) Validate() error {
	var errs ValidationErrors
	r.LeiKa, r.ARS = strings.TrimSpace(r.LeiKa), strings.TrimSpace(r.ARS)
	r.FITConnectDestination = strings.ToLower(strings.TrimSpace(r.FITConnectDestination))
	r.XTAAddress, r.OnlineServiceURL = strings.TrimSpace(r.XTAAddress), strings.TrimSpace(r.OnlineServiceURL)
	if len(r.LeiKa) != 14 || !isDigits(r.LeiKa) {
		errs = append(errs, FieldError{"leika", "office.error.leika"})
	}
	if len(r.ARS) != 12 || !isDigits(r.ARS) {
		errs = append(errs, FieldError{"ars", "office.error.ars"})
	}
	if r.OfficeID == "" {
		errs = append(errs, FieldError{"office", "office.error.id"})
	}
	if d := r.FITConnectDestination; d != "" && !isUUID(d) {
		errs = append(errs, FieldError{"destination", "office.error.destination"})
	}
	if len(r.XTAAddress) > 200 {
		errs = append(errs, FieldError{"xta", "office.error.long"})
	}
	if r.OnlineServiceURL != "" && !httpURL(r.OnlineServiceURL) {
		errs = append(errs, FieldError{"online", "office.error.url"})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2000
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Actor is whoever changes office data; the back office passes the signed-in
// staff member.
type Actor interface {
	CanManageOffices() bool
}

// ErrForbidden: the actor may not change office data.
var ErrForbidden = errors.New("office: not allowed")

// Editor changes offices and responsibilities on behalf of an actor; every
// change is authorised here, not in the web layer.
type Editor struct {
	Store Store
	Now   func() time.Time
}

func (e *Editor) allowed(a Actor) error {
	if a == nil || !a.CanManageOffices() {
		return ErrForbidden
	}
	return nil
}

// SaveOffice validates and stores an office.
func (e *Editor) SaveOffice(ctx context.Context, a Actor, o *Office) error {
	if err := e.allowed(a); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	o.UpdatedAt = e.Now()
	return e.Store.SaveOffice(ctx, o)
}

// AddResponsibility validates and stores a responsibility of an existing office.
func (e *Editor) AddResponsibility(ctx context.Context, a Actor, r *Responsibility) error {
	if err := e.allowed(a); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := e.Store.FindOffice(ctx, r.OfficeID); err != nil {
		return err
	}
	r.UpdatedAt = e.Now()
	return e.Store.SaveResponsibility(ctx, r)
}

// RemoveResponsibility deletes one responsibility.
func (e *Editor) RemoveResponsibility(ctx context.Context, a Actor, leika, ars, officeID string) error {
	if err := e.allowed(a); err != nil {
		return err
	}
	return e.Store.DeleteResponsibility(ctx, leika, ars, officeID)
}

// Import stores an import document (see Import).
func (e *Editor) Import(ctx context.Context, a Actor, doc *Document) (ImportStats, error) {
	if err := e.allowed(a); err != nil {
		return ImportStats{}, err
	}
	return Import(ctx, e.Store, doc, e.Now())
}
