package content

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

//go:embed leistungen
var servicesFS embed.FS

// SectionKeys are the sections of a service page in the order shown,
// modelled on a FIM Leistungsbeschreibung (content/leistungen/README.md).
var SectionKeys = []string{"kurzbeschreibung", "berechtigte", "voraussetzungen", "unterlagen", "fristen", "kosten", "rechtsgrundlage", "verfahren", "hinweise"}

// Kinds of service.
const (
	KindApplication = "application" // applied for on the platform
	KindCounselling = "counselling" // counselling, found in the counselling finder
	KindExternal    = "external"    // applied for at an external online service
)

// LeiKa is one entry of the Leistungskatalog.
type LeiKa struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Name string `json:"name"`
	Note string `json:"note,omitempty"`
	// Unternehmenskonto: may also be applied for with Mein Unternehmenskonto
	// (ELSTER organisation certificate, trust level substantiell).
	Unternehmenskonto bool `json:"unternehmenskonto,omitempty"`
}

// Service is one entry of the catalogue (content/leistungen/katalog.json).
type Service struct {
	Nr          int     `json:"nr,omitempty"`
	OZGID       string  `json:"ozgId,omitempty"`
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Area        string  `json:"area"`
	Law         string  `json:"law"`
	Office      string  `json:"office"`
	LeiKa       []LeiKa `json:"leika"`
	Provider    string  `json:"provider,omitempty"`
	ExternalURL string  `json:"externalUrl,omitempty"`
	// MinLevel is the trust level a signed-in person needs at least:
	// niedrig, substantiell or hoch ("" means niedrig).
	MinLevel string `json:"minLevel,omitempty"`

	pages map[string]*ServiceText // by language
}

// LeiKaIDs lists the service's LeiKa ids, the main one first.
func (s *Service) LeiKaIDs() []string {
	ids := make([]string, len(s.LeiKa))
	for i, l := range s.LeiKa {
		ids[i] = l.ID
	}
	return ids
}

// ServiceText is a service's text in one language.
type ServiceText struct {
	Lang     string
	Title    string
	Summary  string
	Keywords []string
	Sections map[string]template.HTML
	// Plain is the text without markup, for the site search.
	Plain map[string]string
}

// Section is one section as shown: in the reader's language or, where the
// translation lacks it, in German (Lang says which).
type Section struct {
	Key  string
	Lang string
	HTML template.HTML
}

// ServiceView is a service's page in one language, with German filling the
// gaps.
type ServiceView struct {
	*Service
	Lang     string // the language the title and summary are in
	Title    string
	Summary  string
	Sections []Section
	// FellBack: some part is shown in German.
	FellBack bool
}

// Catalogue holds all services.
type Catalogue struct {
	Services []*Service
	bySlug   map[string]*Service
	byOZG    map[string]*Service
}

// LoadCatalogue reads the embedded catalogue and service texts.
func LoadCatalogue() (*Catalogue, error) { return LoadCatalogueFS(servicesFS, "leistungen") }

