package geo_test

import (
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

var (
	dirOnce sync.Once
	dir     *geo.Directory
)

func directory(t testing.TB) *geo.Directory {
	t.Helper()
	dirOnce.Do(func() {
		var err error
		dir, err = geo.Load()
		if err != nil {
			t.Fatal(err)
		}
	})
	return dir
}

func names(ps []*geo.Place) []string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Name)
	}
	return s
}

func TestPostcodeOfOneMunicipality(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("53840", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Places) != 1 || r.Places[0].Name != "Troisdorf" || r.Places[0].AGS != "05382068" {
		t.Fatalf("53840 → %v", names(r.Places))
	}
	ars, lvl := d.ARS(r.Places[0])
	if ars != "053820068068" || lvl != geo.LevelMunicipality {
		t.Fatalf("ARS of Troisdorf %s %s", ars, lvl)
	}
	if !r.Places[0].HasCoord || r.Places[0].Lat < 50 || r.Places[0].Lat > 51 {
		t.Fatalf("Troisdorf has no plausible coordinate: %+v", r.Places[0])
	}
}

func TestPostcodeSharedByMunicipalitiesAsksWhichOne(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("01945", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Places) < 5 {
		t.Fatalf("01945 is shared by a dozen municipalities, got %v", names(r.Places))
	}
	// Choosing one (as the choice buttons send it) narrows to that one.
	r, err = d.Lookup("01945 Ruhland", 0)
	if err != nil || len(r.Places) != 1 || r.Places[0].Name != "Ruhland" {
		t.Fatalf("01945 Ruhland → %v %v", names(r.Places), err)
	}
}

func TestPostcodeAcrossKreisAndStateBorders(t *testing.T) {
	d := directory(t)
	// 59969: Hallenberg (Hochsauerlandkreis, NRW) and Bromskirchen
	// (Waldeck-Frankenberg, Hesse).
	r, err := d.Lookup("59969", 0)
	if err != nil {
		t.Fatal(err)
	}
	kreise := map[string]string{}
	for _, p := range r.Places {
		kreise[p.Kreis] = p.Name
	}
	if kreise["05958"] != "Hallenberg" || kreise["06635"] != "Bromskirchen" {
		t.Fatalf("59969 → %v", kreise)
	}
	for _, p := range r.Places {
		ars, lvl := d.ARS(p)
		switch p.Kreis {
		case "05958": // NRW: the municipality's own key
			if lvl != geo.LevelMunicipality || ars != "059580020020" {
				t.Errorf("Hallenberg: %s %s", ars, lvl)
			}
		case "06635": // Hesse: the municipality's own key, Verband 0005
			if lvl != geo.LevelMunicipality || ars != "066350005005" {
				t.Errorf("Bromskirchen: %s %s", ars, lvl)
			}
		}
	}
}

func TestCityStates(t *testing.T) {
	d := directory(t)
	for q, want := range map[string]string{
		"10115": "110000000000", "Berlin": "110000000000",
		"20095": "020000000000", "Hamburg": "020000000000",
		"28195": "040110000000", "Bremen": "040110000000",
	} {
		r, err := d.Lookup(q, 0)
		if err != nil || len(r.Places) == 0 {
			t.Fatalf("%s: %v", q, err)
		}
		ars, lvl := d.ARS(r.Places[0])
		if ars != want || lvl != geo.LevelMunicipality {
			t.Errorf("%s → %s %s %s, want %s", q, r.Places[0].Name, ars, lvl, want)
		}
	}
}

func TestUnknownPostcode(t *testing.T) {
	d := directory(t)
	for _, q := range []string{"00000", "99999", "12346"} {
		if _, err := d.Lookup(q, 0); !errors.Is(err, geo.ErrNotFound) {
			t.Errorf("%s: %v, want not found", q, err)
		}
	}
}

func TestNamesWithUmlautsAndTitles(t *testing.T) {
	d := directory(t)
	for q, want := range map[string]string{
		"Köln":                        "05315000",
		"Koeln":                       "05315000",
		"koln":                        "05315000",
		"Stadt Köln":                  "05315000",
		"Köln, Stadt":                 "05315000",
		"Landeshauptstadt Düsseldorf": "05111000",
		"Duesseldorf":                 "05111000",
		"Mülheim an der Ruhr":         "05117000",
		"Muelheim an der Ruhr":        "05117000",
		"Troisdorf":                   "05382068",
		"  troisdorf ":                "05382068",
		"Münster":                     "05515000",
	} {
		r, err := d.Lookup(q, 0)
		if err != nil {
			t.Errorf("%q: %v", q, err)
			continue
		}
		if r.Places[0].AGS != want {
			t.Errorf("%q → %s %s, want %s", q, r.Places[0].Name, r.Places[0].AGS, want)
		}
	}
}

