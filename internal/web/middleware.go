package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

type ctxKey int

const (
	ctxLang ctxKey = iota
	ctxRoute
	ctxCSRF
	ctxStaff
	ctxRequestID
)

// routeInfo is filled in by the innermost handler so that the outer logging
// and metrics middleware know the route pattern (never the raw path, which
// may contain personal data).
type routeInfo struct{ pattern string }

// statusWriter records the status code and size.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs one line per request and records metrics. The log line holds
// the route pattern, method, status, duration and a request ID: no path, no
// query, no IP address, no user agent, no cookie.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &routeInfo{}
		id := newRequestID()
		ctx := context.WithValue(r.Context(), ctxRoute, ri)
		ctx = context.WithValue(ctx, ctxRequestID, id)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		route := ri.pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.observe(r.Method, route, sw.status, d)
		if route == "GET /static/" || route == "GET /healthz" || route == "GET /metrics" {
			return // high-volume, no information
		}
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.Log.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("route", route), slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000))
	})
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

func setRoute(r *http.Request, pattern string) {
	if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
		ri.pattern = pattern
	}
}

// recoverPanics turns a panic into a logged error and a 500 page.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "request_id", requestID(r), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				s.serveError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets a strict Content-Security-Policy (no inline script or
// style) and the other protective headers on every response.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	formAction := "form-action 'self'"
	if s.IdPOrigin != "" {
		formAction += " " + s.IdPOrigin // the sign-in form posts to BundID
	}
	csp := strings.Join([]string{
		"default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
		"font-src 'self'", "connect-src 'self'", formAction, "frame-ancestors 'none'",
		"base-uri 'none'", "manifest-src 'self'",
	}, "; ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if s.Config.Production {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps every request body; a handler reading more gets an error
// that it turns into a 413 page.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if strings.HasSuffix(r.URL.Path, "/intern/stellen/import") {
			limit = office.MaxImportBytes + MaxBodyBytes // the file plus the form around it
		}
		if streamsUpload(r) {
			// The whole budget of an application, plus the form around it;
			// the upload service enforces the remaining budget exactly.
			limit = upload.MaxTotal + MaxBodyBytes
		}
		if r.ContentLength > limit {
			// Refuse before reading anything.
			r.Body = http.MaxBytesReader(w, r.Body, 0)
		} else {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// loadSession attaches the session (if any) and the signed-in staff member.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.Sessions.Load(r)
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		ctx := session.NewContext(r.Context(), sess)
		if id := sess.StaffID(); id != "" && sess.Kind() == session.Staff {
			st, err := s.Accounts.Store.FindStaffByID(r.Context(), id)
			if err == nil {
				ctx = context.WithValue(ctx, ctxStaff, st)
			} else if !errors.Is(err, account.ErrNotFound) {
				s.serveError(w, r, err)
				return
			}
		}
		r = r.WithContext(ctx)
		// A stored session's idle deadline moves forward at most once a minute.
		if sess.Stored() {
			if err := s.Sessions.Save(r.Context(), w, sess); err != nil {
				s.Log.Error("refresh session", "request_id", requestID(r), "error", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func staffFrom(r *http.Request) *account.Staff {
	st, _ := r.Context().Value(ctxStaff).(*account.Staff)
	return st
}

// CSRF protection: a signed double-submit token. The browser gets a random
// cookie; forms carry HMAC(key, cookie). An attacker can neither read the
// cookie nor compute the HMAC without the key, which lives in the database so
// every instance shares it. http.CrossOriginProtection (Sec-Fetch-Site/Origin)
// is a second, independent layer.
const csrfField = "csrf_token"

var errCSRF = &httpError{status: http.StatusForbidden, key: "error.csrf"}

func (s *Server) csrfCookieName() string {
	if s.Config.Production {
		return "__Host-sp_csrf"
	}
	return "sp_csrf"
}

func (s *Server) csrfSign(cookie string) string {
	m := hmac.New(sha256.New, s.Config.CSRFKey)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		st := &csrfState{s: s, w: w}
		if c, err := r.Cookie(s.csrfCookieName()); err == nil && len(c.Value) == 43 {
			st.cookie = c.Value
		}
		unsafe := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
		if unsafe {
			if streamsUpload(r) {
				// The upload handler reads the token as the first part of
				// the stream and checks it with st.valid before it reads
				// the file: parsing here would spool the file to disk
				// unencrypted.
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxCSRF, st)))
				return
			}
			var mbe *http.MaxBytesError
			parse := r.ParseForm
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
				// Uploads without JavaScript carry the token as a form field;
				// files above 8 MB are spooled to disk while parsing.
				parse = func() error { return r.ParseMultipartForm(8 << 20) }
			}
			if err := parse(); err != nil {
				if errors.As(err, &mbe) {
					s.serveError(w, r, errTooLarge)
					return
				}
				s.serveError(w, r, errBadRequest)
				return
			}
			if !tokenFree(r) {
				// Scripts may send the token in a header instead.
				sent := r.PostForm.Get(csrfField)
				if sent == "" {
					sent = r.Header.Get("X-CSRF-Token")
				}
				if st.cookie == "" || !hmac.Equal([]byte(sent), []byte(s.csrfSign(st.cookie))) {
					s.Log.Warn("csrf check failed", "request_id", requestID(r), "had_cookie", st.cookie != "")
					s.serveError(w, r, errCSRF)
					return
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxCSRF, st)))
	})
}