// LoadCatalogueFS reads root/katalog.json and root/<lang>/<slug>.md.
func LoadCatalogueFS(fsys fs.FS, root string) (*Catalogue, error) {
	b, err := fs.ReadFile(fsys, path.Join(root, "katalog.json"))
	if err != nil {
		return nil, err
	}
	var raw struct {
		Services []*Service `json:"services"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("content: katalog.json: %w", err)
	}
	c := &Catalogue{Services: raw.Services, bySlug: map[string]*Service{}, byOZG: map[string]*Service{}}
	for _, s := range c.Services {
		switch {
		case s.Slug == "" || s.Name == "":
			return nil, fmt.Errorf("content: katalog.json: a service lacks slug or name")
		case s.Kind != KindApplication && s.Kind != KindCounselling && s.Kind != KindExternal:
			return nil, fmt.Errorf("content: katalog.json: %s: unknown kind %q", s.Slug, s.Kind)
		case s.Kind == KindExternal && !strings.HasPrefix(s.ExternalURL, "https://"):
			return nil, fmt.Errorf("content: katalog.json: %s: external service needs an https externalUrl", s.Slug)
		case c.bySlug[s.Slug] != nil:
			return nil, fmt.Errorf("content: katalog.json: slug %s twice", s.Slug)
		}
		switch s.MinLevel {
		case "", "niedrig", "substantiell", "hoch":
		default:
			return nil, fmt.Errorf("content: katalog.json: %s: unknown minLevel %q", s.Slug, s.MinLevel)
		}
		for _, l := range s.LeiKa {
			if len(l.ID) != 14 {
				return nil, fmt.Errorf("content: katalog.json: %s: LeiKa id %q is not 14 digits", s.Slug, l.ID)
			}
		}
		s.pages = map[string]*ServiceText{}
		c.bySlug[s.Slug] = s
		if s.OZGID != "" {
			c.byOZG[s.OZGID] = s
		}
	}
	md := newMarkdown()
	err = fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".md" {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		lang, file, ok := strings.Cut(rel, "/")
		if !ok {
			return nil // README for editors
		}
		slug := strings.TrimSuffix(file, ".md")
		s := c.bySlug[slug]
		if s == nil {
			return fmt.Errorf("content: %s: no service %q in katalog.json", p, slug)
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		t, err := parseService(md, src)
		if err != nil {
			return fmt.Errorf("content: %s: %w", p, err)
		}
		t.Lang = lang
		s.pages[lang] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, s := range c.Services {
		de := s.pages["de"]
		if de == nil {
			return nil, fmt.Errorf("content: service %s has no German text", s.Slug)
		}
		for _, k := range SectionKeys {
			if de.Sections[k] == "" {
				return nil, fmt.Errorf("content: service %s: German text lacks section %s", s.Slug, k)
			}
		}
	}
	return c, nil
}

func parseService(md goldmark.Markdown, src []byte) (*ServiceText, error) {
	fm, body, err := frontMatter(src)
	if err != nil {
		return nil, err
	}
	t := &ServiceText{Title: fm["title"], Summary: fm["summary"], Sections: map[string]template.HTML{}, Plain: map[string]string{}}
	if t.Title == "" || t.Summary == "" {
		return nil, fmt.Errorf("front matter needs title and summary")
	}
	for _, k := range strings.Split(fm["keywords"], ",") {
		if k = strings.TrimSpace(k); k != "" {
			t.Keywords = append(t.Keywords, k)
		}
	}
	valid := map[string]bool{}
	for _, k := range SectionKeys {
		valid[k] = true
	}
	var key string
	var buf []string
	flush := func() error {
		if key == "" {
			if strings.TrimSpace(strings.Join(buf, "")) != "" {
				return fmt.Errorf("text before the first section")
			}
			return nil
		}
		text := strings.TrimSpace(strings.Join(buf, "\n"))
		if text == "" {
			return fmt.Errorf("section %s is empty", key)
		}
		var out bytes.Buffer
		if err := md.Convert([]byte(text), &out); err != nil {
			return err
		}
		t.Sections[key] = template.HTML(out.String())
		t.Plain[key] = plainText(text)
		return nil
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "## ") {
			k := strings.TrimSpace(strings.TrimPrefix(line, "## "))
			if valid[k] {
				if err := flush(); err != nil {
					return nil, err
				}
				if _, dup := t.Sections[k]; dup {
					return nil, fmt.Errorf("section %s twice", k)
				}
				key, buf = k, nil
				continue
			}
		}
		buf = append(buf, line)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(t.Sections) == 0 {
		return nil, fmt.Errorf("no sections (lines like \"## kurzbeschreibung\")")
	}
	return t, nil
}

// frontMatter splits "---\nkey: value\n---\nbody", skipping leading HTML
// comments (notes for editors).
func frontMatter(src []byte) (map[string]string, []byte, error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	for bytes.HasPrefix(bytes.TrimSpace(src), []byte("<!--")) {
		s := bytes.TrimSpace(src)
		end := bytes.Index(s, []byte("-->"))
		if end < 0 {
			return nil, nil, fmt.Errorf("unclosed comment")
		}
		src = s[end+3:]
	}
	src = bytes.ReplaceAll(bytes.TrimLeft(src, "\r\n\t "), []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(src, []byte("---")) {
		return nil, nil, fmt.Errorf("missing front matter")
	}
	rest := src[3:]
	end := bytes.Index(rest, []byte("\n---"))
	if end < 0 {
		return nil, nil, fmt.Errorf("unclosed front matter")
	}
	fm := map[string]string{}
	for _, line := range strings.Split(string(rest[:end]), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		fm[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	body := rest[end+4:]
	if i := bytes.IndexByte(body, '\n'); i >= 0 {
		body = body[i+1:]
	} else {
		body = nil
	}
	return fm, body, nil
}

// plainText strips the Markdown markers the search should not see.
func plainText(md string) string {
	r := strings.NewReplacer("**", "", "__", "", "*", "", "`", "", "#", "", "[", "", "]", "", "|", " ")
	return r.Replace(md)
}

// BySlug finds a service.
func (c *Catalogue) BySlug(slug string) (*Service, bool) { s, ok := c.bySlug[slug]; return s, ok }

// ByOZG finds a service by its OZG id.
func (c *Catalogue) ByOZG(id string) (*Service, bool) { s, ok := c.byOZG[id]; return s, ok }

// Text returns the service's text in lang, if there is one.
func (s *Service) Text(lang string) (*ServiceText, bool) { t, ok := s.pages[lang]; return t, ok }

// View assembles the page in lang, filling gaps section by section from
// German.
func (s *Service) View(lang string) ServiceView {
	de := s.pages["de"]
	v := ServiceView{Service: s, Lang: "de", Title: de.Title, Summary: de.Summary}
	t := s.pages[lang]
	if t != nil {
		v.Lang, v.Title, v.Summary = lang, t.Title, t.Summary
	} else if lang != "de" {
		v.FellBack = true
	}
	for _, k := range SectionKeys {
		if t != nil && t.Sections[k] != "" {
			v.Sections = append(v.Sections, Section{Key: k, Lang: lang, HTML: t.Sections[k]})
			continue
		}
		if de.Sections[k] != "" {
			v.Sections = append(v.Sections, Section{Key: k, Lang: "de", HTML: de.Sections[k]})
			if lang != "de" {
				v.FellBack = true
			}
		}
	}
	return v
}

// Languages lists the languages the service has a text in.
func (s *Service) Languages() []string {
	var ls []string
	for l := range s.pages {
		ls = append(ls, l)
	}
	sort.Strings(ls)
	return ls
}

// ByLeiKa finds the service a LeiKa id belongs to.
func (c *Catalogue) ByLeiKa(id string) (*Service, bool) {
	for _, s := range c.Services {
		for _, l := range s.LeiKa {
			if l.ID == id {
				return s, true
			}
		}
	}
	return nil, false
}

// newMarkdown renders service texts; raw HTML stays escaped.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough))
}

