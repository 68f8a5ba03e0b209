package form

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update rewrites golden files. The form package keeps its own (testenv
// would import the store, which imports this package).
var update = flag.Bool("update", false, "update golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run go test -update)", path, err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

func TestRenderEveryKind(t *testing.T) {
	var all strings.Builder
	for _, kind := range []string{"text", "longtext", "number", "money", "date", "yesno", "choice", "multichoice", "codelist", "postcode", "iban", "phone", "email"} {
		v := FieldView{ID: HTMLID("einkommen.0." + kind), Name: "einkommen.0." + kind, Label: "Feld <" + kind + ">", Hint: "Hinweis",
			Required: kind != "phone", RequiredText: "Pflichtfeld", OptionalText: "optional", YesText: "Ja", NoText: "Nein",
			Codes: []CodeView{{Value: "lohn", Label: "Lohn", Checked: true}, {Value: "rente", Label: "Rente"}}}
		switch kind {
		case "money":
			v.Value = "1.234,56" // as typed: a field shows the answer, not cents
		case "date":
			v.Value, v.Error = "1964-08-12", "Bitte prüfen Sie das Datum."
		case "yesno":
			v.Value = "ja"
		default:
			v.Value = `"><script>`
		}
		h, err := RenderHTML(kind, v)
		if err != nil {
			t.Fatal(err)
		}
		s := string(h)
		if strings.Contains(s, "<script>") || strings.Contains(s, "<"+kind+">") {
			t.Errorf("%s: markup not escaped", kind)
		}
		all.WriteString("<!-- " + kind + " -->\n" + s)
	}
	golden(t, "fields.html.golden", []byte(all.String()))
}

func TestDisplayValue(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"money", "123456"}: "1.234,56", {"money", "5"}: "0,05", {"money", "-100000000"}: "-1.000.000,00",
		{"date", "1964-08-12"}: "12.08.1964", {"date", "1960-05-00"}: "00.05.1960", {"text", "x"}: "x",
	} {
		if got := DisplayValue(in[0], in[1]); got != want {
			t.Errorf("%v → %q, want %q", in, got, want)
		}
	}
}

// TestRightToLeftKeepsGermanTermsInOrder: in an Arabic page a bracketed
// German term or legal reference inside a question is isolated, so its
// numbers and words keep their order; Arabic brackets are left alone.
func TestRightToLeftKeepsGermanTermsInOrder(t *testing.T) {
	v := FieldView{ID: "f-x", Name: "x", Lang: "ar", Label: "أعلم (§§ 60, 66 SGB I) و(Kaltmiete) و(مثال) <b>"}
	got, _ := RenderHTML("text", v)
	want := "أعلم (<bdi>§§ 60, 66 SGB I</bdi>) و(<bdi>Kaltmiete</bdi>) و(مثال) &lt;b&gt;"
	if !strings.Contains(string(got), want) {
		t.Fatalf("got %s", got)
	}
	v.Lang = "de"
	if got, _ := RenderHTML("text", v); strings.Contains(string(got), "<bdi>") {
		t.Fatal("isolated in a left-to-right page")
	}
}
