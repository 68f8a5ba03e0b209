package counselling_test

import (
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/geo"
)

var now = time.Date(2026, 12, 3, 10, 15, 0, 0, counselling.Berlin) // a Thursday

func demo(t testing.TB) (*geo.Directory, []*counselling.Centre) {
	t.Helper()
	places, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	return places, counselling.DemoCentres(places, now)
}

func TestDemoCentres(t *testing.T) {
	_, cs := demo(t)
	if len(cs) < 300 || len(cs) > 1000 {
		t.Fatalf("%d demo centres, want a few hundred", len(cs))
	}
	slugs := map[string]bool{}
	cases := map[int]int{}
	for _, c := range cs {
		if slugs[c.Slug] {
			t.Fatalf("slug %s twice", c.Slug)
		}
		slugs[c.Slug] = true
		if p := c.Validate(); len(p) > 0 {
			t.Fatalf("%s: %v", c.Name, p)
		}
		// Fall 1 needs a passing Konfig-Check (the store knows); as
		// generated, a centre that wants its own booking counts.
		c.BookingReady = c.OwnBooking
		cases[c.BookingCase()]++
		cases[c.OnlineCase()]++
	}
	for k := 1; k <= 6; k++ {
		if cases[k] == 0 {
			t.Errorf("no demo centre shows Fall %d", k)
		}
	}
}

