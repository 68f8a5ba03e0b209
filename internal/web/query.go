package web

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxQueryRunes bounds what a finder reads of a typed query (words, a
// place, a postcode): longer input is cut, so a page that echoes the query
// cannot be made many times its size (issue 16).
const MaxQueryRunes = 120

// QueryText is the query parameter name as a person typed it: trimmed and
// cut to MaxQueryRunes characters.
func QueryText(r *http.Request, name string) string {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if utf8.RuneCountInString(s) <= MaxQueryRunes {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:MaxQueryRunes]))
}
