package content

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestCatalogueHasTheFourteenOZGServices(t *testing.T) {
	c, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	ozg := map[string]string{"10084": "", "10606": "", "10090": "", "10088": "", "10083": "", "10726": "", "10086": "",
		"10628": "", "10082": "", "10728": "", "10623": "", "10622": "", "10087": "", "10224": ""}
	leika := 0
	for _, s := range c.Services {
		if s.OZGID != "" {
			if _, ok := ozg[s.OZGID]; !ok {
				t.Errorf("unexpected OZG id %s", s.OZGID)
			}
			delete(ozg, s.OZGID)
			leika += len(s.LeiKa)
		}
	}
	if len(ozg) != 0 {
		t.Errorf("missing OZG services: %v", ozg)
	}
	if leika != 95 {
		t.Errorf("%d LeiKa ids, the seed's Tabelle 1 lists 95", leika)
	}
	for _, slug := range []string{"kindergeld", "wohngeld", "kinderzuschlag", "elterngeld"} {
		s, ok := c.BySlug(slug)
		if !ok || s.Kind != KindExternal || !strings.HasPrefix(s.ExternalURL, "https://") {
			t.Errorf("external service %s missing or without entry point", slug)
		}
	}
	if s, ok := c.ByOZG("10086"); !ok || s.Slug != "hilfe-zum-lebensunterhalt" || s.LeiKa[0].ID != "99107012017000" {
		t.Errorf("HzL: %+v", s)
	}
}

// TestEveryServiceIsWrittenInEveryLanguage: German, English and Leichte
// Sprache in full; the other languages at least the short description,
// conditions and documents. No placeholder text ships.
func TestEveryServiceIsWrittenInEveryLanguage(t *testing.T) {
	c, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Services {
		for _, lang := range []string{"de", "en", "ls", "pl", "uk", "ru", "tr", "ar"} {
			text, ok := s.Text(lang)
			if !ok {
				t.Errorf("%s: no %s text", s.Slug, lang)
				continue
			}
			need := []string{"kurzbeschreibung", "voraussetzungen", "unterlagen"}
			if lang == "de" || lang == "en" || lang == "ls" {
				need = SectionKeys
			}
			for _, k := range need {
				if text.Sections[k] == "" {
					t.Errorf("%s/%s: section %s missing", lang, s.Slug, k)
				}
			}
			for k, p := range text.Plain {
				if strings.Contains(p, "STUB") {
					t.Errorf("%s/%s: section %s is a placeholder", lang, s.Slug, k)
				}
			}
		}
	}
}

func TestServiceViewFallsBackSectionBySection(t *testing.T) {
	fsys := fstest.MapFS{
		"l/katalog.json": {Data: []byte(`{"services": [{"slug": "x", "name": "X", "kind": "application", "leika": [{"id": "99107012017000"}]}]}`)},
		"l/de/x.md":      {Data: []byte("---\ntitle: X de\nsummary: S de\n---\n" + allSections("de"))},
		"l/pl/x.md":      {Data: []byte("---\ntitle: X pl\nsummary: S pl\n---\n## kurzbeschreibung\n\nkrótko\n")},
	}
	c, err := LoadCatalogueFS(fsys, "l")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := c.BySlug("x")
	v := s.View("pl")
	if v.Title != "X pl" || !v.FellBack || v.Sections[0].Lang != "pl" || v.Sections[1].Lang != "de" {
		t.Fatalf("%+v", v)
	}
	if v := s.View("tr"); v.Title != "X de" || !v.FellBack {
		t.Fatalf("%+v", v)
	}
	if v := s.View("de"); v.FellBack {
		t.Fatal("German falls back")
	}
}

func TestServiceFileErrors(t *testing.T) {
	for name, md := range map[string]string{
		"no front matter":  "## kurzbeschreibung\n\nx\n",
		"no summary":       "---\ntitle: X\n---\n## kurzbeschreibung\n\nx\n",
		"text before":      "---\ntitle: X\nsummary: S\n---\nloose\n## kurzbeschreibung\n\nx\n",
		"empty section":    "---\ntitle: X\nsummary: S\n---\n## kurzbeschreibung\n\n## kosten\n\nx\n",
		"section twice":    "---\ntitle: X\nsummary: S\n---\n## kosten\n\nx\n## kosten\n\ny\n",
		"no sections":      "---\ntitle: X\nsummary: S\n---\n",
		"unclosed comment": "<!-- x\n---\ntitle: X\n",
	} {
		fsys := fstest.MapFS{
			"l/katalog.json": {Data: []byte(`{"services": [{"slug": "x", "name": "X", "kind": "application", "leika": []}]}`)},
			"l/de/x.md":      {Data: []byte("---\ntitle: X\nsummary: S\n---\n" + allSections("de"))},
			"l/en/x.md":      {Data: []byte(md)},
		}
		if _, err := LoadCatalogueFS(fsys, "l"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func allSections(lang string) string {
	var b strings.Builder
	for _, k := range SectionKeys {
		b.WriteString("## " + k + "\n\n" + k + " " + lang + "\n\n")
	}
	return b.String()
}

func FuzzParseService(f *testing.F) {
	f.Add("---\ntitle: X\nsummary: S\nkeywords: a, b\n---\n## kurzbeschreibung\n\n**x**\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = parseService(newMarkdown(), []byte(src))
	})
}

func TestTrustLevelsOfServices(t *testing.T) {
	c, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	muk := map[string]bool{}
	for _, s := range c.Services {
		if s.Kind != KindExternal && s.MinLevel != "niedrig" {
			t.Errorf("%s: minLevel %q, the seed says every service works from niedrig", s.Slug, s.MinLevel)
		}
		for _, l := range s.LeiKa {
			if l.Unternehmenskonto {
				muk[l.ID] = true
			}
		}
	}
	if len(muk) != 2 || !muk["99007036017000"] || !muk["99007033017000"] {
		t.Errorf("Mein Unternehmenskonto services: %v", muk)
	}
}
