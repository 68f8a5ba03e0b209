package holidays

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

// fixture is testdata/date-holidays-2026-2027.json (see testdata/README.md):
// date-holidays' public holidays by region key ("DE-BY", "DE-BY-A", …).
type fixture struct {
	Version string `json:"version"`
	Years   []int  `json:"years"`
	Regions map[string][]struct {
		Date string `json:"date"`
		Name string `json:"name"`
	} `json:"regions"`
}

// TestAgainstDateHolidays compares InYear for a real municipality of every
// Land, and of every region date-holidays knows, with date-holidays 3.37.0,
// date by date for 2026 and 2027. Names differ ("Maifeiertag" and "Tag der
// Arbeit") and are not compared. Each deliberate difference is listed in the
// case with the reason.
func TestAgainstDateHolidays(t *testing.T) {
	raw, err := os.ReadFile("testdata/date-holidays-2026-2027.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	if fx.Version != "3.37.0" || !slices.Equal(fx.Years, []int{2026, 2027}) {
		t.Fatalf("fixture is date-holidays %s for %v, want 3.37.0 for [2026 2027]", fx.Version, fx.Years)
	}

	cases := []struct {
		place  string
		ags    string
		region string
		// extra: days we close that date-holidays does not list for
		// region; missing: days it lists that we do not close.
		extra, missing []string
	}{
		{"Kiel", "01002000", "DE-SH", nil, nil},
		{"Hamburg", "02000000", "DE-HH", nil, nil},
		{"Hannover", "03241001", "DE-NI", nil, nil},
		{"Bremen", "04011000", "DE-HB", nil, nil},
		{"Köln", "05315000", "DE-NW", nil, nil},
		{"Frankfurt am Main", "06412000", "DE-HE", nil, nil},
		{"Mainz", "07315000", "DE-RP", nil, nil},
		{"Stuttgart", "08111000", "DE-BW", nil, nil},
		// date-holidays counts Mariä Himmelfahrt as public in Bavaria
		// only in its region KATH (the municipalities with a Catholic
		// majority) and as an observance in DE-BY itself. München has a
		// Catholic majority and keeps it, as the next case shows; and an
		// unlisted Bavarian municipality keeps it with us by default (see
		// bavariaNoAssumption).
		{"München", "09162000", "DE-BY", []string{"2026-08-15", "2027-08-15"}, nil},
		{"München", "09162000", "DE-BY-KATH", nil, nil},
		{"Augsburg", "09761000", "DE-BY-A", nil, nil},
		{"Nürnberg", "09564000", "DE-BY", nil, nil},
		{"Nürnberg", "09564000", "DE-BY-EVANG", nil, nil},
		{"Saarbrücken", "10041100", "DE-SL", nil, nil},
		{"Berlin", "11000000", "DE-BE", nil, nil},
		{"Potsdam", "12054000", "DE-BB", nil, nil},
		{"Schwerin", "13004000", "DE-MV", nil, nil},
		{"Dresden", "14612000", "DE-SN", nil, nil},
		{"Crostwitz", "14625080", "DE-SN-BZ", nil, nil},
		// date-holidays' region BZ is the whole Landkreis Bautzen (its
		// note names the places); the city of Bautzen keeps Fronleichnam
		// only in the villages Bolbritz and Salzenforst, and we keep the
		// city's centres open (see corpusChristiSN).
		{"Bautzen", "14625020", "DE-SN-BZ", nil, []string{"2026-06-04", "2027-05-27"}},
		{"Bautzen", "14625020", "DE-SN", nil, nil},
		{"Magdeburg", "15003000", "DE-ST", nil, nil},
		{"Erfurt", "16051000", "DE-TH", nil, nil},
		{"Heilbad Heiligenstadt", "16061045", "DE-TH-EIC", nil, nil},
		{"Südeichsfeld", "16064074", "DE-TH-UH", nil, nil},
		// Likewise date-holidays' region UH is the whole
		// Unstrut-Hainich-Kreis; its Kreisstadt Mühlhausen has no
		// Fronleichnam (see corpusChristiTH).
		{"Mühlhausen/Thüringen", "16064046", "DE-TH-UH", nil, []string{"2026-06-04", "2027-05-27"}},
		{"Mühlhausen/Thüringen", "16064046", "DE-TH", nil, nil},
		{"Geisa", "16063032", "DE-TH-WAK", nil, nil},
	}

	used := map[string]bool{}
	for _, c := range cases {
		days, ok := fx.Regions[c.region]
		if !ok {
			t.Errorf("%s: no region %s in the fixture", c.place, c.region)
			continue
		}
		used[c.region] = true
		theirs := map[string]bool{}
		for _, d := range days {
			theirs[d.Date] = true
		}
		ours := map[string]bool{}
		for _, y := range fx.Years {
			for _, h := range InYear(y, c.ags) {
				ours[h.Date.Format(time.DateOnly)] = true
			}
		}
		var extra, missing []string
		for d := range ours {
			if !theirs[d] {
				extra = append(extra, d)
			}
		}
		for d := range theirs {
			if !ours[d] {
				missing = append(missing, d)
			}
		}
		slices.Sort(extra)
		slices.Sort(missing)
		if !slices.Equal(extra, c.extra) || !slices.Equal(missing, c.missing) {
			t.Errorf("%s (%s) against %s: we close on %v that date-holidays lacks (want %v), it lists %v that we do not close (want %v)",
				c.place, c.ags, c.region, extra, c.extra, missing, c.missing)
		}
	}
	for region := range fx.Regions {
		if !used[region] {
			t.Errorf("fixture region %s is compared with no municipality", region)
		}
	}
}

