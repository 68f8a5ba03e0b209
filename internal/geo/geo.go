// Package geo is the directory of German places the office finder works
// with: every postcode, the municipalities behind it with their official keys
// (AGS, ARS) and coordinates, and the Kreise. The data is derived from openly
// licensed sources by cmd/geodata (docs/data-sources.md) and embedded, so a
// look-up never leaves the process; an operator can add exact regional keys
// from the official Gemeindeverzeichnis (ImportGV100AD).
package geo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

//go:embed data/places.tsv.gz data/kreise.tsv.gz
var dataFS embed.FS

// Place is a municipality, or a place name the sources could not tie to one.
type Place struct {
	Name string
	// AGS is the 8-digit Amtlicher Gemeindeschlüssel, "" when unknown.
	AGS string
	// Kreis is the 5-digit key of the Kreis or kreisfreie Stadt, "" when unknown.
	Kreis string
	// KreisFromPostcode: the Kreis is known only because every municipality
	// sharing the postcode lies in it; the municipality itself is not.
	KreisFromPostcode bool
	Lat, Lon          float64
	HasCoord          bool
	Population        int
	Postcodes         []string
	// IsKreis: the place stands for a whole Kreis, typed by its name.
	IsKreis bool

	folded string
}

// Kreis is a Landkreis, Kreis or kreisfreie Stadt.
type Kreis struct {
	AGS, Type, Name string
}

// Level says how exactly a regional key identifies a place.
type Level string

const (
	// LevelMunicipality: the ARS names the municipality itself.
	LevelMunicipality Level = "gemeinde"
	// LevelKreis: only the Kreis is known; the ARS is the Kreis's.
	LevelKreis Level = "kreis"
	// LevelNone: nothing is known beyond the name.
	LevelNone Level = ""
)

// Directory answers look-ups by postcode and name. It is read-only after
// Load; the table of exact regional keys is swapped atomically.
type Directory struct {
	places  []*Place
	byCode  map[string][]*Place
	byName  map[string][]*Place // folded name -> places
	names   []string            // folded names, sorted, for prefix search
	kreise  map[string]Kreis
	kreisBy map[string][]Kreis // folded short name -> Kreise
	// kreisPlaces stand for Kreise typed by name (not kreisfreie Städte,
	// which are municipalities in the directory).
	kreisPlaces map[string]*Place
	seats       map[string]*Place // Kreis -> its largest municipality
	exact       atomic.Pointer[map[string]string]
}

