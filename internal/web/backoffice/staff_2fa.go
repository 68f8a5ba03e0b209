package backoffice

import (
	"bytes"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The second step of an administrator's sign-in. After the right password
// the session holds only a pending sign-in (who, until when); the person is
// signed in (SignInStaff, a new session token) after a code from the
// authenticator, a recovery code, or, the first time, after setting up the
// authenticator and seeing the recovery codes.

// PendingSignInLifetime is how long the second step may take after the
// password: long enough to fetch the phone, short enough that a session left
// at that step is soon worth nothing.
const PendingSignInLifetime = 5 * time.Minute

const (
	pendingStaffKey  = "staff2fa.staff"
	pendingUntilKey  = "staff2fa.until"
	pendingSecretKey = "staff2fa.secret" // a new authenticator's secret until its first code confirms it
	pendingDoneKey   = "staff2fa.done"   // enrolled; the recovery codes were shown, the person confirms keeping them
)

var pendingKeys = []string{pendingStaffKey, pendingUntilKey, pendingSecretKey, pendingDoneKey}

type secondFactorPage struct {
	Email    string
	Recovery bool // the recovery code variant of the code page
	// The set-up page.
	Secret string // in groups of four
	URI    template.URL
	// The recovery codes page.
	Codes    []string
	Continue bool // after set-up: the button that completes the sign-in
}

// startSecondFactor replaces a sign-in whose password was right by a pending
// one and sends the person to the code, or to the set-up the first time.
func (h *Handler) startSecondFactor(w http.ResponseWriter, r *http.Request, st *account.Staff) error {
	enrolled, err := h.Accounts.Enrolled(r.Context(), st.ID)
	if err != nil {
		return err
	}
	sess := session.FromContext(r.Context())
	for _, k := range pendingKeys {
		sess.Delete(k)
	}
	sess.Set(pendingStaffKey, st.ID)
	sess.Set(pendingUntilKey, strconv.FormatInt(h.site.Now().Add(PendingSignInLifetime).Unix(), 10))
	// A new token now, not only at the end: whoever holds the pending
	// session may finish the sign-in after set-up (staffSetupDone).
	if err := h.site.Sessions.Renew(r.Context(), w, sess); err != nil {
		return err
	}
	h.site.Log.Info("staff password accepted, second factor pending", "request_id", web.RequestID(r), "staff_id", st.ID, "enrolled", enrolled)
	next := "/intern/anmelden/code"
	if !enrolled {
		next = "/intern/2fa/einrichten"
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+next, http.StatusSeeOther)
	return nil
}

// pendingSignIn returns the staff member of the session's pending sign-in,
// or nil (after clearing it) when there is none or its time is over.
func (h *Handler) pendingSignIn(w http.ResponseWriter, r *http.Request) (*account.Staff, *session.Session, error) {
	sess := session.FromContext(r.Context())
	id := sess.Get(pendingStaffKey)
	until, _ := strconv.ParseInt(sess.Get(pendingUntilKey), 10, 64)
	if id == "" {
		return nil, sess, nil
	}
	if h.site.Now().Unix() >= until {
		return nil, sess, h.clearPending(w, r, sess)
	}
	st, err := h.Accounts.Store.FindStaffByID(r.Context(), id)
	if errors.Is(err, account.ErrNotFound) {
		return nil, sess, h.clearPending(w, r, sess)
	}
	return st, sess, err
}

func (h *Handler) clearPending(w http.ResponseWriter, r *http.Request, sess *session.Session) error {
	for _, k := range pendingKeys {
		sess.Delete(k)
	}
	return h.site.Sessions.Save(r.Context(), w, sess)
}

// backToSignIn ends a second step that cannot go on: already signed in, or
// no (more) pending sign-in.
func (h *Handler) backToSignIn(w http.ResponseWriter, r *http.Request) {
	l := web.Lang(r).Code
	if staffFrom(r) != nil {
		http.Redirect(w, r, "/"+l+"/intern/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/"+l+"/intern/anmelden?abgelaufen=1", http.StatusSeeOther)
}

func (h *Handler) secondFactorView(r *http.Request, title string, d secondFactorPage) *web.View {
	v := h.site.NewView(r, "")
	v.Title = v.T(title)
	v.Data = d
	return v
}

// completeSignIn signs the person in with a new session token; the pending
// state does not go with it.
func (h *Handler) completeSignIn(w http.ResponseWriter, r *http.Request, sess *session.Session, st *account.Staff, how string) error {
	for _, k := range pendingKeys {
		sess.Delete(k)
	}
	if err := h.site.Sessions.SignInStaff(r.Context(), w, sess, st.ID); err != nil {
		return err
	}
	h.site.Log.Info("staff signed in", "request_id", web.RequestID(r), "staff_id", st.ID, "role", string(st.Role), "second_factor", how)
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/", http.StatusSeeOther)
	return nil
}

// refuseLocked ends the pending sign-in of a locked account and shows the
// sign-in page with the lock, as a wrong password would.
func (h *Handler) refuseLocked(w http.ResponseWriter, r *http.Request, sess *session.Session, st *account.Staff) error {
	h.site.Log.Warn("staff second factor refused", "request_id", web.RequestID(r), "staff_id", st.ID, "reason", "locked")
	if err := h.clearPending(w, r, sess); err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.signin.title")
	v.Data = signInForm{Email: st.Email}
	v.Errors = append(v.Errors, web.FieldMessage{Field: "email", Message: v.N("staff.signin.error.locked", int(account.LockDuration.Minutes()))})
	return h.pages.Render(w, r, http.StatusTooManyRequests, "staff_signin", v)
}

func (h *Handler) staffCodeForm(recovery bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		st, _, err := h.pendingSignIn(w, r)
		if err != nil {
			return err
		}
		if st == nil || staffFrom(r) != nil {
			h.backToSignIn(w, r)
			return nil
		}
		if enrolled, err := h.Accounts.Enrolled(r.Context(), st.ID); err != nil {
			return err
		} else if !enrolled {
			http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/2fa/einrichten", http.StatusSeeOther)
			return nil
		}
		title := "staff.2fa.code.title"
		if recovery {
			title = "staff.2fa.recovery.title"
		}
		v := h.secondFactorView(r, title, secondFactorPage{Email: st.Email, Recovery: recovery})
		return h.pages.Render(w, r, http.StatusOK, "staff_2fa_code", v)
	}
}

func (h *Handler) staffCode(recovery bool) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		st, sess, err := h.pendingSignIn(w, r)
		if err != nil {
			return err
		}
		if st == nil || staffFrom(r) != nil {
			h.backToSignIn(w, r)
			return nil
		}
		title, missing, wrong, how := "staff.2fa.code.title", "staff.2fa.error.code_missing", "staff.2fa.error.code_invalid", "totp"
		if recovery {
			title, missing, wrong, how = "staff.2fa.recovery.title", "staff.2fa.error.recovery_missing", "staff.2fa.error.recovery_invalid", "recovery code"
		}
		v := h.secondFactorView(r, title, secondFactorPage{Email: st.Email, Recovery: recovery})
		code := r.PostForm.Get("code")
		if (!recovery && account.NormalizeCode(code) == "") || (recovery && strings.TrimSpace(code) == "") {
			v.Errors = append(v.Errors, web.FieldMessage{Field: "code", Message: v.T(missing)})
			return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_2fa_code", v)
		}
		if recovery {
			_, err = h.Accounts.VerifyRecoveryCode(r.Context(), st.ID, code)
		} else {
			_, err = h.Accounts.VerifyCode(r.Context(), st.ID, code)
		}
		switch {
		case errors.Is(err, account.ErrInvalidCode):
			h.site.Log.Warn("staff second factor refused", "request_id", web.RequestID(r), "staff_id", st.ID, "reason", "invalid "+how)
			v.Errors = append(v.Errors, web.FieldMessage{Field: "code", Message: v.T(wrong)})
			return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_2fa_code", v)
		case errors.Is(err, account.ErrLocked):
			return h.refuseLocked(w, r, sess, st)
		case errors.Is(err, account.ErrNotEnrolled):
			http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/2fa/einrichten", http.StatusSeeOther)
			return nil
		case err != nil:
			return err
		}
		if recovery {
			left, err := h.Accounts.Store.CountRecoveryCodes(r.Context(), st.ID)
			if err != nil {
				return err
			}
			h.site.Log.Info("staff recovery code used", "request_id", web.RequestID(r), "staff_id", st.ID, "unused_left", left)
		}
		return h.completeSignIn(w, r, sess, st, how)
	}
}

