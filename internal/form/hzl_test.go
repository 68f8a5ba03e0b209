package form

import (
	"os"
	"strings"
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
			if it.Field == "" {
				continue // an info block
			}
			f, ok := d.FieldByPath(it.Field)
			if !ok {
				t.Fatalf("%s is no field", it.Field)
			}
			for _, l := range []string{"de", "en", "ls"} {
				// Every placed field and every repeatable group has a label
				// (a group's is the heading and names its add button), and
				// every field has a help text, in all three languages.
				if it.Label[l] == "" {
					t.Errorf("%s lacks a label in %s", it.Field, l)
				}
				if f.Kind != "group" && it.Hint[l] == "" {
					t.Errorf("%s lacks a hint in %s", it.Field, l)
				}
			}
		}
	}
	// A person for someone else, with a household of two.
	a := Answers{"antrag_fuer": "andere_person", "person.vorname": "Özgül", "person.nachname": "Müller-Lüdenscheidt",
		"person.geburtsdatum": "00.05.1960", "person.geschlecht": "weiblich", "person.staatsangehoerigkeit": "ANDERE",
		"person.aufenthaltsstatus": "niederlassung", "person.in_deutschland_seit": "00.00.1990", "person.familienstand": "verheiratet",
		"adresse.strasse": "Außerhalb 3", "adresse.plz": "53840", "adresse.ort": "Troisdorf"}
	st, _ := d.Evaluate("antragsteller", a, today)
	if got := keys(st.Problems); len(got) != 1 || got["vertretung.name"] != "form.error.required" {
		t.Fatalf("%v", got)
	}
	a["vertretung.name"] = "Max Mustermann"
	if st, _ := d.Evaluate("antragsteller", a, today); len(st.Problems) != 0 {
		t.Fatalf("%v", st.Problems)
	}
	h := Answers{"lebt_allein": "nein", "lebt_mit_partner": "nein", "hat_unterhaltspflichtige": "nein"}
	d.AddEntry("haushalt", h)
	st, _ = d.Evaluate("haushalt", h, today)
	if len(st.Problems) != 4 {
		t.Fatalf("an empty household entry: %v", st.Problems)
	}
}

