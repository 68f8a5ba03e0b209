package form

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"unicode/utf8"
)

// The html/template implementation RenderHTML had before it wrote the
// markup by hand, kept as the reference: the hand-written code must give
// byte-identical output for every input.

const refLabelBlock = `<label class="kern-label" for="{{.ID}}">{{.Label}}{{if .Required}} <span aria-hidden="true">*</span><span class="kern-sr-only">{{.RequiredText}}</span>{{else}} <span class="kern-label__optional">{{.OptionalText}}</span>{{end}}</label>
{{if .Hint}}<div class="kern-hint" id="{{.ID}}-hint">{{.Hint}}</div>{{end}}
{{if .Error}}<p class="kern-error" id="{{.ID}}-error"><span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span><span class="kern-body">{{.Error}}</span></p>{{end}}
`

const refDescribedBy = `{{if or .Hint .Error}} aria-describedby="{{if .Hint}}{{.ID}}-hint{{end}}{{if .Error}} {{.ID}}-error{{end}}"{{end}}{{if .Error}} aria-invalid="true"{{end}}`

const refAutocomplete = `{{if .Autocomplete}} autocomplete="{{.Autocomplete}}"{{end}}`

const refAutofocus = `{{if .Autofocus}} autofocus{{end}}`

const refRequired = `{{if .Required}} aria-required="true"{{end}}`

const refRadiogroup = `{{if .Required}} role="radiogroup" aria-required="true"{{end}}`

