package form

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

func f64(v float64) *float64 { return &v }

func TestKinds(t *testing.T) {
	codes := []Code{{Value: "lohn"}, {Value: "rente"}}
	for _, c := range []struct {
		kind, in, want, err string
		field               Field
	}{
		{kind: "text", in: "  Erika\x00 ", want: "Erika"},
		{kind: "text", in: "Ab", field: Field{MinLength: 3}, err: "form.error.too_short"},
		{kind: "text", in: "abcdef", field: Field{MaxLength: 5}, err: "form.error.too_long"},
		{kind: "number", in: "3,5", want: "3.5"},
		{kind: "number", in: "12", field: Field{Max: f64(10)}, err: "form.error.range"},
		{kind: "number", in: "drei", err: "form.error.number"},
		{kind: "number", in: "NaN", field: Field{Min: f64(0), Max: f64(10)}, err: "form.error.number"},
		{kind: "number", in: "Inf", err: "form.error.number"},
		{kind: "money", in: "1.234,56", want: "123456"},
		{kind: "money", in: "1234,5 €", want: "123450"},
		{kind: "money", in: "1234.56", want: "123456"},
		{kind: "money", in: "1.234", want: "123400"},
		{kind: "money", in: "563", want: "56300"},
		{kind: "money", in: "12,345", err: "form.error.money"},
		{kind: "money", in: "viel", err: "form.error.money"},
		{kind: "date", in: "12.08.1964", want: "1964-08-12"},
		{kind: "date", in: "1964-08-12", want: "1964-08-12"},
		{kind: "date", in: "00.05.1960", want: "1960-05-00"},
		{kind: "date", in: "00.00.1960", want: "1960-00-00"},
		{kind: "date", in: "31.02.2020", err: "form.error.date"},
		{kind: "date", in: "05.00.1960", err: "form.error.date"},
		{kind: "date", in: "gestern", err: "form.error.date"},
		{kind: "yesno", in: "ja", want: "ja"},
		{kind: "yesno", in: "vielleicht", err: "form.error.choice"},
		{kind: "choice", in: "rente", want: "rente"},
		{kind: "choice", in: "lotto", err: "form.error.choice"},
		{kind: "multichoice", in: "lohn\nrente\nlohn", want: "lohn\nrente"},
		{kind: "postcode", in: "53840", want: "53840"},
		{kind: "postcode", in: "5384", err: "place.error.postcode"},
		{kind: "iban", in: "de89 3704 0044 0532 0130 00", want: "DE89 3704 0044 0532 0130 00"},
		{kind: "iban", in: "DE89 3704 0044 0532 0130 01", err: "form.error.iban"},
		{kind: "iban", in: "DE89370400440532013", err: "form.error.iban"},
		{kind: "phone", in: "+49 2241 900-0", want: "+49 2241 900-0"},
		{kind: "phone", in: "call me", err: "form.error.phone"},
		{kind: "email", in: "erika@example.org", want: "erika@example.org"},
		{kind: "email", in: "Erika <erika@example.org>", err: "form.error.email"},
		{kind: "email", in: "erika@localhost", err: "form.error.email"},
	} {
		f := c.field
		got, err := Kinds[c.kind].Parse(&f, codes, c.in)
		if err != c.err || (c.err == "" && got != c.want) {
			t.Errorf("%s %q → %q %q, want %q %q", c.kind, c.in, got, err, c.want, c.err)
		}
	}
}

func FuzzKinds(f *testing.F) {
	f.Add("money", "1.234,56")
	f.Add("date", "00.05.1960")
	f.Add("iban", "DE89 3704 0044 0532 0130 00")
	f.Add("money", "٤٥٠")
	f.Fuzz(func(t *testing.T, kind, in string) {
		if _, ok := Kinds[kind]; !ok || kind == "file" {
			return
		}
		roundTrip(t, kind, in)
	})
}

// TestEveryMessageKeyIsTranslated: each key a kind or the evaluation can
// return exists in every UI language.
func TestEveryMessageKeyIsTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	keys := []string{"form.error.required", "form.error.too_long", "form.error.too_short", "form.error.pattern", "form.error.number",
		"form.error.range", "form.error.money", "form.error.date", "form.error.choice", "form.error.iban", "form.error.phone",
		"form.error.email", "form.error.min_entries", "place.error.postcode", "form.yes", "form.no"}
	for _, l := range i18n.Languages {
		have := map[string]bool{}
		for _, k := range cat.Keys(l.Code) {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				t.Errorf("%s lacks %s", l.Code, k)
			}
		}
	}
}

