// Package content holds the editorial pages (Markdown with front matter, one
// file per page and language) and renders them to HTML once at start.
package content

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

//go:embed pages
var pagesFS embed.FS

// Page is a rendered content page.
type Page struct {
	Slug        string
	Lang        string // the language the text is in
	Title       string
	Description string
	HTML        template.HTML
}

// Library holds all pages by language and slug.
type Library struct {
	pages map[string]map[string]*Page // lang -> slug -> page
}

// Load parses and renders every embedded page.
func Load() (*Library, error) { return LoadFS(pagesFS, "pages") }

// LoadFS reads pages from root/<lang>/<slug>.md in fsys.
func LoadFS(fsys fs.FS, root string) (*Library, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// Raw HTML in Markdown stays escaped: content is text, never markup.
	)
	lib := &Library{pages: map[string]map[string]*Page{}}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".md" {
			return err
		}
		rel := strings.TrimPrefix(p, root+"/")
		if !strings.Contains(rel, "/") {
			return nil // notes for editors next to the language folders
		}
		lang, file, ok := strings.Cut(rel, "/")
		if !ok || strings.Contains(file, "/") {
			return fmt.Errorf("content: %s: want <lang>/<slug>.md", p)
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		pg, err := parse(md, src)
		if err != nil {
			return fmt.Errorf("content: %s: %w", p, err)
		}
		pg.Slug, pg.Lang = strings.TrimSuffix(file, ".md"), lang
		if lib.pages[lang] == nil {
			lib.pages[lang] = map[string]*Page{}
		}
		lib.pages[lang][pg.Slug] = pg
		return nil
	})
	return lib, err
}

func parse(md goldmark.Markdown, src []byte) (*Page, error) {
	fm, body, err := frontMatter(src)
	if err != nil {
		return nil, err
	}
	pg := &Page{Title: fm["title"], Description: fm["description"]}
	if pg.Title == "" {
		return nil, fmt.Errorf("front matter has no title")
	}
	var buf bytes.Buffer
	if err := md.Convert(body, &buf); err != nil {
		return nil, err
	}
	pg.HTML = template.HTML(wrapTables(buf.String(), pg.Title))
	return pg, nil
}

var headingID = regexp.MustCompile(`<h[2-6] id="([^"]+)"`)

// wrapTables puts every table in a region that scrolls sideways on narrow
// screens. A scrolling region must be reachable by keyboard (WCAG 2.1.1) and
// named, so it gets tabindex=0 and the name of the heading above it.
func wrapTables(h, title string) string {
	var b strings.Builder
	for {
		i := strings.Index(h, "<table>")
		if i < 0 {
			b.WriteString(h)
			return b.String()
		}
		label := `aria-label="` + template.HTMLEscapeString(title) + `"`
		if m := headingID.FindAllStringSubmatch(h[:i], -1); len(m) > 0 {
			label = `aria-labelledby="` + m[len(m)-1][1] + `"`
		} else if b.Len() > 0 {
			if m := headingID.FindAllStringSubmatch(b.String(), -1); len(m) > 0 {
				label = `aria-labelledby="` + m[len(m)-1][1] + `"`
			}
		}
		end := strings.Index(h[i:], "</table>")
		if end < 0 {
			b.WriteString(h)
			return b.String()
		}
		end += i + len("</table>")
		b.WriteString(h[:i])
		b.WriteString(`<div class="table-wrap" role="region" tabindex="0" ` + label + `>`)
		b.WriteString(h[i:end])
		b.WriteString(`</div>`)
		h = h[end:]
	}
}

// Find returns the page in lang, or the German page with fellBack set.
func (l *Library) Find(lang, slug string) (pg *Page, fellBack bool, ok bool) {
	if p, ok := l.pages[lang][slug]; ok {
		return p, false, true
	}
	if p, ok := l.pages["de"][slug]; ok {
		return p, lang != "de", true
	}
	return nil, false, false
}

// Slugs lists the German pages' slugs.
func (l *Library) Slugs() []string {
	var s []string
	for slug := range l.pages["de"] {
		s = append(s, slug)
	}
	return s
}

// All lists every page in every language.
func (l *Library) All() []*Page {
	var out []*Page
	for _, byLang := range l.pages {
		for _, p := range byLang {
			out = append(out, p)
		}
	}
	return out
}
