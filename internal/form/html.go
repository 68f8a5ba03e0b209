package form

import (
	"html/template"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	Live bool
	// TextLang is the language of the form's own texts (labels, hints,
	// options) when it is not the page's: they then carry lang and dir, so
	// German questions read right in an Arabic or Polish page.
	TextLang string
	Codes    []CodeView
	Lang     string
	// Texts the renderer needs in the reader's language.
	RequiredText, OptionalText, YesText, NoText string
	// Autocomplete is the person's own detail the field asks for, as an
	// HTML autocomplete token (WCAG 1.3.5), for kinds that have none.
	Autocomplete string
	// Placeholder is the date format in the reader's language
	// ("TT.MM.JJJJ", "DD.MM.YYYY"); dates only, "TT.MM.JJJJ" if empty.
	Placeholder string
	// Autofocus: the page opens with the focus here (the first field of an
	// entry just added); a choice gets it on its first option.
	Autofocus bool
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
// An unknown kind is rendered as "text". The error is always nil; it stays
// in the signature for callers that rendered with templates before.
//
// The markup is written by hand (it was html/template once; the templates
// live on as the reference in html_bench_test.go, which checks that the
// output is byte-identical). Every dynamic value is escaped with
// writeEscaped, which reproduces html/template's escaping for element
// text, RCDATA (textarea) and quoted attribute values.
func RenderHTML(kind string, v FieldView) (template.HTML, error) {
	v.Value = ShownValue(kind, v.Value)
	var b strings.Builder
	b.Grow(sizeHint(&v))
	switch kind {
	case "longtext":
		renderLongtext(&b, &v)
	case "yesno":
		renderYesNo(&b, &v)
	case "choice":
		renderChoice(&b, &v, true, `<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="`)
	case "multichoice":
		renderChoice(&b, &v, false, `<div class="kern-form-check"><input class="kern-form-check__checkbox" type="checkbox" id="`)
	case "codelist":
		renderCodelist(&b, &v)
	default:
		in, ok := inputKinds[kind]
		if !ok {
			in = inputKinds["text"]
		}
		renderInput(&b, &v, in)
	}
	return template.HTML(b.String()), nil
}

// ShownValue is what a field shows of an answer: the answer as it was
// typed, so that it means the same when it is sent again ("450" stays
// "450", never read as cents). Only a date in ISO form, as the identity
// provider hands it over, is shown the way people write dates.
func ShownValue(kind, answer string) string {
	if kind == "date" && len(answer) == 10 && answer[4] == '-' && answer[7] == '-' {
		return DisplayValue(kind, answer)
	}
	return answer
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

// htmlEscapes is html/template's htmlReplacementTable, which it applies to
// element text, RCDATA and quoted attribute values alike (the contexts this
// file writes dynamic values into): NUL becomes U+FFFD, and " & ' + < > become
// references. Everything else, including invalid UTF-8, passes unchanged.
// All these are ASCII, and ASCII bytes never occur inside a multi-byte UTF-8
// sequence (html/template decodes invalid bytes one at a time), so scanning
// bytes gives the same result as html/template scanning runes.
var htmlEscapes = [256]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// writeEscaped writes s escaped for element text or a double-quoted
// attribute value, byte for byte as html/template does.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if r := htmlEscapes[s[i]]; r != "" {
			b.WriteString(s[last:i])
			b.WriteString(r)
			last = i + 1
		}
	}
	b.WriteString(s[last:])
}

// sizeHint estimates the length of the markup so the builder grows once
// (escaping can make values longer; then it grows again, which is fine).
func sizeHint(v *FieldView) int {
	n := 1000 + len(v.Label) + len(v.Hint) + len(v.Error) + len(v.Value) + 6*len(v.ID) + 3*len(v.Name) +
		len(v.RequiredText) + len(v.OptionalText) + len(v.YesText) + len(v.NoText)
	for _, c := range v.Codes {
		n += 200 + 2*len(v.ID) + len(v.Name) + len(c.Value) + len(c.Label)
	}
	return n
}