// TestHzLWholeApplication walks all ten chapters with a person who rents,
// has two incomes and one account, and checks nothing is left to correct.
func TestHzLWholeApplication(t *testing.T) {
	f, _ := os.Open("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	defer f.Close()
	d, err := Load(f, "hzl")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Chapters) != 10 {
		t.Fatalf("%d chapters, the seed names 10", len(d.Chapters))
	}
	a := Answers{"antrag_fuer": "selbst", "person.vorname": "Erika", "person.nachname": "Mustermann", "person.geburtsdatum": "12.08.1964",
		"person.geschlecht": "weiblich", "person.staatsangehoerigkeit": "DEU", "person.familienstand": "ledig", "adresse.strasse": "Heidestraße 17", "adresse.plz": "51147",
		"adresse.ort": "Köln", "erwerbsfaehig": "nein", "grund": "krankheit", "notlage_seit": "01.11.2026", "rente_beantragt": "nein",
		"schwerbehindert": "ja", "gdb": "50", "merkzeichen": "g", "pflegegrad": "keiner", "lebt_allein": "ja", "hat_unterhaltspflichtige": "nein",
		"wohnsituation": "miete", "miete.kaltmiete": "450", "miete.nebenkosten": "120", "miete.heizkosten": "80", "warmwasser": "dezentral",
		"einzug": "01.03.2015", "mietrueckstaende": "nein", "vermieter.name": "GWG Köln", "direktzahlung": "ja",
		"vermieter.iban": "DE89 3704 0044 0532 0130 00", "hat_einkommen": "ja", "hat_einmalig": "nein",
		"einkommen.#": "2", "einkommen.0.wer": "antragsteller", "einkommen.0.art": "krankengeld", "einkommen.0.zahler": "AOK",
		"einkommen.0.haeufigkeit": "monatlich", "einkommen.0.betrag": "612,40",
		"einkommen.1.wer": "antragsteller", "einkommen.1.art": "sonstiges", "einkommen.1.art_text": "Nebenkostenerstattung",
		"einkommen.1.zahler": "GWG Köln", "einkommen.1.haeufigkeit": "jaehrlich", "einkommen.1.betrag": "20",
		"krankenversicherung": "pflicht", "krankenkasse": "AOK", "unterhalt_zahlt": "nein", "hat_versicherungen": "nein", "hat_schulden": "nein",
		"hat_konto": "ja", "konten.#": "1", "konten.0.wer": "antragsteller", "konten.0.bank": "Sparkasse", "konten.0.iban": "DE89 3704 0044 0532 0130 00",
		"konten.0.kontostand": "-120,50", "konten.0.stand_am": "01.12.2026", "hat_vermoegen": "nein",
		"hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein",
		"auszahlung.iban": "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber": "Erika Mustermann",
		"braucht_sofort_hilfe": "nein", "richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt"}
	for _, c := range d.Chapters {
		st, _ := d.Evaluate(c.ID, a, today)
		if !st.Applicable || len(st.Problems) != 0 {
			t.Errorf("chapter %s: %v", c.ID, st.Problems)
		}
	}
	// Evaluating again changes nothing: answers stay as typed, normalised
	// values are computed from them each time.
	n := d.Normalised(a, today)
	if n2 := d.Normalised(a, today); n["einkommen.0.betrag"] != "61240" || n["konten.0.kontostand"] != "-12050" || n2["einkommen.0.betrag"] != "61240" {
		t.Fatalf("amounts not normalised: %v %v", n["einkommen.0.betrag"], n["konten.0.kontostand"])
	}
	if a["einkommen.0.betrag"] != "612,40" {
		t.Fatalf("the answer as typed was changed: %q", a["einkommen.0.betrag"])
	}
	// No account is an honest answer; "yes" without an account, or a
	// household or income or assets promised but not listed, are not.
	b := Answers{"hat_vermoegen": "nein", "hat_konto": "nein", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein"}
	if st, _ := d.Evaluate("vermoegen", b, today); len(st.Problems) != 0 {
		t.Fatalf("no account: %v", keys(st.Problems))
	}
	for chapter, answers := range map[string]Answers{
		"vermoegen": {"hat_vermoegen": "nein", "hat_konto": "ja", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein"},
		"haushalt":  {"lebt_allein": "nein", "lebt_mit_partner": "nein", "hat_unterhaltspflichtige": "nein"},
		"einkommen": {"hat_einkommen": "ja", "hat_einmalig": "nein"},
		"ausgaben":  {"krankenversicherung": "pflicht", "unterhalt_zahlt": "nein", "hat_versicherungen": "ja", "hat_schulden": "nein"},
	} {
		st, _ := d.Evaluate(chapter, answers, today)
		if len(st.Problems) != 1 || st.Problems[0].Text["de"] == "" || !strings.Contains(st.Problems[0].Text["de"], "Fügen Sie") {
			t.Errorf("%s %v: %+v", chapter, answers, st.Problems)
		}
	}
	if st, _ := d.Evaluate("vermoegen", Answers{"hat_vermoegen": "ja", "hat_konto": "nein", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein"}, today); len(st.Problems) != 1 || st.Problems[0].Path != "vermoegen" {
		t.Errorf("assets promised: %+v", st.Problems)
	}
	sum := d.Summary(a, "de", today)
	if len(sum) != 10 || len(sum[4].Rows) == 0 {
		t.Fatalf("summary %+v", sum)
	}
}

// TestHzLTextsComplete: every question, hint, option, chapter title, help
// text and message of the HzL form exists in every language of the
// platform, and no translation names something the form no longer has.
func TestHzLTextsComplete(t *testing.T) {
	src, err := os.ReadFile("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(strings.NewReader(string(src)), "hzl")
	if err != nil {
		t.Fatal(err)
	}
	dir := "../../content/antraege/texte/"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(dir + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	if err := AddTextFiles(d, "hilfe-zum-lebensunterhalt.v1", files); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		if m := d.MissingTexts(lang); len(m) > 0 {
			t.Errorf("%s lacks %d texts, among them %s", lang, len(m), strings.Join(m[:min(len(m), 5)], ", "))
		}
	}
}

// TestSummaryReadsPersonByPerson: on the check page and in the PDF the
// answers of one person stay together, not every name and then every
// birth date.
func TestSummaryReadsPersonByPerson(t *testing.T) {
	f, _ := os.Open("../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
	defer f.Close()
	d, err := Load(f, "hzl")
	if err != nil {
		t.Fatal(err)
	}
	a := Answers{"lebt_allein": "nein", "lebt_mit_partner": "nein", "hat_unterhaltspflichtige": "nein", "haushalt.#": "2",
		"haushalt.0.vorname": "Lena", "haushalt.0.nachname": "A", "haushalt.0.geburtsdatum": "01.01.2015", "haushalt.0.beziehung": "kind",
		"haushalt.1.vorname": "Jonas", "haushalt.1.nachname": "B", "haushalt.1.geburtsdatum": "01.01.2012", "haushalt.1.beziehung": "kind"}
	sum := d.SummaryOf("haushalt", a, "de", today)
	var got []string
	for _, r := range sum[0].Rows {
		got = append(got, r.Value)
	}
	if s := strings.Join(got, " "); !strings.Contains(s, "Lena A 01.01.2015") || !strings.Contains(s, "Jonas B 01.01.2012") ||
		strings.Index(s, "Lena") > strings.Index(s, "Jonas") {
		t.Fatalf("rows: %s", s)
	}
}