// enrolment returns the pending sign-in of someone without an
// authenticator and the secret of the one being set up, made on first use.
func (h *Handler) enrolment(w http.ResponseWriter, r *http.Request) (*account.Staff, *session.Session, string, bool, error) {
	st, sess, err := h.pendingSignIn(w, r)
	if err != nil || st == nil || staffFrom(r) != nil {
		if err == nil {
			h.backToSignIn(w, r)
		}
		return nil, nil, "", false, err
	}
	if enrolled, err := h.Accounts.Enrolled(r.Context(), st.ID); err != nil {
		return nil, nil, "", false, err
	} else if enrolled {
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/anmelden/code", http.StatusSeeOther)
		return nil, nil, "", false, nil
	}
	secret := sess.Get(pendingSecretKey)
	if secret == "" {
		secret = account.NewSecret()
		sess.Set(pendingSecretKey, secret)
		if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
			return nil, nil, "", false, err
		}
	}
	return st, sess, secret, true, nil
}

func (h *Handler) setupPage(r *http.Request, st *account.Staff, secret string) *web.View {
	return h.secondFactorView(r, "staff.2fa.setup.title", secondFactorPage{Email: st.Email, Secret: account.GroupSecret(secret),
		// Built by us from a base32 secret and an address checked at
		// account creation; html/template would refuse the scheme.
		URI: template.URL(account.OTPAuthURI(secret, st.Email))})
}

