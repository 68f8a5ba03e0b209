// Package ics writes the iCalendar files (RFC 5545) that go with the
// appointment mails of the counselling-centre booking: an invitation when a
// booking is pending or confirmed (METHOD:REQUEST) and a cancellation when it
// is called off (METHOD:CANCEL, RFC 5546). Mail programs show such an
// attachment as a calendar entry that the person can add with one click, and
// a later CANCEL with the same UID and a higher SEQUENCE removes that entry
// again.
//
// The writer is hand-made and has no dependency: the format is small, and
// what matters is that every file is well-formed whatever a counsellor or a
// person typed into the booking. So the package
//
//   - ends every line with CRLF and folds lines at 75 octets, never inside
//     a UTF-8 sequence nor between a backslash and the character it escapes
//     (some clients unfold and unescape in one pass and would misread it);
//   - escapes TEXT values (backslash, semicolon, comma, newline as \n);
//   - drops control characters other than the newline (a CR or a stray LF
//     would end the property early and let caller text add properties of
//     its own), turns tabs into spaces and invalid UTF-8 into U+FFFD;
//   - writes HTML such as "<script>" as plain text: iCalendar TEXT has no
//     markup, and calendar programs show it as typed;
//   - cuts overlong text at a rune boundary, ending it with "…":
//     SUMMARY 200 characters, LOCATION 300, DESCRIPTION 4000, the organiser's
//     name 100, the UID 255. Booking texts are far shorter; the limits only
//     keep a runaway value from making a mail of megabytes.
//
// Times are written in local Berlin time with TZID=Europe/Berlin and a
// VTIMEZONE that states the EU summer-time rule, because clients show the
// wall-clock time the centre means even if they have no tz database of
// their own (some mobile and web clients) and because an appointment at
// "10:00 in Berlin" should stay at 10:00 if the reader travels.
package ics

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Event is one appointment. Text fields are plain text as typed; the
// package escapes, cleans and cuts them (see the package comment).
type Event struct {
	// UID identifies the booking for good, e.g. "<booking-id>@<host>": the
	// calendar program matches a later update or cancellation to the entry
	// by it, so it must be the same in every mail about one booking.
	UID string
	// Sequence counts the revisions of the booking, starting at 0. A client
	// ignores a message whose SEQUENCE is lower than the one it has, so a
	// cancellation (and every change) must carry a higher one than the
	// invitation before it.
	Sequence int
	// Start and End of the appointment; any time zone, they are written as
	// Berlin wall-clock time. End not after Start leaves DTEND out (RFC 5545
	// then takes the event to end when it starts).
	Start, End time.Time
	// Summary is the title ("Beratungstermin Schuldnerberatung"), Location
	// the address of the centre, Description free text that may hold a URL
	// (to change or cancel the booking); clients usually make it clickable.
	Summary, Location, Description string
	// OrganizerName and OrganizerEmail are the counselling centre. Replies
	// of the calendar program go to the address; an address that does not
	// look like one (no single "@", spaces, longer than 254 octets) is left
	// out rather than written wrong.
	OrganizerName, OrganizerEmail string
	// Status is "CONFIRMED", "TENTATIVE" (booking not yet confirmed by the
	// centre) or "CANCELLED"; anything else is taken as CONFIRMED. Cancel
	// always writes CANCELLED.
	Status string
	// Alarm is how long before Start the calendar reminds (a VALARM of
	// ACTION:DISPLAY); 0 or less means no reminder. Cancel writes none.
	Alarm time.Duration
	// Stamp is DTSTAMP, the time the message was made, written in UTC. The
	// caller gives it so that the output is reproducible; the zero time
	// means now.
	Stamp time.Time
}

// Request returns the invitation for e, METHOD:REQUEST. It is also what is
// sent for a change of a booking, with the same UID and a higher Sequence.
func Request(e Event) []byte {
	return write("REQUEST", normStatus(e.Status), e, true)
}