func TestNameSharedByMunicipalitiesListsEach(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("Neustadt", 0)
	if err != nil {
		t.Fatal(err)
	}
	ags := map[string]bool{}
	for _, p := range r.Places {
		if p.AGS != "" {
			ags[p.AGS] = true
		}
	}
	if len(ags) < 3 {
		t.Fatalf("Neustadt → %v", names(r.Places))
	}
}

func TestKreisByName(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("Rhein-Sieg-Kreis", 0)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Places[0]
	if !p.IsKreis || p.Kreis != "05382" {
		t.Fatalf("Rhein-Sieg-Kreis → %+v", p)
	}
	if ars, lvl := d.ARS(p); ars != "053820000000" || lvl != geo.LevelKreis {
		t.Fatalf("%s %s", ars, lvl)
	}
}

func TestSuggestionsByPrefix(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("Trois", 8)
	if err != nil || len(r.Places) == 0 || r.Places[0].Name != "Troisdorf" {
		t.Fatalf("Trois → %v %v", names(r.Places), err)
	}
	r, _ = d.Lookup("B", 8)
	if len(r.Places) != 8 {
		t.Fatalf("limit not applied: %d", len(r.Places))
	}
}

func TestBadInput(t *testing.T) {
	d := directory(t)
	for q, want := range map[string]error{
		"":                          geo.ErrEmpty,
		"   ":                       geo.ErrEmpty,
		"5384":                      geo.ErrPostcodeFormat,
		"538400":                    geo.ErrPostcodeFormat,
		"53a40":                     geo.ErrPostcodeFormat,
		"Troisdorf 5384":            geo.ErrPostcodeFormat,
		"'; DROP TABLE places; --":  geo.ErrCharacters,
		"<script>alert(1)</script>": geo.ErrCharacters,
		"Atlantis":                  geo.ErrNotFound,
		strings.Repeat("a", 81):     geo.ErrTooLong,
	} {
		if _, err := d.Lookup(q, 0); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", q, err, want)
		}
	}
}

func TestExactARSFromTheOfficialDirectory(t *testing.T) {
	d, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := d.Lookup("59969 Bromskirchen", 0)
	p := r.Places[0]
	d.SetExactARS(map[string]string{p.AGS: "066350005005"})
	if ars, lvl := d.ARS(p); ars != "066350005005" || lvl != geo.LevelMunicipality {
		t.Fatalf("%s %s", ars, lvl)
	}
}

func TestParseGV100AD(t *testing.T) {
	f, err := os.Open("testdata/GV100AD_sample.txt") // ISO 8859-1, as Destatis ships it
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ms, err := geo.ParseGV100AD(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []geo.Municipality{
		{AGS: "05382068", ARS: "053820068068", Name: "Troisdorf, Stadt"},
		{AGS: "06635005", ARS: "066350005005", Name: "Bromskirchen"},
		{AGS: "07143269", ARS: "071435009269", Name: "Müschenbach"},
	}
	if len(ms) != len(want) {
		t.Fatalf("%d records: %+v", len(ms), ms)
	}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("record %d: %+v, want %+v", i, ms[i], want[i])
		}
	}
	if _, err := geo.ParseGV100AD(strings.NewReader("not a directory\n")); err == nil {
		t.Error("a file without Satzart 60 was accepted")
	}
	if _, err := geo.ParseGV100AD(strings.NewReader("6020241231ABCDEFGH" + strings.Repeat(" ", 60) + "\n")); err == nil {
		t.Error("a non-numeric key was accepted")
	}
}

func FuzzParseGV100AD(f *testing.F) {
	b, _ := os.ReadFile("testdata/GV100AD_sample.txt")
	f.Add(string(b))
	f.Add("60")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := geo.ParseGV100AD(strings.NewReader(s))
		for _, m := range ms {
			if err == nil && (len(m.ARS) != 12 || m.ARS[:5] != m.AGS[:5]) {
				t.Fatalf("bad ARS %+v", m)
			}
		}
	})
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"53840", "Köln", "01945 Ruhland", "<b>", "5384", ""} {
		f.Add(s)
	}
	d := directory(f)
	f.Fuzz(func(t *testing.T, q string) {
		r, err := d.Lookup(q, 8)
		if err == nil && len(r.Places) == 0 {
			t.Fatalf("%q: no error and no places", q)
		}
		if len(r.Places) > 8 {
			t.Fatalf("%q: limit exceeded", q)
		}
		if r.Named != nil && r.Places[0] != r.Named {
			t.Fatalf("%q: names %s but lists %s first", q, r.Named.Name, r.Places[0].Name)
		}
	})
}
