package ics

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxOctets is the longest line RFC 5545 3.1 allows, without the CRLF.
const maxOctets = 75

// writer collects content lines.
type writer struct{ b bytes.Buffer }

// line writes one content line, folded: after at most 75 octets a CRLF and
// a space start a continuation line (the space counts towards its 75). A
// break never falls inside a UTF-8 sequence, which would leave both halves
// invalid for clients that decode each physical line, nor between a
// backslash and the character it escapes.
func (w *writer) line(s string) {
	n := 0 // octets on the current physical line
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		if s[i] == '\\' && i+1 < len(s) {
			_, next := utf8.DecodeRuneInString(s[i+1:])
			size += next
		}
		if n+size > maxOctets {
			w.b.WriteString("\r\n ")
			n = 1
		}
		w.b.WriteString(s[i : i+size])
		n += size
		i += size
	}
	w.b.WriteString("\r\n")
}

// text writes a TEXT property, or nothing if the value is empty: an empty
// LOCATION helps nobody and some clients show it as a blank line.
func (w *writer) text(name, value string) {
	if value != "" {
		w.line(name + ":" + escapeText(value))
	}
}

var textEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`)

// escapeText escapes a cleaned value for a TEXT property (RFC 5545 3.3.11).
func escapeText(s string) string { return textEscaper.Replace(s) }

// cleanText makes caller text safe to write: invalid UTF-8 becomes U+FFFD,
// CRLF, CR and the Unicode line and paragraph separators become a newline
// (multiline) or a space, tabs become spaces, other control characters
// (C0, DEL, C1: terminal escapes, NUL) are dropped, surrounding space is
// trimmed, and text longer than limit runes is cut to limit-1 runes and
// "…", so the reader sees that something is missing.
func cleanText(s string, limit int, multiline bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	s = strings.TrimSpace(b.String())
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
		n++
	}
	return s // not reached: the string has more than limit runes
}

// paramValue prepares cleaned single-line text for a quoted parameter value
// (CN="…"), where no escaping of RFC 5545 applies: a double quote would end
// the value, so it is written as ^' and a caret as ^^ (RFC 6868). Backslashes
// become slashes, because widespread parsers (golang-ical among them) take a
// backslash in a parameter as an escape although RFC 5545 does not.
func paramValue(s string) string {
	return strings.NewReplacer(`^`, `^^`, `"`, `^'`, `\`, `/`).Replace(s)
}

// cleanEmail returns addr trimmed if it can stand in a mailto: URI as it is,
// and "" otherwise: exactly one "@" with something on both sides, at most
// maxEmail octets, no space or control character, none of the characters
// that an address without quoting never has and that would need URI
// escaping.
func cleanEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.IndexByte(addr, '@')
	if len(addr) > maxEmail || at <= 0 || at == len(addr)-1 || strings.Count(addr, "@") != 1 || !utf8.ValidString(addr) {
		return ""
	}
	for _, r := range addr {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"(),:;<>[\]%?#`, r) {
			return ""
		}
	}
	return addr
}
