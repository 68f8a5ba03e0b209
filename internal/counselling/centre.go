// Package counselling is the directory of counselling centres
// (Suchtberatung, Schuldnerberatung, Wohnungsnotfallhilfe): what a centre
// tells people about itself, the finder that searches it by place,
// type, words, language and online counselling, and the rules of the
// centres' self-service back office (who may change what, validation,
// the audit log, CSV import and export).
package counselling

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Types of counselling, as the finder's "art" parameter names them.
const (
	TypeAddiction    = "sucht"       // Suchtberatung
	TypeDebt         = "schulden"    // Schuldner- und Insolvenzberatung
	TypeHomelessness = "wohnungsnot" // Wohnungsnotfallhilfe
)

// Types lists every type in the order the finder shows them.
var Types = []string{TypeAddiction, TypeDebt, TypeHomelessness}

// typeWords are the German words a type is found by in the free text, so
// that "Schulden" finds every debt counselling centre, whatever its name.
var typeWords = map[string]string{
	TypeAddiction:    "Suchtberatung Sucht Suchthilfe",
	TypeDebt:         "Schuldnerberatung Schulden Insolvenzberatung",
	TypeHomelessness: "Wohnungsnotfallhilfe Wohnungslosenhilfe Wohnungslosigkeit Obdachlosigkeit",
}

// ValidType reports whether t is a known type.
func ValidType(t string) bool { return slices.Contains(Types, t) }

// Centre is one counselling centre as the finder shows it. A centre
// belongs to one organisation (its Träger's account on the platform).
type Centre struct {
	ID    string
	OrgID string
	Slug  string // the detail page's address, unique
	Name  string
	Types []string
	Demo  bool // invented for trying the finder; every page says so

	// Träger: the data controller for what the centre does (the seed
	// requires it on the detail page).
	Traeger        string
	TraegerAddress string

	Locations []Location // the first is the main address
	Phone     string
	Email     string
	Website   string

	Hours      Week
	Exceptions []Exception

	Languages     []string // ISO 639-1 codes, e.g. "de", "tr"
	Offers        []string // e.g. "Alkohol", "Glücksspiel", "Insolvenzberatung"
	Topics        []string // further words people search for
	Description   string
	Transit       string // directions by public transport
	Car           string // directions by car, parking
	Accessibility string
	Contacts      []Contact

	// The six cases of the seed: booking (own = Fall 1, BookingURL = Fall
	// 2, neither = Fall 3: phone or visit) and online counselling (own =
	// Fall 4, OnlineURL = Fall 5, neither = Fall 6).
	OwnBooking bool
	BookingURL string
	// BookingReady: the centre's booking passes the Konfig-Check
	// (booking.Booker.Check); set by the store, not part of the centre's
	// own data. Only then is OwnBooking offered (Fall 1).
	BookingReady bool
	OwnOnline    bool
	OnlineURL    string

	UpdatedAt time.Time
	UpdatedBy string
}

// Location is an address of a centre, with the coordinates of its place.
type Location struct {
	Label    string // e.g. "Außenstelle Porz"; empty for the main address
	Street   string
	Postcode string
	City     string
	Lat, Lon float64
}

// Contact is a contact person.
type Contact struct {
	Name, Role, Phone, Email string
}

// Booking cases.
const (
	BookOwn      = 1 // "Termin buchen" on the platform
	BookExternal = 2 // the centre's own booking site
	BookContact  = 3 // by phone or in person
)

// Online counselling cases.
const (
	OnlineOwn      = 4 // "Online-Beratung" on the platform
	OnlineExternal = 5 // the centre's own online counselling
	OnlineNone     = 6
)

// BookingCase is the seed's Fall 1, 2 or 3.
func (c *Centre) BookingCase() int {
	switch {
	case c.OwnBooking && c.BookingReady:
		return BookOwn
	case c.BookingURL != "":
		return BookExternal
	}
	return BookContact
}

