package geo

import (
	"errors"
	"slices"
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
	// Named is the place the query names outright: the one municipality
	// (or Kreis) with exactly that name, when no other place found is
	// larger ("München" is the city, though "Landkreis München" is found
	// too; "Halle" asks, as Halle (Saale) is larger than the Halle named
	// so). nil when the person must choose; also when only the start of
	// a name or a similar spelling matched ("Beuel" is not "Beulich").
	Named *Place
	// Via names the district or village a place was found by ("Neustadt"
	// finds Hamburg through its district Neustadt).
	Via map[*Place]string
	// Mismatch: the name typed with a postcode is not at that postcode;
	// Places are the postcode's.
	Mismatch bool
	// More: more places matched than the limit let through.
	More bool
}

// splitPostcode reads "53840 Troisdorf", "Troisdorf 53840" and
// "D-53840": the postcode and the rest.
func splitPostcode(q string) (code, name string) {
	q = strings.TrimPrefix(strings.TrimPrefix(q, "D-"), "D ")
	f := strings.Fields(q)
	switch {
	case len(f) > 1 && digits(f[len(f)-1]) && !digits(f[0]):
		return f[len(f)-1], strings.Join(f[:len(f)-1], " ")
	case len(f) > 0:
		return f[0], strings.Join(f[1:], " ")
	}
	return "", ""
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
		code, name = splitPostcode(q)
		if len(code) != 5 || !digits(code) || strings.ContainsFunc(name, unicode.IsDigit) {
			return Result{}, ErrPostcodeFormat
		}
	} else {
		name = q
	}
	if code != "" {
		ps := d.byCode[code]
		if len(ps) == 0 {
			return Result{Postcode: code}, ErrNotFound
		}
		if key := Fold(stripTitle(name)); key != "" {
			typed := Fold(name) // "Stadt Wehlen" is a name, not a title
			// The name as labelled ("22929 Hamfelde (Stormarn)"), else
			// the name before a bracket, else the start of a name.
			var full, short, prefix []*Place
			for _, p := range ps {
				s := Fold(shortName(p.Name))
				switch {
				case Fold(p.Name) == key || Fold(p.Name) == typed:
					full = append(full, p)
				case s == key:
					short = append(short, p)
				case strings.HasPrefix(s, key):
					prefix = append(prefix, p)
				}
			}
			matched := false
			for _, named := range [][]*Place{full, short, prefix} {
				if len(named) > 0 {
					ps, matched = named, true
					break
				}
			}
			if !matched {
				// "53840 Köln": the name is not at the postcode. Ask
				// instead of taking the postcode's place silently.
				return Result{Postcode: code, Places: capped(ps, limit), Mismatch: true}, nil
			}
		}
		r := Result{Postcode: code, Places: capped(ps, limit)}
		if len(r.Places) == 1 {
			r.Named = r.Places[0]
		}
		return r, nil
	}
	return d.lookupName(name, limit)
}

