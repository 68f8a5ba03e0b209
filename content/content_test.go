package content

import (
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/yuin/goldmark"
)

func TestEmbeddedPagesLoad(t *testing.T) {
	lib, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"impressum", "datenschutz", "nutzungsbedingungen", "barrierefreiheit", "hilfe"} {
		pg, fellBack, ok := lib.Find("de", slug)
		if !ok || fellBack || pg.Title == "" || !strings.Contains(string(pg.HTML), "<h2") {
			t.Errorf("de/%s missing or empty", slug)
			continue
		}
		if strings.Contains(string(pg.HTML), "<h1") {
			t.Errorf("de/%s has its own h1; the page template shows the title", slug)
		}
	}
	if _, fellBack, ok := lib.Find("xx", "hilfe"); !ok || !fellBack {
		t.Error("a page missing in a language must fall back to German")
	}
}

func TestRawHTMLStaysText(t *testing.T) {
	fsys := fstest.MapFS{"p/de/x.md": {Data: []byte("---\ntitle: X\n---\n\n<script>alert(1)</script>\n\n## A\n\n| a | b |\n| - | - |\n| 1 | 2 |\n")}}
	lib, err := LoadFS(fsys, "p")
	if err != nil {
		t.Fatal(err)
	}
	pg, _, _ := lib.Find("de", "x")
	h := string(pg.HTML)
	if strings.Contains(h, "<script>") {
		t.Errorf("raw HTML rendered: %s", h)
	}
	if !strings.Contains(h, `<div class="table-wrap" role="region" tabindex="0" aria-labelledby="a"><table>`) {
		t.Errorf("table not in a named, focusable scroll region: %s", h)
	}
}

func TestBrokenFrontMatterIsAnError(t *testing.T) {
	for name, src := range map[string]string{
		"none":             "## Text\n",
		"unclosed":         "---\ntitle: X\n",
		"no title":         "---\ndescription: y\n---\n",
		"unclosed comment": "<!-- note\n---\ntitle: X\n---\n",
	} {
		if _, err := LoadFS(fstest.MapFS{"p/de/x.md": {Data: []byte(src)}}, "p"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParsePage: any file either fails with an error or gives a page with a
// title and valid UTF-8 HTML without script; nothing panics.
func FuzzParsePage(f *testing.F) {
	f.Add([]byte("---\ntitle: Hilfe\ndescription: d\n---\n\n## A\n\ntext\n"))
	f.Add([]byte("<!-- c -->\n---\ntitle: 'T'\n---\n| a |\n|---|\n| <b> |\n"))
	f.Add([]byte("\xef\xbb\xbf---\ntitle: x\n---"))
	f.Add([]byte("---\n---\n"))
	md := goldmark.New()
	f.Fuzz(func(t *testing.T, src []byte) {
		pg, err := parse(md, src)
		if err != nil {
			return
		}
		if pg.Title == "" {
			t.Fatal("page without title accepted")
		}
		if utf8.Valid(src) && !utf8.ValidString(string(pg.HTML)) {
			t.Fatal("invalid UTF-8 from valid input")
		}
		if strings.Contains(strings.ToLower(string(pg.HTML)), "<script") {
			t.Fatalf("script in output: %q", pg.HTML)
		}
	})
}
