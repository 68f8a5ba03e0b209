package citizen

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Sign-in with BundID and the personal area. The SAML work is in
// internal/bundid; these handlers move the browser between the platform and
// the identity provider and keep the identity in the session.

const (
	sessionIdentity = "identity"
	sessionNameID   = "saml_nameid"
	sessionIndex    = "saml_session_index"
)

// FromSession reads the signed-in citizen from a citizen session, or nil;
// the wiring gives it to the kit as Site.CitizenOf.
func FromSession(sess *session.Session) any {
	if sess == nil || sess.Kind() != session.Citizen {
		return nil
	}
	var id identity.Identity
	if err := json.Unmarshal([]byte(sess.Get(sessionIdentity)), &id); err != nil || id.Subject == "" {
		return nil
	}
	return &id
}

// citizenFrom returns the signed-in citizen, or nil.
func citizenFrom(r *http.Request) *identity.Identity {
	id, _ := web.CitizenOf(r).(*identity.Identity)
	return id
}

func (h *Handler) citizenSignIn(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("signin.title")
	level, err := identity.ParseLevel(r.URL.Query().Get("niveau"))
	if err != nil {
		level = identity.LevelNiedrig
	}
	id := citizenFrom(r)
	// A sign-in that ended by itself: say so, and where the draft is.
	sess := session.FromContext(r.Context())
	expired := id == nil && (r.URL.Query().Get("abgelaufen") == "1" || (sess != nil && sess.CitizenExpired()))
	v.Data = map[string]any{"Enabled": h.BundID != nil, "Level": level.Key(), "Return": web.SafeReturn(web.Lang(r), r.URL.Query().Get("weiter")),
		"Citizen": id, "Higher": id != nil && !id.Satisfies(level), "Expired": expired,
		"IdleMinutes": int(session.Policies[session.Citizen].Idle.Minutes())}
	return h.pages.Render(w, r, http.StatusOK, "signin", v)
}

