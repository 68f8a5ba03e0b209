package ics

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // golang-ical and the zone cross-check load Europe/Berlin
	"unicode"
	"unicode/utf8"

	ical "github.com/arran4/golang-ical"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -update)", path, err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file (run go test ./internal/ics -update and review the diff):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func berlin(t testing.TB) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// checkLines asserts the line rules of RFC 5545 3.1 on raw output: every
// line ends in CRLF, there is no other CR or LF, no line is longer than 75
// octets, no line splits a UTF-8 sequence, a continuation line starts with
// a space and every other line with a property name.
func checkLines(t testing.TB, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatalf("output does not end in CRLF: %q", tail(b))
	}
	lines := strings.Split(string(b[:len(b)-2]), "\r\n")
	for i, l := range lines {
		switch {
		case strings.ContainsAny(l, "\r\n"):
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		case len(l) > maxOctets:
			t.Fatalf("line %d has %d octets (> 75): %q", i+1, len(l), l)
		case !utf8.ValidString(l):
			t.Fatalf("line %d is not valid UTF-8 on its own (fold inside a sequence?): %q", i+1, l)
		case l == "":
			t.Fatalf("line %d is empty", i+1)
		case i == 0 && l != "BEGIN:VCALENDAR":
			t.Fatalf("first line %q", l)
		case l[0] == ' ':
			if i == 0 {
				t.Fatal("continuation line first")
			}
		case l[0] < 'A' || l[0] > 'Z':
			t.Fatalf("line %d starts with neither a space nor a name: %q", i+1, l)
		}
		for _, r := range l {
			if unicode.IsControl(r) {
				t.Fatalf("line %d has control character %U: %q", i+1, r, l)
			}
		}
	}
	if last := lines[len(lines)-1]; last != "END:VCALENDAR" {
		t.Fatalf("last line %q", last)
	}
}

func tail(b []byte) []byte { return b[max(0, len(b)-20):] }

func parse(t testing.TB, b []byte) *ical.Calendar {
	t.Helper()
	cal, err := ical.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical cannot parse the output: %v\n%s", err, b)
	}
	return cal
}

func calProp(cal *ical.Calendar, name string) string {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name {
			return p.Value
		}
	}
	return "<none>"
}

// propNames lists the property names of a component in order: caller text
// that managed to start a property of its own would show up here.
func propNames(props []ical.IANAProperty) string {
	var names []string
	for _, p := range props {
		names = append(names, p.IANAToken)
	}
	return strings.Join(names, " ")
}

func value(ev *ical.VEvent, p ical.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return prop.Value
	}
	return "<none>"
}

func onlyEvent(t testing.TB, cal *ical.Calendar) *ical.VEvent {
	t.Helper()
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	return evs[0]
}

// Long enough to be folded several times, with characters of two and three
// octets, so that a fold inside a sequence would show.
const umlautArabic = "Beratungstermin Schuldner- und Insolvenzberatung für Jürgen Größe – " +
	"موعد استشارة في مركز الاستشارات الاجتماعية للأسرة والديون"

// hostile holds every character that TEXT escapes, newlines in all
// spellings, control characters and HTML.
const hostile = "Erstgespräch; Familie \"Öztürk\", Kinder\\Jugend <script>alert('x')</script>"

const hostileDescription = "Bitte mitbringen:\r\n- Ausweis, Bescheide; Kontoauszüge\n- <b>fett</b> & \\n kein Umbruch\r" +
	"\x1b[31mrot\x1b[0m\x00\ttab\u0085\n\nTermin ändern: https://sozialplattform.example/termine/b-2026-0042?t=a,b;c"

