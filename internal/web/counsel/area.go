// Package counsel is the counselling area for people seeking advice: the
// centre finder, the centres' detail pages and the online appointment
// booking (booking.go; online counselling later). The finder stores
// nothing about the visitor; the booking keeps the person's choice in the
// visitor session until it is sent. The centres' own back office is in
// internal/web/backoffice.
package counsel

import (
	"embed"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/mail"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Handler serves the counselling-centre finder.
type Handler struct {
	// Centres is the counselling-centre directory of the finder.
	Centres *counselling.Directory
	Places  *geo.Directory
	// Booking runs the online appointment booking (Fall 1); Mail sends
	// its mails, with links to BaseURL.
	Booking *booking.Booker
	Mail    *mail.Service
	BaseURL string

	site  *web.Site
	pages *web.Pages
}

// Routes loads the area's templates and registers its pages.
func (h *Handler) Routes(site *web.Site) error {
	pages, err := site.Pages(templates, nil)
	if err != nil {
		return err
	}
	h.site, h.pages = site, pages

	var opts []web.Option
	if h.Centres != nil {
		// Results are the same for every visitor until the centres change.
		opts = append(opts, web.CacheQueries(h.Centres.Version))
	}
	site.Page("GET /{lang}/beratung", h.counsellingFinder, opts...)
	site.Page("GET /{lang}/beratung/{slug}", h.counsellingCentre)
	h.bookingRoutes(site) // booking.go: "Termin buchen" (Fall 1)
	site.Page("GET /{lang}/beratung/{slug}/online", h.counsellingComing("online"))
	return nil
}
