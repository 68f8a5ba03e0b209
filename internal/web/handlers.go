package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/retention"
)

const langCookie = "sp_lang"

// redirectToLanguage sends / to the remembered language, then the browser's,
// then German.
func (s *Server) redirectToLanguage(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /{$}")
	l := i18n.Negotiate(r, langCookie)
	w.Header().Set("Vary", "Accept-Language, Cookie")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/"+l.Code+"/", http.StatusSeeOther)
}

func (s *Server) redirectLangRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/"+langOf(r).Code+"/", http.StatusMovedPermanently)
	return nil
}

// rememberLanguage stores the language of the page the visitor reads, so
// that / brings them back to it. The cookie holds only the language code.
func (s *Server) rememberLanguage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == l.Code {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.Production, SameSite: http.SameSiteLaxMode})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /healthz")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /readyz")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.Ready(ctx); err != nil {
		s.Log.Warn("not ready", "error", err.Error())
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /favicon.ico")
	http.Redirect(w, r, s.assets.URL("img/favicon.svg"), http.StatusMovedPermanently)
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /robots.txt")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("User-agent: *\nDisallow: /*/intern/\nDisallow: /*/dev/\n"))
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Desc = v.T("home.description")
	v.Cacheable = true
	return s.render(w, r, http.StatusOK, "home", v)
}

func (s *Server) contentPage(slug string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.renderContent(w, r, slug, http.StatusOK, nil, nil)
	}
}

// renderContent shows a content page; form and msgs are for pages that carry
// a form below their text (the accessibility statement).
func (s *Server) renderContent(w http.ResponseWriter, r *http.Request, slug string, status int, form any, msgs []FieldMessage) error {
	l := langOf(r)
	pg, fellBack, ok := s.Content.Find(l.Code, slug)
	if !ok {
		return errNotFound
	}
	v := s.newView(r, pg.Title)
	v.Desc = pg.Description
	v.FellBack = fellBack
	v.Errors = msgs
	v.Data = map[string]any{"Page": pg, "FellBack": fellBack, "Slug": slug, "Form": form}
	v.Cacheable = form == nil && msgs == nil
	return s.render(w, r, status, "content", v)
}

// section is a part of the platform whose pages come with later work; until
// then its address answers with an honest "being set up" page.
type section struct {
	slug string
	key  string
}

var sections = []section{
	{"leistungsfinder", "section.finder"},
}

func (s *Server) sectionPlaceholder(sec section) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := s.newView(r, "")
		v.Title = v.T(sec.key + ".title")
		v.Data = sec.key
		v.Cacheable = true
		return s.render(w, r, http.StatusOK, "section", v)
	}
}

func (s *Server) retentionRules(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("retention.title")
	runs, err := s.Store.LastRetentionRuns(r.Context())
	if err != nil {
		return err
	}
	type row struct {
		retention.Rule
		Last *retention.Run
	}
	var rows []row
	for _, rule := range retention.Rules {
		rw := row{Rule: rule}
		if run, ok := runs[rule.Name]; ok {
			rw.Last = &run
		}
		rows = append(rows, rw)
	}
	v.Data = rows
	return s.render(w, r, http.StatusOK, "retention", v)
}

// safeReturn accepts only a same-site path under the page's language.
func safeReturn(l i18n.Lang, p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || len(p) > 300 {
		return "/" + l.Code + "/"
	}
	// Browsers read "/\host" like "//host": backslashes and control
	// characters never belong in our own addresses.
	if len(u.Path) < 1 || u.Path[0] != '/' || (len(u.Path) > 1 && u.Path[1] == '/') ||
		strings.ContainsFunc(u.Path, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return "/" + l.Code + "/"
	}
	return u.Path
}