func springEvent(t testing.TB) Event {
	loc := berlin(t)
	return Event{
		UID:            "b-2026-0042@sozialplattform.example",
		Sequence:       0,
		Start:          time.Date(2026, 3, 29, 10, 0, 0, 0, loc),
		End:            time.Date(2026, 3, 29, 11, 0, 0, 0, loc),
		Summary:        umlautArabic,
		Location:       "Beratungsstelle Mitte, Müllerstraße 12, 13353 Berlin",
		Description:    "Termin ändern oder absagen: https://sozialplattform.example/termine/b-2026-0042?token=Zm9v\nBitte bringen Sie Ihren Ausweis mit.",
		OrganizerName:  "Beratungsstelle Mitte (Caritas)",
		OrganizerEmail: "termine@beratung-mitte.example",
		Status:         "CONFIRMED",
		Alarm:          time.Hour,
		Stamp:          time.Date(2026, 3, 1, 9, 15, 0, 0, time.UTC),
	}
}

func autumnEvent(t testing.TB) Event {
	loc := berlin(t)
	return Event{
		UID:            "b-2026-0777@sozialplattform.example",
		Sequence:       0,
		Start:          time.Date(2026, 10, 25, 10, 0, 0, 0, loc),
		End:            time.Date(2026, 10, 25, 10, 45, 0, 0, loc),
		Summary:        hostile,
		Location:       "Familienzentrum Nord; Eingang B, 2. OG\nHaus \"Sonnenhof\"",
		Description:    hostileDescription,
		OrganizerName:  `Familienzentrum "Nord" \ Süd`,
		OrganizerEmail: "familie@zentrum-nord.example",
		Status:         "tentative",
		Alarm:          90 * time.Minute,
		Stamp:          time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC),
	}
}

func cancelEvent(t testing.TB) Event {
	e := autumnEvent(t)
	e.Sequence = 1
	e.Stamp = time.Date(2026, 10, 20, 14, 30, 0, 0, time.UTC)
	return e
}

func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		file string
		out  []byte
	}{
		{"request_spring.ics", Request(springEvent(t))},
		{"request_autumn.ics", Request(autumnEvent(t))},
		{"cancel_autumn.ics", Cancel(cancelEvent(t))},
	} {
		t.Run(tt.file, func(t *testing.T) {
			checkLines(t, tt.out)
			golden(t, tt.file, tt.out)
		})
	}
}

