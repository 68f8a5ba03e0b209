package application

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/form"
)

// BenchmarkCheckWholeApplication validates a complete HzL application, every
// chapter in order (what "Absenden" does before the hand-over), against a
// baseline of copying the same answers.
// go test -run '^$' -bench CheckWholeApplication -benchmem ./internal/application/
func BenchmarkCheckWholeApplication(b *testing.B) {
	f, err := os.Open("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		b.Fatal(err)
	}
	def, err := form.Load(f, "hzl")
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	answers := form.Answers{"antrag_fuer": "selbst", "person.vorname": "Erika", "person.nachname": "Mustermann", "person.geburtsdatum": "12.08.1964",
		"person.staatsangehoerigkeit": "DEU", "person.familienstand": "ledig", "adresse.strasse": "Heidestraße 17", "adresse.plz": "53840",
		"adresse.ort": "Troisdorf", "erwerbsfaehig": "nein", "grund": "krankheit", "notlage_seit": "01.11.2026", "rente_beantragt": "nein",
		"lebt_allein": "ja", "wohnsituation": "miete", "miete.kaltmiete": "450", "miete.nebenkosten": "120", "miete.heizkosten": "80",
		"einzug": "01.03.2015", "mietrueckstaende": "nein", "hat_einkommen": "ja",
		"einkommen.#": "2", "einkommen.0.person": "ich", "einkommen.0.art": "krankengeld", "einkommen.0.betrag": "612,40",
		"einkommen.1.person": "ich", "einkommen.1.art": "sonstiges", "einkommen.1.art_text": "Nebenkostenerstattung", "einkommen.1.betrag": "20",
		"krankenversicherung": "pflicht", "krankenkasse": "AOK", "unterhalt_zahlt": "nein",
		"konten.#": "1", "konten.0.bank": "Sparkasse", "konten.0.kontostand": "-120,50", "hat_vermoegen": "nein",
		"auszahlung.iban": "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber": "Erika Mustermann",
		"braucht_sofort_hilfe": "nein", "richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt"}
	in := New(def, "hilfe-zum-lebensunterhalt", "", today)
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"copy-answers", func() { in.Answers = copyAnswers(answers) }},
		{"check", func() {
			in.Answers = copyAnswers(answers)
			if ps := in.Check(def, today); len(ps) > 0 {
				b.Fatal(ps)
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			lat := make([]time.Duration, 0, 1024)
			for b.Loop() {
				t0 := time.Now()
				c.run()
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
		})
	}
}
