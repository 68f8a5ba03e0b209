package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/session"
)

// Sign-in with BundID and the personal area. The SAML work is in
// internal/bundid; these handlers move the browser between the platform and
// the identity provider and keep the identity in the session.

const (
	sessionIdentity = "identity"
	sessionNameID   = "saml_nameid"
	sessionIndex    = "saml_session_index"
)

// citizenFrom returns the signed-in citizen, or nil.
func citizenFrom(r *http.Request) *identity.Identity {
	sess := session.FromContext(r.Context())
	if sess == nil || sess.Kind() != session.Citizen {
		return nil
	}
	var id identity.Identity
	if err := json.Unmarshal([]byte(sess.Get(sessionIdentity)), &id); err != nil || id.Subject == "" {
		return nil
	}
	return &id
}

func (s *Server) citizenSignIn(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("signin.title")
	level, err := identity.ParseLevel(r.URL.Query().Get("niveau"))
	if err != nil {
		level = identity.LevelNiedrig
	}
	id := citizenFrom(r)
	v.Data = map[string]any{"Enabled": s.BundID != nil, "Level": level.Key(), "Return": safeReturn(langOf(r), r.URL.Query().Get("weiter")),
		"Citizen": id, "Higher": id != nil && !id.Satisfies(level)}
	return s.render(w, r, http.StatusOK, "signin", v)
}

// citizenSignInStart builds the AuthnRequest and shows the form that posts
// it to the IdP (sent by app.js at once; without JavaScript by the button).
func (s *Server) citizenSignInStart(w http.ResponseWriter, r *http.Request) error {
	if s.BundID == nil {
		return errNotFound
	}
	level, err := identity.ParseLevel(r.PostFormValue("niveau"))
	if err != nil {
		level = identity.LevelNiedrig
	}
	ret := safeReturn(langOf(r), r.PostFormValue("weiter"))
	st, err := s.BundID.StartSignIn(r.Context(), level, ret)
	if err != nil {
		return err
	}
	v := s.newView(r, "")
	v.Title = v.T("signin.redirect.title")
	v.Data = map[string]string{"Action": st.Destination, "Field": "SAMLRequest", "Value": st.SAMLRequest, "RelayState": langOf(r).Code,
		"Text": v.T("signin.redirect.text"), "Button": v.T("signin.redirect.button")}
	v.NoFeedback = true
	return s.render(w, r, http.StatusOK, "saml_post", v)
}

var signInErrorKeys = []struct {
	err error
	key string
}{
	{bundid.ErrLevelTooLow, "signin.error.level"},
	{bundid.ErrUnknownRequest, "signin.error.expired"},
	{bundid.ErrReplay, "signin.error.expired"},
}