// The golden files are also checked as files, so that a checkout that
// turned their CRLF into LF is noticed (testdata/.gitattributes keeps them
// binary).
func TestGoldenFilesKeepCRLF(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	if len(files) != 3 {
		t.Fatalf("%d golden files, want 3", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkLines(t, b)
	}
}

func TestRoundTrip(t *testing.T) {
	spring, autumn, cancel := springEvent(t), autumnEvent(t), cancelEvent(t)
	for _, tt := range []struct {
		name                       string
		e                          Event
		out                        []byte
		method, status             string
		summary, location, descr   string
		cn, trigger                string
		wantLocalStart, wantSeqStr string
	}{
		{
			name: "request spring", e: spring, out: Request(spring),
			method: "REQUEST", status: "CONFIRMED",
			summary:  umlautArabic,
			location: "Beratungsstelle Mitte, Müllerstraße 12, 13353 Berlin",
			descr:    spring.Description,
			cn:       "Beratungsstelle Mitte (Caritas)", trigger: "-PT1H",
			wantLocalStart: "20260329T100000", wantSeqStr: "0",
		},
		{
			name: "request autumn", e: autumn, out: Request(autumn),
			method: "REQUEST", status: "TENTATIVE",
			summary:  hostile,
			location: "Familienzentrum Nord; Eingang B, 2. OG\nHaus \"Sonnenhof\"",
			descr: "Bitte mitbringen:\n- Ausweis, Bescheide; Kontoauszüge\n- <b>fett</b> & \\n kein Umbruch\n" +
				"[31mrot[0m tab\n\nTermin ändern: https://sozialplattform.example/termine/b-2026-0042?t=a,b;c",
			cn: `Familienzentrum ^'Nord^' / Süd`, trigger: "-PT1H30M",
			wantLocalStart: "20261025T100000", wantSeqStr: "0",
		},
		{
			name: "cancel autumn", e: cancel, out: Cancel(cancel),
			method: "CANCEL", status: "CANCELLED",
			summary:  hostile,
			location: "Familienzentrum Nord; Eingang B, 2. OG\nHaus \"Sonnenhof\"",
			cn:       `Familienzentrum ^'Nord^' / Süd`,
			descr: "Bitte mitbringen:\n- Ausweis, Bescheide; Kontoauszüge\n- <b>fett</b> & \\n kein Umbruch\n" +
				"[31mrot[0m tab\n\nTermin ändern: https://sozialplattform.example/termine/b-2026-0042?t=a,b;c",
			wantLocalStart: "20261025T100000", wantSeqStr: "1",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cal := parse(t, tt.out)
			if got := calProp(cal, "METHOD"); got != tt.method {
				t.Errorf("METHOD = %q, want %q", got, tt.method)
			}
			if got := calProp(cal, "PRODID"); got != "-//Sozialplattform//Terminbuchung//DE" {
				t.Errorf("PRODID = %q", got)
			}
			if got := calProp(cal, "VERSION") + " " + calProp(cal, "CALSCALE"); got != "2.0 GREGORIAN" {
				t.Errorf("VERSION CALSCALE = %q", got)
			}
			checkTimezone(t, cal)

			ev := onlyEvent(t, cal)
			want := "UID SEQUENCE DTSTAMP DTSTART DTEND SUMMARY LOCATION DESCRIPTION ORGANIZER STATUS TRANSP"
			if got := propNames(ev.Properties); got != want {
				t.Errorf("VEVENT properties\n got %s\nwant %s", got, want)
			}
			if got := ev.Id(); got != tt.e.UID {
				t.Errorf("UID = %q, want %q", got, tt.e.UID)
			}
			if got := value(ev, ical.ComponentPropertySequence); got != tt.wantSeqStr {
				t.Errorf("SEQUENCE = %q, want %q", got, tt.wantSeqStr)
			}
			if got := value(ev, ical.ComponentPropertyStatus); got != tt.status {
				t.Errorf("STATUS = %q, want %q", got, tt.status)
			}
			if got := value(ev, ical.ComponentPropertySummary); got != tt.summary {
				t.Errorf("SUMMARY = %q, want %q", got, tt.summary)
			}
			if got := value(ev, ical.ComponentPropertyLocation); got != tt.location {
				t.Errorf("LOCATION = %q, want %q", got, tt.location)
			}
			if got := value(ev, ical.ComponentPropertyDescription); got != tt.descr {
				t.Errorf("DESCRIPTION = %q, want %q", got, tt.descr)
			}

			start, err := ev.GetStartAt()
			if err != nil || !start.UTC().Equal(tt.e.Start.UTC()) {
				t.Errorf("DTSTART read back as %v (%v), want %v", start.UTC(), err, tt.e.Start.UTC())
			}
			end, err := ev.GetEndAt()
			if err != nil || !end.Equal(tt.e.End) {
				t.Errorf("DTEND read back as %v (%v), want %v", end.UTC(), err, tt.e.End.UTC())
			}
			dtstart := ev.GetProperty(ical.ComponentPropertyDtStart)
			if got := dtstart.ICalParameters["TZID"]; len(got) != 1 || got[0] != "Europe/Berlin" || dtstart.Value != tt.wantLocalStart {
				t.Errorf("DTSTART = TZID %v value %q, want Europe/Berlin %s", got, dtstart.Value, tt.wantLocalStart)
			}
			stamp, err := ev.GetDtStampTime()
			if err != nil || !stamp.Equal(tt.e.Stamp) || !strings.HasSuffix(value(ev, ical.ComponentPropertyDtstamp), "Z") {
				t.Errorf("DTSTAMP = %q (%v), want %v in UTC", value(ev, ical.ComponentPropertyDtstamp), err, tt.e.Stamp)
			}

			org := ev.GetProperty(ical.ComponentPropertyOrganizer)
			if org.Value != "mailto:"+tt.e.OrganizerEmail {
				t.Errorf("ORGANIZER = %q", org.Value)
			}
			if got := org.ICalParameters["CN"]; len(got) != 1 || got[0] != tt.cn {
				t.Errorf("ORGANIZER CN = %q, want %q", got, tt.cn)
			}

			var alarms []*ical.VAlarm
			for _, c := range ev.Components {
				if a, ok := c.(*ical.VAlarm); ok {
					alarms = append(alarms, a)
				} else {
					t.Errorf("unexpected component %T in VEVENT", c)
				}
			}
			if tt.trigger == "" {
				if len(alarms) != 0 {
					t.Errorf("%d alarms, want none", len(alarms))
				}
				return
			}
			if len(alarms) != 1 {
				t.Fatalf("%d alarms, want 1", len(alarms))
			}
			a := alarms[0]
			if got := propNames(a.Properties); got != "ACTION DESCRIPTION TRIGGER" {
				t.Errorf("VALARM properties %s", got)
			}
			if got := a.GetProperty(ical.ComponentPropertyAction).Value; got != "DISPLAY" {
				t.Errorf("ACTION = %q", got)
			}
			if got := a.GetProperty(ical.ComponentPropertyTrigger).Value; got != tt.trigger {
				t.Errorf("TRIGGER = %q, want %q", got, tt.trigger)
			}
			if got := a.GetProperty(ical.ComponentPropertyDescription).Value; got != tt.summary {
				t.Errorf("VALARM DESCRIPTION = %q, want the summary", got)
			}
		})
	}
}

