package counselling

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/geo"
)

// Demo centres, so the finder can be tried: in every Kreis and kreisfreie
// Stadt of Germany one centre, in cities of 100,000 people and more one of
// each type. Names, addresses, phone numbers and people are invented and
// every page marks them as demo data; the mix covers all six cases of the
// seed, several intervals a day, closures, languages and online offers.

// DemoOrganisations are the invented Träger of the demo centres.
var DemoOrganisations = []Organisation{
	{ID: "demo-traeger-nord", Name: "Demo-Wohlfahrtsverband Nord e. V."},
	{ID: "demo-traeger-mitte", Name: "Demo-Diakonieverein Mitte e. V."},
	{ID: "demo-traeger-sued", Name: "Demo-Sozialwerk Süd gGmbH"},
}

var demoNamespace = uuid.MustParse("0b6f0a5e-8c1d-4b7e-9f3a-2d5c7e1a9b40")

var demoOffers = map[string][]string{
	TypeAddiction:    {"Alkohol", "Medikamente", "Cannabis", "Glücksspiel", "Mediensucht", "Angehörigenberatung", "Nikotin", "Essstörungen", "Ambulante Rehabilitation"},
	TypeDebt:         {"Schuldnerberatung", "Insolvenzberatung", "P-Konto-Bescheinigung", "Budgetberatung", "Energieschulden", "Mietschulden"},
	TypeHomelessness: {"Wohnungssicherung", "Notunterkunft", "Postadresse", "Tagesaufenthalt", "Streetwork", "Beratung bei Räumungsklage"},
}

var demoTopics = map[string][]string{
	TypeAddiction:    {"Rückfall", "Selbsthilfegruppe", "Entgiftung", "Prävention"},
	TypeDebt:         {"Pfändung", "Inkasso", "Kredit", "Privatinsolvenz"},
	TypeHomelessness: {"Wohnungslosigkeit", "Räumung", "Obdachlosigkeit", "Wohnen"},
}

var demoNames = map[string]string{
	TypeAddiction:    "Suchtberatung",
	TypeDebt:         "Schuldnerberatung",
	TypeHomelessness: "Fachberatung Wohnungsnotfallhilfe",
}

var demoPeople = []string{"Anna Schmidt", "Mehmet Yılmaz", "Olena Kovalenko", "Piotr Nowak", "Fatma Demir", "Jonas Becker", "Sara Haddad", "Lena Wagner"}

var demoLanguages = [][]string{{"de"}, {"de", "en"}, {"de", "tr"}, {"de", "ar"}, {"de", "ru", "uk"}, {"de", "pl"}, {"de", "en", "tr", "ar"}, {"de", "fa"}}

// DemoCentres makes the demo centres for the place directory; now dates
// the closures.
func DemoCentres(places *geo.Directory, now time.Time) []*Centre {
	var out []*Centre
	for i, k := range places.Kreise("") {
		seat := places.LargestMunicipality(k.AGS)
		if seat == nil || !seat.HasCoord || len(seat.Postcodes) == 0 {
			continue
		}
		types := []string{Types[i%len(Types)]}
		if seat.Population >= 100_000 {
			types = Types
		}
		for j, t := range types {
			out = append(out, demoCentre(k.AGS, seat, t, j, len(out), now))
		}
	}
	return out
}

// SyntheticCentres makes n centres around the directory's places, for
// measuring the finder at the size of a whole country's directory.
func SyntheticCentres(places *geo.Directory, n int, now time.Time) []*Centre {
	kreise := places.Kreise("")
	var seats []*geo.Place
	for _, k := range kreise {
		if s := places.LargestMunicipality(k.AGS); s != nil && s.HasCoord && len(s.Postcodes) > 0 {
			seats = append(seats, s)
		}
	}
	out := make([]*Centre, 0, n)
	for i := 0; i < n; i++ {
		seat := seats[i%len(seats)]
		out = append(out, demoCentre(fmt.Sprintf("syn%06d", i), seat, Types[i%len(Types)], i/len(seats), i, now))
	}
	return out
}

