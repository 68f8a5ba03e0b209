package form

import (
	"os"
	"strings"
	"testing"
	"time"
)

func mini(t *testing.T) *Definition {
	t.Helper()
	f, err := os.Open("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Load(f, "mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var today = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func keys(ps []Problem) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		k := p.Key
		if k == "" {
			k = p.Text["de"]
		}
		m[p.Path] = k
	}
	return m
}

func TestRequiredAndKindsAndRules(t *testing.T) {
	d := mini(t)
	a := Answers{"antragsteller.geburtsdatum": "31.02.1990"}
	st, _ := d.Evaluate("antragsteller", a, today)
	got := keys(st.Problems)
	if got["antragsteller.vorname"] != "form.error.required" || got["antragsteller.geburtsdatum"] != "form.error.date" {
		t.Fatalf("%v", got)
	}
	a = Answers{"antragsteller.vorname": "Erika", "antragsteller.geburtsdatum": "01.01.2030"}
	st, _ = d.Evaluate("antragsteller", a, today)
	if got := keys(st.Problems); got["antragsteller.geburtsdatum"] != "Das Geburtsdatum liegt in der Zukunft." || len(got) != 1 {
		t.Fatalf("rule: %v", got)
	}
	a["antragsteller.geburtsdatum"] = "12.08.1964"
	st, _ = d.Evaluate("antragsteller", a, today)
	if len(st.Problems) != 0 || st.Values["antragsteller.geburtsdatum"] != "1964-08-12" || a["antragsteller.geburtsdatum"] != "12.08.1964" {
		t.Fatalf("%v %v", st.Problems, a)
	}
}

func TestHiddenMeansClearedAndNotValidated(t *testing.T) {
	d := mini(t)
	a := Answers{"hat_einkommen": "nein", "einkommen.#": "1", "einkommen.0.art": "lotto", "einkommen.0.betrag": "viel"}
	st, _ := d.Evaluate("einkommen", a, today)
	if len(st.Problems) != 0 {
		t.Fatalf("hidden group validated: %v", st.Problems)
	}
	if _, ok := a["einkommen.0.betrag"]; ok {
		t.Fatal("hidden answers kept")
	}
}

func TestRepeatableGroups(t *testing.T) {
	d := mini(t)
	a := Answers{"hat_einkommen": "ja"}
	for i := 0; i < 2; i++ {
		if !d.AddEntry("einkommen", a) {
			t.Fatal("add")
		}
	}
	a["einkommen.0.art"], a["einkommen.0.betrag"] = "lohn", "1.234,56"
	a["einkommen.1.betrag"] = "300"
	st, _ := d.Evaluate("einkommen", a, today)
	got := keys(st.Problems)
	// The second entry lacks its kind (required when there is income).
	if got["einkommen.1.art"] != "form.error.required" || len(got) != 1 {
		t.Fatalf("%v", got)
	}
	if st.Values["einkommen.0.betrag"] != "123456" {
		t.Fatalf("money not normalised: %v", st.Values)
	}
	// Removing the first entry closes the gap.
	d.RemoveEntry("einkommen", 0, a)
	if a.Count("einkommen") != 1 || a["einkommen.0.betrag"] != "300" { // the second entry moved up, as typed
		t.Fatalf("after removal: %v", a)
	}
	for i := 0; i < 20; i++ {
		d.AddEntry("einkommen", a)
	}
	if a.Count("einkommen") != 10 {
		t.Fatalf("max not enforced: %d", a.Count("einkommen"))
	}
}

func TestSummaryListsOnlyWhatCounts(t *testing.T) {
	d := mini(t)
	a := Answers{"antragsteller.vorname": "Erika", "antragsteller.geburtsdatum": "12.08.1964", "hat_einkommen": "ja",
		"einkommen.#": "2", "einkommen.0.art": "rente", "einkommen.0.betrag": "980", "einkommen.1.art": "lohn", "einkommen.1.betrag": "1.234,56"}
	s := d.Summary(a, "en", today)
	if len(s) != 2 || s[0].Title != "Applicant" || s[1].Title != "Einkommen" {
		t.Fatalf("%+v", s)
	}
	rows := map[string]string{}
	for _, r := range s[1].Rows {
		rows[r.Label] = r.Value
	}
	if rows["Art des Einkommens (1)"] != "Pension" || rows["Betrag im Monat (2)"] != "1.234,56" {
		t.Fatalf("%v", rows)
	}
	if a["einkommen.1.betrag"] != "1.234,56" {
		t.Fatal("the summary changed the answers")
	}
	// Without income, the income entries do not appear.
	a["hat_einkommen"] = "nein"
	for _, r := range d.Summary(a, "de", today)[1].Rows {
		if strings.HasPrefix(r.Path, "einkommen.") {
			t.Fatalf("hidden answer in the summary: %+v", r)
		}
	}
}