// checkTimezone reads back the VTIMEZONE: Europe/Berlin with a DAYLIGHT and
// a STANDARD rule on the last Sunday of March and October.
func checkTimezone(t *testing.T, cal *ical.Calendar) {
	t.Helper()
	var tzs []*ical.VTimezone
	for _, c := range cal.Components {
		if tz, ok := c.(*ical.VTimezone); ok {
			tzs = append(tzs, tz)
		}
	}
	if len(tzs) != 1 {
		t.Fatalf("%d VTIMEZONE, want 1", len(tzs))
	}
	tz := tzs[0]
	if p := tz.GetProperty(ical.ComponentPropertyTzid); p == nil || p.Value != "Europe/Berlin" {
		t.Errorf("TZID = %v", p)
	}
	var got []string
	for _, c := range tz.Components {
		var cb *ical.ComponentBase
		var kind string
		switch c := c.(type) {
		case *ical.Daylight:
			cb, kind = &c.ComponentBase, "DAYLIGHT"
		case *ical.Standard:
			cb, kind = &c.ComponentBase, "STANDARD"
		default:
			t.Fatalf("unexpected %T in VTIMEZONE", c)
		}
		p := func(name ical.ComponentProperty) string { return cb.GetProperty(name).Value }
		got = append(got, strings.Join([]string{kind, p("TZOFFSETFROM"), p("TZOFFSETTO"), p("DTSTART"), p(ical.ComponentPropertyRrule)}, " "))
	}
	want := []string{
		"DAYLIGHT +0100 +0200 19700329T020000 FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"STANDARD +0200 +0100 19701025T030000 FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("VTIMEZONE rules\n got %q\nwant %q", got, want)
	}
}

// The VTIMEZONE's DTSTART must be a day the rule names (the last Sunday), or
// strict clients reject it.
func TestTimezoneOnsetsAreLastSundays(t *testing.T) {
	for _, d := range []time.Time{lastSunday(1970, time.March), lastSunday(1970, time.October)} {
		if d.Weekday() != time.Sunday || d.AddDate(0, 0, 7).Month() == d.Month() {
			t.Errorf("%v is not the last Sunday of its month", d)
		}
	}
	if got := lastSunday(1970, time.March).Format("20060102"); got != "19700329" {
		t.Errorf("last Sunday of March 1970 = %s", got)
	}
	if got := lastSunday(1970, time.October).Format("20060102"); got != "19701025" {
		t.Errorf("last Sunday of October 1970 = %s", got)
	}
}