// acs receives the IdP's answer (POST from the IdP's page, possibly
// cross-site, so it carries no CSRF token; the single-use request ID and
// the signed, encrypted assertion take that role).
func (s *Server) acs(w http.ResponseWriter, r *http.Request) {
	lang := langFromCode(r.PostFormValue("RelayState"))
	r = withLang(r, lang)
	if s.BundID == nil {
		s.serveError(w, r, errNotFound)
		return
	}
	res, err := s.BundID.FinishSignIn(r.Context(), r)
	if err != nil {
		// The kind of refusal, never the person.
		s.Log.Warn("sign-in refused", "request_id", requestID(r), "reason", err.Error())
		key := "signin.error.generic"
		for _, e := range signInErrorKeys {
			if errors.Is(err, e.err) {
				key = e.key
			}
		}
		v := s.newView(r, "")
		v.Title = v.T("signin.error.title")
		v.Data = key
		if err := s.render(w, r, http.StatusForbidden, "signin_failed", v); err != nil {
			s.serveError(w, r, err)
		}
		return
	}
	raw, _ := json.Marshal(res.Identity)
	sess := session.FromContext(r.Context())
	owner := session.CitizenOwner(res.Identity.Subject)
	if err := s.Sessions.SignInCitizen(r.Context(), w, sess, owner,
		map[string]string{sessionIdentity: string(raw), sessionNameID: res.NameID, sessionIndex: res.SessionIndex}); err != nil {
		s.serveError(w, r, err)
		return
	}
	if res.NameID != "" && s.SAMLSessions != nil {
		// An IdP-initiated logout names the NameID; remember whose sessions
		// it opened (hashed), for as long as a citizen session can live.
		if err := s.SAMLSessions.RememberSAMLSession(r.Context(), bundid.NameIDKey(res.NameID), owner,
			s.Now().Add(session.Policies[session.Citizen].Absolute)); err != nil {
			s.serveError(w, r, err)
			return
		}
	}
	s.Log.Info("citizen signed in", "request_id", requestID(r), "level", res.Identity.Level.Key())
	target := res.ReturnTo
	if target == "" || target == "/" || target == "/"+lang.Code+"/" {
		target = "/" + lang.Code + "/konto"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Server) samlMetadata(w http.ResponseWriter, r *http.Request) {
	if s.BundID == nil {
		s.serveError(w, r, errNotFound)
		return
	}
	b, err := s.BundID.Metadata()
	if err != nil {
		s.serveError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(b)
}

// account is the personal area: consent to take over the BundID details,
// drafts, applications of the last 30 days, sign-out.
func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	id := citizenFrom(r)
	if id == nil {
		http.Redirect(w, r, "/"+langOf(r).Code+"/anmelden?weiter="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return nil
	}
	owner := session.FromContext(r.Context()).Owner()
	drafts, err := s.Drafts.List(r.Context(), owner)
	if err != nil {
		return err
	}
	apps, err := s.Drafts.Applications(r.Context(), owner)
	if err != nil {
		return err
	}
	v := s.newView(r, "")
	v.Title = v.T("account.title")
	names := map[string]string{}
	for _, d := range drafts {
		if svc, ok := s.Catalogue.BySlug(d.Service); ok {
			names[d.Service] = svc.View(v.Lang.Code).Title
		}
	}
	for _, a := range apps {
		if svc, ok := s.Catalogue.BySlug(a.Service); ok {
			names[a.Service] = svc.View(v.Lang.Code).Title
		}
	}
	v.Data = map[string]any{"ID": id, "Drafts": drafts, "Apps": apps, "Names": names,
		"Deleted": r.URL.Query().Get("ok") == "geloescht", "HasDetails": id.GivenName != "" || id.Surname != "" || id.BirthDate != "" || id.Street != "" || id.Email != ""}
	return s.render(w, r, http.StatusOK, "account", v)
}

// accountConsent records the person's decision to take over (or not) the
// BundID details into forms.
func (s *Server) accountConsent(w http.ResponseWriter, r *http.Request) error {
	id := citizenFrom(r)
	if id == nil {
		return errForbidden
	}
	sess := session.FromContext(r.Context())
	if r.PostFormValue("consent") == "yes" {
		id.Consented = s.Now()
	} else {
		id.Consented = time.Time{}
	}
	raw, _ := json.Marshal(id)
	sess.Set(sessionIdentity, string(raw))
	if err := s.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+langOf(r).Code+"/konto", http.StatusSeeOther)
	return nil
}

// draftDelete deletes one of the signed-in person's drafts.
func (s *Server) draftDelete(w http.ResponseWriter, r *http.Request) error {
	if citizenFrom(r) == nil {
		return errForbidden
	}
	err := s.Drafts.Delete(r.Context(), session.FromContext(r.Context()).Owner(), r.PathValue("id"))
	if errors.Is(err, draft.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/"+langOf(r).Code+"/konto?ok=geloescht", http.StatusSeeOther)
	return nil
}

func (s *Server) citizenSignOut(w http.ResponseWriter, r *http.Request) error {
	sess := session.FromContext(r.Context())
	var nameID, idx string
	if sess != nil && sess.Kind() == session.Citizen {
		nameID, idx = sess.Get(sessionNameID), sess.Get(sessionIndex)
		if r.PostFormValue("everywhere") == "1" {
			if err := s.Sessions.DestroyAllForOwner(r.Context(), sess.Owner()); err != nil {
				return err
			}
		}
	}
	if sess != nil {
		if err := s.Sessions.Destroy(r.Context(), w, sess); err != nil {
			return err
		}
	}
	// Signed out here first; then BundID is asked to end its session too.
	if nameID != "" && s.BundID != nil {
		st, err := s.BundID.StartLogout(r.Context(), nameID, idx)
		if err == nil {
			v := s.newView(r, "")
			v.Title = v.T("signout.redirect.title")
			v.Data = map[string]string{"Action": st.Destination, "Field": "SAMLRequest", "Value": st.SAMLRequest, "RelayState": langOf(r).Code,
				"Text": v.T("signout.redirect.text"), "Button": v.T("signin.redirect.button")}
			v.NoFeedback = true
			return s.render(w, r, http.StatusOK, "saml_post", v)
		}
		if !errors.Is(err, bundid.ErrNoSLO) {
			s.Log.Warn("single logout not started", "request_id", requestID(r), "reason", err.Error())
		}
	}
	http.Redirect(w, r, "/"+langOf(r).Code+"/", http.StatusSeeOther)
	return nil
}

// slo receives single-logout messages from the IdP: the answer to our
// LogoutRequest, or its own LogoutRequest when the person signed out at
// BundID (then every platform session of that BundID session ends).
func (s *Server) slo(w http.ResponseWriter, r *http.Request) {
	lang := langFromCode(r.PostFormValue("RelayState"))
	r = withLang(r, lang)
	if s.BundID == nil {
		s.serveError(w, r, errNotFound)
		return
	}
	if r.PostFormValue("SAMLRequest") != "" {
		ans, err := s.BundID.HandleLogoutRequest(r.Context(), r)
		if err != nil {
			s.Log.Warn("logout request refused", "request_id", requestID(r), "reason", err.Error())
			s.serveError(w, r, errBadRequest)
			return
		}
		owners, err := s.SAMLSessions.TakeSAMLSessionOwners(r.Context(), ans.NameIDKey)
		if err != nil {
			s.serveError(w, r, err)
			return
		}
		for _, o := range owners {
			if err := s.Sessions.DestroyAllForOwner(r.Context(), o); err != nil {
				s.serveError(w, r, err)
				return
			}
		}
		s.Log.Info("signed out by the identity provider", "request_id", requestID(r), "sessions", len(owners))
		v := s.newView(r, "")
		v.Title = v.T("signout.redirect.title")
		v.Data = map[string]string{"Action": ans.Destination, "Field": "SAMLResponse", "Value": ans.SAMLResponse, "RelayState": lang.Code,
			"Text": v.T("signout.redirect.text"), "Button": v.T("signin.redirect.button")}
		v.NoFeedback = true
		if err := s.render(w, r, http.StatusOK, "saml_post", v); err != nil {
			s.serveError(w, r, err)
		}
		return
	}
	if err := s.BundID.FinishLogout(r.Context(), r); err != nil {
		// The platform session is gone already; only BundID's answer failed.
		s.Log.Warn("logout response refused", "request_id", requestID(r), "reason", err.Error())
	}
	http.Redirect(w, r, "/"+lang.Code+"/", http.StatusSeeOther)
}

// langFromCode is the language a RelayState names, German otherwise.
func langFromCode(code string) i18n.Lang {
	if l, ok := i18n.Lookup(code); ok {
		return l
	}
	l, _ := i18n.Lookup(i18n.Default)
	return l
}

func withLang(r *http.Request, l i18n.Lang) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), ctxLang, l))
}
