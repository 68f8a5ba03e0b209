package form

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
)

// FieldView is what a kind needs to render one field instance.
type FieldView struct {
	ID       string // HTML id, derived from the instance path
	Name     string // form field name: the instance path
	Label    string
	Hint     string
	Error    string // message in the reader's language, "" if none
	Value    string // as entered, or the normalised value (formatted back by the kind)
	Required bool
	// Live: other fields' conditions read this one, so a script may ask
	// the server for the chapter again when it changes.
	Live  bool
	Codes []CodeView
	Lang  string
	// Texts the renderer needs in the reader's language.
	RequiredText, OptionalText, YesText, NoText string
}

// CodeView is one option of a choice in the reader's language.
type CodeView struct {
	Value, Label string
	Checked      bool
}

// HTMLID turns an instance path into an id usable in HTML and links from
// the error summary ("einkommen.1.betrag" → "f-einkommen-1-betrag").
func HTMLID(path string) string { return "f-" + strings.ReplaceAll(path, ".", "-") }

// RenderHTML renders a field instance with the kind's markup: label, hint,
// error beside the field, the control with aria-describedby/aria-invalid.
func RenderHTML(kind string, v FieldView) (template.HTML, error) {
	t, ok := fieldTemplates[kind]
	if !ok {
		t = fieldTemplates["text"]
	}
	v.Value = DisplayValue(kind, v.Value)
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

// DisplayValue formats a normalised value back the way people write it
// (cents → "1.234,56", "1964-08-12" → "12.08.1964"); other values as they are.
func DisplayValue(kind, v string) string {
	switch kind {
	case "money":
		c, err := strconv.ParseInt(v, 10, 64)
		if err != nil || v == "" {
			return v
		}
		neg := c < 0
		if neg {
			c = -c
		}
		euros := strconv.FormatInt(c/100, 10)
		var b strings.Builder
		for i, r := range euros {
			if i > 0 && (len(euros)-i)%3 == 0 {
				b.WriteByte('.')
			}
			b.WriteRune(r)
		}
		s := b.String() + "," + two(int(c%100))
		if neg {
			s = "-" + s
		}
		return s
	case "date":
		if len(v) == 10 && v[4] == '-' && v[7] == '-' {
			return v[8:] + "." + v[5:7] + "." + v[:4]
		}
	}
	return v
}

const labelBlock = `<label class="kern-label" for="{{.ID}}">{{.Label}}{{if .Required}} <span aria-hidden="true">*</span><span class="kern-sr-only">{{.RequiredText}}</span>{{else}} <span class="kern-label__optional">{{.OptionalText}}</span>{{end}}</label>
{{if .Hint}}<div class="kern-hint" id="{{.ID}}-hint">{{.Hint}}</div>{{end}}
{{if .Error}}<p class="kern-error" id="{{.ID}}-error"><span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span><span class="kern-body">{{.Error}}</span></p>{{end}}
`

const describedBy = `{{if or .Hint .Error}} aria-describedby="{{if .Hint}}{{.ID}}-hint{{end}}{{if .Error}} {{.ID}}-error{{end}}"{{end}}{{if .Error}} aria-invalid="true"{{end}}`

func inputTemplate(typ, extra string) string {
	return `<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + labelBlock + `<input class="kern-form-input__input{{if .Error}} kern-form-input__input--error{{end}}" type="` + typ + `" id="{{.ID}}" name="{{.Name}}" value="{{.Value}}"` + extra + describedBy + `>
</div>
`
}

const legendBlock = `<legend class="kern-label">{{.Label}}{{if .Required}} <span aria-hidden="true">*</span><span class="kern-sr-only">{{.RequiredText}}</span>{{else}} <span class="kern-label__optional">{{.OptionalText}}</span>{{end}}</legend>
{{if .Hint}}<div class="kern-hint" id="{{.ID}}-hint">{{.Hint}}</div>{{end}}
{{if .Error}}<p class="kern-error" id="{{.ID}}-error"><span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span><span class="kern-body">{{.Error}}</span></p>{{end}}
`

var fieldTemplates = map[string]*template.Template{
	"text":     template.Must(template.New("text").Parse(inputTemplate("text", ` maxlength="4000"`))),
	"number":   template.Must(template.New("number").Parse(inputTemplate("text", ` inputmode="decimal" maxlength="20"`))),
	"money":    template.Must(template.New("money").Parse(inputTemplate("text", ` inputmode="decimal" maxlength="16" autocomplete="off"`))),
	"date":     template.Must(template.New("date").Parse(inputTemplate("text", ` inputmode="numeric" maxlength="10" placeholder="TT.MM.JJJJ"`))),
	"postcode": template.Must(template.New("postcode").Parse(inputTemplate("text", ` inputmode="numeric" maxlength="5" autocomplete="postal-code"`))),
	"iban":     template.Must(template.New("iban").Parse(inputTemplate("text", ` maxlength="42" autocomplete="off" spellcheck="false"`))),
	"phone":    template.Must(template.New("phone").Parse(inputTemplate("tel", ` maxlength="30" autocomplete="tel"`))),
	"email":    template.Must(template.New("email").Parse(inputTemplate("email", ` maxlength="254" autocomplete="email"`))),
	"longtext": template.Must(template.New("longtext").Parse(`<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + labelBlock + `<textarea class="kern-form-input__input{{if .Error}} kern-form-input__input--error{{end}}" id="{{.ID}}" name="{{.Name}}" rows="5" maxlength="4000"` + describedBy + `>{{.Value}}</textarea>
</div>
`)),
	"yesno": template.Must(template.New("yesno").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + describedBy + `>
` + legendBlock + `<div class="kern-fieldset__body kern-fieldset__body--horizontal">
<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{.ID}}-ja" name="{{.Name}}" value="ja"{{if eq .Value "ja"}} checked{{end}}><label class="kern-label" for="{{.ID}}-ja">{{.YesText}}</label></div>
<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{.ID}}-nein" name="{{.Name}}" value="nein"{{if eq .Value "nein"}} checked{{end}}><label class="kern-label" for="{{.ID}}-nein">{{.NoText}}</label></div>
</div>
</fieldset>
`)),
	"choice": template.Must(template.New("choice").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + describedBy + `>
` + legendBlock + `<div class="kern-fieldset__body">
{{range $i, $c := .Codes}}<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="{{$.ID}}-{{$i}}" name="{{$.Name}}" value="{{$c.Value}}"{{if $c.Checked}} checked{{end}}><label class="kern-label" for="{{$.ID}}-{{$i}}">{{$c.Label}}</label></div>
{{end}}</div>
</fieldset>
`)),
	"multichoice": template.Must(template.New("multichoice").Parse(`<fieldset class="kern-fieldset" id="{{.ID}}"{{if .Live}} data-live{{end}}` + describedBy + `>
` + legendBlock + `<div class="kern-fieldset__body">
{{range $i, $c := .Codes}}<div class="kern-form-check"><input class="kern-form-check__checkbox" type="checkbox" id="{{$.ID}}-{{$i}}" name="{{$.Name}}" value="{{$c.Value}}"{{if $c.Checked}} checked{{end}}><label class="kern-label" for="{{$.ID}}-{{$i}}">{{$c.Label}}</label></div>
{{end}}</div>
</fieldset>
`)),
	"codelist": template.Must(template.New("codelist").Parse(`<div class="kern-form-input"{{if .Live}} data-live{{end}}>
` + labelBlock + `<div class="kern-form-input__select-wrapper"><select class="kern-form-input__select{{if .Error}} kern-form-input__select--error{{end}}" id="{{.ID}}" name="{{.Name}}"` + describedBy + `>
<option value=""></option>
{{range .Codes}}<option value="{{.Value}}"{{if .Checked}} selected{{end}}>{{.Label}}</option>
{{end}}</select></div>
</div>
`)),
}