func refInputTemplate(typ, extra string) string {
	return `<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + refLabelBlock + `<input class="kern-form-input__input{{if .Error}} kern-form-input__input--error{{end}}" type="` + typ + `" id="{{.ID}}" name="{{.Name}}" value="{{.Value}}"` + extra + refDescribedBy + refRequired + refAutofocus + `>
</div>
`
}

const refLegendBlock = `<legend class="kern-label">{{.Label}}{{if .Required}} <span aria-hidden="true">*</span><span class="kern-sr-only">{{.RequiredText}}</span>{{else}} <span class="kern-label__optional">{{.OptionalText}}</span>{{end}}</legend>
{{if .Hint}}<div class="kern-hint" id="{{.ID}}-hint">{{.Hint}}</div>{{end}}
{{if .Error}}<p class="kern-error" id="{{.ID}}-error"><span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span><span class="kern-body">{{.Error}}</span></p>{{end}}
`

var refFieldTemplates = map[string]*template.Template{
	"text":     template.Must(template.New("text").Parse(refInputTemplate("text", ` maxlength="4000" dir="auto"`+refAutocomplete))),
	"number":   template.Must(template.New("number").Parse(refInputTemplate("text", ` inputmode="decimal" maxlength="20" dir="ltr"`+refAutocomplete))),
	"money":    template.Must(template.New("money").Parse(refInputTemplate("text", ` inputmode="decimal" maxlength="16" autocomplete="off" dir="ltr"`))),
	"date":     template.Must(template.New("date").Parse(refInputTemplate("text", ` inputmode="numeric" maxlength="10" placeholder="{{if .Placeholder}}{{.Placeholder}}{{else}}TT.MM.JJJJ{{end}}" dir="ltr"`+refAutocomplete))),
	"postcode": template.Must(template.New("postcode").Parse(refInputTemplate("text", ` inputmode="numeric" maxlength="5" autocomplete="postal-code" dir="ltr"`))),
	"iban":     template.Must(template.New("iban").Parse(refInputTemplate("text", ` maxlength="42" autocomplete="off" spellcheck="false" dir="ltr"`))),
	"phone":    template.Must(template.New("phone").Parse(refInputTemplate("tel", ` maxlength="30" autocomplete="tel" dir="ltr"`))),
	"email":    template.Must(template.New("email").Parse(refInputTemplate("email", ` maxlength="254" autocomplete="email" dir="ltr"`))),
	"longtext": template.Must(template.New("longtext").Parse(`<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + refLabelBlock + `<textarea class="kern-form-input__input{{if .Error}} kern-form-input__input--error{{end}}" id="{{.ID}}" name="{{.Name}}" rows="5" maxlength="4000" dir="auto"` + refDescribedBy + refRequired + refAutofocus + `>{{.Value}}</textarea>
</div>
`)),
	"yesno": template.Must(template.New("yesno").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + refRadiogroup + refDescribedBy + `>
` + refLegendBlock + `<div class="kern-fieldset__body kern-fieldset__body--horizontal">
<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{.ID}}-ja" name="{{.Name}}" value="ja"{{if eq .Value "ja"}} checked{{end}}` + refAutofocus + `><label class="kern-label" for="{{.ID}}-ja">{{.YesText}}</label></div>
<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{.ID}}-nein" name="{{.Name}}" value="nein"{{if eq .Value "nein"}} checked{{end}}><label class="kern-label" for="{{.ID}}-nein">{{.NoText}}</label></div>
</div>
</fieldset>
`)),
	"choice": template.Must(template.New("choice").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + refRadiogroup + refDescribedBy + `>
` + refLegendBlock + `<div class="kern-fieldset__body">
{{range $i, $c := .Codes}}<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{$.ID}}-{{$i}}" name="{{$.Name}}" value="{{$c.Value}}"{{if $c.Checked}} checked{{end}}{{if and $.Autofocus (eq $i 0)}} autofocus{{end}}><label class="kern-label" for="{{$.ID}}-{{$i}}">{{$c.Label}}</label></div>
{{end}}</div>
</fieldset>
`)),
	"multichoice": template.Must(template.New("multichoice").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + refDescribedBy + `>
` + refLegendBlock + `<div class="kern-fieldset__body">
{{range $i, $c := .Codes}}<div class="kern-form-check"><input class="kern-form-check__checkbox" type="checkbox" id="{{$.ID}}-{{$i}}" name="{{$.Name}}" value="{{$c.Value}}"{{if $c.Checked}} checked{{end}}{{if and $.Required (eq (len $.Codes) 1)}} aria-required="true"{{end}}{{if and $.Autofocus (eq $i 0)}} autofocus{{end}}><label class="kern-label" for="{{$.ID}}-{{$i}}">{{$c.Label}}</label></div>
{{end}}</div>
</fieldset>
`)),
	"codelist": template.Must(template.New("codelist").Parse(`<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + refLabelBlock + `<div class="kern-form-input__select-wrapper"><select class="kern-form-input__select{{if .Error}} kern-form-input__select--error{{end}}" id="{{.ID}}" name="{{.Name}}"` + refDescribedBy + refRequired + refAutofocus + `>
<option value=""></option>
{{range .Codes}}<option value="{{.Value}}"{{if .Checked}} selected{{end}}>{{.Label}}</option>
{{end}}</select></div>
</div>
`)),
}

// refRenderHTML is RenderHTML as it was with templates.
func refRenderHTML(kind string, v FieldView) (template.HTML, error) {
	t, ok := refFieldTemplates[kind]
	if !ok {
		t = refFieldTemplates["text"]
	}
	v.Value = ShownValue(kind, v.Value)
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// testKinds are all kinds plus unknown ones, which fall back to "text"
// (but still go through ShownValue with their own name).
var testKinds = []string{"text", "longtext", "number", "money", "date", "postcode", "iban", "phone", "email",
	"yesno", "choice", "multichoice", "codelist", "", "file", "unknown", "Text"}

func compareWithTemplates(t *testing.T, kind string, v FieldView) {
	t.Helper()
	want, werr := refRenderHTML(kind, v)
	got, gerr := RenderHTML(kind, v)
	if werr != nil || gerr != nil {
		t.Fatalf("%s: errors: templates %v, new %v", kind, werr, gerr)
	}
	if got != want {
		t.Fatalf("%s %#v: output differs from the templates\n--- templates\n%q\n--- new\n%q", kind, v, want, got)
	}
}

// nasty are strings that exercise escaping: every character
// html/template escapes, characters it leaves alone, unicode, invalid
// UTF-8 and noncharacters.
var nasty = []string{
	"", "x", "Feld <b>&amp;</b>", `"><script>alert('x')</script>`, "a+b=c", "\x00", "a\x00b\x00",
	"ä ö ü ß € 𝄞", "\xff\xfe", "\xe2\x82", "a\xc0\x80b", "\ufdd0\ufffe\uffff", "\u2028\u2029",
	"`backtick` =eq= /slash/ \\back\\", "&#34;&lt;", "\t\n\r\f\v", "javascript:alert(1)",
	"{{.ID}}", "--><!--", "]]>", "ja", "nein", "123456", "-5", "1964-08-12", "1960-05-00", "x\"y'z",
}

func TestRenderHTMLMatchesTemplates(t *testing.T) {
	base := FieldView{ID: HTMLID("einkommen.0.betrag"), Name: "einkommen.0.betrag", Label: "Betrag", Lang: "de",
		RequiredText: "Pflichtfeld", OptionalText: "optional", YesText: "Ja", NoText: "Nein"}
	codes := func(s string) []CodeView {
		return []CodeView{{Value: "lohn", Label: "Lohn", Checked: true}, {Value: s, Label: s}, {Value: s + "2", Label: "<" + s + ">", Checked: true}}
	}
	set := []func(v *FieldView, s string){
		func(v *FieldView, s string) { v.ID = s },
		func(v *FieldView, s string) { v.Name = s },
		func(v *FieldView, s string) { v.Label = s },
		func(v *FieldView, s string) { v.Hint = s },
		func(v *FieldView, s string) { v.Error = s },
		func(v *FieldView, s string) { v.Value = s },
		func(v *FieldView, s string) { v.RequiredText, v.OptionalText = s, s },
		func(v *FieldView, s string) { v.YesText, v.NoText = s, s },
		func(v *FieldView, s string) { v.Codes = codes(s) },
		func(v *FieldView, s string) {
			v.ID, v.Name, v.Label, v.Hint, v.Error, v.Value = s, s, s, s, s, s
			v.RequiredText, v.OptionalText, v.YesText, v.NoText, v.Codes = s, s, s, s, codes(s)
		},
	}
	n := 0
	for _, kind := range testKinds {
		for flags := 0; flags < 16; flags++ {
			v := base
			v.Required, v.Live, v.Autofocus = flags&1 != 0, flags&2 != 0, flags&6 == 6
			if flags&4 != 0 {
				v.Hint = "Hinweis"
			}
			if flags&8 != 0 {
				v.Error = "Bitte prüfen."
			}
			compareWithTemplates(t, kind, v)
			v.Codes = []CodeView{}
			compareWithTemplates(t, kind, v)
			for i := 0; i < 12; i++ {
				v.Codes = append(v.Codes, CodeView{Value: "c" + string(rune('a'+i)), Label: "Code " + string(rune('A'+i)), Checked: i%3 == 0})
			}
			compareWithTemplates(t, kind, v)
			if flags%5 != 0 { // 0, 5, 10, 15: none, required+hint, live+error, all
				continue
			}
			for _, s := range nasty {
				for _, f := range set {
					w := v
					f(&w, s)
					compareWithTemplates(t, kind, w)
					n++
				}
			}
		}
	}
	// Every byte on its own, in every position.
	for c := 0; c < 256; c++ {
		s := "a" + string([]byte{byte(c)}) + "b"
		for _, kind := range []string{"text", "longtext", "yesno", "choice", "codelist"} {
			v := base
			set[len(set)-1](&v, s)
			compareWithTemplates(t, kind, v)
			n++
		}
	}
	t.Logf("%d field views compared", n)
}

// FuzzRenderHTML feeds arbitrary strings into every field of the view for
// every kind and asserts the output is byte-identical to the templates'.
func FuzzRenderHTML(f *testing.F) {
	f.Add(uint8(0), uint8(0), "f-a-b", "a.b", "Feld <x>", "Hinweis", "", `"><script>`, "Pflicht", "optional", "Ja", "Nein", "lohn\nrente", "Lohn\nRente")
	f.Add(uint8(3), uint8(0xff), "f-a", "a", "Betrag", "", "Fehler & so", "123456", "*", "opt", "J", "N", "", "")
	f.Add(uint8(4), uint8(0x5a), "f-d", "d", "Datum", "TT.MM.JJJJ", "Bitte prüfen", "1964-08-12", "", "", "", "", "x", "y")
	f.Add(uint8(9), uint8(0x13), "f-y", "y", "Ja?", "'h'", "e", "ja", "p", "o", "Ja'", "Nein\"", "", "")
	f.Add(uint8(10), uint8(0x2e), "\x00id", "n\x00", "\xff\xfe", "\xe2\x82", "a\xc0\x80b", "\ufdd0\uffff", "+", "&", "<", ">", "a+b\n\x00\n'\"", "ä\n€\n𝄞\n\xff")
	f.Add(uint8(11), uint8(0x01), "id", "name", "l", "h", "e", "a\nb", "r", "o", "y", "n", "a\nb\nc", "A\nB\nC")
	f.Add(uint8(12), uint8(0x07), "id", "name", "l", "", "", "", "r", "o", "y", "n", "\n\n", "<\n>\n&")
	f.Add(uint8(13), uint8(0x00), "id", "name", "l", "", "", "nein", "r", "o", "y", "n", "", "")
	f.Add(uint8(0), uint8(0x80), "f-vorname", "person.vorname", "Vorname", "", "", "Erika", "r", "o", "y", "n", "", "")
	f.Add(uint8(4), uint8(0x81), "f-geb", "person.geburtsdatum", "Geburtsdatum", "", "", "12.08.1964", "r", "o", "y", "n", "", "")
	f.Fuzz(func(t *testing.T, k, flags uint8, id, name, label, hint, errText, value, reqText, optText, yes, no, codeValues, codeLabels string) {
		kind := testKinds[int(k)%len(testKinds)]
		v := FieldView{ID: id, Name: name, Label: label, Hint: hint, Error: errText, Value: value,
			Required: flags&1 != 0, Live: flags&2 != 0, Lang: "de", Autocomplete: map[bool]string{true: "given-name"}[flags&0x80 != 0], Autofocus: flags&0x40 != 0,
			RequiredText: reqText, OptionalText: optText, YesText: yes, NoText: no}
		if codeValues != "" || codeLabels != "" {
			vals, labels := strings.Split(codeValues, "\n"), strings.Split(codeLabels, "\n")
			for i := 0; i < max(len(vals), len(labels)); i++ {
				var c CodeView
				if i < len(vals) {
					c.Value = vals[i]
				}
				if i < len(labels) {
					c.Label = labels[i]
				}
				c.Checked = flags&(4<<(i%6)) != 0
				v.Codes = append(v.Codes, c)
			}
		}
		compareWithTemplates(t, kind, v)
		got, _ := RenderHTML(kind, v)
		// Belt and braces beyond identity: nothing raw from the values.
		if strings.IndexByte(string(got), 0) >= 0 {
			t.Fatalf("NUL in output")
		}
		valid := true
		for _, s := range []string{id, name, label, hint, errText, value, reqText, optText, yes, no, codeValues, codeLabels} {
			valid = valid && utf8.ValidString(s)
		}
		if valid && !utf8.ValidString(string(got)) {
			t.Fatalf("valid input gave invalid UTF-8")
		}
	})
}

func benchViews() map[string]FieldView {
	choice := FieldView{ID: HTMLID("einkommen.0.art"), Name: "einkommen.0.art", Label: "Art des Einkommens", Hint: "Wählen Sie eine Art.",
		Required: true, Live: true, RequiredText: "Pflichtfeld", OptionalText: "optional", Value: "rente"}
	for i, s := range []string{"Lohn", "Rente", "Arbeitslosengeld", "Kindergeld", "Unterhalt", "Elterngeld", "Wohngeld", "Krankengeld", "Mieteinnahmen", "Sonstiges"} {
		choice.Codes = append(choice.Codes, CodeView{Value: strings.ToLower(s), Label: s, Checked: i == 1})
	}
	text := FieldView{ID: HTMLID("person.name"), Name: "person.name", Label: "Name", Hint: "Wie im Ausweis.",
		Error: "Bitte geben Sie Ihren Namen an.", Value: "Müller-Lüdenscheidt", Required: true, RequiredText: "Pflichtfeld", OptionalText: "optional"}
	return map[string]FieldView{"choice": choice, "text": text}
}

// BenchmarkRenderHTML compares the templates with the hand-written markup
// for a choice with 10 options and a text field.
func BenchmarkRenderHTML(b *testing.B) {
	views := benchViews()
	impls := []struct {
		name   string
		render func(string, FieldView) (template.HTML, error)
	}{{"templates", refRenderHTML}, {"handwritten", RenderHTML}}
	for _, kind := range []string{"choice", "text"} {
		v := views[kind]
		for _, impl := range impls {
			b.Run(kind+"/"+impl.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := impl.render(kind, v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
