package form

import (
	"os"
	"strings"
	"testing"
)

func loadMini(t *testing.T) *Definition {
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

// TestAddTextsFillsALanguage: a text file adds a language; what the reader
// sees is that language, and what is left is listed as missing.
func TestAddTextsFillsALanguage(t *testing.T) {
	d := loadMini(t)
	missing := d.MissingTexts("pl")
	if len(missing) == 0 {
		t.Fatal("no texts to translate")
	}
	src := "chapter.einkommen.title: Dochód\n" + missing[len(missing)-1] + ": \"\"\n"
	if err := d.AddTexts("pl", strings.NewReader(src), "mini.pl.yaml"); err != nil {
		t.Fatal(err)
	}
	c, _ := d.Chapter("einkommen")
	if c.Title.In("pl") != "Dochód" {
		t.Fatalf("title %q", c.Title.In("pl"))
	}
	if got := len(d.MissingTexts("pl")); got != len(missing)-1 {
		t.Fatalf("%d missing, want %d (an empty text stays missing)", got, len(missing)-1)
	}
}

// TestAddTextsRefusesWhatDoesNotFit: a translation of nothing, twice, of a
// text the form has inline, or of German is an error with its line.
func TestAddTextsRefusesWhatDoesNotFit(t *testing.T) {
	for name, c := range map[string]struct{ lang, src, want string }{
		"unknown key": {"pl", "chapter.einkommen.title: x\nlabel.nix: y\n", `line 2: "label.nix" names no text`},
		"twice":       {"pl", "chapter.einkommen.title: x\nchapter.einkommen.title: y\n", "line 2: \"chapter.einkommen.title\" given twice"},
		"german":      {"de", "chapter.einkommen.title: x\n", "not a language"},
		"unknown":     {"xx", "chapter.einkommen.title: x\n", "not a language"},
		"not text":    {"pl", "chapter.einkommen.title: [x]\n", "line 1"},
		"not map":     {"pl", "- x\n", "a mapping"},
		"aliases":     {"pl", "a: &a x\nb: *a\n", "anchors"},
	} {
		err := loadMini(t).AddTexts(c.lang, strings.NewReader(c.src), "mini.pl.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	d := loadMini(t)
	c, _ := d.Chapter("einkommen")
	c.Title["en"] = "Income"
	if err := d.AddTexts("en", strings.NewReader("chapter.einkommen.title: Earnings\n"), "mini.en.yaml"); err == nil || !strings.Contains(err.Error(), "already in the form") {
		t.Errorf("inline text replaced: %v", err)
	}
}

func FuzzAddTexts(f *testing.F) {
	f.Add("chapter.einkommen.title: Dochód\n")
	f.Add("a: [b, {c: d}]\n")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 64<<10 {
			return
		}
		d := loadMini(t)
		_ = d.AddTexts("ar", strings.NewReader(src), "fuzz.ar.yaml")
	})
}