func (h *Handler) staffSetupForm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	st, _, secret, ok, err := h.enrolment(w, r)
	if err != nil || !ok {
		return err
	}
	return h.pages.Render(w, r, http.StatusOK, "staff_2fa_setup", h.setupPage(r, st, secret))
}

// staffSetupQR draws the key URI of the pending set-up as a QR code. Only
// the session that set it up gets it, and nothing may keep a copy.
func (h *Handler) staffSetupQR(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	st, sess, err := h.pendingSignIn(w, r)
	if err != nil {
		return err
	}
	secret := sess.Get(pendingSecretKey)
	if st == nil || secret == "" {
		return web.ErrNotFound
	}
	key, err := otp.NewKeyFromURL(account.OTPAuthURI(secret, st.Email))
	if err != nil {
		return err
	}
	img, err := key.Image(264, 264)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err = w.Write(buf.Bytes())
	return err
}

func (h *Handler) staffSetup(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	st, sess, secret, ok, err := h.enrolment(w, r)
	if err != nil || !ok {
		return err
	}
	v := h.setupPage(r, st, secret)
	code := r.PostForm.Get("code")
	if account.NormalizeCode(code) == "" {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "code", Message: v.T("staff.2fa.error.code_missing")})
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_2fa_setup", v)
	}
	_, codes, err := h.Accounts.Enrol(r.Context(), st.ID, secret, code)
	switch {
	case errors.Is(err, account.ErrInvalidCode):
		h.site.Log.Warn("staff second factor refused", "request_id", web.RequestID(r), "staff_id", st.ID, "reason", "invalid set-up code")
		v.Errors = append(v.Errors, web.FieldMessage{Field: "code", Message: v.T("staff.2fa.error.code_invalid")})
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_2fa_setup", v)
	case errors.Is(err, account.ErrLocked):
		return h.refuseLocked(w, r, sess, st)
	case errors.Is(err, account.ErrAlreadyEnrolled):
		// Set up meanwhile in another tab: this secret is void.
		sess.Delete(pendingSecretKey)
		if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
			return err
		}
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/anmelden/code", http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	h.site.Log.Info("staff second factor enrolled", "request_id", web.RequestID(r), "staff_id", st.ID)
	// Both factors are right; the person gets a fresh few minutes to write
	// the codes down before pressing on.
	sess.Delete(pendingSecretKey)
	sess.Set(pendingDoneKey, "1")
	sess.Set(pendingUntilKey, strconv.FormatInt(h.site.Now().Add(PendingSignInLifetime).Unix(), 10))
	if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	// The codes go into this response only, never into the session.
	v = h.secondFactorView(r, "staff.2fa.codes.title", secondFactorPage{Email: st.Email, Codes: codes, Continue: true})
	return h.pages.Render(w, r, http.StatusOK, "staff_2fa_codes", v)
}

// staffSetupDone completes the first sign-in after the recovery codes.
func (h *Handler) staffSetupDone(w http.ResponseWriter, r *http.Request) error {
	st, sess, err := h.pendingSignIn(w, r)
	if err != nil {
		return err
	}
	if st == nil || sess.Get(pendingDoneKey) != "1" || staffFrom(r) != nil {
		h.backToSignIn(w, r)
		return nil
	}
	return h.completeSignIn(w, r, sess, st, "totp set-up")
}

// staffRegenerateCodes replaces a signed-in administrator's recovery codes
// and shows the new ones once.
func (h *Handler) staffRegenerateCodes(w http.ResponseWriter, r *http.Request) error {
	st := staffFrom(r)
	if !st.NeedsSecondFactor() {
		return web.ErrForbidden
	}
	codes, err := h.Accounts.RegenerateRecoveryCodes(r.Context(), st.ID)
	if errors.Is(err, account.ErrNotEnrolled) {
		return web.ErrForbidden
	}
	if err != nil {
		return err
	}
	h.site.Log.Info("staff recovery codes regenerated", "request_id", web.RequestID(r), "staff_id", st.ID)
	return h.pages.Render(w, r, http.StatusOK, "staff_2fa_codes", h.secondFactorView(r, "staff.2fa.codes.title", secondFactorPage{Email: st.Email, Codes: codes}))
}

// secondFactorStatus is what the staff home shows about the second factor;
// nil for staff without one.
func (h *Handler) secondFactorStatus(r *http.Request) (map[string]int, error) {
	st := staffFrom(r)
	if !st.NeedsSecondFactor() {
		return nil, nil
	}
	if enrolled, err := h.Accounts.Enrolled(r.Context(), st.ID); err != nil || !enrolled {
		return nil, err
	}
	n, err := h.Accounts.Store.CountRecoveryCodes(r.Context(), st.ID)
	if err != nil {
		return nil, err
	}
	return map[string]int{"RecoveryCodesLeft": n}, nil
}
