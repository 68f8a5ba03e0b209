package identity

import (
	"regexp"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// How BundID's attributes are written for people and for forms: the birth
// date comes as ISO 8601 (yyyy-mm-dd, possibly with a time, or yyyymmdd)
// and is written the German way; the nationality comes as a code (the
// eID's ICAO code "D" for Germany, otherwise ISO 3166 alpha-3 or alpha-2)
// and is named as a word, or put into the form's category.

var (
	isoDate     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$`)
	compactDate = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
)

// ShownBirthDate is the birth date as dd.mm.yyyy. An unknown day or month
// stays 00, as on German identity documents ("00.08.1964"); a value in no
// known form is returned as it came.
func (id *Identity) ShownBirthDate() string {
	return GermanDate(id.BirthDate)
}

// GermanDate writes an ISO date (yyyy-mm-dd, yyyymmdd) as dd.mm.yyyy.
func GermanDate(s string) string {
	s = strings.TrimSpace(s)
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return m[3] + "." + m[2] + "." + m[1]
	}
	if m := compactDate.FindStringSubmatch(s); m != nil {
		return m[3] + "." + m[2] + "." + m[1]
	}
	return s
}

// The eID's codes that are not countries (ICAO Doc 9303): stateless
// persons, refugees and an unspecified nationality.
var stateless = map[string]bool{"XXA": true, "XXB": true, "XXC": true, "XXX": true}

// eu are the member states of the European Union other than Germany.
var eu = map[string]bool{"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DK": true, "EE": true, "ES": true,
	"FI": true, "FR": true, "GR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true, "LV": true,
	"MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true}

// NationalityRegion is the nationality as an ISO 3166 alpha-2 code ("DE",
// "TR"), "" when the code names no country (stateless, unknown, empty).
func (id *Identity) NationalityRegion() string {
	return regionOf(id.Nationality)
}

func regionOf(code string) string {
	c := strings.ToUpper(strings.TrimSpace(code))
	switch c {
	case "", "ZZ", "ZZZ":
		return ""
	case "D", "DE", "DEU":
		return "DE"
	case "EL": // the EU's own code for Greece
		return "GR"
	}
	if stateless[c] || (len(c) != 2 && len(c) != 3) {
		return ""
	}
	r, err := language.ParseRegion(c)
	if err != nil || !r.IsCountry() {
		return ""
	}
	return r.String()
}

// NationalityCategory is the nationality as the application forms ask for
// it: DEU, EU (another EU state), ANDERE or STAATENLOS; "" when BundID
// delivered none or a code that is not known.
func (id *Identity) NationalityCategory() string {
	c := strings.ToUpper(strings.TrimSpace(id.Nationality))
	if stateless[c] {
		return "STAATENLOS"
	}
	switch r := regionOf(c); {
	case r == "":
		return ""
	case r == "DE":
		return "DEU"
	case eu[r]:
		return "EU"
	default:
		return "ANDERE"
	}
}

// NationalityName names the nationality's country in a language ("ls",
// Leichte Sprache, reads German): "Deutschland", "Türkei"; the code as
// delivered when it names no known country.
func (id *Identity) NationalityName(lang string) string {
	r := regionOf(id.Nationality)
	if r == "" {
		return id.Nationality
	}
	if lang == "ls" {
		lang = "de"
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.German
	}
	region, err := language.ParseRegion(r)
	if err != nil {
		return id.Nationality
	}
	if n := display.Regions(tag).Name(region); n != "" {
		return n
	}
	return id.Nationality
}
