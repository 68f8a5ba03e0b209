package form

import (
	"os"
	"strings"
	"testing"
)

func TestLoadDefinition(t *testing.T) {
	f, err := os.Open("testdata/mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Load(f, "mini.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if fld, ok := d.FieldByPath("einkommen.betrag"); !ok || fld.Kind != "money" || fld.Line == 0 {
		t.Fatalf("%+v", fld)
	}
	c, _ := d.Chapter("einkommen")
	if c.Items[1].VisibleIf == nil || c.Items[1].VisibleIf.Line == 0 {
		t.Fatal("condition not compiled")
	}
}

func TestLoadErrorsNameTheLine(t *testing.T) {
	base, _ := os.ReadFile("testdata/mini.yaml")
	for name, c := range map[string]struct {
		old, new, want string
	}{
		"unknown key":       {"        maxLength: 120", "        maxLenght: 120", "line 17: unknown key \"maxLenght\""},
		"unknown type":      {"        type: money", "        type: geld", "line 31: field \"einkommen.betrag\": unknown type \"geld\""},
		"unknown field":     {"      - field: hat_einkommen", "      - field: hat_einkommenn", "line 49: item places \"hat_einkommenn\""},
		"bad condition var": {`{"var": "hat_einkommen"}, "ja"]}` + "\n      - field: einkommen.art", `{"var": "nix"}, "ja"]}` + "\n      - field: einkommen.art", "line 53: visibleIf reads \"nix\""},
		"bad operator":      {`if: {">":`, `if: {"eval":`, "line 61: condition: unknown operator \"eval\""},
		"missing codelist":  {"        codelist: einkommensart", "        codelist: arten", "line 28: field \"einkommen.art\": code list \"arten\" is not defined"},
		"no German title":   {"title: {de: Einkommen}", "title: {en: Income}", "line 46: chapter \"einkommen\" has no German title"},
	} {
		src := strings.Replace(string(base), c.old, c.new, 1)
		if src == string(base) {
			t.Fatalf("%s: replacement did not apply", name)
		}
		_, err := Load(strings.NewReader(src), "mini.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestLoadRefusesAliasesAndHugeFiles(t *testing.T) {
	bomb := "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
	if _, err := Load(strings.NewReader(bomb), "bomb.yaml"); err == nil || !strings.Contains(err.Error(), "anchors") {
		t.Fatalf("%v", err)
	}
	huge := strings.Repeat("#", MaxDefinitionBytes+10)
	if _, err := Load(strings.NewReader(huge), "huge.yaml"); err == nil {
		t.Fatal("huge file accepted")
	}
}

func FuzzLoad(f *testing.F) {
	base, _ := os.ReadFile("testdata/mini.yaml")
	f.Add(string(base))
	f.Add("service: x\n")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 64<<10 {
			return
		}
		_, _ = Load(strings.NewReader(src), "fuzz.yaml")
	})
}

// TestLoadRefusesAFormWithoutChapters: there would be nothing to fill in.
func TestLoadRefusesAFormWithoutChapters(t *testing.T) {
	_, err := Load(strings.NewReader("service: x\nleika: \"99000000000009\"\nversion: 1\n"), "empty.yaml")
	if err == nil || !strings.Contains(err.Error(), "at least one chapter") {
		t.Fatalf("%v", err)
	}
}
