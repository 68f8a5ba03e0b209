package form

import (
	"math"
	"math/big"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is a field type. Each kind parses what a person typed into a
// normalised value or says, as a message key, what is wrong. (Rendering to
// HTML, PDF and XML joins the kinds with the chapter renderer.)
type Kind struct {
	NeedsCodeList bool
	Parse         func(f *Field, codes []Code, raw string) (value, errKey string)
}

// Kinds maps the type names of definitions to their implementation.
var Kinds = map[string]Kind{
	"text":        {Parse: parseLine},
	"longtext":    {Parse: parseText},
	"number":      {Parse: westernDigits(parseNumber)},
	"money":       {Parse: westernDigits(parseMoney)},
	"date":        {Parse: westernDigits(parseDate)},
	"yesno":       {Parse: parseYesNo},
	"choice":      {NeedsCodeList: true, Parse: parseChoice},
	"multichoice": {NeedsCodeList: true, Parse: parseMulti},
	"codelist":    {NeedsCodeList: true, Parse: parseChoice},
	"postcode":    {Parse: westernDigits(parsePostcode)},
	"iban":        {Parse: westernDigits(parseIBAN)},
	"phone":       {Parse: westernDigits(parsePhone)},
	"email":       {Parse: parseEmail},
	"file":        {Parse: func(*Field, []Code, string) (string, string) { return "", "" }}, // uploads: their own handler
}

// westernDigits lets a kind read numbers typed with Arabic-Indic or
// Persian digits (and the Arabic decimal and thousands separators), as
// phones with an Arabic or Persian keyboard type them. The answer keeps
// what was typed; the normalised value has Western digits.
func westernDigits(parse func(*Field, []Code, string) (string, string)) func(*Field, []Code, string) (string, string) {
	return func(f *Field, codes []Code, raw string) (string, string) {
		v, errKey := parse(f, codes, WesternDigits(raw))
		if errKey != "" {
			return raw, errKey
		}
		return v, ""
	}
}

// WesternDigits replaces Arabic-Indic (U+0660–0669) and Persian (U+06F0–06F9)
// digits by 0–9, the Arabic decimal separator by a comma and the Arabic
// thousands separator by a dot (German notation).
func WesternDigits(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x0660 && r <= 0x06F9 }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x0660 && r <= 0x0669:
			return '0' + r - 0x0660
		case r >= 0x06F0 && r <= 0x06F9:
			return '0' + r - 0x06F0
		case r == 0x066B: // ARABIC DECIMAL SEPARATOR
			return ','
		case r == 0x066C: // ARABIC THOUSANDS SEPARATOR
			return '.'
		}
		return r
	}, s)
}

// MaxTextLength applies where a definition sets none.
const MaxTextLength = 4000

// parseLine is a single-line text: without line breaks and without the
// bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069,
// U+200E, U+200F, U+061C), which can make a name or an address read
// differently at the office than it was typed ("U+202E" turns what
// follows around), and without invisible characters that make two equal
// names differ (U+200B, U+2060, U+FEFF); line and paragraph separators
// (U+2028, U+2029) become spaces. ZWNJ and ZWJ stay: Persian and Arabic
// spelling needs them. A multi-line text keeps the bidi marks: there
// they can be needed for mixed Arabic and German sentences.
func parseLine(f *Field, codes []Code, raw string) (string, string) {
	return parseText(f, codes, strings.Map(func(r rune) rune {
		switch {
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C,
			r == 0x200B, r == 0x2060, r == 0xFEFF:
			return -1
		case r == '\n', r == 0x2028, r == 0x2029:
			return ' '
		}
		return r
	}, raw))
}

func parseText(f *Field, _ []Code, raw string) (string, string) {
	v := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\r' || (unicode.IsControl(r) && r != '\n' && r != '\t') {
			return -1
		}
		return r
	}, raw))
	if f.pattern != nil {
		// A text with a pattern is a number or code (a pension insurance
		// number, say): its digits may come from an Arabic keyboard.
		v = WesternDigits(v)
	}
	n := utf8.RuneCountInString(v)
	max := f.MaxLength
	if max == 0 {
		max = MaxTextLength
	}
	switch {
	case n > max:
		return v, "form.error.too_long"
	case n > 0 && n < f.MinLength:
		return v, "form.error.too_short"
	case n > 0 && f.pattern != nil && !f.pattern.MatchString(v):
		return v, "form.error.pattern"
	}
	return v, ""
}

func parseNumber(f *Field, _ []Code, raw string) (string, string) {
	s := strings.ReplaceAll(strings.TrimSpace(raw), ",", ".")
	if s == "" {
		return "", ""
	}
	x, err := strconv.ParseFloat(s, 64)
	// ParseFloat also reads "NaN" and "Inf", which no comparison with a
	// bound would catch.
	if err != nil || len(s) > 20 || math.IsNaN(x) || math.IsInf(x, 0) {
		return raw, "form.error.number"
	}
	if (f.Min != nil && x < *f.Min) || (f.Max != nil && x > *f.Max) {
		return raw, "form.error.range"
	}
	return strconv.FormatFloat(x, 'f', -1, 64), ""
}

var moneyRe = regexp.MustCompile(`^-?[0-9.,]{1,16}$`)

