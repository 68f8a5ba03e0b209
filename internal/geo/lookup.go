package geo

import (
	"errors"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors a look-up answers bad input with; the web layer turns each into a
// message in the person's language.
var (
	ErrEmpty          = errors.New("geo: empty query")
	ErrTooLong        = errors.New("geo: query too long")
	ErrPostcodeFormat = errors.New("geo: a postcode has five digits")
	ErrCharacters     = errors.New("geo: characters no place name has")
	ErrNotFound       = errors.New("geo: no such place")
)

// MaxQuery is the longest query accepted, in characters. The longest German
// municipality name has about 40.
const MaxQuery = 80

// Result is what a query found.
type Result struct {
	// Postcode is set when the query was a postcode.
	Postcode string
	// Places found, best first. Several places mean the person must choose.
	Places []*Place
}

// Lookup finds places by postcode ("53840"), postcode and name
// ("53840 Troisdorf", as suggestions are labelled) or name ("Troisdorf",
// "Stadt Köln", "Muelheim"); limit caps the number of places (0: no cap).
// Arabic-Indic and Persian digits count as 0–9 ("٥٣٨٤٠" is 53840).
func (d *Directory) Lookup(q string, limit int) (Result, error) {
	q = strings.Join(strings.Fields(westernDigits(q)), " ")
	switch {
	case q == "":
		return Result{}, ErrEmpty
	case utf8.RuneCountInString(q) > MaxQuery:
		return Result{}, ErrTooLong
	}
	if !plausibleName(strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return 'x'
		}
		return r
	}, q)) {
		return Result{}, ErrCharacters
	}
	var code, name string
	if strings.ContainsFunc(q, unicode.IsDigit) {
		code, name, _ = strings.Cut(q, " ")
		if len(code) != 5 || !digits(code) || strings.ContainsFunc(name, unicode.IsDigit) {
			return Result{}, ErrPostcodeFormat
		}
	} else {
		name = q
	}
	key := Fold(stripTitle(name))
	if code != "" {
		ps := d.byCode[code]
		if len(ps) == 0 {
			return Result{Postcode: code}, ErrNotFound
		}
		if key != "" {
			var named []*Place
			for _, p := range ps {
				if p.folded == key || Fold(p.Name) == key || strings.HasPrefix(p.folded, key) {
					named = append(named, p)
				}
			}
			if len(named) > 0 {
				ps = named
			}
		}
		return Result{Postcode: code, Places: capped(ps, limit)}, nil
	}
	if key == "" {
		return Result{}, ErrCharacters
	}
	var found []*Place
	seen := map[*Place]bool{}
	add := func(ps []*Place) {
		for _, p := range ps {
			if !seen[p] {
				seen[p] = true
				found = append(found, p)
			}
		}
	}
	// Exact names first ("Neustadt" lists every Neustadt), then Kreise.
	add(d.byName[key])
	for _, k := range d.kreisBy[key] {
		add([]*Place{d.kreisPlace(k)})
	}
	// Then names that begin with the query; once something is called
	// exactly that, only names that continue with a new word: "Neustadt"
	// adds "Neustadt an der Aisch", but "Berlin" does not add "Berlingerode".
	if limit == 0 || len(found) < limit {
		prefix := key
		if len(found) > 0 {
			prefix = key + " "
		}
		var more []*Place
		i := sort.SearchStrings(d.names, prefix)
		for ; i < len(d.names) && strings.HasPrefix(d.names[i], prefix); i++ {
			if d.names[i] != key {
				more = append(more, d.byName[d.names[i]]...)
			}
		}
		for k, ks := range d.kreisBy {
			if k != key && strings.HasPrefix(k, prefix) {
				for _, kr := range ks {
					more = append(more, d.kreisPlace(kr))
				}
			}
		}
		sortPlaces(more)
		add(more)
	}
	if len(found) == 0 {
		return Result{}, ErrNotFound
	}
	return Result{Places: capped(found, limit)}, nil
}

// kreisPlace stands for a whole Kreis when someone types its name
// ("Rhein-Sieg-Kreis"): the office finder then works at the Kreis level.
func (d *Directory) kreisPlace(k Kreis) *Place {
	if p, ok := d.kreisPlaces[k.AGS]; ok {
		return p
	}
	return &Place{Name: k.Name, Kreis: k.AGS}
}

func capped(ps []*Place, limit int) []*Place {
	if limit > 0 && len(ps) > limit {
		ps = ps[:limit]
	}
	out := make([]*Place, len(ps))
	copy(out, ps)
	return out
}

// plausibleName admits what German place names are made of: letters,
// spaces, hyphens, dots, apostrophes, brackets, slashes and commas.
func plausibleName(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case ' ', '-', '.', '\'', '’', '(', ')', '/', ',':
			continue
		}
		return false
	}
	return true
}

// stripTitle removes the words an official name adds ("Stadt Köln", "Köln,
// Stadt", "Landeshauptstadt Düsseldorf", "Kreis Steinfurt"), as long as a
// name remains.
func stripTitle(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
	titles := map[string]bool{"stadt": true, "landeshauptstadt": true, "hansestadt": true,
		"gemeinde": true, "kreisfreie": true, "kreis": true, "landkreis": true, "kreisstadt": true,
		"große": true, "grosse": true, "mittlere": true, "kreisangehörige": true}
	var keep []string
	for _, w := range words {
		if !titles[strings.ToLower(w)] {
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		return s
	}
	return strings.Join(keep, " ")
}

// westernDigits replaces Arabic-Indic (U+0660–0669) and Persian
// (U+06F0–06F9) digits by 0–9, as form.WesternDigits does for the form
// engine: a postcode typed on an Arabic or Persian keyboard is a postcode.
func westernDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0x0660 && r <= 0x0669:
			return '0' + r - 0x0660
		case r >= 0x06F0 && r <= 0x06F9:
			return '0' + r - 0x06F0
		}
		return r
	}, s)
}