// openDiv writes the wrapper of input-like kinds.
func openDiv(b *strings.Builder, v *FieldView) {
	if v.Live {
		b.WriteString("<div class=\"kern-form-input\" data-live>\n")
	} else {
		b.WriteString("<div class=\"kern-form-input\">\n")
	}
}

// openFieldset writes the fieldset of the radio/checkbox kinds. A group of
// radio buttons that must be answered is a radiogroup with aria-required,
// so a screen reader says "required" as the asterisk shows it (a group of
// checkboxes has no such state in ARIA).
func openFieldset(b *strings.Builder, v *FieldView, radio bool) {
	b.WriteString(`<fieldset class="kern-fieldset" id="`)
	writeEscaped(b, v.ID)
	b.WriteByte('"')
	if v.Live {
		b.WriteString(" data-live")
	}
	if radio && v.Required {
		b.WriteString(` role="radiogroup" aria-required="true"`)
	}
	describedBy(b, v)
	b.WriteString(">\n")
}

// labelText writes the label text with the required or optional marker.
func labelText(b *strings.Builder, v *FieldView) {
	foreignText(b, v, v.Label)
	if v.Required {
		b.WriteString(` <span aria-hidden="true">*</span><span class="kern-sr-only">`)
		writeEscaped(b, v.RequiredText)
	} else {
		b.WriteString(` <span class="kern-label__optional">`)
		writeEscaped(b, v.OptionalText)
	}
	b.WriteString("</span>")
}

// foreignText writes one of the form's texts, marked with its language when
// that differs from the page's.
func foreignText(b *strings.Builder, v *FieldView, text string) {
	if v.TextLang == "" {
		if v.Lang == "ar" {
			isolateLatin(b, text)
			return
		}
		writeEscaped(b, text)
		return
	}
	b.WriteString(`<span lang="`)
	writeEscaped(b, v.TextLang)
	b.WriteString(`" dir="ltr">`)
	writeEscaped(b, text)
	b.WriteString("</span>")
}

// isolateLatin writes a right-to-left text with every bracketed part that
// starts in Latin script or with "§" (the German term an office uses, a
// legal reference) isolated in <bdi>, so that "(§§ 60, 66 SGB I)" keeps
// its order instead of coming out as "(§§ … SGB I 66 ,60)".
func isolateLatin(b *strings.Builder, text string) {
	for {
		i := strings.IndexByte(text, '(')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], ')')
		if j < 0 {
			break
		}
		inner := text[i+1 : i+j]
		r, _ := utf8.DecodeRuneInString(inner)
		writeEscaped(b, text[:i+1])
		if r == '§' || (r < 0x250 && unicode.IsLetter(r)) {
			b.WriteString("<bdi>")
			writeEscaped(b, inner)
			b.WriteString("</bdi>")
			text = text[i+j:]
			continue
		}
		text = text[i+1:]
	}
	writeEscaped(b, text)
}

// hintAndError writes the hint and the error lines; each line is there
// (possibly empty) whether or not the field has a hint or an error.
func hintAndError(b *strings.Builder, v *FieldView) {
	if v.Hint != "" {
		b.WriteString(`<div class="kern-hint" id="`)
		writeEscaped(b, v.ID)
		b.WriteString(`-hint">`)
		foreignText(b, v, v.Hint)
		b.WriteString("</div>")
	}
	b.WriteByte('\n')
	if v.Error != "" {
		b.WriteString(`<p class="kern-error" id="`)
		writeEscaped(b, v.ID)
		b.WriteString(`-error"><span class="kern-icon kern-icon--danger kern-icon--small" aria-hidden="true"></span><span class="kern-body">`)
		writeEscaped(b, v.Error)
		b.WriteString("</span></p>")
	}
	b.WriteByte('\n')
}

// labelBlock: label, hint and error above an input, textarea or select.
func labelBlock(b *strings.Builder, v *FieldView) {
	b.WriteString(`<label class="kern-label" for="`)
	writeEscaped(b, v.ID)
	b.WriteString(`">`)
	labelText(b, v)
	b.WriteString("</label>\n")
	hintAndError(b, v)
}

// legendBlock: legend, hint and error of a fieldset.
func legendBlock(b *strings.Builder, v *FieldView) {
	b.WriteString(`<legend class="kern-label">`)
	labelText(b, v)
	b.WriteString("</legend>\n")
	hintAndError(b, v)
}

