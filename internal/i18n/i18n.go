// Package i18n holds the UI languages, their message catalogues (JSON files,
// one per language) and language negotiation.
//
// Every language falls back to German. A translator records when it fell back,
// so that a page can tell the reader that some text is shown in German.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// Lang is a UI language.
type Lang struct {
	Code     string       // URL prefix: de, en, pl, uk, ru, tr, ar, ls
	HTMLLang string       // value of the lang attribute
	Dir      string       // ltr or rtl
	Name     string       // the language's name in itself
	Tag      language.Tag // for plural rules
}

// Languages in the order the language switcher lists them.
var Languages = []Lang{
	{Code: "de", HTMLLang: "de", Dir: "ltr", Name: "Deutsch", Tag: language.German},
	{Code: "ls", HTMLLang: "de-x-ls", Dir: "ltr", Name: "Leichte Sprache", Tag: language.German},
	{Code: "en", HTMLLang: "en", Dir: "ltr", Name: "English", Tag: language.English},
	{Code: "pl", HTMLLang: "pl", Dir: "ltr", Name: "Polski", Tag: language.Polish},
	{Code: "uk", HTMLLang: "uk", Dir: "ltr", Name: "Українська", Tag: language.Ukrainian},
	{Code: "ru", HTMLLang: "ru", Dir: "ltr", Name: "Русский", Tag: language.Russian},
	{Code: "tr", HTMLLang: "tr", Dir: "ltr", Name: "Türkçe", Tag: language.Turkish},
	{Code: "ar", HTMLLang: "ar", Dir: "rtl", Name: "العربية", Tag: language.Arabic},
}

// Default is German, the fallback of every language.
const Default = "de"

var byCode = func() map[string]Lang {
	m := map[string]Lang{}
	for _, l := range Languages {
		m[l.Code] = l
	}
	return m
}()

// Lookup returns the language with that URL code.
func Lookup(code string) (Lang, bool) {
	l, ok := byCode[code]
	return l, ok
}

// message is a plain string or a set of CLDR plural forms.
type message struct {
	text  string
	forms map[string]string // zero, one, two, few, many, other
}

func (m *message) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &m.text)
	}
	return json.Unmarshal(b, &m.forms)
}

// Catalog holds the messages of all languages.
type Catalog struct {
	msgs map[string]map[string]message // lang -> key -> message
}

// messages/{lang}.json holds the core; an area with many texts of its own
// (booking, say) keeps them in messages/{area}/{lang}.json, so work on two
// areas never edits one file. A key defined twice is an error.
//
//go:embed messages/*.json messages/*/*.json
var files embed.FS

// Load reads the embedded catalogues.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]message{}}
	dirs, err := files.ReadDir("messages")
	if err != nil {
		return nil, err
	}
	for _, l := range Languages {
		m := map[string]message{}
		paths := []string{"messages/" + l.Code + ".json"}
		for _, d := range dirs {
			if d.IsDir() {
				paths = append(paths, "messages/"+d.Name()+"/"+l.Code+".json")
			}
		}
		for _, p := range paths {
			b, err := files.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("i18n: catalogue %s: %w", p, err)
			}
			part := map[string]message{}
			if err := json.Unmarshal(b, &part); err != nil {
				return nil, fmt.Errorf("i18n: catalogue %s: %w", p, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("i18n: catalogue %s: key %q defined twice", p, k)
				}
				m[k] = v
			}
		}
		c.msgs[l.Code] = m
	}
	return c, nil
}

// MustLoad is Load for program start and tests.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Keys lists the keys of a language's catalogue.
func (c *Catalog) Keys(code string) []string {
	var keys []string
	for k := range c.msgs[code] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PluralForms lists the forms a key defines in a language (nil for a plain string).
func (c *Catalog) PluralForms(code, key string) []string {
	m, ok := c.msgs[code][key]
	if !ok || m.forms == nil {
		return nil
	}
	var f []string
	for k := range m.forms {
		f = append(f, k)
	}
	sort.Strings(f)
	return f
}

// Translator translates for one language and remembers fallbacks.
type Translator struct {
	Lang     Lang
	c        *Catalog
	FellBack bool // some message was shown in German
	missing  []string
}

// For returns a translator for a language.
func (c *Catalog) For(l Lang) *Translator { return &Translator{Lang: l, c: c} }

func (t *Translator) lookup(key string) (message, bool) {
	if m, ok := t.c.msgs[t.Lang.Code][key]; ok {
		return m, true
	}
	if m, ok := t.c.msgs[Default][key]; ok {
		if t.Lang.Code != Default {
			t.FellBack = true
		}
		return m, true
	}
	t.missing = append(t.missing, key)
	return message{}, false
}

// Missing lists keys no catalogue had.
func (t *Translator) Missing() []string { return t.missing }

// T translates key; args are name/value pairs filling {name} placeholders.
func (t *Translator) T(key string, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return key
	}
	s := m.text
	if m.forms != nil {
		s = m.forms["other"]
	}
	return fill(s, args)
}

// N translates a plural message for count n; {n} is the number.
func (t *Translator) N(key string, n int, args ...any) string {
	m, ok := t.lookup(key)
	if !ok {
		return key
	}
	s := m.text
	if m.forms != nil {
		s = m.forms[pluralForm(t.Lang.Tag, n)]
		if s == "" {
			s = m.forms["other"]
		}
	}
	return fill(s, append([]any{"n", n}, args...))
}

func pluralForm(tag language.Tag, n int) string {
	if n < 0 {
		n = -n
	}
	// Integers only: v=0, w=0, f=0, t=0.
	switch plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

func fill(s string, args []any) string {
	if len(args) == 0 || !strings.Contains(s, "{") {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		name := fmt.Sprint(args[i])
		var v string
		switch x := args[i+1].(type) {
		case int:
			v = strconv.Itoa(x)
		default:
			v = fmt.Sprint(x)
		}
		pairs = append(pairs, "{"+name+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

var matcher = language.NewMatcher([]language.Tag{
	language.German, language.English, language.Polish, language.Ukrainian,
	language.Russian, language.Turkish, language.Arabic,
})

var matchCodes = []string{"de", "en", "pl", "uk", "ru", "tr", "ar"}

// Negotiate picks the language for a request without a language in its
// path: the remembered choice (cookie), then Accept-Language, then German.
func Negotiate(r *http.Request, cookieName string) Lang {
	if c, err := r.Cookie(cookieName); err == nil {
		if l, ok := Lookup(c.Value); ok {
			return l
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" && len(h) < 512 {
		tags, _, err := language.ParseAcceptLanguage(h)
		if err == nil && len(tags) > 0 {
			_, idx, conf := matcher.Match(tags...)
			if conf != language.No {
				return byCode[matchCodes[idx]]
			}
		}
	}
	return byCode[Default]
}
