// Command formtexts brings the translation files of an application form
// up to date with the form: for every language but German it writes
// content/antraege/texte/<form>.<lang>.yaml with every text key the form
// lacks in that language, in the order of the form, keeping what is
// already translated and adding new keys empty, each with the German and
// English text as a comment. Keys the form no longer has are an error
// (form.AddTexts), so nothing translated is dropped silently.
//
//	go run ./tools/formtexts content/antraege/hilfe-zum-lebensunterhalt.v1.yaml
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sozialplattform/sozialplattform/internal/form"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: formtexts <form>.yaml ...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, p := range flag.Args() {
		if err := update(p); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func update(formPath string) error {
	src, err := os.ReadFile(formPath)
	if err != nil {
		return err
	}
	// The form as written, to know which texts it has inline.
	inline, err := form.Load(bytes.NewReader(src), formPath)
	if err != nil {
		return err
	}
	stem := strings.TrimSuffix(filepath.Base(formPath), ".yaml")
	dir := filepath.Join(filepath.Dir(formPath), "texte")
	for _, lang := range form.Languages[1:] {
		name := filepath.Join(dir, stem+"."+lang+".yaml")
		d, err := form.Load(bytes.NewReader(src), formPath)
		if err != nil {
			return err
		}
		if b, err := os.ReadFile(name); err == nil {
			if b, err = dropEmptyStale(d, b); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := d.AddTexts(lang, bytes.NewReader(b), name); err != nil {
				return err
			}
		} else if !os.IsNotExist(err) {
			return err
		}
		have := map[string]bool{}
		for _, k := range inline.TextKeys() {
			have[k.Key] = k.Text[lang] != ""
		}
		doc := &yaml.Node{Kind: yaml.MappingNode}
		missing := 0
		for _, k := range d.TextKeys() {
			if have[k.Key] {
				continue
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Value: k.Key,
				HeadComment: "de: " + oneLine(k.Text["de"]) + "\nen: " + oneLine(k.Text["en"])}
			val := &yaml.Node{Kind: yaml.ScalarNode, Value: k.Text[lang], Style: yaml.DoubleQuotedStyle}
			if k.Text[lang] == "" {
				missing++
			}
			doc.Content = append(doc.Content, key, val)
		}
		var out bytes.Buffer
		fmt.Fprintf(&out, "# %s: texts in %q (see README.md); written by tools/formtexts.\n", stem, lang)
		if len(doc.Content) > 0 {
			enc := yaml.NewEncoder(&out)
			enc.SetIndent(2)
			if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
				return err
			}
		}
		if len(doc.Content) == 0 {
			os.Remove(name)
			continue
		}
		if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Printf("%s: %d texts, %d missing\n", name, len(doc.Content)/2, missing)
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// dropEmptyStale removes the keys the form no longer has whose text is
// still empty: nothing translated is lost with them. A stale key with a
// text stays, and form.AddTexts reports it.
func dropEmptyStale(d *form.Definition, src []byte) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil || len(root.Content) == 0 {
		return src, err
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return src, nil
	}
	known := map[string]bool{}
	for _, k := range d.TextKeys() {
		known[k.Key] = true
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !known[m.Content[i].Value] && strings.TrimSpace(m.Content[i+1].Value) == "" {
			continue
		}
		kept = append(kept, m.Content[i], m.Content[i+1])
	}
	m.Content = kept
	return yaml.Marshal(&root)
}
