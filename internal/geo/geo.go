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

//go:embed data/*.tsv.gz data/*.tsv
var dataFS embed.FS

// Place is a municipality, or a whole Kreis typed by its name.
type Place struct {
	// Name is the name people use ("München", "Grafing b. München");
	// Official the Gemeindeverzeichnis' form ("München, Landeshauptstadt").
	Name, Official string
	// AGS is the 8-digit Amtlicher Gemeindeschlüssel, ARS the 12-digit
	// Amtlicher Regionalschlüssel (Land, RB, Kreis, Gemeindeverband,
	// Gemeinde); both "" for a Kreis.
	AGS, ARS string
	// Type is the municipality's kind as the Gemeindeverzeichnis names it:
	// Stadt, Markt, Gemeinde, Kreisfreie Stadt, Stadtkreis, Große
	// Kreisstadt, Gemeindefreies Gebiet.
	Type string
	// Kreis is the 5-digit key of the Kreis or kreisfreie Stadt.
	Kreis      string
	Lat, Lon   float64
	HasCoord   bool
	Population int
	Postcodes  []string
	// IsKreis: the place stands for a whole Kreis, typed by its name.
	IsKreis bool

	rank int32 // position by population, largest first (the name index's order)
	// FoldStrict of the name and of its part before a bracket, computed
	// once: the look-up ranks the spelling typed first by them.
	strictName, strictShort string
}

func (p *Place) setStrict() {
	p.strictName, p.strictShort = FoldStrict(p.Name), FoldStrict(shortName(p.Name))
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
	// LevelKreis: a whole Kreis was typed; the ARS is the Kreis's.
	LevelKreis Level = "kreis"
	// LevelNone: nothing is known beyond the name.
	LevelNone Level = ""
)

// Directory answers look-ups by postcode and name. It is read-only after
// Load; the table of regional keys from a GV100AD import is swapped
// atomically.
type Directory struct {
	munis  []*Place
	byAGS  map[string]*Place
	byCode map[string][]*Place
	names  nameIndex
	kreise map[string]Kreis
	// kreisPlaces stand for Kreise typed by name (not kreisfreie Städte,
	// which are municipalities in the directory).
	kreisPlaces map[string]*Place
	seats       map[string]*Place // Kreis -> its largest municipality
	exact       atomic.Pointer[map[string]string]
}

