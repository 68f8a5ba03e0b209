package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

type signInForm struct {
	Email string
	// Expired: a pending second step took too long (staff_2fa.go).
	Expired bool
}

func (s *Server) staffSignInForm(w http.ResponseWriter, r *http.Request) error {
	if staffFrom(r) != nil {
		http.Redirect(w, r, "/"+langOf(r).Code+"/intern/", http.StatusSeeOther)
		return nil
	}
	v := s.newView(r, "")
	v.Title = v.T("staff.signin.title")
	v.Data = signInForm{Expired: r.URL.Query().Get("abgelaufen") == "1"}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "staff_signin", v)
}

func (s *Server) staffSignIn(w http.ResponseWriter, r *http.Request) error {
	l := langOf(r)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	v := s.newView(r, "")
	v.Title = v.T("staff.signin.title")
	v.Data = signInForm{Email: email}
	w.Header().Set("Cache-Control", "no-store")
	if email == "" {
		v.Errors = append(v.Errors, FieldMessage{Field: "email", Message: v.T("staff.signin.error.email_missing")})
	}
	if password == "" {
		v.Errors = append(v.Errors, FieldMessage{Field: "password", Message: v.T("staff.signin.error.password_missing")})
	}
	if len(v.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "staff_signin", v)
	}
	st, err := s.Accounts.Authenticate(r.Context(), email, password)
	switch {
	case errors.Is(err, account.ErrInvalidLogin):
		s.Log.Warn("staff sign-in refused", "request_id", requestID(r), "reason", "invalid credentials")
		v.Errors = append(v.Errors, FieldMessage{Field: "email", Message: v.T("staff.signin.error.invalid")})
		return s.render(w, r, http.StatusUnauthorized, "staff_signin", v)
	case errors.Is(err, account.ErrLocked):
		s.Log.Warn("staff sign-in refused", "request_id", requestID(r), "reason", "locked")
		v.Errors = append(v.Errors, FieldMessage{Field: "email", Message: v.N("staff.signin.error.locked", int(account.LockDuration.Minutes()))})
		return s.render(w, r, http.StatusTooManyRequests, "staff_signin", v)
	case err != nil:
		return err
	}
	if st.NeedsSecondFactor() {
		return s.startSecondFactor(w, r, st)
	}
	if err := s.Sessions.SignInStaff(r.Context(), w, session.FromContext(r.Context()), st.ID); err != nil {
		return err
	}
	s.Log.Info("staff signed in", "request_id", requestID(r), "staff_id", st.ID, "role", string(st.Role))
	http.Redirect(w, r, "/"+l.Code+"/intern/", http.StatusSeeOther)
	return nil
}

func (s *Server) staffSignOut(w http.ResponseWriter, r *http.Request) error {
	sess := session.FromContext(r.Context())
	if st := staffFrom(r); st != nil && r.PostForm.Get("everywhere") == "1" {
		if err := s.Sessions.DestroyAllForStaff(r.Context(), st.ID); err != nil {
			return err
		}
	}
	if err := s.Sessions.Destroy(r.Context(), w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+langOf(r).Code+"/intern/anmelden?abgemeldet=1", http.StatusSeeOther)
	return nil
}

func (s *Server) staffHome(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("staff.home.title")
	runs, err := s.Store.LastRetentionRuns(r.Context())
	if err != nil {
		return err
	}
	sf, err := s.secondFactorStatus(r)
	if err != nil {
		return err
	}
	a := actorFrom(r)
	v.Data = map[string]any{"Rules": retention.Rules, "Runs": runs, "MailCatcher": s.Config.DevMailCatcher, "SecondFactor": sf,
		"Centres": a.CanEditCentres(), "Requests": a.Role == counselling.RoleSystemAdmin}
	return s.render(w, r, http.StatusOK, "staff_home", v)
}

func (s *Server) mailCatcher(w http.ResponseWriter, r *http.Request) error {
	mails, err := s.Store.ListCaughtMail(r.Context(), 100)
	if err != nil {
		return err
	}
	v := s.newView(r, "")
	v.Title = v.T("dev.mail.title")
	v.Data = mails
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "dev_mail", v)
}

func (s *Server) caughtMail(w http.ResponseWriter, r *http.Request) error {
	m, err := s.Store.FindCaughtMail(r.Context(), r.PathValue("id"))
	if err != nil {
		return errNotFound
	}
	v := s.newView(r, "")
	v.Title = m.Subject
	v.Data = m
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, r, http.StatusOK, "dev_mail_one", v)
}