// roundTrip checks that a value a person typed means the same after every
// way back to them: shown again in its field (Aktualisieren, Zurück, a
// draft) and sent again, or read on the check page and typed in again.
func roundTrip(t *testing.T, kind, typed string) {
	t.Helper()
	f := &Field{}
	codes := []Code{{Value: "a"}, {Value: "b"}}
	v, errKey := Kinds[kind].Parse(f, codes, typed)
	if errKey != "" {
		return // refused: the field shows it as typed with a message
	}
	shown := ShownValue(kind, typed)
	if again, e := Kinds[kind].Parse(f, codes, shown); e != "" || again != v {
		t.Errorf("%s %q → %q, shown as %q → %q %q", kind, typed, v, shown, again, e)
	}
	if kind == "multichoice" || kind == "choice" || kind == "codelist" || kind == "yesno" {
		return // shown by label on the check page, sent by value
	}
	read := DisplayValue(kind, v)
	if again, e := Kinds[kind].Parse(f, codes, read); e != "" || again != v {
		t.Errorf("%s %q → %q, on the check page %q → %q %q", kind, typed, v, read, again, e)
	}
}

func TestTypedValuesSurviveEveryRoundTrip(t *testing.T) {
	for _, c := range []struct{ kind, typed string }{
		{"money", "450"}, {"money", "80"}, {"money", "0"}, {"money", "450,00"}, {"money", "1.234"}, {"money", "1.234,50"},
		{"money", "1234.5"}, {"money", "12,5 €"}, {"money", "-3,20"}, {"money", "٤٥٠"}, {"money", "١٬٢٣٤٫٥٠"}, {"money", "۴۵۰"},
		{"number", "3"}, {"number", "3,5"}, {"number", "٣"}, {"date", "12.08.1964"}, {"date", "1964-08-12"}, {"date", "00.05.1960"},
		{"date", "١٢.٠٨.١٩٦٤"}, {"postcode", "53840"}, {"postcode", "٥٣٨٤٠"}, {"phone", "+49 2241 900-0"}, {"phone", "٠١٧٠ ١٢٣٤٥٦٧"},
		{"iban", "DE89 3704 0044 0532 0130 00"}, {"text", "Erika"}, {"yesno", "ja"}, {"choice", "a"}, {"multichoice", "a\nb"},
	} {
		roundTrip(t, c.kind, c.typed)
	}
	// Every whole and cent amount up to 100,000 €, in the ways people type them.
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		euros, cents := r.IntN(100000), r.IntN(100)
		for _, typed := range []string{strconv.Itoa(euros), strconv.Itoa(euros) + "," + fmt.Sprintf("%02d", cents),
			DisplayValue("money", strconv.Itoa(euros*100+cents)), strconv.Itoa(euros) + "." + fmt.Sprintf("%02d", cents)} {
			roundTrip(t, "money", typed)
		}
	}
	// The amounts of the bug report mean whole euros.
	for typed, cents := range map[string]string{"450": "45000", "80": "8000", "٤٥٠": "45000", "1.234,50": "123450"} {
		if v, _ := Kinds["money"].Parse(&Field{}, nil, typed); v != cents {
			t.Errorf("%q → %s cents, want %s", typed, v, cents)
		}
		if shown := ShownValue("money", typed); shown != typed {
			t.Errorf("%q is shown as %q", typed, shown)
		}
	}
}

// TestSingleLineTextDropsBidiControls: a right-to-left override typed or
// pasted into a name cannot turn the name around at the office.
func TestSingleLineTextDropsBidiControls(t *testing.T) {
	f := &Field{Kind: "text"}
	for in, want := range map[string]string{
		"Erika \u202eNNAMRETSUM":   "Erika NNAMRETSUM",
		"\u2067علي\u2069 Müller":   "علي Müller",
		"Heide\u200fstraße\u200e":  "Heidestraße",
		"zwei\nZeilen":             "zwei Zeilen",
		"Mül\u200bler\ufeff":       "Müller",
		"zwei\u2028Zeilen":         "zwei Zeilen",
		"\u0645\u06cc\u200c\u062e": "\u0645\u06cc\u200c\u062e", // ZWNJ in Persian spelling stays
	} {
		if got, errKey := Kinds["text"].Parse(f, nil, in); got != want || errKey != "" {
			t.Errorf("%q → %q %q, want %q", in, got, errKey, want)
		}
	}
	if got, _ := Kinds["longtext"].Parse(f, nil, "a\nb \u200f"); got != "a\nb \u200f" {
		t.Errorf("longtext %q", got)
	}
}
