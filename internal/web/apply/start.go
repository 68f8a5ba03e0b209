package apply

import (
	"net/http"
	"net/url"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// applyOverview is the "Antrag stellen" page: what can be applied for here,
// what elsewhere, and counselling.
func (h *Handler) applyOverview(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("apply.title")
	v.Desc = v.T("apply.description")
	kind := func(k string) func(*content.Service) bool {
		return func(svc *content.Service) bool { return svc.Kind == k }
	}
	v.Data = []serviceGroup{
		{Key: "apply.here", Items: h.Catalogue.List(v.Lang.Code, kind(content.KindApplication))},
		{Key: "apply.external", Items: h.Catalogue.List(v.Lang.Code, kind(content.KindExternal))},
		{Key: "apply.counselling", Items: h.Catalogue.List(v.Lang.Code, kind(content.KindCounselling))},
	}
	v.Cacheable = true
	return h.pages.Render(w, r, http.StatusOK, "apply", v)
}

// applyStart is the first page of an application, reached from Fall 1. The
// case is checked again here: a link cannot make an application possible
// where the office cannot receive it.
func (h *Handler) applyStart(w http.ResponseWriter, r *http.Request) error {
	if _, ok := h.Forms[r.PathValue("slug")]; ok {
		// /{lang}/antrag/{LeiKa-ID}: the application assistant itself.
		w.Header().Set("Cache-Control", "no-store") // the application's own pages are personal
		return h.formEntry(w, r)
	}
	svc, ok := h.Catalogue.BySlug(r.PathValue("slug"))
	if !ok || svc.Kind != content.KindApplication {
		return web.ErrNotFound
	}
	if id := r.URL.Query().Get("entwurf"); id != "" {
		return h.resumeDraft(w, r, svc, id)
	}
	back := "/" + web.Lang(r).Code + "/leistungen/" + svc.Slug
	ars := r.URL.Query().Get("ars")
	if len(office.Areas(ars)) == 0 {
		http.Redirect(w, r, back+"#stelle", http.StatusSeeOther)
		return nil
	}
	ms, err := h.Offices.Find(r.Context(), svc.LeiKaIDs(), ars, true)
	if err != nil {
		return err
	}
	var m *office.Match
	for i := range ms {
		if ms[i].Case == office.CaseApplyHere {
			m = &ms[i]
			break
		}
	}
	if m == nil {
		http.Redirect(w, r, back+"?"+url.Values{"ort": {r.URL.Query().Get("ort")}}.Encode()+"#stelle", http.StatusSeeOther)
		return nil
	}
	// A signed-in person below the service's trust level signs in again at
	// the level needed; the application then continues here.
	need := identity.LevelNiedrig
	if svc.MinLevel != "" {
		need, _ = identity.ParseLevel(svc.MinLevel)
	}
	if id := citizenFrom(r); id != nil && !id.Satisfies(need) {
		http.Redirect(w, r, "/"+web.Lang(r).Code+"/anmelden?"+url.Values{"niveau": {need.Key()}, "weiter": {r.URL.Path}}.Encode(), http.StatusSeeOther)
		return nil
	}
	v := h.site.NewView(r, "")
	view := svc.View(v.Lang.Code)
	v.Title = v.T("applystart.title", "service", view.Title)
	formURL := ""
	for _, id := range svc.LeiKaIDs() {
		if _, ok := h.Forms[id]; ok {
			formURL = "/" + v.Lang.Code + "/antrag/" + id + "?" + url.Values{"ars": {ars}}.Encode()
			break
		}
	}
	// Signing in from here leads back into the application (the form, or
	// this page while there is none), not to the personal area.
	ret := formURL
	if ret == "" {
		ret = r.URL.RequestURI()
	}
	signIn := "/" + v.Lang.Code + "/anmelden?" + url.Values{"weiter": {web.SafeReturn(v.Lang, ret)}}.Encode()
	v.Data = struct {
		View    content.ServiceView
		Match   *office.Match
		Back    string
		Signed  bool
		FormURL string
		SignIn  string
	}{view, m, back, citizenFrom(r) != nil, formURL, signIn}
	return h.pages.Render(w, r, http.StatusOK, "apply_start", v)
}

// signInExpired sends a person whose BundID sign-in ended by itself (30
// minutes without a request) to the sign-in page, which says so and that
// the draft saved at their last step is in the personal area; after
// signing in again they land there. It reports whether it did.
func (h *Handler) signInExpired(w http.ResponseWriter, r *http.Request) bool {
	sess := session.FromContext(r.Context())
	if sess == nil || !sess.CitizenExpired() || h.Drafts == nil {
		return false
	}
	lang := web.Lang(r).Code
	http.Redirect(w, r, "/"+lang+"/anmelden?"+url.Values{"abgelaufen": {"1"}, "weiter": {"/" + lang + "/konto"}}.Encode(), http.StatusSeeOther)
	return true
}
