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

var (
	errNotFound   = &httpError{status: http.StatusNotFound, key: "error.not_found"}
	errBadRequest = &httpError{status: http.StatusBadRequest, key: "error.bad_request"}
	errTooLarge   = &httpError{status: http.StatusRequestEntityTooLarge, key: "error.too_large"}
	// A cross-origin form post reads, for the person, like an expired form.
	errCrossOrigin = &httpError{status: http.StatusForbidden, key: "error.csrf"}
	errInternal    = &httpError{status: http.StatusInternalServerError, key: "error.internal"}
	errForbidden   = &httpError{status: http.StatusForbidden, key: "error.forbidden"}
	// The application is no longer in this session (it expired or was sent).
	errFormExpired = &httpError{status: http.StatusGone, key: "error.form_expired"}
	// The receipt was for another session or its time is over.
	errReceiptGone = &httpError{status: http.StatusGone, key: "error.receipt_gone"}
)

// serveError maps an error to a status and a page in the user's language. This
// is the only place where errors become HTTP responses.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &mbe):
		he = errTooLarge
	default:
		s.Log.Error("internal error", "request_id", requestID(r), "error", err.Error())
		he = errInternal
	}
	if he.status >= 400 && he.status < 500 && he != errNotFound {
		s.Log.Warn("request refused", "request_id", requestID(r), "status", he.status, "reason", he.key)
	}
	w.Header().Set("Cache-Control", "no-store")
	if ct := r.Header.Get("Accept"); ct == "application/json" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(he.status)
		w.Write([]byte(`{"error":"` + http.StatusText(he.status) + `"}`))
		return
	}
	v := s.newView(r, "")
	v.Title = v.T(he.key + ".title")
	v.Data = map[string]any{"Key": he.key, "Status": he.status, "RequestID": requestID(r)}
	v.NoFeedback = he.status >= 500
	if rerr := s.render(w, r, he.status, "error", v); rerr != nil {
		s.Log.Error("render error page", "request_id", requestID(r), "error", rerr.Error())
		http.Error(w, http.StatusText(he.status), he.status)
	}
}