// The local time written must be the one the tz database gives for Berlin
// (which the VTIMEZONE restates), for every quarter hour through the years a
// booking can lie in, except in the repeated October hour, which is written
// in UTC.
func TestLocalTimeMatchesTZDatabase(t *testing.T) {
	loc := berlin(t)
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)
	for u := from; u.Before(to); u = u.Add(15 * time.Minute) {
		got := dateTime(u)
		if strings.HasPrefix(got, ":") {
			// UTC form: only in the hour that happens twice.
			l := u.In(loc)
			if _, off := l.Zone(); l.Month() != time.October || l.Hour() != 2 || (off != 3600 && off != 7200) {
				t.Fatalf("%v written in UTC (%s) outside the repeated hour", u, got)
			}
			if got != ":"+u.Format(utcFormat) {
				t.Fatalf("%v written as %s", u, got)
			}
			continue
		}
		if want := ";TZID=Europe/Berlin:" + u.In(loc).Format(localFormat); got != want {
			t.Fatalf("%v: %s, want %s", u, got, want)
		}
	}
}

// Around both clock changes of 2026 the instant survives the trip through
// golang-ical, including the ambiguous 02:30 of 25 October (twice).
func TestClockChangeInstants(t *testing.T) {
	for _, s := range []string{
		"2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", // 01:59 CET, 03:00 CEST, 03:30 CEST
		"2026-10-25T00:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25T02:00:00Z",
	} {
		start, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		e := springEvent(t)
		e.Start, e.End = start, start.Add(30*time.Minute)
		out := Request(e)
		checkLines(t, out)
		ev := onlyEvent(t, parse(t, out))
		got, err := ev.GetStartAt()
		if err != nil || !got.Equal(start) {
			t.Errorf("%s read back as %v (%v) from %s", s, got.UTC(), err, value(ev, ical.ComponentPropertyDtStart))
		}
		end, err := ev.GetEndAt()
		if err != nil || !end.Equal(e.End) {
			t.Errorf("end %v read back as %v (%v)", e.End, end.UTC(), err)
		}
	}
}

func TestFolding(t *testing.T) {
	var w writer
	// 73 octets of name and ASCII, then "ä" (2 octets) and "€" (3 octets):
	// the "€" would reach octet 78, so it starts the continuation line.
	w.line("SUMMARY:" + strings.Repeat("x", 65) + "ä€")
	if got, want := w.b.String(), "SUMMARY:"+strings.Repeat("x", 65)+"ä\r\n €\r\n"; got != want {
		t.Errorf("fold at a rune boundary:\n got %q\nwant %q", got, want)
	}
	w.b.Reset()
	// An escape pair is not split: "\;" would straddle octets 75 and 76.
	w.line("SUMMARY:" + strings.Repeat("x", 66) + `\;y`)
	if got, want := w.b.String(), "SUMMARY:"+strings.Repeat("x", 66)+"\r\n \\;y\r\n"; got != want {
		t.Errorf("fold inside an escape:\n got %q\nwant %q", got, want)
	}
	w.b.Reset()
	// Continuation lines carry 74 octets after their space.
	w.line(strings.Repeat("a", 75+74+1))
	if got, want := w.b.String(), strings.Repeat("a", 75)+"\r\n "+strings.Repeat("a", 74)+"\r\n a\r\n"; got != want {
		t.Errorf("continuation length:\n got %q\nwant %q", got, want)
	}
}

func TestCleanText(t *testing.T) {
	for _, tt := range []struct {
		in        string
		multiline bool
		want      string
	}{
		{"  Termin\r\n", true, "Termin"},
		{"a\r\nb\rc\nd\u2028e", true, "a\nb\nc\nd\ne"},
		{"a\r\nb\rc\nd", false, "a b c d"},
		{"\x00a\x07b\x1b[0mc\x7fd\u0085e\u009bf\tg", true, "ab[0mcdef g"},
		{"bad \xff\xfe utf8", true, "bad \uFFFD utf8"}, // one U+FFFD per run of bad bytes
		{"<script>alert(1)</script>", true, "<script>alert(1)</script>"},
	} {
		if got := cleanText(tt.in, 100, tt.multiline); got != tt.want {
			t.Errorf("cleanText(%q, %v) = %q, want %q", tt.in, tt.multiline, got, tt.want)
		}
	}
}

