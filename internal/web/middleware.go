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

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

type ctxKey int

const (
	ctxLang ctxKey = iota
	ctxRoute
	ctxCSRF
	ctxStaff
	ctxCitizen
	ctxRequestID
)

// routeInfo is filled in by the innermost handler so that the outer logging
// and metrics middleware know the route pattern (never the raw path, which
// may contain personal data). route is the registered route the request
// will reach, looked up before any middleware reads the body, and only when
// one asks: most requests (a cached page) never need it.
type routeInfo struct {
	pattern string
	site    *Site
	route   *route
}

// routeFrom is the route of a request that passed observe.
func routeFrom(r *http.Request) *route {
	ri, ok := r.Context().Value(ctxRoute).(*routeInfo)
	if !ok {
		return &noRoute
	}
	if ri.route == nil {
		ri.route = ri.site.routeOf(r)
	}
	return ri.route
}

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
func (s *Site) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &routeInfo{site: s}
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

// RequestID is the request's ID, for log lines and the error page.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxRequestID).(string)
	return id
}

func setRoute(r *http.Request, pattern string) {
	if ri, ok := r.Context().Value(ctxRoute).(*routeInfo); ok {
		ri.pattern = pattern
	}
}

// recoverPanics turns a panic into a logged error and a 500 page.
func (s *Site) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Log.Error("panic", "request_id", RequestID(r), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				s.ServeError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets a strict Content-Security-Policy (no inline script or
// style) and the other protective headers on every response.
func (s *Site) securityHeaders(next http.Handler) http.Handler {
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
// that it turns into a 413 page. A route may allow more (BodyLimit); a
// streamed upload's only when it is one.
func (s *Site) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(MaxBodyBytes)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if rt := routeFrom(r); rt.bodyLimit > 0 && (!rt.streams || streamsUpload(r)) {
				limit = rt.bodyLimit
			}
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

// loadSession attaches the session (if any) and who is signed in: a staff
// member (Site.StaffOf) or a citizen (Site.CitizenOf).
func (s *Site) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.Sessions.Load(r)
		if err != nil {
			s.ServeError(w, r, err)
			return
		}
		ctx := session.NewContext(r.Context(), sess)
		if id := sess.StaffID(); id != "" && sess.Kind() == session.Staff && s.StaffOf != nil {
			st, err := s.StaffOf(r.Context(), id)
			if err != nil {
				s.ServeError(w, r, err)
				return
			}
			if st != nil {
				ctx = context.WithValue(ctx, ctxStaff, st)
			}
		}
		if sess.Kind() == session.Citizen && s.CitizenOf != nil {
			if id := s.CitizenOf(sess); id != nil {
				ctx = context.WithValue(ctx, ctxCitizen, id)
			}
		}
		r = r.WithContext(ctx)
		// A stored session's idle deadline moves forward at most once a minute.
		if sess.Stored() {
			if err := s.Sessions.Save(r.Context(), w, sess); err != nil {
				s.Log.Error("refresh session", "request_id", RequestID(r), "error", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// StaffOf is the signed-in staff member as Site.StaffOf loaded it, or nil.
func StaffOf(r *http.Request) any { return r.Context().Value(ctxStaff) }

// CitizenOf is the signed-in citizen as Site.CitizenOf read it, or nil.
func CitizenOf(r *http.Request) any { return r.Context().Value(ctxCitizen) }

// CSRF protection: a signed double-submit token. The browser gets a random
// cookie; forms carry HMAC(key, cookie). An attacker can neither read the
// cookie nor compute the HMAC without the key, which lives in the database so
// every instance shares it. http.CrossOriginProtection (Sec-Fetch-Site/Origin)
// is a second, independent layer.
const csrfField = "csrf_token"

// ErrCSRF is the answer to a form without a valid token.
var ErrCSRF = &httpError{status: http.StatusForbidden, key: "error.csrf"}

// CSRFCookieName is the name of the cookie the form token is bound to.
func (s *Site) CSRFCookieName() string {
	if s.Config.Production {
		return "__Host-sp_csrf"
	}
	return "sp_csrf"
}

func (s *Site) csrfSign(cookie string) string {
	m := hmac.New(sha256.New, s.Config.CSRFKey)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Site) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		st := &csrfState{s: s, w: w}
		if c, err := r.Cookie(s.CSRFCookieName()); err == nil && len(c.Value) == 43 {
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
					s.ServeError(w, r, ErrTooLarge)
					return
				}
				s.ServeError(w, r, ErrBadRequest)
				return
			}
			if !routeFrom(r).noToken {
				// Scripts may send the token in a header instead.
				sent := r.PostForm.Get(csrfField)
				if sent == "" {
					sent = r.Header.Get("X-CSRF-Token")
				}
				if st.cookie == "" || !hmac.Equal([]byte(sent), []byte(s.csrfSign(st.cookie))) {
					s.Log.Warn("csrf check failed", "request_id", RequestID(r), "had_cookie", st.cookie != "")
					s.ServeError(w, r, ErrCSRF)
					return
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxCSRF, st)))
	})
}

// csrfState hands out the form token on first use and only then sets the
// cookie it is bound to, so a page without a form sets no cookie and stays
// cacheable.
type csrfState struct {
	s      *Site
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
		http.SetCookie(c.w, &http.Cookie{Name: c.s.CSRFCookieName(), Value: c.cookie, Path: "/", HttpOnly: true,
			Secure: c.s.Config.Production, SameSite: http.SameSiteLaxMode})
	}
	return c.s.csrfSign(c.cookie)
}

