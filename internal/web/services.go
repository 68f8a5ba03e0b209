package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/office"
)

// serviceItem is a service in a list, in the reader's language where there
// is a text in it.
type serviceItem struct {
	*content.Service
	Title, Summary, Lang, Href string
}

type serviceList struct {
	Lang  string
	Items []serviceItem
}

func (s *Server) serviceItems(lang string, keep func(*content.Service) bool) []serviceItem {
	var out []serviceItem
	for _, svc := range s.Catalogue.Services {
		if keep != nil && !keep(svc) {
			continue
		}
		v := svc.View(lang)
		out = append(out, serviceItem{Service: svc, Title: v.Title, Summary: v.Summary, Lang: v.Lang, Href: "/" + lang + "/leistungen/" + svc.Slug})
	}
	return out
}

// areaOrder is the order of the life areas on the overview.
var areaOrder = []string{"grundsicherung", "arbeit", "wohnen", "familie", "alter", "gesundheit", "migration", "beratung"}

type serviceGroup struct {
	Key   string
	Items []serviceItem
}

// benefits lists every service by life area.
func (s *Server) benefits(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("benefits.title")
	v.Desc = v.T("benefits.description")
	var groups []serviceGroup
	for _, a := range areaOrder {
		items := s.serviceItems(v.Lang.Code, func(svc *content.Service) bool { return svc.Area == a })
		if len(items) > 0 {
			groups = append(groups, serviceGroup{Key: "area." + a, Items: items})
		}
	}
	v.Data = groups
	v.Cacheable = true
	return s.render(w, r, http.StatusOK, "benefits", v)
}

// applyOverview is the "Antrag stellen" page: what can be applied for here,
// what elsewhere, and counselling.
func (s *Server) applyOverview(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("apply.title")
	v.Desc = v.T("apply.description")
	kind := func(k string) func(*content.Service) bool {
		return func(svc *content.Service) bool { return svc.Kind == k }
	}
	v.Data = []serviceGroup{
		{Key: "apply.here", Items: s.serviceItems(v.Lang.Code, kind(content.KindApplication))},
		{Key: "apply.external", Items: s.serviceItems(v.Lang.Code, kind(content.KindExternal))},
		{Key: "apply.counselling", Items: s.serviceItems(v.Lang.Code, kind(content.KindCounselling))},
	}
	v.Cacheable = true
	return s.render(w, r, http.StatusOK, "apply", v)
}

// placeResult is the outcome of the "Dahin kann ich mich wenden" box.
type placeResult struct {
	Query   string // as typed, shown again in the field
	Choices []placeChoice
	Place   *placeView
	Matches []office.Match
	// NoOffice: the place is known but no office is recorded for it.
	NoOffice bool
}

type placeChoice struct {
	Label, Query string
}

type placeView struct {
	*geo.Place
	ARS       string
	Level     geo.Level
	KreisName string
}

// Label is how a place is named in lists: "Troisdorf (53840, 53842 …)".
func (p placeView) Label() string { return placeLabel(p.Place, "") }

func placeLabel(p *geo.Place, kreisName string) string {
	var b strings.Builder
	b.WriteString(p.Name)
	if len(p.Postcodes) > 0 && !p.IsKreis {
		b.WriteString(" (")
		for i, c := range p.Postcodes {
			if i == 3 {
				b.WriteString(" …")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c)
		}
		b.WriteString(")")
	}
	if kreisName != "" {
		b.WriteString(" – " + kreisName)
	}
	return b.String()
}

// choiceQuery is what a choice sends back: postcode and name select exactly
// one place, and read well in the address bar.
func choiceQuery(p *geo.Place) string {
	if p.IsKreis || len(p.Postcodes) == 0 {
		return p.Name
	}
	return p.Postcodes[0] + " " + p.Name
}

var placeErrorKeys = map[error]string{
	geo.ErrEmpty:          "place.error.empty",
	geo.ErrTooLong:        "place.error.too_long",
	geo.ErrPostcodeFormat: "place.error.postcode",
	geo.ErrCharacters:     "place.error.characters",
	geo.ErrNotFound:       "place.error.not_found",
}

// resolvePlace runs the place look-up for the box; a message key is
// returned for bad input.
func (s *Server) resolvePlace(q string) (*placeResult, string) {
	res := &placeResult{Query: q}
	found, err := s.Places.Lookup(q, 30)
	if err != nil {
		for e, key := range placeErrorKeys {
			if errors.Is(err, e) {
				return res, key
			}
		}
		return res, "place.error.not_found"
	}
	if len(found.Places) > 1 {
		for _, p := range found.Places {
			kn := ""
			if k, ok := s.Places.Kreis(p.Kreis); ok && !p.IsKreis {
				kn = k.Name
			}
			res.Choices = append(res.Choices, placeChoice{Label: placeLabel(p, kn), Query: choiceQuery(p)})
		}
		return res, ""
	}
	p := found.Places[0]
	ars, lvl := s.Places.ARS(p)
	pv := &placeView{Place: p, ARS: ars, Level: lvl}
	if k, ok := s.Places.Kreis(p.Kreis); ok {
		pv.KreisName = k.Name
	}
	res.Place = pv
	return res, ""
}

