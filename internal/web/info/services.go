package info

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// areaOrder is the order of the life areas on the overview.
var areaOrder = []string{"grundsicherung", "arbeit", "wohnen", "familie", "alter", "gesundheit", "migration", "beratung"}

type serviceGroup struct {
	Key   string
	Items []content.ListItem
}

// benefits lists every service by life area.
func (h *Handler) benefits(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("benefits.title")
	v.Desc = v.T("benefits.description")
	var groups []serviceGroup
	for _, a := range areaOrder {
		items := h.Catalogue.List(v.Lang.Code, func(svc *content.Service) bool { return svc.Area == a })
		if len(items) > 0 {
			groups = append(groups, serviceGroup{Key: "area." + a, Items: items})
		}
	}
	v.Data = groups
	v.Cacheable = true
	return h.pages.Render(w, r, http.StatusOK, "benefits", v)
}

// placeResult is the outcome of the "Dahin kann ich mich wenden" box.
type placeResult struct {
	*geo.Resolution
	Matches []office.Match
	// NoOffice: the place is known but no office is recorded for it.
	NoOffice bool
}

// servicePage is a benefit's page with the office finder.
func (h *Handler) servicePage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	svc, ok := h.Catalogue.BySlug(id)
	if !ok {
		if byOZG, found := h.Catalogue.ByOZG(id); found {
			target := "/" + web.Lang(r).Code + "/leistungen/" + byOZG.Slug
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return nil
		}
		return web.ErrNotFound
	}
	v := h.site.NewView(r, "")
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
		return h.pages.Render(w, r, http.StatusOK, "service", v)
	}
	found, msgKey := h.Places.Resolve(strings.Join(q, " "))
	res := &placeResult{Resolution: found}
	data.Result = res
	status := http.StatusOK
	if msgKey != "" {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "ort", Message: v.T(msgKey)})
		status = http.StatusUnprocessableEntity
	} else if res.Place != nil && len(svc.LeiKa) > 0 && res.Place.ARS != "" {
		ms, err := h.Offices.Find(r.Context(), svc.LeiKaIDs(), res.Place.ARS, svc.Kind == content.KindApplication)
		if err != nil {
			return err
		}
		res.Matches = ms
		res.NoOffice = len(ms) == 0
	} else if res.Place != nil {
		res.NoOffice = true
	}
	return h.pages.Render(w, r, status, "service", v)
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

// officeFinder is the stand-alone "Zuständige Stelle finden" page: choose a
// service and a place, land on the service's page with the answer.
func (h *Handler) officeFinder(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("officefinder.title")
	v.Desc = v.T("officefinder.description")
	qs := r.URL.Query()
	slug, place := qs.Get("leistung"), web.QueryText(r, "ort")
	data := struct {
		Items   []content.ListItem
		Service string
		Ort     string
	}{h.Catalogue.List(v.Lang.Code, func(svc *content.Service) bool { return len(svc.LeiKa) > 0 }), slug, place}
	v.Data = data
	if len(qs) == 0 {
		v.Cacheable = true
		return h.pages.Render(w, r, http.StatusOK, "office_finder", v)
	}
	if _, ok := h.Catalogue.BySlug(slug); !ok {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "leistung", Message: v.T("officefinder.error.service")})
	}
	if place == "" {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "ort", Message: v.T("place.error.empty")})
	}
	if len(v.Errors) > 0 {
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "office_finder", v)
	}
	http.Redirect(w, r, "/"+v.Lang.Code+"/leistungen/"+slug+"?"+url.Values{"ort": {place}}.Encode()+"#stelle", http.StatusSeeOther)
	return nil
}

// searchPage is the site search.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
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
		data.Hits = h.Search.Search(v.Lang.Code, q, 20)
	} else if data.Asked {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "q", Message: v.T("search.error.empty")})
	}
	if !data.Asked {
		v.Cacheable = true
	}
	v.Data = data
	return h.pages.Render(w, r, http.StatusOK, "search", v)
}
