package xsozial

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/form"
)

// Meta is what the file needs besides the answers.
type Meta struct {
	ID             string // the application number (application.Submission.ID)
	LeiKa          string // 14 digits; "" means the definition's
	Version        int    // of the form definition; 0 means the definition's
	OfficeID       string // the receiving office in our directory (internal/office)
	OfficeName     string
	ARS            string // 12-digit regional key of the receiving office
	SubmittedAt    time.Time
	Lang           string // the language the person used ("de", "ls", …)
	PostkorbHandle string // BundID mailbox, only with the person's consent
	Uploads        []Upload
}

// Upload is an uploaded proof handed over with the application.
type Upload struct {
	ID, Slot, Name, MediaType, SHA256 string
	Size                              int64
}

// ErrInvalid is wrapped by every error about the input: a value in Meta
// that the schema refuses, or an answer a form's typed part needs that is
// missing. Encode then writes nothing.
var ErrInvalid = errors.New("xsozial: cannot be encoded")

// The sender of every file, and the directory our office keys come from.
const (
	portalVerzeichnis  = "urn:sozialplattform:portal"
	portalKennung      = "sozialplattform"
	portalName         = "Sozialplattform"
	stellenVerzeichnis = "urn:sozialplattform:stellenverzeichnis"
	leikaPrefix        = "urn:de:fim:leika:leistung:"
	codeListPrefix     = "urn:sozialplattform:codeliste:"
	// nachrichtenIDSpace makes the message id a name-based UUID of the
	// application number: the same application gives the same file.
	nachrichtenIDSpace = "urn:sozialplattform:xsozial-antrag:nachricht:"
)

// typed are the service-specific parts, by LeiKa ID of the definition.
var typed = map[string]func(v *values, a *Antrag){
	hzlLeiKa: mapHzL,
}

