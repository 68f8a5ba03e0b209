package backoffice

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

type signInForm struct {
	Email string
	// Expired: a pending second step took too long (staff_2fa.go).
	Expired bool
}

func (h *Handler) staffSignInForm(w http.ResponseWriter, r *http.Request) error {
	if staffFrom(r) != nil {
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/", http.StatusSeeOther)
		return nil
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.signin.title")
	v.Data = signInForm{Expired: r.URL.Query().Get("abgelaufen") == "1"}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_signin", v)
}

func (h *Handler) staffSignIn(w http.ResponseWriter, r *http.Request) error {
	l := web.Lang(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.signin.title")
	v.Data = signInForm{Email: email}
	w.Header().Set("Cache-Control", "no-store")
	if email == "" {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "email", Message: v.T("staff.signin.error.email_missing")})
	}
	if password == "" {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "password", Message: v.T("staff.signin.error.password_missing")})
	}
	if len(v.Errors) > 0 {
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_signin", v)
	}
	st, err := h.Accounts.SignIn(r.Context(), email, password, h.site.ClientAddr(r), deviceCookie(r, h.site.Sessions.Secure))
	var throttled *account.ThrottledError
	switch {
	case errors.Is(err, account.ErrInvalidLogin):
		h.site.Log.Warn("staff sign-in refused", "request_id", web.RequestID(r), "reason", "invalid credentials")
		v.Errors = append(v.Errors, web.FieldMessage{Field: "email", Message: v.T("staff.signin.error.invalid")})
		return h.pages.Render(w, r, http.StatusUnauthorized, "staff_signin", v)
	case errors.Is(err, account.ErrLocked):
		h.site.Log.Warn("staff sign-in refused", "request_id", web.RequestID(r), "reason", "locked")
		minutes := int(account.LockDuration.Minutes())
		if errors.As(err, &throttled) {
			minutes = int((throttled.RetryAfter + time.Minute - 1) / time.Minute)
			w.Header().Set("Retry-After", strconv.Itoa(int((throttled.RetryAfter+time.Second-1)/time.Second)))
		}
		v.Errors = append(v.Errors, web.FieldMessage{Field: "email", Message: v.N("staff.signin.error.locked", minutes)})
		return h.pages.Render(w, r, http.StatusTooManyRequests, "staff_signin", v)
	case err != nil:
		return err
	}
	// The right password: this browser keeps its way in while the
	// account is throttled for others (account/throttle.go).
	setDeviceCookie(w, h.Accounts.DeviceToken(email), h.site.Sessions.Secure)
	if st.NeedsSecondFactor() {
		return h.startSecondFactor(w, r, st)
	}
	if err := h.site.Sessions.SignInStaff(r.Context(), w, session.FromContext(r.Context()), st.ID); err != nil {
		return err
	}
	h.site.Log.Info("staff signed in", "request_id", web.RequestID(r), "staff_id", st.ID, "role", string(st.Role))
	http.Redirect(w, r, "/"+l.Code+"/intern/", http.StatusSeeOther)
	return nil
}

func (h *Handler) staffSignOut(w http.ResponseWriter, r *http.Request) error {
	sess := session.FromContext(r.Context())
	if st := staffFrom(r); st != nil && r.PostForm.Get("everywhere") == "1" {
		if err := h.site.Sessions.DestroyAllForStaff(r.Context(), st.ID); err != nil {
			return err
		}
	}
	if err := h.site.Sessions.Destroy(r.Context(), w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/anmelden?abgemeldet=1", http.StatusSeeOther)
	return nil
}

func (h *Handler) staffHome(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.home.title")
	runs, err := h.Store.LastRetentionRuns(r.Context())
	if err != nil {
		return err
	}
	sf, err := h.secondFactorStatus(r)
	if err != nil {
		return err
	}
	a := actorFrom(r)
	v.Data = map[string]any{"Rules": retention.Rules, "Runs": runs, "MailCatcher": h.MailCatcher, "SecondFactor": sf,
		"Centres": a.CanEditCentres(), "Requests": a.Role == counselling.RoleSystemAdmin,
		// Only offered to whom the export answers (a link to a 403 misleads).
		"Feedback": feedback.MayExport(staffFrom(r))}
	return h.pages.Render(w, r, http.StatusOK, "staff_home", v)
}

// deviceCookieName: __Host- in production (Secure, no Domain, Path /).
func deviceCookieName(secure bool) string {
	if secure {
		return "__Host-sp_device"
	}
	return "sp_device"
}

func deviceCookie(r *http.Request, secure bool) string {
	c, err := r.Cookie(deviceCookieName(secure))
	if err != nil {
		return ""
	}
	return c.Value
}

// setDeviceCookie keeps the device cookie for a year; it names no one (a
// nonce and a MAC) and is sent only to the staff sign-in.
func setDeviceCookie(w http.ResponseWriter, token string, secure bool) {
	if token == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: deviceCookieName(secure), Value: token, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}
