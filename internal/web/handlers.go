package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

const langCookie = "sp_lang"

// redirectToLanguage sends / to the remembered language, then the browser's,
// then German.
func (s *Site) redirectToLanguage(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /{$}")
	l := i18n.Negotiate(r, langCookie)
	w.Header().Set("Vary", "Accept-Language, Cookie")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/"+l.Code+"/", http.StatusSeeOther)
}

func (s *Site) redirectLangRoot(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/"+Lang(r).Code+"/", http.StatusMovedPermanently)
	return nil
}

// rememberLanguage stores the language of the page the visitor reads, so
// that / brings them back to it. The cookie holds only the language code.
func (s *Site) rememberLanguage(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == l.Code {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l.Code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.Production, SameSite: http.SameSiteLaxMode})
}

func (s *Site) healthz(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /healthz")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte("ok\n"))
}

func (s *Site) readyz(w http.ResponseWriter, r *http.Request) {
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

func (s *Site) favicon(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /favicon.ico")
	http.Redirect(w, r, s.assets.URL("img/favicon.svg"), http.StatusMovedPermanently)
}

func (s *Site) robots(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "GET /robots.txt")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("User-agent: *\nDisallow: /*/intern/\nDisallow: /*/dev/\n"))
}

// SafeReturn accepts only a same-site path under the page's language, with
// its query (an application's place: ?ars=…) when that is plain.
func SafeReturn(l i18n.Lang, p string) string {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || len(p) > 300 {
		return "/" + l.Code + "/"
	}
	// Browsers read "/\host" like "//host": backslashes and control
	// characters never belong in our own addresses.
	unsafe := func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }
	if len(u.Path) < 1 || u.Path[0] != '/' || (len(u.Path) > 1 && u.Path[1] == '/') ||
		strings.ContainsFunc(u.Path, unsafe) {
		return "/" + l.Code + "/"
	}
	if u.RawQuery != "" && !strings.ContainsFunc(u.RawQuery, unsafe) {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}