// Overlong text is cut at the documented limits, on a rune boundary, with
// an ellipsis; the output stays well-formed.
func TestTruncation(t *testing.T) {
	e := springEvent(t)
	e.Summary = strings.Repeat("ü", 1000)
	e.Location = strings.Repeat("ل", 1000)
	e.Description = strings.Repeat("Zeile mit Text.\n", 1000)
	e.OrganizerName = strings.Repeat("N", 1000)
	e.UID = strings.Repeat("u", 1000) + "@example"
	out := Request(e)
	checkLines(t, out)
	ev := onlyEvent(t, parse(t, out))
	for _, tt := range []struct {
		name string
		got  string
		max  int
	}{
		{"SUMMARY", value(ev, ical.ComponentPropertySummary), 200},
		{"LOCATION", value(ev, ical.ComponentPropertyLocation), 300},
		{"DESCRIPTION", value(ev, ical.ComponentPropertyDescription), 4000},
		{"CN", ev.GetProperty(ical.ComponentPropertyOrganizer).ICalParameters["CN"][0], 100},
		{"UID", ev.Id(), 255},
	} {
		if n := utf8.RuneCountInString(tt.got); n > tt.max || n < tt.max-1 || !strings.HasSuffix(tt.got, "…") || !utf8.ValidString(tt.got) {
			t.Errorf("%s: %d runes, want %d ending in …: %q", tt.name, n, tt.max, tail([]byte(tt.got)))
		}
	}
	if len(out) > 20000 {
		t.Errorf("output of %d bytes for overlong input", len(out))
	}
}

