package counselling

import (
	"fmt"
	"strings"
)

// CentreText is a centre as people type it: in the back office's form and
// in a CSV file's columns, the same words. Parsing it keeps every problem
// with its field; the text itself is kept as typed so that a form with a
// mistake shows exactly what was sent.
type CentreText struct {
	ID             string
	OrgID          string
	Name           string
	Types          []string
	Traeger        string
	TraegerAddress string
	Locations      string // one a line: Straße; PLZ; Ort[; Bezeichnung]
	Phone, Email   string
	Website        string
	Hours          [7]string // Monday first: "08:00–12:30, 13:30–15:30"
	Exceptions     string    // ParseExceptions' lines
	Languages      string    // "de, tr, ar"
	Offers         string    // one a line (or separated by commas)
	Topics         string
	Description    string
	Transit, Car   string
	Accessibility  string
	Contacts       string // one a line: Name; Funktion; Telefon; E-Mail
	OwnBooking     bool
	BookingURL     string
	OwnOnline      bool
	OnlineURL      string
}

// CSVColumns are the columns of the centres' CSV file, in order.
var CSVColumns = []string{"id", "name", "arten", "traeger", "traeger_adresse", "standorte", "telefon", "email", "website",
	"mo", "di", "mi", "do", "fr", "sa", "so", "ausnahmen", "sprachen", "angebote", "themen", "beschreibung",
	"oepnv", "auto", "barrierefreiheit", "kontakte", "eigene_termine", "buchung_url", "eigene_online", "online_url"}

// TextOf writes a centre as text.
func TextOf(c *Centre) CentreText {
	t := CentreText{ID: c.ID, OrgID: c.OrgID, Name: c.Name, Types: append([]string(nil), c.Types...), Traeger: c.Traeger,
		TraegerAddress: c.TraegerAddress, Phone: c.Phone, Email: c.Email, Website: c.Website,
		Exceptions: strings.TrimSpace(FormatExceptions(c.Exceptions)), Languages: strings.Join(c.Languages, ", "),
		Offers: strings.Join(c.Offers, "\n"), Topics: strings.Join(c.Topics, "\n"), Description: c.Description,
		Transit: c.Transit, Car: c.Car, Accessibility: c.Accessibility,
		OwnBooking: c.OwnBooking, BookingURL: c.BookingURL, OwnOnline: c.OwnOnline, OnlineURL: c.OnlineURL}
	var locs, contacts []string
	for _, l := range c.Locations {
		line := l.Street + "; " + l.Postcode + "; " + l.City
		if l.Label != "" {
			line += "; " + l.Label
		}
		locs = append(locs, line)
	}
	for _, k := range c.Contacts {
		contacts = append(contacts, strings.TrimRight(strings.Join([]string{k.Name, k.Role, k.Phone, k.Email}, "; "), "; "))
	}
	t.Locations, t.Contacts = strings.Join(locs, "\n"), strings.Join(contacts, "\n")
	for d := range t.Hours {
		t.Hours[d] = FormatIntervals(c.Hours[d])
	}
	return t
}

