package geo_test

import (
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

// TestKnownKeysInEveryLand: a postcode and a name in every Land reach the
// municipality with its 8-digit AGS and its 12-digit ARS at municipal
// level (Land, RB, Kreis, Gemeindeverband, Gemeinde): kreisfreie Städte,
// the Stadtstaaten, Ämter (Schleswig-Holstein, Brandenburg),
// Samtgemeinden (Niedersachsen), Verbandsgemeinden (Rheinland-Pfalz) and
// names with umlauts, ß, brackets and abbreviations. Keys as published in
// the Destatis Gemeindeverzeichnis.
func TestKnownKeysInEveryLand(t *testing.T) {
	d := directory(t)
	for _, c := range []struct{ query, name, ags, ars string }{
		{"24103", "Kiel", "01002000", "010020000000"},                    // SH, kreisfreie Stadt
		{"25715 Averlak", "Averlak", "01051003", "010515163003"},         // SH, Amt Burg-St. Michaelisdonn
		{"20095", "Hamburg", "02000000", "020000000000"},                 // Stadtstaat
		{"Barwedel", "Barwedel", "03151002", "031515401002"},             // NI, Samtgemeinde Boldecker Land
		{"Bersenbrück", "Bersenbrück", "03459010", "034595402010"},       // NI, Samtgemeinde
		{"Alfeld (Leine)", "Alfeld (Leine)", "03254002", "032540002002"}, // NI, brackets
		{"28195", "Bremen", "04011000", "040110000000"},                  // Bremen
		{"27576", "Bremerhaven", "04012000", "040120000000"},             // and Bremerhaven
		{"53840", "Troisdorf", "05382068", "053820068068"},               // NRW
		{"Köln", "Köln", "05315000", "053150000000"},                     // NRW, kreisfreie Stadt
		{"Gießen", "Gießen", "06531005", "065310005005"},                 // HE, ß
		{"Giessen", "Gießen", "06531005", "065310005005"},                // ß typed as ss
		{"Frankfurt am Main", "Frankfurt am Main", "06412000", "064120000000"},
		{"53518 Adenau", "Adenau", "07131001", "071315001001"}, // RP, Verbandsgemeinde Adenau
		{"70173", "Stuttgart", "08111000", "081110000000"},     // BW, Stadtkreis
		{"80331", "München", "09162000", "091620000000"},       // BY: the city the issue found without keys
		{"München", "München", "09162000", "091620000000"},     // by name, not "Landkreis München"
		{"Grafing b. München", "Grafing b. München", "09175122", "091750122122"},
		{"Grafing b.München", "Grafing b. München", "09175122", "091750122122"},
		{"Neustadt a.d.Waldnaab", "Neustadt a.d. Waldnaab", "09374139", "093740139139"},
		{"66111", "Saarbrücken", "10041100", "100410100100"}, // SL, Regionalverband
		{"Völklingen", "Völklingen", "10041519", "100410519519"},
		{"10115", "Berlin", "11000000", "110000000000"},                      // Stadtstaat
		{"Frankfurt (Oder)", "Frankfurt (Oder)", "12053000", "120530000000"}, // BB, brackets
		{"Biesenthal", "Biesenthal", "12060024", "120605003024"},             // BB, Amt Biesenthal-Barnim
		{"18055", "Rostock", "13003000", "130030000000"},                     // MV
		{"01067", "Dresden", "14612000", "146120000000"},                     // SN
		{"Halle (Saale)", "Halle (Saale)", "15002000", "150020000000"},       // ST, brackets
		{"Weißenfels", "Weißenfels", "15084550", "150840550550"},             // ST, ß
		{"99084", "Erfurt", "16051000", "160510000000"},                      // TH
	} {
		res, msg := d.Resolve(c.query)
		if msg != "" || res.Place == nil {
			t.Errorf("%q: %s, choices %v", c.query, msg, res.Choices)
			continue
		}
		p := res.Place
		if p.Name != c.name || p.AGS != c.ags || p.ARS != c.ars || res.Place.Level != geo.LevelMunicipality {
			t.Errorf("%q → %s %s %s %s, want %s %s %s", c.query, p.Name, p.AGS, p.ARS, res.Place.Level, c.name, c.ags, c.ars)
		}
	}
}

// TestOfficialNamesAndTypes: the official form and the kind of
// municipality come with every place.
func TestOfficialNamesAndTypes(t *testing.T) {
	d := directory(t)
	for ags, want := range map[string][3]string{
		"09162000": {"München", "München, Landeshauptstadt", "Kreisfreie Stadt"},
		"09175122": {"Grafing b. München", "Grafing b.München, St", "Stadt"},
		"05382068": {"Troisdorf", "Troisdorf, Stadt", "Stadt"},
		"01051003": {"Averlak", "Averlak", "Gemeinde"},
		"09174111": {"Altomünster", "Altomünster, M", "Markt"},
		"08111000": {"Stuttgart", "Stuttgart, Landeshauptstadt", "Stadtkreis"},
	} {
		p, ok := d.Municipality(ags)
		if !ok || p.Name != want[0] || p.Official != want[1] || p.Type != want[2] {
			t.Errorf("%s: %+v, want %v", ags, p, want)
		}
	}
	if p, _ := d.Municipality("09162000"); p.Population < 1_400_000 {
		t.Errorf("München has %d inhabitants", p.Population)
	}
}

// TestGemeindefreieGebieteOnlyByPostcode: an inhabited gemeindefreies
// Gebiet (Lohheide) is reached by its postcode, where people live, but
// not offered as a place by name; uninhabited ones are not in the
// directory at all.
func TestGemeindefreieGebieteOnlyByPostcode(t *testing.T) {
	d := directory(t)
	r, err := d.Lookup("29303", 0)
	found := false
	for _, p := range r.Places {
		found = found || p.AGS == "03351501"
	}
	if err != nil || !found {
		t.Errorf("29303 → %v %v, want Lohheide among them", names(r.Places), err)
	}
	if r, err := d.Lookup("Lohheide", 0); err == nil {
		t.Errorf("Lohheide by name → %v", names(r.Places))
	}
}

// TestEveryPostcodeReachesAMunicipalARS and every inhabited municipality
// is found by its name (the build refuses input that would leave one out;
// this holds the embedded result to it).
func TestEveryPostcodeReachesAMunicipalARS(t *testing.T) {
	d := directory(t)
	postcodes, munis, kreise := d.Stats()
	if postcodes < 8168 || munis != 10796 || kreise != 401 {
		t.Fatalf("%d postcodes, %d municipalities, %d Kreise; want ≥ 8168, 10796, 401", postcodes, munis, kreise)
	}
	seen := map[string]bool{}
	for _, m := range d.Municipalities() {
		for _, c := range m.Postcodes {
			if seen[c] {
				continue
			}
			seen[c] = true
			r, err := d.Lookup(c, 0)
			if err != nil || len(r.Places) == 0 {
				t.Errorf("%s: %v", c, err)
				continue
			}
			for _, p := range r.Places {
				if ars, lvl := d.ARS(p); len(ars) != 12 || lvl != geo.LevelMunicipality || ars[:5] != p.AGS[:5] || ars[9:] != p.AGS[5:] {
					t.Errorf("%s → %s: ARS %s %s", c, p.Name, ars, lvl)
				}
			}
		}
	}
}

func TestEveryInhabitedMunicipalityFoundByName(t *testing.T) {
	d := directory(t)
	missed := 0
	for _, m := range d.Municipalities() {
		if m.Type == "Gemeindefreies Gebiet" {
			continue
		}
		r, err := d.Lookup(m.Name, 0)
		ok := false
		for _, p := range r.Places {
			ok = ok || p == m
		}
		// And the suggestion a person picks ("postcode name") names it alone.
		r2, err2 := d.Lookup(m.Postcodes[0]+" "+m.Name, 0)
		if err != nil || !ok || err2 != nil || r2.Named != m {
			if missed++; missed <= 10 {
				t.Errorf("%s (%s): by name %v %v; by postcode and name %v %v", m.Name, m.AGS, names(r.Places), err, names(r2.Places), err2)
			}
		}
	}
	if missed > 0 {
		t.Errorf("%d municipalities not found by name", missed)
	}
}

// TestSuggestionsRankWhatPeopleMean: exact and whole-word matches first,
// then by population; exonyms and abbreviations people type.
func TestSuggestionsRankWhatPeopleMean(t *testing.T) {
	d := directory(t)
	for q, want := range map[string]string{
		"Mün":                "München",
		"Mu":                 "München",
		"Ber":                "Berlin",
		"Frankfurt":          "Frankfurt am Main",
		"Halle":              "Halle (Saale)",
		"Köl":                "Köln",
		"Munich":             "München",
		"Cologne":            "Köln",
		"Nuremberg":          "Nürnberg",
		"Hanover":            "Hannover",
		"Frankfurt/M.":       "Frankfurt am Main",
		"Ffm":                "Frankfurt am Main",
		"Mülheim a. d. Ruhr": "Mülheim an der Ruhr",
		"Мюнхен":             "München",
	} {
		r, err := d.Lookup(q, 8)
		if err != nil || len(r.Places) == 0 || r.Places[0].Name != want {
			t.Errorf("%q → %v %v, want %s first", q, names(r.Places), err, want)
		}
	}
	// "Bad": every Bad …, the largest first.
	r, _ := d.Lookup("Bad", 8)
	for i, p := range r.Places {
		if !strings.HasPrefix(p.Name, "Bad ") || i > 0 && p.Population > r.Places[i-1].Population {
			t.Errorf("Bad → %v", names(r.Places))
			break
		}
	}
	// "Halle" asks: several places are called so, and the Halle named
	// exactly so is not the largest.
	if res, _ := d.Resolve("Halle"); res.Place != nil || len(res.Choices) < 3 {
		t.Errorf("Halle resolved to %v without asking", res.Place)
	}
	// Typing a Kreis's own name reaches the Kreis.
	for q, kreis := range map[string]string{"Landkreis München": "09184", "Kreis Steinfurt": "05566", "Rhein-Sieg-Kreis": "05382"} {
		res, msg := d.Resolve(q)
		if msg != "" || res.Place == nil || !res.Place.IsKreis || res.Place.Kreis != kreis {
			t.Errorf("%q → %+v %s", q, res.Place, msg)
		}
	}
}

// TestWalkFindings (new-user walk of issue 15): what a person types as
// people type it either names the place or asks — never a different place
// silently.
func TestWalkFindings(t *testing.T) {
	d := directory(t)
	resolved := map[string]string{
		"Troisdorf 53840":   "Troisdorf",
		"D-53840":           "Troisdorf",
		"Frankfurt Main":    "Frankfurt am Main",
		"Frankfurt/Main":    "Frankfurt am Main",
		"Frankfurt (Main)":  "Frankfurt am Main",
		"St. Augustin":      "Sankt Augustin",
		"Sankt Ingbert":     "St. Ingbert",
		"Neustadt/Waldnaab": "Neustadt a.d. Waldnaab",
		"Halle Westfalen":   "Halle (Westf.)",
		"Berlin-Neukölln":   "Berlin",
		"Köln-Porz":         "Köln",
		"Hamburg-Altona":    "Hamburg",
		"ميونخ":             "München",
		"برلين":             "Berlin",
	}
	for q, want := range resolved {
		res, msg := d.Resolve(q)
		if msg != "" || res.Place == nil || res.Place.Name != want {
			t.Errorf("%q → %v %q %v, want %s", q, res.Place, msg, res.Choices, want)
		}
	}
	// Asked, not decided: a similar spelling, a prefix, a name not at the
	// postcode typed, a city with an unknown rest.
	for q, first := range map[string]string{
		"Beuel":        "Beulich",
		"Suelz":        "",
		"53840 Köln":   "Troisdorf",
		"Bonn-Beuel":   "Bonn",
		"Neuenkirch":   "",
		"Neuenkirchen": "Neuenkirchen",
	} {
		res, msg := d.Resolve(q)
		if msg != "" || res.Place != nil || len(res.Choices) == 0 || first != "" && !strings.HasPrefix(res.Choices[0].Label, first) {
			t.Errorf("%q: resolved to %v (%q), choices %v; want a question, %q first", q, res.Place, msg, res.Choices, first)
		}
	}
	if res, _ := d.Resolve("53840 Köln"); !res.Mismatch {
		t.Error("53840 Köln: the mismatch is not said")
	}
	// Every municipality of a postcode is offered (54636 has 39).
	if res, _ := d.Resolve("54636"); len(res.Choices) != 39 || res.More {
		t.Errorf("54636: %d choices", len(res.Choices))
	}
	if res, _ := d.Resolve("Bad"); !res.More {
		t.Error("Bad: more than 30 places, not said")
	}
	// A district names its municipality in the choice.
	res, _ := d.Resolve("Neustadt")
	found := false
	for _, c := range res.Choices {
		found = found || strings.HasPrefix(c.Label, "Neustadt (Hamburg")
	}
	if !found {
		t.Errorf("Neustadt: Hamburg's district not labelled: %v", res.Choices)
	}
}
