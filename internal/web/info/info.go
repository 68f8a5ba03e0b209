// Package info is the public information area: the start page, benefit
// pages with the office finder, site search, content pages (imprint,
// privacy, help, accessibility statement with the barrier report) and the
// feedback component every page carries. Everything here is for anonymous
// visitors; most pages are the same for all of them and served from the
// page cache.
package info

import (
	"context"
	"embed"
	"html/template"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/search"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Store is what the area keeps and reads: feedback and barrier reports,
// and when the deletion rules last ran (shown with the rules).
type Store interface {
	CreateFeedback(ctx context.Context, e *feedback.Entry) error
	CreateBarrierReport(ctx context.Context, b *feedback.BarrierReport) error
	feedback.Limiter
	LastRetentionRuns(ctx context.Context) (map[string]retention.Run, error)
}

// Mailer sends the barrier report to the operator and its confirmation.
type Mailer interface {
	Send(ctx context.Context, lang i18n.Lang, name, to string, data any) (string, error)
}

// Handler serves the public information pages.
type Handler struct {
	Content   *content.Library
	Catalogue *content.Catalogue
	Places    *geo.Directory
	Offices   *office.Finder
	Search    *search.Index
	Store     Store
	Mail      Mailer
	// OperatorEmail receives barrier reports ("" : none is sent).
	OperatorEmail string

	site  *web.Site
	pages *web.Pages
}

// Routes loads the area's templates and registers its pages.
func (h *Handler) Routes(site *web.Site) error {
	pages, err := site.Pages(templates, template.FuncMap{
		"placeQuery": func(d *servicePageData) string {
			if d.Result == nil {
				return ""
			}
			return d.Result.Query
		},
		"applyURL": func(d *servicePageData, lang string) string { return d.ApplyURL(lang) },
	})
	if err != nil {
		return err
	}
	h.site, h.pages = site, pages

	site.Page("GET /{lang}/{$}", h.home)
	for _, slug := range []string{"impressum", "datenschutz", "nutzungsbedingungen", "hilfe", "hilfe-beratungsstellen"} {
		site.Page("GET /{lang}/"+slug, h.contentPage(slug))
	}
	site.Page("GET /{lang}/barrierefreiheit", h.accessibility)
	site.Page("POST /{lang}/barrierefreiheit", h.reportBarrier)
	site.Page("GET /{lang}/barrierefreiheit/danke", h.barrierThanks)
	site.Page("GET /{lang}/datenschutz/loeschfristen", h.retentionRules)
	// The anonymous feedback form on every page needs no token: it changes
	// no one's data and needs no session, so a forged post could do nothing
	// a direct post cannot. Cross-site posts to it are still refused by
	// http.CrossOriginProtection. Without a token every public page is the
	// same for every visitor and can be served from the page cache.
	site.Page("POST /{lang}/feedback", h.submitFeedback, web.NoToken)
	site.Page("GET /{lang}/feedback/danke", h.feedbackThanks)
	for _, sec := range sections {
		site.Page("GET /{lang}/"+sec.slug, h.sectionPlaceholder(sec))
	}
	site.Page("GET /{lang}/leistungen", h.benefits)
	site.Page("GET /{lang}/leistungen/{id}", h.servicePage)
	site.Page("GET /{lang}/zustaendige-stelle", h.officeFinder)
	site.Page("GET /{lang}/suche", h.searchPage)
	return nil
}
