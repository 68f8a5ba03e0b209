package search_test

import (
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/search"
)

func index() *search.Index {
	return search.New([]search.Doc{
		{Lang: "de", Key: "mietrueckstaende", Path: "leistungen/mietrueckstaende", Title: "Übernahme von Mietrückständen",
			Summary:  "Hilfe, wenn Sie Ihre Miete nicht zahlen konnten und die Wohnung zu verlieren drohen.",
			Keywords: []string{"Mietschulden", "Räumungsklage"}, Body: "Das Jobcenter oder Sozialamt kann Schulden übernehmen."},
		{Lang: "de", Key: "schuldnerberatung", Path: "leistungen/schuldnerberatung", Title: "Schuldnerberatung",
			Summary: "Kostenlose Beratung bei Schulden.", Keywords: []string{"Insolvenz", "P-Konto"}, Body: "Auch bei Mietschulden."},
		{Lang: "de", Key: "hzl", Path: "leistungen/hilfe-zum-lebensunterhalt", Title: "Hilfe zum Lebensunterhalt",
			Summary: "Geld für den täglichen Bedarf.", Keywords: []string{"Sozialhilfe", "SGB XII"}, Body: "Regelbedarf und Miete."},
		{Lang: "de", Key: "wbs", Path: "leistungen/wohnberechtigungsschein", Title: "Wohnberechtigungsschein",
			Summary: "Bescheinigung für eine geförderte Wohnung.", Keywords: []string{"WBS"}, Body: "Einkommensgrenzen."},
		{Lang: "en", Key: "hzl", Path: "leistungen/hilfe-zum-lebensunterhalt", Title: "Subsistence assistance",
			Summary: "Money for daily needs.", Keywords: []string{"social assistance", "Sozialhilfe"}, Body: "Standard needs and rent."},
	})
}

func TestWordsPeopleType(t *testing.T) {
	ix := index()
	for q, want := range map[string]string{
		"Miete Schulden":          "leistungen/mietrueckstaende",
		"mietschulden":            "leistungen/mietrueckstaende",
		"Sozialhilfe":             "leistungen/hilfe-zum-lebensunterhalt",
		"Wohnberechtigungsschein": "leistungen/wohnberechtigungsschein",
		"wbs":                     "leistungen/wohnberechtigungsschein",
		"Schulden":                "leistungen/schuldnerberatung",
		"mietruckstande":          "leistungen/mietrueckstaende",
	} {
		hits := ix.Search("de", q, 5)
		if len(hits) == 0 || hits[0].Path != want {
			var got []string
			for _, h := range hits {
				got = append(got, h.Path)
			}
			t.Errorf("%q → %v, want %s first", q, got, want)
		}
	}
}

func TestLanguageWithGermanFallback(t *testing.T) {
	ix := index()
	hits := ix.Search("en", "social assistance", 5)
	if len(hits) != 1 || hits[0].Lang != "en" || hits[0].FellBack {
		t.Fatalf("%+v", hits)
	}
	// No English page on rent arrears: the German one stands in, marked.
	hits = ix.Search("en", "Mietschulden", 5)
	if len(hits) == 0 || hits[0].Lang != "de" || !hits[0].FellBack {
		t.Fatalf("%+v", hits)
	}
	// A page that exists in English is not listed again in German.
	for _, h := range ix.Search("en", "Sozialhilfe", 5) {
		if h.Key == "hzl" && h.Lang == "de" {
			t.Fatal("German duplicate of an English page")
		}
	}
}

func TestNothingAndNonsense(t *testing.T) {
	ix := index()
	for _, q := range []string{"", "  ", "xyzzy", "die der das", "<script>", "'; DROP TABLE"} {
		if hits := ix.Search("de", q, 5); len(hits) != 0 {
			t.Errorf("%q → %d hits", q, len(hits))
		}
	}
}

func FuzzSearch(f *testing.F) {
	ix := index()
	f.Add("Miete Schulden")
	f.Add("ü ß 𝔘")
	f.Fuzz(func(t *testing.T, q string) {
		if hits := ix.Search("de", q, 3); len(hits) > 3 {
			t.Fatal("limit")
		}
	})
}