// Cancel returns the cancellation for e, METHOD:CANCEL with
// STATUS:CANCELLED and no alarm. e.UID must be the one of the invitation and
// e.Sequence higher than its sequence, otherwise clients keep the entry.
func Cancel(e Event) []byte {
	return write("CANCEL", "CANCELLED", e, false)
}

// Limits for caller text, in characters (runes). See the package comment.
const (
	maxSummary     = 200
	maxLocation    = 300
	maxDescription = 4000
	maxName        = 100
	maxUID         = 255
	maxEmail       = 254 // octets, the longest address SMTP carries (RFC 5321)
)

// prodID names the program that made the file (RFC 5545 3.7.3).
const prodID = "-//Sozialplattform//Terminbuchung//DE"

func normStatus(s string) string {
	switch s = strings.ToUpper(strings.TrimSpace(s)); s {
	case "TENTATIVE", "CANCELLED":
		return s
	}
	return "CONFIRMED"
}

func write(method, status string, e Event, alarm bool) []byte {
	var w writer
	w.line("BEGIN:VCALENDAR")
	w.line("PRODID:" + prodID)
	w.line("VERSION:2.0")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
	w.timezone()

	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(uid(e)))
	w.line("SEQUENCE:" + strconv.Itoa(max(e.Sequence, 0)))
	stamp := e.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	w.line("DTSTAMP:" + stamp.UTC().Format(utcFormat))
	w.line("DTSTART" + dateTime(e.Start))
	if e.End.After(e.Start) {
		w.line("DTEND" + dateTime(e.End))
	}
	summary := cleanText(e.Summary, maxSummary, true)
	w.text("SUMMARY", summary)
	w.text("LOCATION", cleanText(e.Location, maxLocation, true))
	w.text("DESCRIPTION", cleanText(e.Description, maxDescription, true))
	if addr := cleanEmail(e.OrganizerEmail); addr != "" {
		prop := "ORGANIZER"
		if cn := paramValue(cleanText(e.OrganizerName, maxName, false)); cn != "" {
			prop += `;CN="` + cn + `"`
		}
		w.line(prop + ":mailto:" + addr)
	}
	w.line("STATUS:" + status)
	// A booked appointment blocks the time in the person's calendar.
	w.line("TRANSP:OPAQUE")
	if alarm && e.Alarm > 0 {
		w.line("BEGIN:VALARM")
		w.line("ACTION:DISPLAY")
		// DESCRIPTION is required for a DISPLAY alarm (RFC 5545 3.6.6).
		text := summary
		if text == "" {
			text = "Termin"
		}
		w.line("DESCRIPTION:" + escapeText(text))
		w.line("TRIGGER:-" + duration(e.Alarm))
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.b.Bytes()
}

// uid is the cleaned e.UID. A caller that forgot it still gets a valid file
// whose UID is stable for the same centre and start time, so that a later
// cancellation made the same way removes the entry; without a UID many
// clients refuse the file.
func uid(e Event) string {
	if u := cleanText(e.UID, maxUID, false); u != "" {
		return u
	}
	sum := sha256.Sum256([]byte(e.Start.UTC().Format(utcFormat) + "\x00" + strings.ToLower(e.OrganizerEmail)))
	return hex.EncodeToString(sum[:16]) + "@sozialplattform"
}

// duration writes d (positive) as an RFC 5545 dur-value, "PT1H",
// "P1DT2H30M"; sub-second parts are dropped.
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	if s <= 0 {
		return "PT0S"
	}
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		b.WriteString(strconv.FormatInt(days, 10) + "D")
	}
	if h > 0 || m > 0 || s > 0 {
		b.WriteString("T")
		if h > 0 {
			b.WriteString(strconv.FormatInt(h, 10) + "H")
		}
		if m > 0 {
			b.WriteString(strconv.FormatInt(m, 10) + "M")
		}
		if s > 0 {
			b.WriteString(strconv.FormatInt(s, 10) + "S")
		}
	}
	return b.String()
}