// OnlineCase is the seed's Fall 4, 5 or 6.
func (c *Centre) OnlineCase() int {
	switch {
	case c.OwnOnline:
		return OnlineOwn
	case c.OnlineURL != "":
		return OnlineExternal
	}
	return OnlineNone
}

// Online reports whether the centre counsels online (the finder's filter).
func (c *Centre) Online() bool { return c.OnlineCase() != OnlineNone }

// HasType reports whether the centre offers counselling of type t.
func (c *Centre) HasType(t string) bool { return slices.Contains(c.Types, t) }

// Limits of what a centre's fields may hold.
const (
	MaxName      = 150
	MaxText      = 2000
	MaxList      = 40 // offers, topics, languages, contacts, locations
	MaxListEntry = 100
	MaxLocations = 10
	MaxContacts  = 10
)

// FieldError is a problem with one field; Key names the message, Args
// fill it in.
type FieldError struct {
	Field string
	Key   string
	Args  []any
}

func (e FieldError) Error() string { return e.Field + ": " + e.Key }

var (
	phoneRE    = regexp.MustCompile(`^\+?[0-9][0-9 ()/\-]{4,28}[0-9]$`)
	postcodeRE = regexp.MustCompile(`^[0-9]{5}$`)
	langRE     = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// ValidPhone reports whether s looks like a phone number people can dial:
// digits with the usual separators, at least six digits.
func ValidPhone(s string) bool {
	if !phoneRE.MatchString(s) {
		return false
	}
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= 6
}

// ValidEmail reports whether s is one plain address (no display name).
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

// ValidHTTPS reports whether s is an absolute https URL with a host.
func ValidHTTPS(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && !strings.ContainsAny(s, " \t\r\n")
}

// Normalise trims every text and drops empty list entries, so that what
// is stored is what is shown.
func (c *Centre) Normalise() {
	t := strings.TrimSpace
	c.Name, c.Traeger, c.TraegerAddress = t(c.Name), t(c.Traeger), t(c.TraegerAddress)
	c.Phone, c.Email, c.Website = t(c.Phone), t(c.Email), t(c.Website)
	c.Description, c.Transit, c.Car, c.Accessibility = t(c.Description), t(c.Transit), t(c.Car), t(c.Accessibility)
	c.BookingURL, c.OnlineURL = t(c.BookingURL), t(c.OnlineURL)
	c.Offers, c.Topics = cleanList(c.Offers), cleanList(c.Topics)
	c.Languages = cleanList(c.Languages)
	for i := range c.Languages {
		c.Languages[i] = strings.ToLower(c.Languages[i])
	}
	c.Types = cleanList(c.Types)
	for i := range c.Locations {
		l := &c.Locations[i]
		l.Label, l.Street, l.Postcode, l.City = t(l.Label), t(l.Street), t(l.Postcode), t(l.City)
	}
	for i := range c.Contacts {
		k := &c.Contacts[i]
		k.Name, k.Role, k.Phone, k.Email = t(k.Name), t(k.Role), t(k.Phone), t(k.Email)
	}
}

func cleanList(in []string) []string {
	out := in[:0:0]
	seen := map[string]bool{}
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[strings.ToLower(s)] {
			continue
		}
		seen[strings.ToLower(s)] = true
		out = append(out, s)
	}
	return out
}

