package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// Pages are one area's page templates, each joined with the shared layout
// and partials.
type Pages struct {
	site  *Site
	pages map[string]*template.Template
}

// ServiceList is what the shared partial "service_list" shows: a list of
// services in the reader's language (see the template function items).
type ServiceList struct {
	Lang  string
	Items any
}

// loadBase parses the layout and the partials more than one area uses.
func loadBase(a *assets) (*template.Template, error) {
	funcs := template.FuncMap{
		"asset": a.URL,
		"seq": func(from, to int) []int {
			var s []int
			for i := from; i <= to; i++ {
				s = append(s, i)
			}
			return s
		},
		"date": i18n.ShownTime,
		// ltr keeps a date, time or number left to right where it stands
		// in a sentence of a right-to-left page (markup cannot go into a
		// message's argument): between LEFT-TO-RIGHT ISOLATE and POP
		// DIRECTIONAL ISOLATE, as <bdi dir="ltr"> does in markup.
		"ltr":   func(s string) string { return "\u2066" + s + "\u2069" },
		"days":  func(d time.Duration) int { return int(d / (24 * time.Hour)) },
		"hours": func(d time.Duration) int { return int(d / time.Hour) },
		// dict passes several values to a sub-template.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := map[string]any{}
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"list":  func(s ...string) []string { return s },
		"items": func(v *View, list any) ServiceList { return ServiceList{Lang: v.Lang.Code, Items: list} },
	}
	return template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html", "templates/partials/*.html")
}

// Pages loads an area's templates from fsys: its partials
// (templates/partials/*.html, if any) and every templates/pages/*.html,
// each page with the shared layout and partials around it. funcs are the
// area's own template functions.
func (s *Site) Pages(fsys fs.FS, funcs template.FuncMap) (*Pages, error) {
	base, err := s.base.Clone()
	if err != nil {
		return nil, err
	}
	base.Funcs(funcs)
	if partials, _ := fs.Glob(fsys, "templates/partials/*.html"); len(partials) > 0 {
		if _, err := base.ParseFS(fsys, partials...); err != nil {
			return nil, err
		}
	}
	t := &Pages{site: s, pages: map[string]*template.Template{}}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(fsys, f); err != nil {
			return nil, err
		}
		t.pages[strings.TrimSuffix(path.Base(f), ".html")] = clone
	}
	return t, nil
}

// View is what every page template receives.
type View struct {
	Lang      i18n.Lang
	Tr        *i18n.Translator
	Path      string // the path after the language prefix, e.g. /hilfe
	Title     string // document title (without site name)
	Desc      string
	csrf      *csrfState
	Cacheable bool // the same for every anonymous visitor: see pagecache.go
	// DataVersion is the version of changing data the page shows (the
	// finder's centres), for the page cache of query pages.
	DataVersion int64
	Staff       any  // the signed-in staff member (Site.StaffOf)
	Citizen     any  // the citizen signed in with BundID (Site.CitizenOf)
	TestIdP     bool // the built-in test identity provider is on: warn on every page
	Dev         bool
	Languages   []LangLink
	Errors      []FieldMessage // the error summary
	Main        template.HTML
	FellBack    bool // some text on the page is in German
	NoFeedback  bool // pages that are themselves forms about feedback
	Data        any
}

// LangLink is one entry of the language switcher.
type LangLink struct {
	i18n.Lang
	Href    string
	Current bool
}

// FieldMessage is a validation message for a field.
type FieldMessage struct {
	Field   string // id of the input it belongs to
	Message string
	// Target is where the error summary's link leads when that is not
	// Field: the first option of a group of radio buttons, so that the
	// link puts the focus where the answer is given.
	Target string
}

// T translates a key for the page's language.
func (v *View) T(key string, args ...any) string { return v.Tr.T(key, args...) }

// N translates a plural message.
func (v *View) N(key string, n int, args ...any) string { return v.Tr.N(key, n, args...) }

// TA is T with the arguments as one list (a domain problem's Args).
func (v *View) TA(key string, args []any) string { return v.Tr.T(key, args...) }

// URL prefixes a path with the page's language.
func (v *View) URL(p string) string { return "/" + v.Lang.Code + p }

// CSRF is the form token; asking for it makes the page personal.
func (v *View) CSRF() string {
	if v.csrf == nil {
		return ""
	}
	return v.csrf.token()
}

func (s *Site) hasSessionCookie(r *http.Request) bool {
	_, err := r.Cookie(s.Sessions.CookieName())
	return err == nil
}

// personal reports whether the page carries something of this visitor's.
func (v *View) personal() bool { return v.Staff != nil || (v.csrf != nil && v.csrf.used) }

// ErrorFor returns the message for a field, or "".
func (v *View) ErrorFor(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// NewView is a page's view for the request, titled title.
func (s *Site) NewView(r *http.Request, title string) *View {
	l := Lang(r)
	v := &View{Lang: l, Tr: s.Catalog.For(l), Path: pathAfterLang(r), Dev: !s.Config.Production,
		csrf: csrfFrom(r)}
	v.Title = title
	if st := StaffOf(r); st != nil {
		v.Staff = st
	}
	v.Citizen = CitizenOf(r)
	v.TestIdP = s.TestIdP
	// Switching language keeps a search or a place look-up, so it is shown
	// again in the other language; other parameters are not carried over.
	query := ""
	keep := url.Values{}
	for _, k := range []string{"q", "ort", "leistung", "ars", "art", "radius", "sprache", "online"} {
		if vs, ok := r.URL.Query()[k]; ok {
			// As the finders read them: a few values, each cut to
			// MaxQueryRunes, so eight language links cannot multiply a
			// huge query into the page.
			if len(vs) > 10 {
				vs = vs[:10]
			}
			for _, x := range vs {
				if utf8.RuneCountInString(x) > MaxQueryRunes {
					x = string([]rune(x)[:MaxQueryRunes])
				}
				keep.Add(k, x)
			}
		}
	}
	if len(keep) > 0 {
		query = "?" + keep.Encode()
	}
	for _, o := range i18n.Languages {
		v.Languages = append(v.Languages, LangLink{Lang: o, Href: "/" + o.Code + v.Path + query, Current: o.Code == l.Code})
	}
	return v
}

// Render executes the page template: first the page's "main" block, then the
// layout around it. Rendering main first means the layout knows whether any
// text fell back to German before it writes the notice at the top.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, name string, v *View) error {
	s := p.site
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("web: no template %q", name)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "main", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	v.Main = template.HTML(buf.String())
	if v.Tr.FellBack {
		v.FellBack = true
	}
	if v.Title == "" {
		v.Title = v.T("site.name")
	}
	if len(v.Errors) > 0 {
		// The title is what a screen reader says first on the new page.
		v.Title = v.T("error.title_prefix", "title", v.Title)
	}
	page := bufPool.Get().(*bytes.Buffer)
	page.Reset()
	defer bufPool.Put(page)
	if err := t.ExecuteTemplate(page, "layout", v); err != nil {
		return fmt.Errorf("web: render layout for %s: %w", name, err)
	}
	if m := v.Tr.Missing(); len(m) > 0 {
		s.Log.Warn("missing translations", "keys", strings.Join(m, ","), "template", name)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang.HTMLLang)
	s.rememberLanguage(w, r, v.Lang)
	if v.Cacheable && status == http.StatusOK && !v.personal() && len(v.Tr.Missing()) == 0 && !s.hasSessionCookie(r) {
		if e := s.pages.store(r, v.Lang, page.Bytes(), v.DataVersion); e != nil {
			e.write(w, r)
			return nil
		}
	}
	WriteBody(w, r, status, page.Bytes())
	return nil
}

// FeedbackForm is what the feedback component shows on every page: the
// typed values after a failed attempt (the feedback page's Data), else
// nothing.
type FeedbackForm struct {
	Page    string
	Rating  string
	Comment string
}

// FeedbackForm is what the feedback fields show.
func (v *View) FeedbackForm() FeedbackForm {
	if f, ok := v.Data.(FeedbackForm); ok {
		return f
	}
	return FeedbackForm{}
}

// Fragment executes one named template of a page without the layout, for a
// part of the page that a script replaces in place.
func (p *Pages) Fragment(w io.Writer, page, name string, v *View) error {
	t, ok := p.pages[page]
	if !ok {
		return fmt.Errorf("web: no template %q", page)
	}
	return t.ExecuteTemplate(w, name, v)
}
