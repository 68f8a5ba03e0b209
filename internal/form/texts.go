package form

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Languages are the languages every form text must exist in: German (the
// definition's own), English, Leichte Sprache and the five languages of the
// platform's readers. Translations other than German may live in the
// definition or in a text file per language beside it (AddTexts), so that a
// translator works on one file without touching the form.
var Languages = []string{"de", "en", "ls", "pl", "uk", "ru", "tr", "ar"}

// A TextKey names one translatable text of a definition. Keys are stable
// as long as the element they name keeps its id:
//
//	text.<id>                 a shared text (yes, no)
//	code.<list>.<value>       an option of a code list
//	chapter.<id>.title        a chapter's title
//	chapter.<id>.help         a chapter's help ("Formular-Hilfe")
//	label.<field>, hint.<field>
//	info.<chapter>.<id>       an info block
//	rule.<id>                 a rule's message
type TextKey struct {
	Key  string
	Text Text
}

// TextKeys lists every translatable text in the order of the definition.
func (d *Definition) TextKeys() []TextKey {
	var out []TextKey
	add := func(key string, t Text) {
		if t != nil && t["de"] != "" {
			out = append(out, TextKey{key, t})
		}
	}
	ids := make([]string, 0, len(d.Texts))
	for id := range d.Texts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		add("text."+id, d.Texts[id])
	}
	lists := make([]string, 0, len(d.CodeLists))
	for l := range d.CodeLists {
		lists = append(lists, l)
	}
	sort.Strings(lists)
	for _, l := range lists {
		for _, c := range d.CodeLists[l] {
			add("code."+l+"."+c.Value, c.Label)
		}
	}
	for _, c := range d.Chapters {
		add("chapter."+c.ID+".title", c.Title)
		add("chapter."+c.ID+".help", c.Help)
		for _, it := range c.Items {
			if it.Field == "" {
				add("info."+c.ID+"."+it.ID, it.Info)
				continue
			}
			add("label."+it.Field, it.Label)
			add("hint."+it.Field, it.Hint)
		}
	}
	for _, r := range d.Rules {
		add("rule."+r.ID, r.Message)
	}
	return out
}

// MaxTextsBytes bounds a text file.
const MaxTextsBytes = 2 << 20

// AddTexts reads a text file of one language: a YAML mapping from text key
// to text. A key that names nothing, a text the definition already has in
// that language, or German are errors with their line: a translation that
// no longer fits the form must not be shown silently. Empty values are
// allowed and count as missing (the file's skeleton, see tools/formtexts).
func (d *Definition) AddTexts(lang string, r io.Reader, name string) error {
	if lang == "de" || !knownLanguage(lang) {
		return fmt.Errorf("%s: %q is not a language a text file may add", name, lang)
	}
	src, err := io.ReadAll(io.LimitReader(r, MaxTextsBytes+1))
	if err != nil {
		return err
	}
	if len(src) > MaxTextsBytes {
		return fmt.Errorf("%s: larger than %d bytes", name, MaxTextsBytes)
	}
	if bytes.Contains(src, []byte("&")) && hasAlias(src) {
		return fmt.Errorf("%s: YAML anchors and aliases are not allowed", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: line %d: a mapping from text key to text", name, m.Line)
	}
	keys := map[string]Text{}
	for _, k := range d.TextKeys() {
		keys[k.Key] = k.Text
	}
	var errs Errors
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		t, ok := keys[k.Value]
		switch {
		case v.Kind != yaml.ScalarNode:
			errs = append(errs, &LineError{k.Line, fmt.Sprintf("%q: a text", k.Value)})
		case !ok:
			errs = append(errs, &LineError{k.Line, fmt.Sprintf("%q names no text of the form", k.Value)})
		case seen[k.Value]:
			errs = append(errs, &LineError{k.Line, fmt.Sprintf("%q given twice", k.Value)})
		case t[lang] != "" && v.Value != "":
			errs = append(errs, &LineError{k.Line, fmt.Sprintf("%q is already in the form in %s", k.Value, lang)})
		default:
			seen[k.Value] = true
			if s := strings.TrimSpace(v.Value); s != "" {
				t[lang] = s
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s:\n%w", name, errs)
	}
	return nil
}

// MissingTexts lists the keys of the texts that lang lacks.
func (d *Definition) MissingTexts(lang string) []string {
	var out []string
	for _, k := range d.TextKeys() {
		if k.Text[lang] == "" {
			out = append(out, k.Key)
		}
	}
	return out
}

func knownLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// AddTextFiles adds to d the text files named <stem>.<lang>.yaml among
// files (by file name), in a fixed order so that errors are reproducible.
func AddTextFiles(d *Definition, stem string, files map[string][]byte) error {
	for _, lang := range Languages {
		name := stem + "." + lang + ".yaml"
		if src, ok := files[name]; ok {
			if err := d.AddTexts(lang, bytes.NewReader(src), name); err != nil {
				return err
			}
		}
	}
	return nil
}
