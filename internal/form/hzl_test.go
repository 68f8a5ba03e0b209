package form

import (
	"os"
	"testing"
)

// TestHzLDefinitionLoads keeps the HzL definition valid while it grows.
func TestHzLDefinitionLoads(t *testing.T) {
	f, err := os.Open("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Load(f, "hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Every label exists in German, English and Leichte Sprache.
	for _, c := range d.Chapters {
		for _, l := range []string{"de", "en", "ls"} {
			if c.Title[l] == "" {
				t.Errorf("chapter %s lacks a title in %s", c.ID, l)
			}
		}
		if c.Help["de"] == "" || c.Help["en"] == "" {
			t.Errorf("chapter %s lacks its help text", c.ID)
		}
		for _, it := range c.Items {
			for _, l := range []string{"de", "en", "ls"} {
				if it.Field != "" && it.Label != nil && it.Label[l] == "" {
					t.Errorf("%s lacks a label in %s", it.Field, l)
				}
			}
		}
	}
	// A person for someone else, with a household of two.
	a := Answers{"antrag_fuer": "andere_person", "person.vorname": "Özgül", "person.nachname": "Müller-Lüdenscheidt",
		"person.geburtsdatum": "00.05.1960", "person.staatsangehoerigkeit": "ANDERE", "person.familienstand": "verheiratet",
		"adresse.strasse": "Außerhalb 3", "adresse.plz": "53840", "adresse.ort": "Troisdorf"}
	st, _ := d.Evaluate("antragsteller", a, today)
	if got := keys(st.Problems); len(got) != 1 || got["vertretung.name"] != "form.error.required" {
		t.Fatalf("%v", got)
	}
	a["vertretung.name"] = "Max Mustermann"
	if st, _ := d.Evaluate("antragsteller", a, today); len(st.Problems) != 0 {
		t.Fatalf("%v", st.Problems)
	}
	h := Answers{"lebt_allein": "nein"}
	d.AddEntry("haushalt", h)
	st, _ = d.Evaluate("haushalt", h, today)
	if len(st.Problems) != 4 {
		t.Fatalf("an empty household entry: %v", st.Problems)
	}
}