// describedBy writes aria-describedby and aria-invalid. With an error but
// no hint the list starts with a space, as it always has.
func describedBy(b *strings.Builder, v *FieldView) {
	if v.Hint != "" || v.Error != "" {
		b.WriteString(` aria-describedby="`)
		if v.Hint != "" {
			writeEscaped(b, v.ID)
			b.WriteString("-hint")
		}
		if v.Error != "" {
			b.WriteByte(' ')
			writeEscaped(b, v.ID)
			b.WriteString("-error")
		}
		b.WriteByte('"')
	}
	if v.Error != "" {
		b.WriteString(` aria-invalid="true"`)
	}
}

// ariaRequired marks a control that must be filled in. Not the HTML
// required attribute: the browser would then stop the form with its own
// message in its own language before the server's message beside the field.
func ariaRequired(b *strings.Builder, v *FieldView) {
	if v.Required {
		b.WriteString(` aria-required="true"`)
	}
}

// autofocus writes the autofocus attribute of a field that takes the focus.
func autofocus(b *strings.Builder, v *FieldView) {
	if v.Autofocus {
		b.WriteString(" autofocus")
	}
}

// idName writes ` id="…" name="…"` of a control.
func idName(b *strings.Builder, v *FieldView) {
	b.WriteString(` id="`)
	writeEscaped(b, v.ID)
	b.WriteString(`" name="`)
	writeEscaped(b, v.Name)
	b.WriteByte('"')
}

// inputKind is the type attribute and the further attributes of an
// <input> kind.
type inputKind struct{ typ, extra string }

// Free text takes its direction from what is typed (a German street in an
// Arabic page stays left to right, an Arabic name right to left); numbers,
// amounts, dates, codes, phone numbers and addresses are always left to
// right, so "+49 221 …" does not turn around in a right-to-left page.
var inputKinds = map[string]inputKind{
	"text":     {"text", ` maxlength="4000" dir="auto"`},
	"number":   {"text", ` inputmode="decimal" maxlength="20" dir="ltr"`},
	"money":    {"text", ` inputmode="decimal" maxlength="16" autocomplete="off" dir="ltr"`},
	"date":     {"text", ` inputmode="numeric" maxlength="10"`},
	"postcode": {"text", ` inputmode="numeric" maxlength="5" autocomplete="postal-code" dir="ltr"`},
	"iban":     {"text", ` maxlength="42" autocomplete="off" spellcheck="false" dir="ltr"`},
	"phone":    {"tel", ` maxlength="30" autocomplete="tel" dir="ltr"`},
	"email":    {"email", ` maxlength="254" autocomplete="email" dir="ltr"`},
}

func renderInput(b *strings.Builder, v *FieldView, in inputKind) {
	openDiv(b, v)
	labelBlock(b, v)
	if v.Error != "" {
		b.WriteString(`<input class="kern-form-input__input kern-form-input__input--error" type="`)
	} else {
		b.WriteString(`<input class="kern-form-input__input" type="`)
	}
	b.WriteString(in.typ)
	b.WriteByte('"')
	idName(b, v)
	b.WriteString(` value="`)
	writeEscaped(b, v.Value)
	b.WriteByte('"')
	b.WriteString(in.extra)
	if in == inputKinds["date"] {
		p := v.Placeholder
		if p == "" {
			p = "TT.MM.JJJJ"
		}
		b.WriteString(` placeholder="`)
		writeEscaped(b, p)
		b.WriteString(`" dir="ltr"`)
	}
	if v.Autocomplete != "" && !strings.Contains(in.extra, "autocomplete=") {
		b.WriteString(` autocomplete="`)
		writeEscaped(b, v.Autocomplete)
		b.WriteByte('"')
	}
	describedBy(b, v)
	ariaRequired(b, v)
	autofocus(b, v)
	b.WriteString(">\n</div>\n")
}