// Encode writes the application file for a submission of the form def with
// its answers (raw, as typed; they are normalised here and not changed):
// UTF-8 with an XML declaration, indented, in the order of the definition.
// Hidden and invalid answers are not part of it. On an error nothing is
// written.
func Encode(w io.Writer, def *form.Definition, answers form.Answers, m Meta) error {
	n, err := build(def, answers, m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("xsozial: %w", err)
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

var (
	digits12   = regexp.MustCompile(`^[0-9]{12}$`)
	digits14   = regexp.MustCompile(`^[0-9]{14}$`)
	kennungRe  = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,100}$`)
	slugRe     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	listNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	fimRe      = regexp.MustCompile(`^[A-Z][0-9]{8}$`)
	langRe     = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	mediaRe    = regexp.MustCompile(`^[a-z]+/[a-z0-9.+-]+$`)
	sha256Re   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	decimalRe  = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	centsRe    = regexp.MustCompile(`^-?[0-9]{1,17}$`)
	dateRe     = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	ibanRe     = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)
	phoneRe    = regexp.MustCompile(`^\+?[0-9][0-9 /()-]{4,24}$`)
	emailRe    = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	postcodeRe = regexp.MustCompile(`^[0-9]{5}$`)
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func build(def *form.Definition, answers form.Answers, m Meta) (*Nachricht, error) {
	if def == nil {
		return nil, invalid("no form definition")
	}
	leika := m.LeiKa
	if leika == "" {
		leika = def.LeiKa
	}
	version := m.Version
	if version == 0 {
		version = def.Version
	}
	lang := m.Lang
	if lang == "ls" {
		lang = "de-x-ls" // Leichte Sprache is German; BCP 47 has no tag of its own for it
	}
	switch {
	case !kennungRe.MatchString(m.ID):
		return nil, invalid("application number %q", m.ID)
	case !digits14.MatchString(leika):
		return nil, invalid("LeiKa ID %q is not 14 digits", leika)
	case version != def.Version:
		return nil, invalid("answers of form version %d, definition version %d", version, def.Version)
	case !slugRe.MatchString(def.Service):
		return nil, invalid("service name %q", def.Service)
	case strings.TrimSpace(m.OfficeID) == "" || len(m.OfficeID) > 100:
		return nil, invalid("office id %q", m.OfficeID)
	case !digits12.MatchString(m.ARS):
		return nil, invalid("ARS %q of the office is not 12 digits", m.ARS)
	case m.SubmittedAt.IsZero():
		return nil, invalid("no time of submission")
	case lang != "" && !langRe.MatchString(lang):
		return nil, invalid("language %q", m.Lang)
	}
	at := m.SubmittedAt.UTC().Format("2006-01-02T15:04:05Z")

	// Only a valid application becomes a file: an answer the form refuses
	// (also an optional one) is an error, not silently left out.
	normalised, problems := def.Validate(answers.Clone(), m.SubmittedAt)
	if len(problems) > 0 {
		p := problems[0]
		return nil, invalid("chapter %s: answer %s: %s", p.Chapter, p.Path, p.Key)
	}
	v := &values{def: def, n: normalised}

	a := Antrag{
		Antragsnummer:    m.ID,
		Referenz:         application.Reference(m.ID),
		Leistung:         Leistung{LeiKa: leikaPrefix + leika, Formular: def.Service, Formularversion: def.Version},
		Antragszeitpunkt: at,
		Sprache:          lang,
		BundIDPostkorb:   strings.TrimSpace(m.PostkorbHandle),
	}
	var err error
	if a.Angaben, err = v.angaben(); err != nil {
		return nil, err
	}
	if mapper := typed[def.LeiKa]; mapper != nil {
		mapper(v, &a)
		if v.err != nil {
			return nil, v.err
		}
	}
	if a.Anlagen, err = anlagen(def, m.Uploads); err != nil {
		return nil, err
	}
	return &Nachricht{
		Kopf: Kopf{
			NachrichtenID:        uuid.NewSHA1(uuid.NameSpaceURL, []byte(nachrichtenIDSpace+m.ID)).String(),
			Erstellungszeitpunkt: at,
			Autor:                Stelle{Behoerdenkennung: Behoerdenkennung{portalVerzeichnis, portalKennung}, Name: portalName},
			Leser: Stelle{Behoerdenkennung: Behoerdenkennung{stellenVerzeichnis, strings.TrimSpace(m.OfficeID)},
				Name: strings.TrimSpace(m.OfficeName), ARS: m.ARS},
		},
		Antrag: a,
	}, nil
}

// values reads the normalised answers; the typed parts use it and keep the
// first problem in err.
type values struct {
	def *form.Definition
	n   form.Answers
	err error
}

func (v *values) fail(err error) {
	if v.err == nil {
		v.err = err
	}
}

// field is the definition's field of an instance path ("einkommen.1.art"
// is the field "einkommen.art").
func (v *values) field(path string) *form.Field {
	parts := strings.Split(path, ".")
	out := parts[:0]
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	f, _ := v.def.FieldByPath(strings.Join(out, "."))
	return f
}

// repeatGroup is the repeatable group a field lies in, "" if none (as the
// form engine decides it).
func (v *values) repeatGroup(path string) string {
	for p := path; strings.Contains(p, "."); {
		p = p[:strings.LastIndex(p, ".")]
		if f, ok := v.def.FieldByPath(p); ok && f.Kind == "group" && f.Max != nil && *f.Max > 1 {
			return p
		}
	}
	return ""
}

// entries is the number of entries of a repeatable group, never above its
// maximum.
func (v *values) entries(group string) int {
	n := v.n.Count(group)
	if f, ok := v.def.FieldByPath(group); ok && f.Max != nil && float64(n) > *f.Max {
		n = int(*f.Max)
	}
	return n
}

// angaben is the generic part: every chapter with answers, its answers in
// the order of its items; the entries of a repeatable group one after the
// other, each with its fields in item order.
func (v *values) angaben() (Angaben, error) {
	var out Angaben
	for _, c := range v.def.Chapters {
		k := Kapitel{ID: c.ID, Titel: c.Title["de"]}
		emit := func(it *form.Item, path string, entry int) error {
			f := v.field(path)
			raw := v.n[path]
			if f == nil || raw == "" {
				return nil
			}
			w, err := v.wert(f, path, raw)
			if err != nil {
				return err
			}
			if f.FIM != "" && !fimRe.MatchString(f.FIM) {
				return invalid("%s: FIM id %q", path, f.FIM)
			}
			k.Felder = append(k.Felder, Feld{Pfad: path, FIM: f.FIM, Eintrag: entry, Bezeichnung: it.Label["de"], Wert: w})
			return nil
		}
		groups := map[string]bool{}
		for _, it := range c.Items {
			f, ok := v.def.FieldByPath(it.Field)
			if !ok || f.Kind == "group" || f.Kind == "file" {
				continue
			}
			g := v.repeatGroup(it.Field)
			if g == "" {
				if err := emit(it, it.Field, 0); err != nil {
					return out, err
				}
				continue
			}
			if groups[g] {
				continue
			}
			groups[g] = true
			for i := 0; i < v.entries(g); i++ {
				for _, it2 := range c.Items {
					if f2, ok := v.def.FieldByPath(it2.Field); !ok || f2.Kind == "group" || v.repeatGroup(it2.Field) != g {
						continue
					}
					path := g + "." + strconv.Itoa(i) + strings.TrimPrefix(it2.Field, g)
					if err := emit(it2, path, i+1); err != nil {
						return out, err
					}
				}
			}
		}
		if len(k.Felder) > 0 {
			out.Kapitel = append(out.Kapitel, k)
		}
	}
	return out, nil
}

// wert types a normalised answer by its field's kind. The form engine has
// checked it; the checks here keep a file from ever holding what the schema
// refuses.
func (v *values) wert(f *form.Field, path, raw string) (Wert, error) {
	var w Wert
	s := func(x string) *string { return &x }
	bad := func() (Wert, error) { return Wert{}, invalid("%s: %q is no valid %s", path, raw, f.Kind) }
	switch f.Kind {
	case "number":
		if !decimalRe.MatchString(raw) {
			return bad()
		}
		w.Zahl = s(raw)
	case "money":
		b, ok := betrag(raw)
		if !ok {
			return bad()
		}
		w.Betrag = &b
	case "date":
		d, partial, ok := datum(raw)
		if !ok {
			return bad()
		}
		if partial {
			w.DatumTeilbekannt = s(d)
		} else {
			w.Datum = s(d)
		}
	case "yesno":
		b, ok := jaNein(raw)
		if !ok {
			return bad()
		}
		w.Wahrheitswert = &b
	case "choice", "codelist", "multichoice":
		codes, err := v.choose(f, path, raw)
		if err != nil {
			return Wert{}, err
		}
		w.Auswahl = codes
	case "iban":
		iban := strings.ReplaceAll(raw, " ", "")
		if !ibanRe.MatchString(iban) {
			return bad()
		}
		w.IBAN = s(iban)
	case "phone":
		if !phoneRe.MatchString(raw) {
			return bad()
		}
		w.Telefon = s(raw)
	case "email":
		if !emailRe.MatchString(raw) || len(raw) > 254 {
			return bad()
		}
		w.Email = s(raw)
	case "postcode":
		if !postcodeRe.MatchString(raw) {
			return bad()
		}
		w.Postleitzahl = s(raw)
	default: // text, longtext and any kind added later
		w.Text = s(raw)
	}
	return w, nil
}

// listRef is the URN and version of a form's code list. Our forms' lists
// are our own; when a form adopts an official list (the Destatis
// nationality key, say), its URN and version go here.
func listRef(def *form.Definition, list string) (uri, version string, ok bool) {
	if !listNameRe.MatchString(list) {
		return "", "", false
	}
	return codeListPrefix + def.Service + ":" + list, strconv.Itoa(def.Version), true
}

// codes are the chosen values of a choice (one) or multiple choice (any
// number, in the order of the code list) with their German labels.
func (v *values) choose(f *form.Field, path, raw string) ([]Code, error) {
	uri, version, ok := listRef(v.def, f.CodeList)
	if !ok {
		return nil, invalid("%s: code list name %q", path, f.CodeList)
	}
	chosen := map[string]bool{}
	for _, c := range strings.Split(raw, "\n") {
		chosen[c] = true
	}
	var out []Code
	for _, c := range v.def.CodeLists[f.CodeList] {
		if chosen[c.Value] {
			out = append(out, Code{ListURI: uri, ListVersionID: version, Code: c.Value, Name: c.Label["de"]})
			delete(chosen, c.Value)
		}
	}
	if len(chosen) > 0 || len(out) == 0 || (f.Kind != "multichoice" && len(out) != 1) {
		return nil, invalid("%s: %q is not in the code list %s", path, raw, f.CodeList)
	}
	for _, c := range out {
		if strings.TrimSpace(c.Code) == "" || len(c.Code) > 100 {
			return nil, invalid("%s: code %q", path, c.Code)
		}
	}
	return out, nil
}

// betrag turns integer cents ("-12050") into euros with two decimals
// ("-120.50").
func betrag(cents string) (Betrag, bool) {
	if !centsRe.MatchString(cents) {
		return Betrag{}, false
	}
	sign, d := "", cents
	if strings.HasPrefix(d, "-") {
		sign, d = "-", d[1:]
	}
	d = strings.TrimLeft(d, "0")
	for len(d) < 3 {
		d = "0" + d
	}
	if sign != "" && strings.Trim(d, "0") == "" {
		sign = "" // -0 cents
	}
	return Betrag{Waehrung: "EUR", Wert: sign + d[:len(d)-2] + "." + d[len(d)-2:]}, true
}

// datum turns the engine's "YYYY-MM-DD" (with 00 for an unknown day or
// month) into an xs:date, or for a partial date an xs:gYearMonth or xs:gYear.
func datum(s string) (out string, partial, ok bool) {
	if !dateRe.MatchString(s) {
		return "", false, false
	}
	y, m, d := s[:4], s[5:7], s[8:]
	switch {
	case m == "00" && d == "00":
		return y, true, true
	case d == "00":
		if mm, _ := strconv.Atoi(m); mm < 1 || mm > 12 {
			return "", false, false
		}
		return y + "-" + m, true, true
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "", false, false
	}
	return s, false, true
}

func jaNein(s string) (bool, bool) {
	switch s {
	case "ja":
		return true, true
	case "nein":
		return false, true
	}
	return false, false
}

// anlagen lists the uploads, in the order of their fields in the form.
func anlagen(def *form.Definition, ups []Upload) (*Anlagen, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	order, labels := map[string]int{}, map[string]string{}
	for _, c := range def.Chapters {
		for _, it := range c.Items {
			if it.Field != "" {
				order[it.Field] = len(order)
				labels[it.Field] = it.Label["de"]
			}
		}
	}
	list := make([]Upload, len(ups))
	copy(list, ups)
	sort.SliceStable(list, func(i, j int) bool {
		oi, ki := order[list[i].Slot]
		oj, kj := order[list[j].Slot]
		if ki != kj {
			return ki // known fields first
		}
		return oi < oj
	})
	out := &Anlagen{}
	for _, u := range list {
		a := Anlage{ID: u.ID, Feld: u.Slot, Bezeichnung: labels[u.Slot], Dateiname: strings.TrimSpace(u.Name),
			Medientyp: strings.ToLower(u.MediaType), Groesse: u.Size, SHA256: strings.ToLower(u.SHA256)}
		switch {
		case !kennungRe.MatchString(a.ID):
			return nil, invalid("upload id %q", u.ID)
		case !kennungRe.MatchString(a.Feld):
			return nil, invalid("upload %s: field %q", u.ID, u.Slot)
		case !mediaRe.MatchString(a.Medientyp):
			return nil, invalid("upload %s: media type %q", u.ID, u.MediaType)
		case !sha256Re.MatchString(a.SHA256):
			return nil, invalid("upload %s: SHA-256 %q", u.ID, u.SHA256)
		case a.Groesse < 0:
			return nil, invalid("upload %s: size %d", u.ID, u.Size)
		}
		out.Anlage = append(out.Anlage, a)
	}
	return out, nil
}

// The readers below serve the typed parts: each reads a normalised answer
// through wert (so it passes the same checks as the generic part) and
// records a missing required answer or a field of another kind in err.

func (v *values) get(path string, required bool) (Wert, *form.Field) {
	f := v.field(path)
	raw := v.n[path]
	if f == nil || raw == "" {
		if required {
			v.fail(invalid("%s has no answer", path))
		}
		return Wert{}, f
	}
	w, err := v.wert(f, path, raw)
	if err != nil {
		v.fail(err)
	}
	return w, f
}

func (v *values) wrongKind(path string, f *form.Field, want string) {
	v.fail(invalid("%s is a %s field, the mapping reads it as %s", path, f.Kind, want))
}

// str is a text-like answer ("" if none): text, postcode, phone, email,
// IBAN (without spaces) or number.
func (v *values) str(path string, required bool) string {
	w, f := v.get(path, required)
	for _, p := range []*string{w.Text, w.Postleitzahl, w.Telefon, w.Email, w.IBAN, w.Zahl} {
		if p != nil {
			return *p
		}
	}
	if f != nil && v.n[path] != "" {
		v.wrongKind(path, f, "text")
	}
	return ""
}

func (v *values) need(path string) string { return v.str(path, true) }
func (v *values) opt(path string) string  { return v.str(path, false) }

// date is a full or partial date.
func (v *values) date(path string) string {
	w, f := v.get(path, true)
	switch {
	case w.Datum != nil:
		return *w.Datum
	case w.DatumTeilbekannt != nil:
		return *w.DatumTeilbekannt
	case f != nil && v.n[path] != "":
		v.wrongKind(path, f, "date")
	}
	return ""
}

// code is the value of a required choice.
func (v *values) code(path string) Code {
	w, f := v.get(path, true)
	if len(w.Auswahl) == 1 {
		return w.Auswahl[0]
	}
	if f != nil && v.n[path] != "" {
		v.wrongKind(path, f, "choice")
	}
	return Code{}
}

// optCode is the value of a choice that may be unanswered (hidden or
// optional).
func (v *values) optCode(path string) *Code {
	if v.n[path] == "" {
		return nil
	}
	c := v.code(path)
	return &c
}

// optDate is a full or partial date that may be unanswered.
func (v *values) optDate(path string) string {
	if v.n[path] == "" {
		return ""
	}
	return v.date(path)
}

// amount is a required amount.
func (v *values) amount(path string) Betrag {
	if b := v.money(path, true); b != nil {
		return *b
	}
	return Betrag{}
}

// confirmed reports whether a declaration (a multiple choice of one
// option, "bestaetigt") is ticked.
func (v *values) confirmed(path string) bool {
	for _, c := range v.codes(path) {
		if c.Code == "bestaetigt" {
			return true
		}
	}
	return false
}

// codes are the values of a multiple choice, none if not answered.
func (v *values) codes(path string) []Code {
	w, _ := v.get(path, false)
	return w.Auswahl
}

// money is an amount; nil if not answered and not required.
func (v *values) money(path string, required bool) *Betrag {
	w, f := v.get(path, required)
	if w.Betrag == nil && f != nil && v.n[path] != "" {
		v.wrongKind(path, f, "money")
	}
	return w.Betrag
}

// flag is a required yes/no.
func (v *values) flag(path string) bool {
	b := v.optFlag(path)
	if b == nil {
		v.fail(invalid("%s has no yes/no answer", path))
		return false
	}
	return *b
}

func (v *values) optFlag(path string) *bool {
	w, f := v.get(path, false)
	if w.Wahrheitswert == nil && f != nil && v.n[path] != "" {
		v.wrongKind(path, f, "yes/no")
	}
	return w.Wahrheitswert
}

// each calls fn for every entry of a repeatable group with a function that
// makes the instance path of one of its fields.
func (v *values) each(group string, fn func(at func(field string) string)) {
	for i := 0; i < v.entries(group); i++ {
		prefix := group + "." + strconv.Itoa(i) + "."
		fn(func(field string) string { return prefix + field })
	}
}