// Validate checks everything a centre's administrator can type. It returns
// every problem at once, each naming its field, so the form shows them all.
func (c *Centre) Validate() []FieldError {
	var errs []FieldError
	bad := func(field, key string, args ...any) { errs = append(errs, FieldError{field, key, args}) }
	long := func(field, s string, n int) {
		if utf8.RuneCountInString(s) > n {
			bad(field, "counselling.error.too_long", "max", n)
		}
	}
	if c.Name == "" {
		bad("name", "counselling.error.name_missing")
	}
	long("name", c.Name, MaxName)
	if c.Traeger == "" {
		bad("traeger", "counselling.error.traeger_missing")
	}
	long("traeger", c.Traeger, MaxName)
	long("traeger_adresse", c.TraegerAddress, 300)
	if len(c.Types) == 0 {
		bad("arten", "counselling.error.type_missing")
	}
	for _, t := range c.Types {
		if !ValidType(t) {
			bad("arten", "counselling.error.type_unknown")
		}
	}
	if c.Phone != "" && !ValidPhone(c.Phone) {
		bad("telefon", "counselling.error.phone")
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		bad("email", "counselling.error.email")
	}
	for field, u := range map[string]string{"website": c.Website, "buchung_url": c.BookingURL, "online_url": c.OnlineURL} {
		if u != "" && !ValidHTTPS(u) {
			bad(field, "counselling.error.https")
		}
	}
	if c.OwnBooking && c.BookingURL != "" {
		bad("buchung_url", "counselling.error.booking_both")
	}
	if c.OwnOnline && c.OnlineURL != "" {
		bad("online_url", "counselling.error.online_both")
	}
	if len(c.Locations) == 0 {
		bad("standorte", "counselling.error.location_missing")
	}
	if len(c.Locations) > MaxLocations {
		bad("standorte", "counselling.error.too_many", "max", MaxLocations)
	}
	for i, l := range c.Locations {
		switch {
		case l.Street == "" || l.City == "":
			bad("standorte", "counselling.error.location_incomplete", "n", i+1)
		case !postcodeRE.MatchString(l.Postcode):
			bad("standorte", "counselling.error.postcode", "n", i+1)
		}
	}
	for i, k := range c.Contacts {
		switch {
		case k.Name == "":
			bad("kontakte", "counselling.error.contact_name", "n", i+1)
		case k.Phone != "" && !ValidPhone(k.Phone):
			bad("kontakte", "counselling.error.contact_phone", "n", i+1)
		case k.Email != "" && !ValidEmail(k.Email):
			bad("kontakte", "counselling.error.contact_email", "n", i+1)
		}
	}
	if len(c.Contacts) > MaxContacts {
		bad("kontakte", "counselling.error.too_many", "max", MaxContacts)
	}
	for field, list := range map[string][]string{"angebote": c.Offers, "themen": c.Topics, "sprachen": c.Languages} {
		if len(list) > MaxList {
			bad(field, "counselling.error.too_many", "max", MaxList)
		}
		for _, s := range list {
			if utf8.RuneCountInString(s) > MaxListEntry {
				bad(field, "counselling.error.too_long", "max", MaxListEntry)
				break
			}
		}
	}
	for _, l := range c.Languages {
		if !langRE.MatchString(l) {
			bad("sprachen", "counselling.error.language", "code", l)
			break
		}
	}
	for field, s := range map[string]string{"beschreibung": c.Description, "oepnv": c.Transit, "auto": c.Car, "barrierefreiheit": c.Accessibility} {
		long(field, s, MaxText)
	}
	errs = append(errs, c.Hours.validate()...)
	for i, e := range c.Exceptions {
		if e.To.Before(e.From) {
			bad("ausnahmen", "counselling.error.exception_order", "n", i+1)
		}
		if err := validIntervals(e.Hours); err != "" {
			bad("ausnahmen", err, "n", i+1)
		}
	}
	slices.SortStableFunc(errs, func(a, b FieldError) int { return strings.Compare(fieldOrder(a.Field), fieldOrder(b.Field)) })
	return errs
}

// fieldOrder sorts errors as the form shows its fields, so the error
// summary reads top to bottom.
func fieldOrder(f string) string {
	order := []string{"name", "arten", "traeger", "traeger_adresse", "standorte", "telefon", "email", "website",
		"oeffnungszeiten", "ausnahmen", "sprachen", "angebote", "themen", "beschreibung", "oepnv", "auto",
		"barrierefreiheit", "kontakte", "buchung_url", "online_url"}
	for i, o := range order {
		if strings.HasPrefix(f, o) {
			return fmt.Sprintf("%02d%s", i, f)
		}
	}
	return "99" + f
}