// TestClosedDayBoundary: the day that counts is the calendar day in
// Europe/Berlin. Berlin is UTC+2 in summer (CEST) and UTC+1 in winter (CET),
// so 23:30 UTC on the evening before a holiday is already the holiday in
// both seasons (01:30 and 00:30 in Berlin), while the UTC date is still the
// day before.
func TestClosedDayBoundary(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		at   time.Time
		ags  string
		want string // "" = open
	}{
		// 3 October 2026, summer time (CEST ends 25 October).
		{utc("2026-10-02T21:59:59Z"), "05315000", ""}, // 23:59:59 on 2 October
		{utc("2026-10-02T22:00:00Z"), "05315000", "Tag der Deutschen Einheit"},
		{utc("2026-10-02T23:30:00Z"), "05315000", "Tag der Deutschen Einheit"}, // 01:30 on 3 October
		{utc("2026-10-03T21:59:59Z"), "05315000", "Tag der Deutschen Einheit"},
		{utc("2026-10-03T22:00:00Z"), "05315000", ""}, // midnight of 4 October
		// The same instant given in New York's zone (19:30 EDT on 2 October).
		{time.Date(2026, 10, 2, 19, 30, 0, 0, ny), "05315000", "Tag der Deutschen Einheit"},
		// 25 December 2026, winter time.
		{utc("2026-12-24T22:59:59Z"), "11000000", ""},
		{utc("2026-12-24T23:00:00Z"), "11000000", "1. Weihnachtstag"},
		{utc("2026-12-24T23:30:00Z"), "11000000", "1. Weihnachtstag"}, // 00:30 on 25 December
		// The year changes in Berlin before it does in UTC.
		{utc("2026-12-31T23:30:00Z"), "11000000", "Neujahrstag"},
		// A local holiday at its first summer minute, and not next door.
		{utc("2026-08-07T21:59:59Z"), "09761000", ""},
		{utc("2026-08-07T22:00:00Z"), "09761000", "Augsburger Hohes Friedensfest"},
		{utc("2026-08-07T22:00:00Z"), "09162000", ""},
	}
	for _, c := range cases {
		name, closed := Closed(c.at, c.ags)
		if closed != (c.want != "") || name != c.want {
			t.Errorf("Closed(%s, %s) = %q, %v; want %q", c.at.Format(time.RFC3339), c.ags, name, closed, c.want)
		}
	}
}

// TestUnknownAGS: a key that is not 8 digits, or names no Land, gets only
// the holidays kept in all of Germany.
func TestUnknownAGS(t *testing.T) {
	nationwide2026 := []string{
		"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
		"2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26",
	}
	for _, ags := range []string{"", "09", "0916200", "091620000", "0916200X", " 9162000", "00000000", "17000000", "99999999"} {
		if got := dates(InYear(2026, ags)); !slices.Equal(got, nationwide2026) {
			t.Errorf("InYear(2026, %q) = %v, want the nationwide %v", ags, got, nationwide2026)
		}
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, berlin) }
	if name, closed := Closed(day(2026, time.January, 6), "09"); closed {
		t.Errorf("Closed(6 January, %q) = %q: a Land key alone is no AGS, Bavaria's Epiphany must not count", "09", name)
	}
	if _, closed := Closed(day(2026, time.October, 3), ""); !closed {
		t.Error("Closed(3 October, \"\") = open, want the nationwide holiday")
	}
	// A well-formed key we do not know in a real Land: the Land's
	// holidays and the local defaults (15 August yes, Friedensfest no).
	got := dates(InYear(2026, "09999999"))
	if !slices.Contains(got, "2026-01-06") || !slices.Contains(got, "2026-08-15") || slices.Contains(got, "2026-08-08") {
		t.Errorf("InYear(2026, 09999999) = %v, want Bavaria's with 15 August and without 8 August", got)
	}
}