// Centre parses the text. Problems of the structure (a line without its
// parts, hours that do not read) are returned here; the rules of the
// values are Centre.Validate's.
func (t CentreText) Centre() (*Centre, []FieldError) {
	c := &Centre{ID: t.ID, OrgID: t.OrgID, Name: t.Name, Types: t.Types, Traeger: t.Traeger, TraegerAddress: t.TraegerAddress,
		Phone: t.Phone, Email: t.Email, Website: t.Website, Description: t.Description, Transit: t.Transit, Car: t.Car,
		Accessibility: t.Accessibility, OwnBooking: t.OwnBooking, BookingURL: t.BookingURL, OwnOnline: t.OwnOnline, OnlineURL: t.OnlineURL}
	var errs []FieldError
	for n, line := range lines(t.Locations) {
		p := splitParts(line)
		if len(p) < 3 {
			errs = append(errs, FieldError{Field: "standorte", Key: "counselling.error.location_incomplete", Args: []any{"n", n + 1}})
			continue
		}
		l := Location{Street: p[0], Postcode: p[1], City: p[2]}
		if len(p) > 3 {
			l.Label = strings.Join(p[3:], "; ")
		}
		c.Locations = append(c.Locations, l)
	}
	for n, line := range lines(t.Contacts) {
		p := splitParts(line)
		k := Contact{Name: p[0]}
		if len(p) > 1 {
			k.Role = p[1]
		}
		if len(p) > 2 {
			k.Phone = p[2]
		}
		if len(p) > 3 {
			k.Email = p[3]
		}
		if k.Name == "" {
			errs = append(errs, FieldError{Field: "kontakte", Key: "counselling.error.contact_name", Args: []any{"n", n + 1}})
			continue
		}
		c.Contacts = append(c.Contacts, k)
	}
	for d, s := range t.Hours {
		iv, key := ParseIntervals(s)
		if key != "" {
			errs = append(errs, FieldError{Field: fmt.Sprintf("oeffnungszeiten_%d", d), Key: key})
			continue
		}
		c.Hours[d] = iv
	}
	ex, exErrs := ParseExceptions(t.Exceptions)
	c.Exceptions, errs = ex, append(errs, exErrs...)
	c.Languages = splitList(t.Languages, true)
	c.Offers, c.Topics = splitList(t.Offers, false), splitList(t.Topics, false)
	return c, errs
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitParts(line string) []string {
	p := strings.Split(line, ";")
	for i := range p {
		p[i] = strings.TrimSpace(p[i])
	}
	return p
}

// splitList reads a list one a line, or separated by commas when commaToo
// (languages) or when it is a single line.
func splitList(s string, commaToo bool) []string {
	ls := lines(s)
	if commaToo || len(ls) == 1 {
		var out []string
		for _, l := range ls {
			for _, p := range strings.Split(l, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
		return out
	}
	return ls
}

// Row is the text in the CSV columns' order.
func (t CentreText) Row() []string {
	yes := func(b bool) string {
		if b {
			return "ja"
		}
		return "nein"
	}
	row := []string{t.ID, t.Name, strings.Join(t.Types, ", "), t.Traeger, t.TraegerAddress, t.Locations, t.Phone, t.Email, t.Website}
	row = append(row, t.Hours[:]...)
	return append(row, t.Exceptions, t.Languages, t.Offers, t.Topics, t.Description, t.Transit, t.Car, t.Accessibility,
		t.Contacts, yes(t.OwnBooking), t.BookingURL, yes(t.OwnOnline), t.OnlineURL)
}

// TextFromColumns reads a CSV row (values by lower-cased column name).
func TextFromColumns(v map[string]string) (CentreText, []FieldError) {
	t := CentreText{ID: v["id"], Name: v["name"], Traeger: v["traeger"], TraegerAddress: v["traeger_adresse"],
		Locations: strings.ReplaceAll(v["standorte"], " | ", "\n"), Phone: v["telefon"], Email: v["email"], Website: v["website"],
		Exceptions: v["ausnahmen"], Languages: v["sprachen"], Offers: v["angebote"], Topics: v["themen"], Description: v["beschreibung"],
		Transit: v["oepnv"], Car: v["auto"], Accessibility: v["barrierefreiheit"], Contacts: strings.ReplaceAll(v["kontakte"], " | ", "\n"),
		BookingURL: v["buchung_url"], OnlineURL: v["online_url"]}
	var errs []FieldError
	for i, k := range []string{"mo", "di", "mi", "do", "fr", "sa", "so"} {
		t.Hours[i] = v[k]
	}
	for _, a := range strings.Split(v["arten"], ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			t.Types = append(t.Types, a)
		}
	}
	flag := func(col string) bool {
		switch strings.ToLower(strings.TrimSpace(v[col])) {
		case "", "nein", "no", "0", "false":
			return false
		case "ja", "yes", "1", "true", "x":
			return true
		}
		errs = append(errs, FieldError{Field: col, Key: "counselling.error.yes_no"})
		return false
	}
	t.OwnBooking, t.OwnOnline = flag("eigene_termine"), flag("eigene_online")
	return t, errs
}