// TestFinder: "Schulden" near 50667 finds debt counselling in Köln first,
// by distance; "Sucht" and "Alkohol" find by stem and offer; filters by
// type, language and online; pages are stable.
func TestFinder(t *testing.T) {
	places, cs := demo(t)
	ix := counselling.NewIndex(cs)
	res, _ := places.Lookup("50667", 1)
	p := res.Places[0]
	r := ix.Search(counselling.Query{Text: "Schulden", HasPlace: true, Lat: p.Lat, Lon: p.Lon, RadiusKm: 25})
	if r.Total == 0 || r.Hits[0].Centre.Locations[0].City != "Köln" || !r.Hits[0].Centre.HasType(counselling.TypeDebt) {
		t.Fatalf("Schulden near 50667: %d hits, first %+v", r.Total, r.Hits)
	}
	for i, h := range r.Hits {
		if h.DistanceKm > 25 || (i > 0 && h.DistanceKm < r.Hits[i-1].DistanceKm) {
			t.Fatalf("hit %d at %.1f km", i, h.DistanceKm)
		}
		if !h.Centre.HasType(counselling.TypeDebt) {
			t.Fatalf("%s found by Schulden", h.Centre.Name)
		}
	}
	all := ix.Search(counselling.Query{Text: "Sucht", Limit: 1000})
	alcohol := ix.Search(counselling.Query{Text: "Alkohol", Limit: 1000})
	if all.Total == 0 || alcohol.Total == 0 || alcohol.Total >= all.Total {
		t.Fatalf("Sucht %d, Alkohol %d", all.Total, alcohol.Total)
	}
	online := ix.Search(counselling.Query{Types: []string{counselling.TypeAddiction}, Online: true, Language: "tr", Limit: 1000})
	for _, h := range online.Hits {
		c := h.Centre
		if !c.Online() || !c.HasType(counselling.TypeAddiction) || !contains(c.Languages, "tr") {
			t.Fatalf("filter let through %s", c.Name)
		}
	}
	page1 := ix.Search(counselling.Query{Limit: 20})
	page2 := ix.Search(counselling.Query{Limit: 20, Offset: 20})
	again := ix.Search(counselling.Query{Limit: 20, Offset: 20})
	if page1.Hits[19].Centre.ID == page2.Hits[0].Centre.ID || page2.Hits[0].Centre.ID != again.Hits[0].Centre.ID {
		t.Fatal("pages overlap or move")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestOpeningHours: several intervals a day, open now and until when,
// closures by exception with their note, the next opening.
func TestOpeningHours(t *testing.T) {
	iv, key := counselling.ParseIntervals("08:00–12:30, 13.30-15.30 Uhr")
	if key != "" || counselling.FormatIntervals(iv) != "08:00–12:30, 13:30–15:30" {
		t.Fatalf("%v %s", iv, key)
	}
	for in, want := range map[string]string{"12:00–08:00": "counselling.error.hours_order", "08:00–12:00, 11:00–13:00": "counselling.error.hours_overlap",
		"8 bis 12": "counselling.error.hours_format", "25:00–26:00": "counselling.error.hours_format"} {
		if _, key := counselling.ParseIntervals(in); key != want {
			t.Errorf("%q: %s, want %s", in, key, want)
		}
	}
	var c counselling.Centre
	c.Hours[3] = iv // Thursday
	if st := c.OpenAt(now); !st.Open || st.Until.Format("15:04") != "12:30" {
		t.Fatalf("Thursday 10:15: %+v", st)
	}
	if st := c.OpenAt(now.Add(2*time.Hour + 30*time.Minute)); st.Open || st.Next.Format("15:04") != "13:30" {
		t.Fatalf("Thursday 12:45: %+v", st)
	}
	ex, errs := counselling.ParseExceptions("03.12.2026: geschlossen (Teamtag)\n24.12.2026 – 01.01.2027: geschlossen")
	if len(errs) > 0 || len(ex) != 2 {
		t.Fatalf("%v %v", ex, errs)
	}
	c.Exceptions = ex
	st := c.OpenAt(now)
	if st.Open || st.Exception == nil || st.Exception.Note != "Teamtag" || st.Next.Format("02.01. 15:04") != "10.12. 08:00" {
		t.Fatalf("closed by exception: %+v", st)
	}
	if _, errs := counselling.ParseExceptions("32.12.2026: geschlossen\n05.01.2027 – 01.01.2027: geschlossen\nirgendwann"); len(errs) != 3 {
		t.Fatalf("bad exceptions: %v", errs)
	}
}

// TestValidate: formats people get wrong are named field by field.
func TestValidate(t *testing.T) {
	c := counselling.Centre{Name: "<script>x</script>", Types: []string{"sucht", "gibtsnicht"}, Traeger: "T", Phone: "abc",
		Email: "kein-at", Website: "http://x.de", BookingURL: "javascript:alert(1)",
		Locations: []counselling.Location{{Street: "S", Postcode: "123", City: "K"}}}
	c.Hours[0] = []counselling.Interval{{600, 500}}
	got := map[string]string{}
	for _, e := range c.Validate() {
		got[e.Field] = e.Key
	}
	for f, k := range map[string]string{"arten": "counselling.error.type_unknown", "telefon": "counselling.error.phone", "email": "counselling.error.email",
		"website": "counselling.error.https", "buchung_url": "counselling.error.https", "standorte": "counselling.error.postcode",
		"oeffnungszeiten_0": "counselling.error.hours_order"} {
		if got[f] != k {
			t.Errorf("%s: %q, want %q", f, got[f], k)
		}
	}
	if _, ok := got["name"]; ok {
		t.Error("markup in a name is text, not an error")
	}
}

func BenchmarkSearch20000(b *testing.B) {
	places, err := geo.Load()
	if err != nil {
		b.Fatal(err)
	}
	ix := counselling.NewIndex(counselling.SyntheticCentres(places, 20000, now))
	res, _ := places.Lookup("50667", 1)
	p := res.Places[0]
	q := counselling.Query{Text: "Schulden", HasPlace: true, Lat: p.Lat, Lon: p.Lon, RadiusKm: 25, Types: []string{counselling.TypeDebt}}
	for b.Loop() {
		ix.Search(q)
	}
}

// FuzzCentreText: whatever a form or a CSV file holds, parsing and
// validating never panics, hours that parse print back to what parses the
// same, and a centre that validates can be written as text and read back.
func FuzzCentreText(f *testing.F) {
	f.Add("08:00–12:30, 13:30–15:30", "24.12.2026 – 01.01.2027: geschlossen (Ferien)", "Weg 1; 50667; Köln", "Anna; Leitung; 0221 1; a@b.de", "de, tr")
	f.Add("8.00-12", "32.13.2026: x", ";;;", ";", ",,,")
	f.Fuzz(func(t *testing.T, hours, exceptions, locations, contacts, langs string) {
		tx := counselling.CentreText{Name: "X", Types: []string{"sucht"}, Traeger: "T", Locations: locations, Contacts: contacts,
			Exceptions: exceptions, Languages: langs}
		for d := range tx.Hours {
			tx.Hours[d] = hours
		}
		c, _ := tx.Centre()
		c.Normalise()
		_ = c.Validate()
		_ = c.OpenAt(now)
		if iv, key := counselling.ParseIntervals(hours); key == "" {
			again, key2 := counselling.ParseIntervals(counselling.FormatIntervals(iv))
			if key2 != "" || counselling.FormatIntervals(again) != counselling.FormatIntervals(iv) {
				t.Fatalf("%q → %q does not read back", hours, counselling.FormatIntervals(iv))
			}
		}
		back, problems := counselling.TextOf(c).Centre()
		if len(problems) == 0 && len(back.Locations) != len(c.Locations) {
			t.Fatalf("locations %d → %d", len(c.Locations), len(back.Locations))
		}
	})
}