// lookupName ranks what a name may mean: places called exactly that, or
// whose name begins with it as a word ("Frankfurt" → Frankfurt am Main,
// Frankfurt (Oder); "Bad" → every Bad …), by population; then districts,
// villages and Kreise called so; and only when none of these exists, names
// that begin with the letters typed ("Mün" → München first).
func (d *Directory) lookupName(name string, limit int) (Result, error) {
	keys := []string{Fold(name)}
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(Fold(stripTitle(name))) // "Stadt Köln", "Landeshauptstadt Düsseldorf"
	// "St. Augustin" is "Sankt Augustin", "Sankt Ingbert" "St. Ingbert".
	for _, k := range slices.Clone(keys) {
		if rest, ok := strings.CutPrefix(k, "st "); ok {
			add("sankt " + rest)
		} else if rest, ok := strings.CutPrefix(k, "sankt "); ok {
			add("st " + rest)
		}
	}
	if keys[0] == "" {
		return Result{}, ErrCharacters
	}
	var first, second []nameEntry
	var named, rivals []*Place // rivals: found by the key that named it
	exact := false
	for _, k := range keys {
		fromKey := len(named) == 0 // the name as typed before the one without titles
		add := func(e nameEntry) {
			if e.primary {
				first = append(first, e)
			} else {
				second = append(second, e)
			}
			if fromKey {
				rivals = append(rivals, e.place)
			}
		}
		for _, e := range d.names.exact(k) {
			add(e)
			exact = true
			if e.primary && e.full && fromKey {
				named = append(named, e.place)
			}
		}
		for _, e := range d.names.prefixed(k + " ") {
			add(e)
			exact = true
		}
	}
	if len(first) == 0 && len(second) == 0 {
		if r, ok := d.cityAndDistrict(name, limit); ok {
			return r, nil
		}
		// Only the start of a name: a place's own names before its
		// districts' ("Mu" is München before Berlin-Müggelheim).
		for _, e := range d.names.prefixed(keys[0]) {
			if e.primary {
				first = append(first, e)
			} else {
				second = append(second, e)
			}
		}
	}
	// The spelling typed first: "Neuenkirchen" before the Neunkirchens
	// that fold to the same key, then by population.
	strict := FoldStrict(name)
	same := func(p *Place) bool {
		n := p.strictName
		return n == strict || p.strictShort == strict || len(n) > len(strict) && n[len(strict)] == ' ' && strings.HasPrefix(n, strict)
	}
	var found []*Place
	via := map[*Place]string{}
	seen := map[*Place]bool{}
	for gi, group := range [][]nameEntry{first, second} {
		sort.SliceStable(group, func(i, j int) bool {
			if a, b := same(group[i].place), same(group[j].place); a != b {
				return a
			}
			return byPopulation(group[i].place, group[j].place)
		})
		for _, e := range group {
			if !seen[e.place] {
				seen[e.place] = true
				found = append(found, e.place)
				if gi == 1 && e.name != "" && !e.place.IsKreis {
					via[e.place] = e.name
				}
			}
		}
	}
	if len(found) == 0 {
		return Result{}, ErrNotFound
	}
	r := Result{Via: via}
	var strictNamed []*Place
	for _, p := range named {
		if same(p) && !slices.Contains(strictNamed, p) {
			strictNamed = append(strictNamed, p)
		}
	}
	if len(strictNamed) == 1 {
		named = strictNamed // "Neuenkirchen" typed so: the others only fold alike
	}
	switch {
	case !exact:
		// Only the start of a name matched: offer, never decide.
	case len(found) == 1:
		r.Named = found[0]
	case len(named) == 1 || len(named) > 1 && allSame(named):
		r.Named = named[0]
		for _, p := range rivals {
			// A Kreis of the same name holds the municipality: choosing
			// the municipality is never wrong there.
			if !p.IsKreis && p != r.Named && p.Population > r.Named.Population && (same(p) || !same(r.Named)) {
				r.Named = nil
				break
			}
		}
	}
	if r.Named != nil && !same(r.Named) && spelledOut(name) {
		// "Suelz" matched "Sulz" only because "ue" may stand for "ü":
		// ask ("Koln" for Köln is decided: no letters were dropped).
		r.Named = nil
	}
	if r.Named != nil && found[0] != r.Named {
		// What the query names comes first ("Landkreis München" before
		// the larger city found by "München").
		i := slices.Index(found, r.Named)
		copy(found[1:i+1], found[:i])
		found[0] = r.Named
	}
	r.More = limit > 0 && len(found) > limit
	r.Places = capped(found, limit)
	return r, nil
}

// cityAndDistrict reads "Berlin-Neukölln", "Köln Porz", "Bonn-Beuel": a
// municipality's name followed by more. When the rest is a district of
// that municipality, the query names it; otherwise the municipality is
// offered (not decided: the rest may mean something else).
func (d *Directory) cityAndDistrict(name string, limit int) (Result, bool) {
	words := strings.Fields(Fold(name))
	for i := len(words) - 1; i >= 1; i-- {
		head, tail := strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		var city *Place
		for _, e := range d.names.exact(head) {
			if e.primary && e.full && !e.place.IsKreis {
				if city != nil && city != e.place {
					city = nil
					break
				}
				city = e.place
			}
		}
		if city == nil {
			continue
		}
		r := Result{Places: []*Place{city}}
		for _, e := range append(d.names.exact(tail), d.names.prefixed(tail+" ")...) {
			if e.place == city {
				r.Named = city // "Köln-Porz": Porz (am Rhein) is Köln's
			}
		}
		return r, true
	}
	return Result{}, false
}

func allSame(ps []*Place) bool {
	for _, p := range ps[1:] {
		if p != ps[0] {
			return false
		}
	}
	return true
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

// spelledOut: the name has "ae", "oe" or "ue", which Fold reads as an
// umlaut and so may match a different name.
func spelledOut(name string) bool {
	l := strings.ToLower(name)
	return strings.Contains(l, "ae") || strings.Contains(l, "oe") || strings.Contains(l, "ue")
}