// citizenSignInStart builds the AuthnRequest and shows the form that posts
// it to the IdP (sent by app.js at once; without JavaScript by the button).
func (h *Handler) citizenSignInStart(w http.ResponseWriter, r *http.Request) error {
	if h.BundID == nil {
		return web.ErrNotFound
	}
	level, err := identity.ParseLevel(r.PostFormValue("niveau"))
	if err != nil {
		level = identity.LevelNiedrig
	}
	ret := web.SafeReturn(web.Lang(r), r.PostFormValue("weiter"))
	st, err := h.BundID.StartSignIn(w, r, level, ret)
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("signin.redirect.title")
	v.Data = map[string]string{"Action": st.Destination, "Field": "SAMLRequest", "Value": st.SAMLRequest, "RelayState": web.Lang(r).Code,
		"Text": v.T("signin.redirect.text"), "Button": v.T("signin.redirect.button")}
	v.NoFeedback = true
	return h.pages.Render(w, r, http.StatusOK, "saml_post", v)
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
// cross-site, so it carries no CSRF token; the single-use request ID bound
// to this browser's binding cookie and the signed, encrypted assertion take
// that role: see bundid.BindingCookie).
func (h *Handler) acs(w http.ResponseWriter, r *http.Request) {
	lang := web.LangFromCode(r.PostFormValue("RelayState"))
	r = web.WithLang(r, lang)
	if h.BundID == nil {
		h.site.ServeError(w, r, web.ErrNotFound)
		return
	}
	res, err := h.BundID.FinishSignIn(r.Context(), r)
	if err != nil {
		// The kind of refusal, never the person.
		h.site.Log.Warn("sign-in refused", "request_id", web.RequestID(r), "reason", err.Error())
		key := "signin.error.generic"
		for _, e := range signInErrorKeys {
			if errors.Is(err, e.err) {
				key = e.key
			}
		}
		v := h.site.NewView(r, "")
		v.Title = v.T("signin.error.title")
		v.Data = key
		if err := h.pages.Render(w, r, http.StatusForbidden, "signin_failed", v); err != nil {
			h.site.ServeError(w, r, err)
		}
		return
	}
	raw, _ := json.Marshal(res.Identity)
	sess := session.FromContext(r.Context())
	owner := session.CitizenOwner(res.Identity.Subject)
	if err := h.site.Sessions.SignInCitizen(r.Context(), w, sess, owner,
		map[string]string{sessionIdentity: string(raw), sessionNameID: res.NameID, sessionIndex: res.SessionIndex}); err != nil {
		h.site.ServeError(w, r, err)
		return
	}
	if res.NameID != "" && h.SAMLSessions != nil {
		// An IdP-initiated logout names the NameID; remember whose sessions
		// it opened (hashed), for as long as a citizen session can live.
		if err := h.SAMLSessions.RememberSAMLSession(r.Context(), bundid.NameIDKey(res.NameID), owner,
			h.site.Now().Add(session.Policies[session.Citizen].Absolute)); err != nil {
			h.site.ServeError(w, r, err)
			return
		}
	}
	h.site.Log.Info("citizen signed in", "request_id", web.RequestID(r), "level", res.Identity.Level.Key())
	target := res.ReturnTo
	if target == "" || target == "/" || target == "/"+lang.Code+"/" {
		target = "/" + lang.Code + "/konto"
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (h *Handler) samlMetadata(w http.ResponseWriter, r *http.Request) {
	if h.BundID == nil {
		h.site.ServeError(w, r, web.ErrNotFound)
		return
	}
	b, err := h.BundID.Metadata()
	if err != nil {
		h.site.ServeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Write(b)
}

// account is the personal area: consent to take over the BundID details,
// drafts, applications of the last 30 days, sign-out.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) error {
	id := citizenFrom(r)
	if id == nil {
		q := url.Values{"weiter": {r.URL.Path}}
		if sess := session.FromContext(r.Context()); sess != nil && sess.CitizenExpired() {
			q.Set("abgelaufen", "1")
		}
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/anmelden?"+q.Encode(), http.StatusSeeOther)
		return nil
	}
	owner := session.FromContext(r.Context()).Owner()
	drafts, err := h.Drafts.List(r.Context(), owner)
	if err != nil {
		return err
	}
	apps, err := h.Drafts.Applications(r.Context(), owner)
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("account.title")
	names := map[string]string{}
	for _, d := range drafts {
		if svc, ok := h.Catalogue.BySlug(d.Service); ok {
			names[d.Service] = svc.View(v.Lang.Code).Title
		}
	}
	for _, a := range apps {
		if svc, ok := h.Catalogue.BySlug(a.Service); ok {
			names[a.Service] = svc.View(v.Lang.Code).Title
		}
	}
	v.Data = map[string]any{"ID": id, "Drafts": drafts, "Apps": apps, "Names": names, "Session": SessionNotice(r, "/"+v.Lang.Code+"/konto"),
		"Deleted": r.URL.Query().Get("ok") == "geloescht", "HasDetails": id.GivenName != "" || id.Surname != "" || id.BirthDate != "" || id.Street != "" || id.Email != ""}
	return h.pages.Render(w, r, http.StatusOK, "account", v)
}

// accountConsent records the person's decision to take over (or not) the
// BundID details into forms.
func (h *Handler) accountConsent(w http.ResponseWriter, r *http.Request) error {
	id := citizenFrom(r)
	if id == nil {
		return web.ErrForbidden
	}
	sess := session.FromContext(r.Context())
	if r.PostFormValue("consent") == "yes" {
		id.Consented = h.site.Now()
	} else {
		id.Consented = time.Time{}
	}
	raw, _ := json.Marshal(id)
	sess.Set(sessionIdentity, string(raw))
	if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/konto", http.StatusSeeOther)
	return nil
}

// draftDelete deletes one of the signed-in person's drafts.
func (h *Handler) draftDelete(w http.ResponseWriter, r *http.Request) error {
	if citizenFrom(r) == nil {
		return web.ErrForbidden
	}
	err := h.Drafts.Delete(r.Context(), session.FromContext(r.Context()).Owner(), r.PathValue("id"))
	if errors.Is(err, draft.ErrNotFound) {
		return web.ErrNotFound
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/konto?ok=geloescht", http.StatusSeeOther)
	return nil
}

func (h *Handler) citizenSignOut(w http.ResponseWriter, r *http.Request) error {
	sess := session.FromContext(r.Context())
	var nameID, idx string
	if sess != nil && sess.Kind() == session.Citizen {
		nameID, idx = sess.Get(sessionNameID), sess.Get(sessionIndex)
		if r.PostFormValue("everywhere") == "1" {
			if err := h.site.Sessions.DestroyAllForOwner(r.Context(), sess.Owner()); err != nil {
				return err
			}
		}
	}
	if sess != nil {
		if err := h.site.Sessions.Destroy(r.Context(), w, sess); err != nil {
			return err
		}
	}
	// Signed out here first; then BundID is asked to end its session too.
	if nameID != "" && h.BundID != nil {
		st, err := h.BundID.StartLogout(r.Context(), nameID, idx)
		if err == nil {
			v := h.site.NewView(r, "")
			v.Title = v.T("signout.redirect.title")
			v.Data = map[string]string{"Action": st.Destination, "Field": "SAMLRequest", "Value": st.SAMLRequest, "RelayState": web.Lang(r).Code,
				"Text": v.T("signout.redirect.text"), "Button": v.T("signin.redirect.button")}
			v.NoFeedback = true
			return h.pages.Render(w, r, http.StatusOK, "saml_post", v)
		}
		if !errors.Is(err, bundid.ErrNoSLO) {
			h.site.Log.Warn("single logout not started", "request_id", web.RequestID(r), "reason", err.Error())
		}
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/", http.StatusSeeOther)
	return nil
}

// slo receives single-logout messages from the IdP: the answer to our
// LogoutRequest, or its own LogoutRequest when the person signed out at
// BundID (then every platform session of that BundID session ends).
func (h *Handler) slo(w http.ResponseWriter, r *http.Request) {
	lang := web.LangFromCode(r.PostFormValue("RelayState"))
	r = web.WithLang(r, lang)
	if h.BundID == nil {
		h.site.ServeError(w, r, web.ErrNotFound)
		return
	}
	if r.PostFormValue("SAMLRequest") != "" {
		ans, err := h.BundID.HandleLogoutRequest(r.Context(), r)
		if err != nil {
			h.site.Log.Warn("logout request refused", "request_id", web.RequestID(r), "reason", err.Error())
			h.site.ServeError(w, r, web.ErrBadRequest)
			return
		}
		owners, err := h.SAMLSessions.TakeSAMLSessionOwners(r.Context(), ans.NameIDKey)
		if err != nil {
			h.site.ServeError(w, r, err)
			return
		}
		for _, o := range owners {
			if err := h.site.Sessions.DestroyAllForOwner(r.Context(), o); err != nil {
				h.site.ServeError(w, r, err)
				return
			}
		}
		h.site.Log.Info("signed out by the identity provider", "request_id", web.RequestID(r), "sessions", len(owners))
		v := h.site.NewView(r, "")
		v.Title = v.T("signout.redirect.title")
		v.Data = map[string]string{"Action": ans.Destination, "Field": "SAMLResponse", "Value": ans.SAMLResponse, "RelayState": lang.Code,
			"Text": v.T("signout.redirect.text"), "Button": v.T("signin.redirect.button")}
		v.NoFeedback = true
		if err := h.pages.Render(w, r, http.StatusOK, "saml_post", v); err != nil {
			h.site.ServeError(w, r, err)
		}
		return
	}
	if err := h.BundID.FinishLogout(r.Context(), r); err != nil {
		// The platform session is gone already; only BundID's answer failed.
		h.site.Log.Warn("logout response refused", "request_id", web.RequestID(r), "reason", err.Error())
	}
	http.Redirect(w, r, "/"+lang.Code+"/", http.StatusSeeOther)
}

// Staying signed in (WCAG 2.2.1): a signed-in session ends after
// session.Policies[Citizen].Idle without a request. Every page of the
// personal area and of an application says how long that is; with
// JavaScript a warning appears some minutes before the end with a button
// that posts here; without JavaScript the same button is a plain form that
// comes back to the page it was pressed on.

// WarnBefore is how long before the end of a signed-in session the warning
// appears.
const WarnBefore = 5 * time.Minute

// Notice is what a page shows about the sign-in's idle limit.
type Notice struct {
	IdleMinutes int // the limit, for the sentence every page shows
	IdleSeconds int // for the script: the end, counted from the page's arrival
	WarnSeconds int // for the script: how long before the end it warns
	WarnMinutes int
	Action      string // where "Angemeldet bleiben" posts
	Return      string // the page to come back to without JavaScript
}

// SessionNotice is the notice for a page of a signed-in citizen, nil for
// anybody else. back is the page's own address.
func SessionNotice(r *http.Request, back string) *Notice {
	sess := session.FromContext(r.Context())
	if citizenFrom(r) == nil || sess == nil {
		return nil
	}
	idle := sess.IdleLimit()
	return &Notice{IdleMinutes: int(idle.Minutes()), IdleSeconds: int(idle.Seconds()), WarnSeconds: int(WarnBefore.Seconds()), WarnMinutes: int(WarnBefore.Minutes()),
		Action: "/" + web.Lang(r).Code + "/konto/sitzung", Return: back}
}

// extendSession is "Angemeldet bleiben": it moves the idle deadline of a
// signed-in session. A script gets 204 (or 401 when the sign-in has ended);
// a form goes back to the page it came from, or to the sign-in with the
// expiry notice.
func (h *Handler) extendSession(w http.ResponseWriter, r *http.Request) error {
	lang := web.Lang(r)
	script := r.Header.Get("X-Requested-With") != ""
	sess := session.FromContext(r.Context())
	if citizenFrom(r) == nil || sess == nil {
		if script {
			w.WriteHeader(http.StatusUnauthorized)
			return nil
		}
		http.Redirect(w, r, "/"+lang.Code+"/anmelden?"+url.Values{"abgelaufen": {"1"}, "weiter": {"/" + lang.Code + "/konto"}}.Encode(), http.StatusSeeOther)
		return nil
	}
	sess.Touch()
	if err := h.site.Sessions.Save(r.Context(), w, sess); err != nil {
		return err
	}
	if script {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	http.Redirect(w, r, web.SafeReturn(lang, r.PostFormValue("weiter")), http.StatusSeeOther)
	return nil
}