func TestStatusAndOptionalParts(t *testing.T) {
	e := springEvent(t)
	for status, want := range map[string]string{"": "CONFIRMED", "Tentative": "TENTATIVE", "CANCELLED": "CANCELLED", "bogus": "CONFIRMED"} {
		e.Status = status
		if got := value(onlyEvent(t, parse(t, Request(e))), ical.ComponentPropertyStatus); got != want {
			t.Errorf("Status %q written as %q, want %q", status, got, want)
		}
	}

	// Empty texts, no alarm, end before start, no organizer name, negative
	// sequence: the properties are left out (or clamped), the file still
	// parses.
	e = Event{
		UID: "x@y", Sequence: -3,
		Start: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC),
		OrganizerEmail: "a@b.example", Stamp: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
	}
	out := Request(e)
	checkLines(t, out)
	ev := onlyEvent(t, parse(t, out))
	if got := propNames(ev.Properties); got != "UID SEQUENCE DTSTAMP DTSTART ORGANIZER STATUS TRANSP" {
		t.Errorf("properties %s", got)
	}
	if got := value(ev, ical.ComponentPropertySequence); got != "0" {
		t.Errorf("SEQUENCE = %q", got)
	}
	if !bytes.Contains(out, []byte("\r\nORGANIZER:mailto:a@b.example\r\n")) {
		t.Errorf("ORGANIZER without CN not as expected:\n%s", out)
	}
	if !bytes.Contains(out, []byte("\r\nDTSTART;TZID=Europe/Berlin:20260601T110000\r\n")) {
		t.Errorf("summer DTSTART not 11:00 local:\n%s", out)
	}

	// Addresses that are not plain addresses are left out, not written.
	for _, addr := range []string{"", "no-at", "a@b@c", "@b", "a@", "a b@c", "a@b\r\nX-EVIL:1", "<a@b>", strings.Repeat("a", 250) + "@b.de"} {
		e.OrganizerEmail = addr
		out := Request(e)
		checkLines(t, out)
		if bytes.Contains(out, []byte("ORGANIZER")) {
			t.Errorf("address %q written", addr)
		}
	}

	// Without a UID one is made, the same for the same centre and start.
	e.UID, e.OrganizerEmail = "", "a@b.example"
	u1 := onlyEvent(t, parse(t, Request(e))).Id()
	u2 := onlyEvent(t, parse(t, Cancel(e))).Id()
	if u1 == "" || u1 != u2 {
		t.Errorf("made UIDs %q and %q, want equal and not empty", u1, u2)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "PT1H", 15 * time.Minute: "PT15M", 90 * time.Minute: "PT1H30M",
		24 * time.Hour: "P1D", 26*time.Hour + 30*time.Second: "P1DT2H30S", time.Millisecond: "PT0S",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzRequest feeds arbitrary summary, location and description text: the
// output must keep the line rules, parse with golang-ical, keep exactly the
// expected properties (caller text cannot add any), and give back text that
// was already clean unchanged.
func FuzzRequest(f *testing.F) {
	f.Add(umlautArabic, "Müllerstraße 12, 13353 Berlin", "https://example.org/t?a=1;b=2,3")
	f.Add(hostile, "a\r\nDTSTART:19700101T000000Z", hostileDescription)
	f.Add("\\", ";", ",")
	f.Add("\\n\\N\\,", "\r", "\n")
	f.Add(strings.Repeat("€", 300), strings.Repeat("a\\", 200), strings.Repeat("ي ", 3000))
	f.Add("\xff\xfe", "\u2028", "END:VEVENT\r\nBEGIN:VEVENT")
	base := springEvent(f)
	f.Fuzz(func(t *testing.T, summary, location, description string) {
		e := base
		e.Summary, e.Location, e.Description = summary, location, description
		for _, out := range [][]byte{Request(e), Cancel(e)} {
			checkLines(t, out)
			cal := parse(t, out)
			ev := onlyEvent(t, cal)
			want := "UID SEQUENCE DTSTAMP DTSTART DTEND"
			for _, p := range []struct{ name, in string }{{"SUMMARY", summary}, {"LOCATION", location}, {"DESCRIPTION", description}} {
				if hasVisible(p.in) {
					want += " " + p.name
				}
			}
			want += " ORGANIZER STATUS TRANSP"
			if got := propNames(ev.Properties); got != want {
				t.Fatalf("properties\n got %s\nwant %s\n%s", got, want, out)
			}
			if ev.Id() != e.UID {
				t.Fatalf("UID %q", ev.Id())
			}
			start, err := ev.GetStartAt()
			if err != nil || !start.Equal(e.Start) {
				t.Fatalf("DTSTART %v %v", start, err)
			}
			for _, p := range []struct {
				prop ical.ComponentProperty
				in   string
				max  int
			}{
				{ical.ComponentPropertySummary, summary, maxSummary},
				{ical.ComponentPropertyLocation, location, maxLocation},
				{ical.ComponentPropertyDescription, description, maxDescription},
			} {
				prop := ev.GetProperty(p.prop)
				if prop == nil {
					continue
				}
				got := prop.Value
				if !utf8.ValidString(got) || utf8.RuneCountInString(got) > p.max {
					t.Fatalf("%s read back invalid or too long: %q", p.prop, got)
				}
				for _, r := range got {
					if r != '\n' && unicode.IsControl(r) {
						t.Fatalf("%s read back with control %U: %q", p.prop, r, got)
					}
				}
				if clean(p.in, p.max) && got != p.in {
					t.Fatalf("%s: clean input %q read back as %q", p.prop, p.in, got)
				}
			}
		}
	})
}

// hasVisible reports whether s has a character that is neither space nor
// control (invalid UTF-8 counts: it becomes U+FFFD), that is whether the
// property is written at all.
func hasVisible(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// clean reports whether s needs no cleaning: valid UTF-8, no control
// character but the newline, no line separator, no surrounding space, not
// longer than max runes. Such text must come back exactly.
func clean(s string, max int) bool {
	if !utf8.ValidString(s) || s != strings.TrimSpace(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if (r != '\n' && unicode.IsControl(r)) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