// tokenFree reports whether a form may be posted without a token. Only the
// anonymous feedback form on every page: it changes no one's data and needs no
// session, so a forged post could do nothing a direct post cannot. Cross-site
// posts to it are still refused by http.CrossOriginProtection. Without a token
// every public page is the same for every visitor and can be served from the
// page cache (pagecache.go).
func tokenFree(r *http.Request) bool {
	if r.Method == http.MethodPost && (r.URL.Path == "/saml/acs" || r.URL.Path == "/saml/slo") {
		return true // see Server.acs and Server.slo: signed SAML messages
	}
	if strings.HasPrefix(r.URL.Path, "/testidp/") {
		return true // the test IdP stands in for another site with its own protections
	}
	_, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return ok && r.Method == http.MethodPost && rest == "feedback"
}

// csrfState hands out the form token on first use and only then sets the
// cookie it is bound to, so a page without a form sets no cookie and stays
// cacheable.
type csrfState struct {
	s      *Server
	w      http.ResponseWriter
	cookie string
	used   bool
}

func (c *csrfState) token() string {
	c.used = true
	if c.cookie == "" {
		b := make([]byte, 32)
		rand.Read(b)
		c.cookie = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(c.w, &http.Cookie{Name: c.s.csrfCookieName(), Value: c.cookie, Path: "/", HttpOnly: true,
			Secure: c.s.Config.Production, SameSite: http.SameSiteLaxMode})
	}
	return c.s.csrfSign(c.cookie)
}

// valid checks a token sent with an unsafe request.
func (c *csrfState) valid(sent string) bool {
	return c != nil && c.cookie != "" && hmac.Equal([]byte(sent), []byte(c.s.csrfSign(c.cookie)))
}

// streamsUpload reports whether a request is an application's file upload,
// which is read as a stream by its handler (applyupload.go).
func streamsUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, uploadPathSuffix) &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

func csrfFrom(r *http.Request) *csrfState {
	st, _ := r.Context().Value(ctxCSRF).(*csrfState)
	return st
}

// handlerFunc is a handler that returns an error; serveError maps it to a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// langPage runs h for a page of language l and maps its error to a page.
func (s *Server) langPage(l i18n.Lang, pattern string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		r = r.WithContext(context.WithValue(r.Context(), ctxLang, l))
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

// notFound answers every unknown address with the 404 page, in the language
// of the path's first segment if that is one, else the negotiated language.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "unmatched")
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	l, ok := i18n.Lookup(first)
	if !ok {
		l = i18n.Negotiate(r, langCookie)
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxLang, l))
	s.serveError(w, r, errNotFound)
}

func langOf(r *http.Request) i18n.Lang {
	if l, ok := r.Context().Value(ctxLang).(i18n.Lang); ok {
		return l
	}
	l, _ := i18n.Lookup(i18n.Default)
	return l
}

// pathAfterLang is the request path without its language prefix.
func pathAfterLang(r *http.Request) string {
	p := r.URL.Path
	l := langOf(r)
	if rest, ok := strings.CutPrefix(p, "/"+l.Code); ok && (rest == "" || rest[0] == '/') {
		if rest == "" {
			return "/"
		}
		return rest
	}
	return "/"
}

// requireStaff lets only signed-in staff through; others go to the sign-in.
func (s *Server) requireStaff(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if staffFrom(r) == nil {
			http.Redirect(w, r, "/"+langOf(r).Code+"/intern/anmelden", http.StatusSeeOther)
			return nil
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r)
	}
}