func renderLongtext(b *strings.Builder, v *FieldView) {
	openDiv(b, v)
	labelBlock(b, v)
	if v.Error != "" {
		b.WriteString(`<textarea class="kern-form-input__input kern-form-input__input--error"`)
	} else {
		b.WriteString(`<textarea class="kern-form-input__input"`)
	}
	idName(b, v)
	b.WriteString(` rows="5" maxlength="4000" dir="auto"`)
	describedBy(b, v)
	ariaRequired(b, v)
	autofocus(b, v)
	b.WriteByte('>')
	writeEscaped(b, v.Value)
	b.WriteString("</textarea>\n</div>\n")
}

func renderYesNo(b *strings.Builder, v *FieldView) {
	openFieldset(b, v, true)
	legendBlock(b, v)
	b.WriteString("<div class=\"kern-fieldset__body kern-fieldset__body--horizontal\">\n")
	for i, o := range [2]struct{ value, text string }{{"ja", v.YesText}, {"nein", v.NoText}} {
		b.WriteString(`<div class="kern-form-check"><input class="kern-form-check__radio" type="radio" id="`)
		writeEscaped(b, v.ID)
		b.WriteByte('-')
		b.WriteString(o.value)
		b.WriteString(`" name="`)
		writeEscaped(b, v.Name)
		b.WriteString(`" value="`)
		b.WriteString(o.value)
		b.WriteByte('"')
		if v.Value == o.value {
			b.WriteString(" checked")
		}
		if i == 0 {
			autofocus(b, v)
		}
		b.WriteString(`><label class="kern-label" for="`)
		writeEscaped(b, v.ID)
		b.WriteByte('-')
		b.WriteString(o.value)
		b.WriteString(`">`)
		writeEscaped(b, o.text)
		b.WriteString("</label></div>\n")
	}
	b.WriteString("</div>\n</fieldset>\n")
}

// renderChoice writes radio buttons or checkboxes; open is the start of
// each option's markup up to the id's opening quote.
// A single checkbox that must be ticked (a declaration) is itself
// aria-required.
func renderChoice(b *strings.Builder, v *FieldView, radio bool, open string) {
	openFieldset(b, v, radio)
	legendBlock(b, v)
	b.WriteString("<div class=\"kern-fieldset__body\">\n")
	var num [20]byte
	for i, c := range v.Codes {
		n := strconv.AppendInt(num[:0], int64(i), 10)
		b.WriteString(open)
		writeEscaped(b, v.ID)
		b.WriteByte('-')
		b.Write(n)
		b.WriteString(`" name="`)
		writeEscaped(b, v.Name)
		b.WriteString(`" value="`)
		writeEscaped(b, c.Value)
		b.WriteByte('"')
		if c.Checked {
			b.WriteString(" checked")
		}
		if !radio && len(v.Codes) == 1 {
			ariaRequired(b, v)
		}
		if i == 0 {
			autofocus(b, v)
		}
		b.WriteString(`><label class="kern-label" for="`)
		writeEscaped(b, v.ID)
		b.WriteByte('-')
		b.Write(n)
		b.WriteString(`">`)
		foreignText(b, v, c.Label)
		b.WriteString("</label></div>\n")
	}
	b.WriteString("</div>\n</fieldset>\n")
}

func renderCodelist(b *strings.Builder, v *FieldView) {
	openDiv(b, v)
	labelBlock(b, v)
	if v.Error != "" {
		b.WriteString(`<div class="kern-form-input__select-wrapper"><select class="kern-form-input__select kern-form-input__select--error"`)
	} else {
		b.WriteString(`<div class="kern-form-input__select-wrapper"><select class="kern-form-input__select"`)
	}
	idName(b, v)
	describedBy(b, v)
	ariaRequired(b, v)
	autofocus(b, v)
	b.WriteString(">\n<option value=\"\"></option>\n")
	for _, c := range v.Codes {
		b.WriteString(`<option value="`)
		writeEscaped(b, c.Value)
		b.WriteByte('"')
		if c.Checked {
			b.WriteString(" selected")
		}
		if v.TextLang != "" {
			b.WriteString(` lang="`)
			writeEscaped(b, v.TextLang)
			b.WriteString(`" dir="ltr"`)
		}
		b.WriteByte('>')
		writeEscaped(b, c.Label)
		b.WriteString("</option>\n")
	}
	b.WriteString("</select></div>\n</div>\n")
}