// Load reads the embedded directory.
func Load() (*Directory, error) {
	d := &Directory{byCode: map[string][]*Place{}, byName: map[string][]*Place{}, kreise: map[string]Kreis{}, kreisBy: map[string][]Kreis{}, kreisPlaces: map[string]*Place{}}
	if err := readTSV("data/kreise.tsv.gz", 3, func(f []string) error {
		k := Kreis{AGS: f[0], Type: f[1], Name: f[2]}
		d.kreise[k.AGS] = k
		if k.Type == "Kreisfreie Stadt" || k.Type == "Stadtkreis" {
			return nil
		}
		p := &Place{Name: k.Name, Kreis: k.AGS, IsKreis: true}
		p.folded = Fold(stripTitle(k.Name))
		d.kreisPlaces[k.AGS] = p
		d.kreisBy[p.folded] = append(d.kreisBy[p.folded], k)
		if full := Fold(k.Name); full != p.folded {
			d.kreisBy[full] = append(d.kreisBy[full], k)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readTSV("data/places.tsv.gz", 8, func(f []string) error {
		p := &Place{Name: f[0], AGS: f[1], Kreis: f[2], KreisFromPostcode: f[7] == "k"}
		if f[3] != "" {
			var err1, err2 error
			p.Lat, err1 = strconv.ParseFloat(f[3], 64)
			p.Lon, err2 = strconv.ParseFloat(f[4], 64)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("bad coordinate %q %q", f[3], f[4])
			}
			p.HasCoord = true
		}
		if f[5] != "" {
			p.Population, _ = strconv.Atoi(f[5])
		}
		p.Postcodes = strings.Split(f[6], ",")
		p.folded = Fold(shortName(p.Name))
		d.places = append(d.places, p)
		for _, c := range p.Postcodes {
			d.byCode[c] = append(d.byCode[c], p)
		}
		for _, k := range nameKeys(p.Name) {
			d.byName[k] = append(d.byName[k], p)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	d.seats = map[string]*Place{}
	for _, p := range d.places {
		if p.AGS == "" {
			continue
		}
		if cur := d.seats[p.Kreis]; cur == nil || p.Population > cur.Population {
			d.seats[p.Kreis] = p
		}
	}
	for k, ps := range d.byName {
		sortPlaces(ps)
		d.names = append(d.names, k)
	}
	sort.Strings(d.names)
	for _, ps := range d.byCode {
		sortPlaces(ps)
	}
	empty := map[string]string{}
	d.exact.Store(&empty)
	return d, nil
}

// nameKeys: the full folded name and, where it differs, the name without a
// bracketed or slashed addition, so "Halle" finds "Halle (Saale)".
func nameKeys(name string) []string {
	full := Fold(name)
	short := Fold(shortName(name))
	if short == full || short == "" {
		return []string{full}
	}
	return []string{full, short}
}

func shortName(name string) string {
	for _, sep := range []string{" (", "/", ", ", " - "} {
		if i := strings.Index(name, sep); i > 0 {
			name = name[:i]
		}
	}
	return strings.TrimSpace(name)
}

// sortPlaces: municipalities before bare names, then larger first, then by name.
func sortPlaces(ps []*Place) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if (a.AGS != "") != (b.AGS != "") {
			return a.AGS != ""
		}
		if a.Population != b.Population {
			return a.Population > b.Population
		}
		return a.Name < b.Name
	})
}

func readTSV(name string, cols int, row func([]string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != cols {
			return fmt.Errorf("geo: %s:%d: %d columns, want %d", name, line, len(f), cols)
		}
		if err := row(f); err != nil {
			return fmt.Errorf("geo: %s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return err
	}
	return nil
}

// Kreis returns the Kreis or kreisfreie Stadt with the 5-digit key.
func (d *Directory) Kreis(ags string) (Kreis, bool) {
	k, ok := d.kreise[ags]
	return k, ok
}

// Kreise lists the Kreise and kreisfreie Städte whose key starts with
// prefix ("05" for North Rhine-Westphalia), by key.
func (d *Directory) Kreise(prefix string) []Kreis {
	var out []Kreis
	for _, k := range d.kreise {
		if strings.HasPrefix(k.AGS, prefix) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AGS < out[j].AGS })
	return out
}

// LargestMunicipality returns the most populous municipality of a Kreis
// in the directory (usually its seat), or nil.
func (d *Directory) LargestMunicipality(kreis string) *Place { return d.seats[kreis] }

// Stats counts what the directory holds.
func (d *Directory) Stats() (postcodes, places, municipalities, kreise int) {
	seen := map[string]bool{}
	for _, p := range d.places {
		if p.AGS != "" {
			seen[p.AGS] = true
		}
	}
	return len(d.byCode), len(d.places), len(seen), len(d.kreise)
}

// SetExactARS installs 12-digit regional keys by AGS (from the official
// Gemeindeverzeichnis); they replace the derived ones.
func (d *Directory) SetExactARS(byAGS map[string]string) {
	m := make(map[string]string, len(byAGS))
	for k, v := range byAGS {
		m[k] = v
	}
	d.exact.Store(&m)
}

// ARS returns the 12-digit Amtlicher Regionalschlüssel to look up
// responsibilities with, and how exact it is.
//
// The ARS is LL R KK VVVV GGG: the AGS with the 4-digit Gemeindeverband
// inserted. A municipality in no Gemeindeverband has VVVV = 0 + its own
// 3-digit number: all of North Rhine-Westphalia, and every kreisfreie Stadt
// (VVVV = 0000, GGG = 000) including Berlin, Hamburg and Bremen. Elsewhere
// the Verband is unknown without the official directory, so the Kreis's key
// is returned at LevelKreis.
func (d *Directory) ARS(p *Place) (string, Level) {
	if p.AGS != "" {
		if ars, ok := (*d.exact.Load())[p.AGS]; ok {
			return ars, LevelMunicipality
		}
		if ars, ok := DeriveARS(p.AGS); ok {
			return ars, LevelMunicipality
		}
	}
	if p.Kreis != "" {
		return p.Kreis + "0000000", LevelKreis
	}
	return "", LevelNone
}

// DeriveARS computes the ARS from an AGS where no Gemeindeverband can lie
// between (see ARS).
func DeriveARS(ags string) (string, bool) {
	if len(ags) != 8 || !digits(ags) {
		return "", false
	}
	g := ags[5:]
	switch {
	case g == "000": // kreisfreie Stadt, city-state
		return ags[:5] + "0000000", true
	case ags[:2] == "05": // North Rhine-Westphalia has no Gemeindeverbände
		return ags[:5] + "0" + g + g, true
	}
	return "", false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
