package geo

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold reduces a place name to the key both the directory and a person's
// typing are compared by: lower case, umlauts and ß spelled out or not
// ("Köln", "Koeln", "Koln" are equal), accents dropped, punctuation and
// hyphens as single spaces.
func Fold(s string) string {
	s = strings.ToLower(s)
	if !ascii(s) {
		s = norm.NFD.String(s)
	}
	var b strings.Builder
	space := false
	var prev rune
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // combining mark: "ö" is now "o"
		case r == 'ß':
			b.WriteString("ss")
			prev, space = 's', false
			continue
		case r == 'e' && (prev == 'a' || prev == 'o' || prev == 'u'):
			// "ae", "oe", "ue" fold to the vowel, as "ä" does. Names like
			// "Soest" fold to "sost" on both sides, so they still match.
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			prev, space = r, false
			continue
		}
		space, prev = true, ' '
	}
	return b.String()
}

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue")

// FoldStrict is Fold that keeps umlauts apart from plain vowels ("Mörsbach"
// and "Morsbach" are two towns): for matching names between data sources,
// where both sides spell correctly.
func FoldStrict(s string) string {
	s = umlauts.Replace(s)
	var b strings.Builder
	space := false
	for _, c := range strings.ToLower(s) {
		if c == 'ß' {
			b.WriteString("ss")
			space = false
			continue
		}
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
			space = false
			continue
		}
		space = true
	}
	return b.String()
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