// Load reads the embedded directory.
func Load() (*Directory, error) {
	d := &Directory{byAGS: map[string]*Place{}, byCode: map[string][]*Place{}, kreise: map[string]Kreis{}, kreisPlaces: map[string]*Place{}, seats: map[string]*Place{}}
	b := newIndexBuilder()
	kreisPop := map[string]int{}
	if err := readTSV("data/municipalities.tsv.gz", 9, func(f []string) error {
		p := &Place{AGS: f[0], ARS: f[1], Type: f[2], Name: f[3], Official: f[4], Kreis: f[0][:5]}
		if len(p.AGS) != 8 || len(p.ARS) != 12 || p.ARS[:5] != p.AGS[:5] {
			return fmt.Errorf("keys %q %q", p.AGS, p.ARS)
		}
		var err error
		if p.Population, err = strconv.Atoi(f[5]); err != nil {
			return err
		}
		if f[6] != "" {
			var err1, err2 error
			p.Lat, err1 = strconv.ParseFloat(f[6], 64)
			p.Lon, err2 = strconv.ParseFloat(f[7], 64)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("bad coordinate %q %q", f[6], f[7])
			}
			p.HasCoord = true
		}
		p.Postcodes = strings.Split(f[8], ",")
		p.setStrict()
		d.munis = append(d.munis, p)
		d.byAGS[p.AGS] = p
		for _, c := range p.Postcodes {
			d.byCode[c] = append(d.byCode[c], p)
		}
		kreisPop[p.Kreis] += p.Population
		if cur := d.seats[p.Kreis]; cur == nil || p.Population > cur.Population {
			d.seats[p.Kreis] = p
		}
		if p.Type != "Gemeindefreies Gebiet" { // found by postcode, not by name
			b.addPrimary(p.Name, p)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := readTSV("data/kreise.tsv.gz", 3, func(f []string) error {
		k := Kreis{AGS: f[0], Type: f[1], Name: f[2]}
		d.kreise[k.AGS] = k
		if k.Type == "Kreisfreie Stadt" || k.Type == "Stadtkreis" {
			return nil
		}
		p := &Place{Name: k.Label(), Official: k.Name, Kreis: k.AGS, IsKreis: true, Population: kreisPop[k.AGS]}
		p.setStrict()
		d.kreisPlaces[k.AGS] = p
		b.addPrimary(p.Name, p)
		// The bare name ("Steinfurt", "München") finds the Kreis too, after
		// a municipality of that name.
		b.addAlias(stripTitle(k.Name), p)
		return nil
	}); err != nil {
		return nil, err
	}
	aliases := func(name string) error {
		return readTSV(name, 3, func(f []string) error {
			p := d.byAGS[f[1]]
			if p == nil {
				return fmt.Errorf("no municipality %s for %q", f[1], f[0])
			}
			if strings.HasPrefix(f[2], "exonym") || f[2] == "abbreviation" {
				b.addPrimary(f[0], p) // what people mean by it, like the name itself
			} else {
				b.addAlias(f[0], p)
			}
			return nil
		})
	}
	if err := aliases("data/names.tsv.gz"); err != nil {
		return nil, err
	}
	if err := aliases("data/alternate-names.tsv"); err != nil {
		return nil, err
	}
	for _, ps := range d.byCode {
		sort.SliceStable(ps, func(i, j int) bool { return byPopulation(ps[i], ps[j]) })
	}
	d.names = b.build()
	empty := map[string]string{}
	d.exact.Store(&empty)
	return d, nil
}

// Label is how a Kreis is named on its own: "Kreis Steinfurt",
// "Landkreis München", "Rhein-Sieg-Kreis", "Region Hannover".
func (k Kreis) Label() string {
	n := k.Name
	if i := strings.Index(n, ", "); i > 0 {
		n = n[:i]
	}
	l := strings.ToLower(n)
	if strings.Contains(l, "kreis") || strings.HasPrefix(l, "region") || strings.HasPrefix(l, "städteregion") || k.Type == "Regionalverband" {
		return n
	}
	if k.Type == "Kreis" || k.Type == "Landkreis" {
		return k.Type + " " + n
	}
	return n
}

// shortName is a name without a bracketed or slashed addition, so "Halle"
// finds "Halle (Saale)".
func shortName(name string) string {
	for _, sep := range []string{" (", "/", ", ", " - "} {
		if i := strings.Index(name, sep); i > 0 {
			name = name[:i]
		}
	}
	return strings.TrimSpace(name)
}

// byPopulation: larger first, then by name (a stable, sensible order).
func byPopulation(a, b *Place) bool {
	if a.Population != b.Population {
		return a.Population > b.Population
	}
	return a.Name < b.Name
}

func readTSV(name string, cols int, row func([]string) error) error {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return err
	}
	var r io.Reader = bytes.NewReader(b)
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return err
		}
		r = zr
	}
	sc := bufio.NewScanner(r)
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
func (d *Directory) Stats() (postcodes, municipalities, kreise int) {
	return len(d.byCode), len(d.munis), len(d.kreise)
}

// Municipality returns the municipality with the 8-digit AGS (its
// population, for instance, decides the Wohngeld Mietenstufe).
func (d *Directory) Municipality(ags string) (*Place, bool) {
	p, ok := d.byAGS[ags]
	return p, ok
}

// Municipalities lists every municipality, by AGS.
func (d *Directory) Municipalities() []*Place {
	return append([]*Place(nil), d.munis...)
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
// responsibilities with, and how exact it is: a municipality's own (from a
// GV100AD import where one was made, for changes after the embedded
// directory), or for a whole Kreis the Kreis's.
func (d *Directory) ARS(p *Place) (string, Level) {
	if p.AGS != "" {
		if ars, ok := (*d.exact.Load())[p.AGS]; ok {
			return ars, LevelMunicipality
		}
		if p.ARS != "" {
			return p.ARS, LevelMunicipality
		}
	}
	if p.Kreis != "" {
		return p.Kreis + "0000000", LevelKreis
	}
	return "", LevelNone
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