func demoCentre(key string, seat *geo.Place, t string, n, seq int, now time.Time) *Centre {
	h := fnv.New64a()
	h.Write([]byte(key + t))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(seq)))
	name := demoNames[t] + " " + seat.Name
	if n > 0 {
		name += " " + []string{"Mitte", "Nord", "Süd", "Ost", "West"}[n%5]
	}
	name += " (Demo)"
	org := DemoOrganisations[seq%len(DemoOrganisations)]
	// A little away from the municipality's centre, so distances differ.
	angle, km := rng.Float64()*2*math.Pi, 0.3+rng.Float64()*2.5
	lat := seat.Lat + km*math.Cos(angle)/111.2
	lon := seat.Lon + km*math.Sin(angle)/(111.2*math.Cos(seat.Lat*math.Pi/180))
	c := &Centre{
		ID: uuid.NewSHA1(demoNamespace, []byte(key+"/"+t+"/"+fmt.Sprint(n))).String(), OrgID: org.ID, Name: name, Types: []string{t}, Demo: true,
		Traeger: org.Name, TraegerAddress: "Musterweg 5, " + seat.Postcodes[0] + " " + seat.Name,
		Locations: []Location{{Street: fmt.Sprintf("Beispielstraße %d", 1+rng.IntN(120)), Postcode: seat.Postcodes[0], City: seat.Name, Lat: lat, Lon: lon}},
		Phone:     fmt.Sprintf("0%d %d-%d", 200+rng.IntN(700), 100000+rng.IntN(899999), rng.IntN(90)),
		Email:     "beratung-" + strings.ToLower(strings.ReplaceAll(geo.Fold(seat.Name), " ", "-")) + "@demo.sozialplattform.invalid",
		Languages: demoLanguages[rng.IntN(len(demoLanguages))],
		Description: "Erfundene Beratungsstelle zum Ausprobieren des Beratungsstellenfinders. Vertraulich, kostenlos und auf Wunsch anonym – " +
			"so wie echte Beratungsstellen arbeiten.",
		Transit:       fmt.Sprintf("Bus %d und %d bis Haltestelle „Rathaus“, dann 3 Minuten zu Fuß.", 100+rng.IntN(800), 100+rng.IntN(800)),
		Car:           "Parkplätze im Hof; ein Behindertenparkplatz direkt vor dem Eingang.",
		Accessibility: []string{"Stufenloser Eingang, Aufzug, barrierefreies WC.", "Eingang mit einer Stufe (Rampe auf Nachfrage), Beratung im Erdgeschoss.", "Induktionsschleife im Beratungsraum; Termine in Gebärdensprache auf Anfrage."}[rng.IntN(3)],
		Contacts:      []Contact{{Name: demoPeople[rng.IntN(len(demoPeople))] + " (Demo)", Role: "Leitung", Phone: "", Email: ""}},
	}
	offers := demoOffers[t]
	for _, i := range rng.Perm(len(offers))[:3+rng.IntN(3)] {
		c.Offers = append(c.Offers, offers[i])
	}
	topics := demoTopics[t]
	c.Topics = append(c.Topics, topics[rng.IntN(len(topics))])
	// Hours: mornings on weekdays, two afternoons, a late Thursday.
	morning, afternoon := Interval{8 * 60, 12*60 + 30}, Interval{13*60 + 30, 15*60 + 30}
	for d := 0; d < 5; d++ {
		c.Hours[d] = []Interval{morning}
	}
	c.Hours[1] = append(c.Hours[1], afternoon)
	c.Hours[3] = []Interval{morning, {13*60 + 30, 18 * 60}}
	if rng.IntN(3) == 0 {
		c.Hours[4] = nil
	}
	if rng.IntN(4) == 0 {
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, Berlin).AddDate(0, 0, 7+rng.IntN(30))
		c.Exceptions = []Exception{{From: day, To: day.AddDate(0, 0, rng.IntN(5)), Closed: true, Note: "Teamfortbildung"}}
	}
	switch seq % 3 {
	case 0:
		c.OwnBooking = true
	case 1:
		c.BookingURL = "https://termine.demo.sozialplattform.invalid/" + c.ID[:8]
	}
	switch seq % 4 {
	case 0:
		c.OwnOnline = true
	case 1:
		c.OnlineURL = "https://onlineberatung.demo.sozialplattform.invalid/" + c.ID[:8]
	}
	c.Slug = Slug(strings.TrimSuffix(name, " (Demo)"), "") + "-demo"
	switch {
	case strings.HasPrefix(key, "syn"):
		c.Slug += "-" + c.ID[:8]
	case n > 0:
		c.Slug += "-" + c.ID[:6]
	}
	c.UpdatedAt = now
	return c
}