// TestRules checks the fixes to cal/v2 one by one, including years the
// fixture does not cover.
func TestRules(t *testing.T) {
	cases := []struct {
		date   string
		ags    string
		closed bool
		why    string
	}{
		{"2018-03-08", "11000000", false, "Frauentag in Berlin only since 2019"},
		{"2019-03-08", "11000000", true, "Frauentag in Berlin since 2019"},
		{"2022-03-08", "13004000", false, "Frauentag in MV only since 2023"},
		{"2023-03-08", "13004000", true, "Frauentag in MV since 2023"},
		{"2026-03-08", "05315000", false, "no Frauentag in NRW"},
		{"2016-10-31", "04011000", false, "Reformationstag in Bremen only since 2018"},
		{"2017-10-31", "04011000", true, "Reformationstag 2017 everywhere"},
		{"2017-10-31", "08111000", true, "Reformationstag 2017 everywhere"},
		{"2018-10-31", "04011000", true, "Reformationstag in Bremen since 2018"},
		{"2018-10-31", "08111000", false, "no Reformationstag in BW after 2017"},
		{"2020-05-08", "11000000", true, "Berlin's one-off Tag der Befreiung"},
		{"2025-05-08", "11000000", true, "Berlin's one-off Tag der Befreiung"},
		{"2026-05-08", "11000000", false, "8 May only in 2020 and 2025"},
		{"2028-06-17", "11000000", true, "Berlin's one-off 17 June 2028"},
		{"2026-04-05", "12054000", true, "Ostersonntag is a holiday in Brandenburg"},
		{"2026-05-24", "12054000", true, "Pfingstsonntag is a holiday in Brandenburg"},
		{"2026-08-08", "09761000", true, "Friedensfest in Augsburg"},
		{"2026-08-08", "09772147", false, "Friedensfest in the city of Augsburg only, not in Gersthofen next door"},
		{"2026-08-15", "09761000", true, "Augsburg keeps Mariä Himmelfahrt"},
		{"2026-08-15", "09162000", true, "München keeps Mariä Himmelfahrt"},
		{"2026-08-15", "09564000", false, "Nürnberg has no Mariä Himmelfahrt"},
		{"2026-08-15", "09779194", false, "Nördlingen has no Mariä Himmelfahrt"},
		{"2026-08-15", "10041100", true, "Mariä Himmelfahrt in all of Saarland"},
		{"2026-06-04", "14625640", true, "Fronleichnam in Wittichenau"},
		{"2026-06-04", "14612000", false, "no Fronleichnam in Dresden"},
		{"2026-06-04", "16061115", true, "Fronleichnam in all of Landkreis Eichsfeld"},
		{"2026-06-04", "16064073", true, "Anrode closes (Bickenriede, Zella)"},
		{"2026-06-04", "16063015", false, "Dermbach's main place works on Fronleichnam"},
		{"2026-09-20", "16051000", true, "Weltkindertag in Thüringen"},
		{"2026-11-18", "14612000", true, "Buß- und Bettag in Sachsen"},
		{"2026-11-18", "16051000", false, "Buß- und Bettag only in Sachsen"},
	}
	for _, c := range cases {
		d, err := time.ParseInLocation(time.DateOnly, c.date, berlin)
		if err != nil {
			t.Fatal(err)
		}
		if name, closed := Closed(d.Add(10*time.Hour), c.ags); closed != c.closed {
			t.Errorf("Closed(%s, %s) = %q, %v; want %v: %s", c.date, c.ags, name, closed, c.closed, c.why)
		}
	}
}

// TestInYearShape: sorted, one entry per day, each at midnight in Berlin,
// named; two holidays on one day are one entry with both names.
func TestInYearShape(t *testing.T) {
	for _, ags := range []string{"01002000", "09761000", "11000000", "12054000", "14625080", "16061045", ""} {
		for _, y := range []int{2017, 2026, 2027, 2028} {
			hs := InYear(y, ags)
			for i, h := range hs {
				if h.Name == "" {
					t.Errorf("InYear(%d, %q)[%d] has no name", y, ags, i)
				}
				if h.Date.Location() != berlin || h.Date.Hour() != 0 || h.Date.Minute() != 0 || h.Date.Year() != y {
					t.Errorf("InYear(%d, %q)[%d].Date = %s, want midnight Europe/Berlin in %d", y, ags, i, h.Date, y)
				}
				if i > 0 && !hs[i-1].Date.Before(h.Date) {
					t.Errorf("InYear(%d, %q) not sorted or has a day twice at %d: %s, %s", y, ags, i, hs[i-1].Date, h.Date)
				}
			}
		}
	}
	// 1 May 2008 was also Christi Himmelfahrt.
	for _, h := range InYear(2008, "05315000") {
		if h.Date.Month() == time.May && h.Date.Day() == 1 && h.Name != "Tag der Arbeit, Christi Himmelfahrt" {
			t.Errorf("1 May 2008 is %q, want both holidays' names", h.Name)
		}
	}
}

func dates(hs []Holiday) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Date.Format(time.DateOnly)
	}
	return out
}
