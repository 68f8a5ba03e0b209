package info

import (
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

func (h *Handler) home(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Desc = v.T("home.description")
	v.Cacheable = true
	return h.pages.Render(w, r, http.StatusOK, "home", v)
}

func (h *Handler) contentPage(slug string) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return h.renderContent(w, r, slug, http.StatusOK, nil, nil)
	}
}

// renderContent shows a content page; form and msgs are for pages that carry
// a form below their text (the accessibility statement).
func (h *Handler) renderContent(w http.ResponseWriter, r *http.Request, slug string, status int, form any, msgs []web.FieldMessage) error {
	l := web.Lang(r)
	pg, fellBack, ok := h.Content.Find(l.Code, slug)
	if !ok {
		return web.ErrNotFound
	}
	v := h.site.NewView(r, pg.Title)
	v.Desc = pg.Description
	v.FellBack = fellBack
	v.Errors = msgs
	v.Data = map[string]any{"Page": pg, "FellBack": fellBack, "Slug": slug, "Form": form}
	v.Cacheable = form == nil && msgs == nil
	return h.pages.Render(w, r, status, "content", v)
}

// section is a part of the platform whose pages come with later work; until
// then its address answers with an honest "being set up" page.
type section struct {
	slug string
	key  string
}

var sections = []section{
	{"leistungsfinder", "section.finder"},
}

func (h *Handler) sectionPlaceholder(sec section) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := h.site.NewView(r, "")
		v.Title = v.T(sec.key + ".title")
		v.Data = sec.key
		v.Cacheable = true
		return h.pages.Render(w, r, http.StatusOK, "section", v)
	}
}

func (h *Handler) retentionRules(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("retention.title")
	runs, err := h.Store.LastRetentionRuns(r.Context())
	if err != nil {
		return err
	}
	type row struct {
		retention.Rule
		Last *retention.Run
	}
	var rows []row
	for _, rule := range retention.Rules {
		rw := row{Rule: rule}
		if run, ok := runs[rule.Name]; ok {
			rw.Last = &run
		}
		rows = append(rows, rw)
	}
	v.Data = rows
	return h.pages.Render(w, r, http.StatusOK, "retention", v)
}