//go:embed antraege
var formsFS embed.FS

// FormTexts returns the translations of the application definitions
// (content/antraege/texte/<definition>.<lang>.yaml) by file name.
func FormTexts() (map[string][]byte, error) { return yamlFiles("antraege/texte") }

// FormFiles returns the application definitions (content/antraege/*.yaml)
// by file name; the form engine loads them.
func FormFiles() (map[string][]byte, error) { return yamlFiles("antraege") }

// yamlFiles reads the .yaml files of one embedded folder by file name.
func yamlFiles(dir string) (map[string][]byte, error) {
	entries, err := fs.ReadDir(formsFS, dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".yaml" {
			continue
		}
		b, err := fs.ReadFile(formsFS, dir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		out[e.Name()] = b
	}
	return out, nil
}

// ListItem is a service in a list, in the reader's language where there is
// a text in it, with the address of its page.
type ListItem struct {
	*Service
	Title, Summary, Lang, Href string
}

// List is the catalogue's services that keep accepts (all if nil) in
// catalogue order, for lang.
func (c *Catalogue) List(lang string, keep func(*Service) bool) []ListItem {
	var out []ListItem
	for _, svc := range c.Services {
		if keep != nil && !keep(svc) {
			continue
		}
		v := svc.View(lang)
		out = append(out, ListItem{Service: svc, Title: v.Title, Summary: v.Summary, Lang: v.Lang, Href: "/" + lang + "/leistungen/" + svc.Slug})
	}
	return out
}