// servicePage is a benefit's page with the office finder.
func (s *Server) servicePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	svc, ok := s.Catalogue.BySlug(id)
	if !ok {
		if byOZG, found := s.Catalogue.ByOZG(id); found {
			target := "/" + langOf(r).Code + "/leistungen/" + byOZG.Slug
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return nil
		}
		return errNotFound
	}
	v := s.newView(r, "")
	view := svc.View(v.Lang.Code)
	v.Title, v.Desc = view.Title, view.Summary
	if view.FellBack {
		v.FellBack = true
	}
	data := &servicePageData{View: view}
	v.Data = data
	q, asked := r.URL.Query()["ort"]
	if !asked {
		v.Cacheable = true
		return s.render(w, r, http.StatusOK, "service", v)
	}
	res, msgKey := s.resolvePlace(strings.Join(q, " "))
	data.Result = res
	status := http.StatusOK
	if msgKey != "" {
		v.Errors = append(v.Errors, FieldMessage{Field: "ort", Message: v.T(msgKey)})
		status = http.StatusUnprocessableEntity
	} else if res.Place != nil && len(svc.LeiKa) > 0 && res.Place.ARS != "" {
		ms, err := s.Offices.Find(r.Context(), svc.LeiKaIDs(), res.Place.ARS, svc.Kind == content.KindApplication)
		if err != nil {
			return err
		}
		res.Matches = ms
		res.NoOffice = len(ms) == 0
	} else if res.Place != nil {
		res.NoOffice = true
	}
	return s.render(w, r, status, "service", v)
}

type servicePageData struct {
	View   content.ServiceView
	Result *placeResult
}

// ApplyURL is where Fall 1's button leads.
func (d *servicePageData) ApplyURL(lang string) string {
	q := url.Values{"ars": {d.Result.Place.ARS}, "ort": {d.Result.Query}}
	return "/" + lang + "/antrag/" + d.View.Slug + "?" + q.Encode()
}

// applyStart is the first page of an application, reached from Fall 1. The
// case is checked again here: a link cannot make an application possible
// where the office cannot receive it.
func (s *Server) applyStart(w http.ResponseWriter, r *http.Request) error {
	if _, ok := s.Forms[r.PathValue("slug")]; ok {
		// /{lang}/antrag/{LeiKa-ID}: the application assistant itself.
		return s.formEntry(w, r)
	}
	svc, ok := s.Catalogue.BySlug(r.PathValue("slug"))
	if !ok || svc.Kind != content.KindApplication {
		return errNotFound
	}
	if id := r.URL.Query().Get("entwurf"); id != "" {
		return s.resumeDraft(w, r, svc, id)
	}
	back := "/" + langOf(r).Code + "/leistungen/" + svc.Slug
	ars := r.URL.Query().Get("ars")
	if len(office.Areas(ars)) == 0 {
		http.Redirect(w, r, back+"#stelle", http.StatusSeeOther)
		return nil
	}
	ms, err := s.Offices.Find(r.Context(), svc.LeiKaIDs(), ars, true)
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
		http.Redirect(w, r, "/"+langOf(r).Code+"/anmelden?"+url.Values{"niveau": {need.Key()}, "weiter": {r.URL.Path}}.Encode(), http.StatusSeeOther)
		return nil
	}
	v := s.newView(r, "")
	view := svc.View(v.Lang.Code)
	v.Title = v.T("applystart.title", "service", view.Title)
	formURL := ""
	for _, id := range svc.LeiKaIDs() {
		if _, ok := s.Forms[id]; ok {
			formURL = "/" + v.Lang.Code + "/antrag/" + id + "?" + url.Values{"ars": {ars}}.Encode()
			break
		}
	}
	v.Data = struct {
		View    content.ServiceView
		Match   *office.Match
		Back    string
		Signed  bool
		FormURL string
	}{view, m, back, citizenFrom(r) != nil, formURL}
	return s.render(w, r, http.StatusOK, "apply_start", v)
}

// officeFinder is the stand-alone "Zuständige Stelle finden" page: choose a
// service and a place, land on the service's page with the answer.
func (s *Server) officeFinder(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("officefinder.title")
	v.Desc = v.T("officefinder.description")
	qs := r.URL.Query()
	slug, place := qs.Get("leistung"), strings.TrimSpace(qs.Get("ort"))
	data := struct {
		Items   []serviceItem
		Service string
		Ort     string
	}{s.serviceItems(v.Lang.Code, func(svc *content.Service) bool { return len(svc.LeiKa) > 0 }), slug, place}
	v.Data = data
	if len(qs) == 0 {
		v.Cacheable = true
		return s.render(w, r, http.StatusOK, "office_finder", v)
	}
	if _, ok := s.Catalogue.BySlug(slug); !ok {
		v.Errors = append(v.Errors, FieldMessage{Field: "leistung", Message: v.T("officefinder.error.service")})
	}
	if place == "" {
		v.Errors = append(v.Errors, FieldMessage{Field: "ort", Message: v.T("place.error.empty")})
	}
	if len(v.Errors) > 0 {
		return s.render(w, r, http.StatusUnprocessableEntity, "office_finder", v)
	}
	http.Redirect(w, r, "/"+v.Lang.Code+"/leistungen/"+slug+"?"+url.Values{"ort": {place}}.Encode()+"#stelle", http.StatusSeeOther)
	return nil
}

// searchPage is the site search.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("search.title")
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 200 {
		q = string([]rune(q)[:200])
	}
	data := struct {
		Query string
		Asked bool
		Hits  any
	}{Query: q, Asked: r.URL.Query().Has("q")}
	if q != "" {
		data.Hits = s.Search.Search(v.Lang.Code, q, 20)
	} else if data.Asked {
		v.Errors = append(v.Errors, FieldMessage{Field: "q", Message: v.T("search.error.empty")})
	}
	if !data.Asked {
		v.Cacheable = true
	}
	v.Data = data
	return s.render(w, r, http.StatusOK, "search", v)
}