// parseMoney reads German ("1.234,56", "1234,5") and plain ("1234.56")
// amounts into integer cents: money never travels as a float. A dot
// followed by exactly three digits is a German thousands separator.
func parseMoney(f *Field, _ []Code, raw string) (string, string) {
	s := strings.TrimSpace(raw)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(s, "EUR"), "€"))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return "", ""
	}
	if !moneyRe.MatchString(s) {
		return raw, "form.error.money"
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	} else if i := strings.LastIndex(s, "."); i >= 0 && len(s)-i-1 == 3 {
		s = strings.ReplaceAll(s, ".", "")
	}
	euros, cents, _ := strings.Cut(s, ".")
	if euros == "" || len(cents) > 2 || strings.ContainsAny(cents, ".,") || strings.ContainsAny(euros, ".,") {
		return raw, "form.error.money"
	}
	for len(cents) < 2 {
		cents += "0"
	}
	e, err1 := strconv.ParseInt(euros, 10, 64)
	c, err2 := strconv.ParseInt(cents, 10, 64)
	if err1 != nil || err2 != nil {
		return raw, "form.error.money"
	}
	total := e*100 + c
	if neg {
		total = -total
	}
	if (f.Min != nil && float64(total) < *f.Min*100) || (f.Max != nil && float64(total) > *f.Max*100) {
		return raw, "form.error.range"
	}
	return strconv.FormatInt(total, 10), ""
}

// parseDate accepts DD.MM.YYYY and YYYY-MM-DD, and partial dates where day
// or day and month are unknown ("00.05.1960", "00.00.1960"), as the seed's
// help text allows for birth dates; partial dates keep the zeros.
func parseDate(_ *Field, _ []Code, raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ""
	}
	var y, m, d int
	var err error
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		y, err = strconv.Atoi(s[:4])
		if err == nil {
			m, err = strconv.Atoi(s[5:7])
		}
		if err == nil {
			d, err = strconv.Atoi(s[8:])
		}
	default:
		parts := strings.Split(s, ".")
		if len(parts) != 3 || len(parts[2]) != 4 {
			return raw, "form.error.date"
		}
		d, err = strconv.Atoi(parts[0])
		if err == nil {
			m, err = strconv.Atoi(parts[1])
		}
		if err == nil {
			y, err = strconv.Atoi(parts[2])
		}
	}
	if err != nil || y < 1850 || y > 2200 || m < 0 || m > 12 || d < 0 || d > 31 || (m == 0 && d != 0) {
		return raw, "form.error.date"
	}
	if m > 0 && d > 0 {
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if t.Day() != d {
			return raw, "form.error.date" // 31.02.
		}
	}
	return strconv.Itoa(y) + "-" + two(m) + "-" + two(d), ""
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func parseYesNo(_ *Field, _ []Code, raw string) (string, string) {
	switch strings.TrimSpace(raw) {
	case "":
		return "", ""
	case "ja", "yes", "true":
		return "ja", ""
	case "nein", "no", "false":
		return "nein", ""
	}
	return raw, "form.error.choice"
}

func parseChoice(_ *Field, codes []Code, raw string) (string, string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", ""
	}
	for _, c := range codes {
		if c.Value == v {
			return v, ""
		}
	}
	return raw, "form.error.choice"
}

// parseMulti takes the values joined by newlines (the web layer joins the
// checked boxes).
func parseMulti(f *Field, codes []Code, raw string) (string, string) {
	var out []string
	seen := map[string]bool{}
	for _, v := range strings.Split(raw, "\n") {
		v = strings.TrimSpace(v)
		if v == "" || seen[v] {
			continue
		}
		if _, bad := parseChoice(f, codes, v); bad != "" {
			return raw, bad
		}
		seen[v] = true
		out = append(out, v)
	}
	return strings.Join(out, "\n"), ""
}

func parsePostcode(_ *Field, _ []Code, raw string) (string, string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", ""
	}
	if len(v) != 5 || strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return raw, "place.error.postcode"
	}
	return v, ""
}

// parseIBAN checks country length loosely and the ISO 13616 checksum.
func parseIBAN(_ *Field, _ []Code, raw string) (string, string) {
	v := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, raw))
	if v == "" {
		return "", ""
	}
	if len(v) < 15 || len(v) > 34 || !isAlnum(v) || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' {
		return raw, "form.error.iban"
	}
	if v[:2] == "DE" && len(v) != 22 {
		return raw, "form.error.iban"
	}
	rearranged := v[4:] + v[:4]
	var digits strings.Builder
	for _, r := range rearranged {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok || new(big.Int).Mod(n, big.NewInt(97)).Int64() != 1 {
		return raw, "form.error.iban"
	}
	// Grouped by four, as people read it.
	var b strings.Builder
	for i, r := range v {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String(), ""
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 /()-]{4,24}$`)

func parsePhone(_ *Field, _ []Code, raw string) (string, string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", ""
	}
	if !phoneRe.MatchString(v) {
		return raw, "form.error.phone"
	}
	return v, ""
}

func parseEmail(_ *Field, _ []Code, raw string) (string, string) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 || !strings.Contains(v[strings.LastIndex(v, "@"):], ".") {
		return raw, "form.error.email"
	}
	return v, ""
}