// valid checks a token sent with an unsafe request.
func (c *csrfState) valid(sent string) bool {
	return c != nil && c.cookie != "" && hmac.Equal([]byte(sent), []byte(c.s.csrfSign(c.cookie)))
}

// CSRFValid checks the token a streamed upload sent as the first part of its
// body (see StreamsUpload).
func CSRFValid(r *http.Request, sent string) bool { return csrfFrom(r).valid(sent) }

// streamsUpload reports whether a request is a file upload its handler reads
// as a stream (a route marked StreamsUpload).
func streamsUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && routeFrom(r).streams &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

func csrfFrom(r *http.Request) *csrfState {
	st, _ := r.Context().Value(ctxCSRF).(*csrfState)
	return st
}

// HandlerFunc is a handler that returns an error; ServeError maps it to a page.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// langPage runs h for a page of language l and maps its error to a page.
func (s *Site) langPage(l i18n.Lang, pattern string, h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, pattern)
		r = r.WithContext(context.WithValue(r.Context(), ctxLang, l))
		if err := h(w, r); err != nil {
			s.ServeError(w, r, err)
		}
	})
}

// notFound answers every unknown address with the 404 page, in the language
// of the path's first segment if that is one, else the negotiated language.
func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	setRoute(r, "unmatched")
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	l, ok := i18n.Lookup(first)
	if !ok {
		l = i18n.Negotiate(r, langCookie)
	}
	r = r.WithContext(context.WithValue(r.Context(), ctxLang, l))
	s.ServeError(w, r, ErrNotFound)
}

// Lang is the language of the page being served.
func Lang(r *http.Request) i18n.Lang {
	if l, ok := r.Context().Value(ctxLang).(i18n.Lang); ok {
		return l
	}
	l, _ := i18n.Lookup(i18n.Default)
	return l
}

// pathAfterLang is the request path without its language prefix.
func pathAfterLang(r *http.Request) string {
	p := r.URL.Path
	l := Lang(r)
	if rest, ok := strings.CutPrefix(p, "/"+l.Code); ok && (rest == "" || rest[0] == '/') {
		if rest == "" {
			return "/"
		}
		return rest
	}
	return "/"
}

// LangFromCode is the language a code names (a SAML RelayState), German
// otherwise.
func LangFromCode(code string) i18n.Lang {
	if l, ok := i18n.Lookup(code); ok {
		return l
	}
	l, _ := i18n.Lookup(i18n.Default)
	return l
}

// WithLang is r serving a page in l (for addresses without a language, such
// as the identity provider's answers).
func WithLang(r *http.Request, l i18n.Lang) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxLang, l))
}
