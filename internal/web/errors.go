package web

import (
	"errors"
	"net/http"
)

// httpError is an error with the status and the message key of its page.
type httpError struct {
	status int
	key    string // i18n key prefix: <key>.title and <key>.text
}

func (e *httpError) Error() string { return http.StatusText(e.status) }

// NewError is an error whose page has the given status and the texts
// <key>.title and <key>.text, for an area's own refusals.
func NewError(status int, key string) error { return &httpError{status: status, key: key} }

// The errors every area returns.
var (
	ErrNotFound   = &httpError{status: http.StatusNotFound, key: "error.not_found"}
	ErrBadRequest = &httpError{status: http.StatusBadRequest, key: "error.bad_request"}
	ErrTooLarge   = &httpError{status: http.StatusRequestEntityTooLarge, key: "error.too_large"}
	ErrForbidden  = &httpError{status: http.StatusForbidden, key: "error.forbidden"}
	// A cross-origin form post reads, for the person, like an expired form.
	errCrossOrigin = &httpError{status: http.StatusForbidden, key: "error.csrf"}
	errInternal    = &httpError{status: http.StatusInternalServerError, key: "error.internal"}
)

// ServeError maps an error to a status and a page in the user's language. This
// is the only place where errors become HTTP responses.
func (s *Site) ServeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &mbe):
		he = ErrTooLarge
	default:
		s.Log.Error("internal error", "request_id", RequestID(r), "error", err.Error())
		he = errInternal
	}
	if he.status >= 400 && he.status < 500 && he != ErrNotFound {
		s.Log.Warn("request refused", "request_id", RequestID(r), "status", he.status, "reason", he.key)
	}
	w.Header().Set("Cache-Control", "no-store")
	if ct := r.Header.Get("Accept"); ct == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(he.status)
		w.Write([]byte(`{"error":"` + http.StatusText(he.status) + `"}`))
		return
	}
	v := s.NewView(r, "")
	v.Title = v.T(he.key + ".title")
	v.Data = map[string]any{"Key": he.key, "Status": he.status, "RequestID": RequestID(r)}
	v.NoFeedback = he.status >= 500
	if rerr := s.errors.Render(w, r, he.status, "error", v); rerr != nil {
		s.Log.Error("render error page", "request_id", RequestID(r), "error", rerr.Error())
		http.Error(w, http.StatusText(he.status), he.status)
	}
}
