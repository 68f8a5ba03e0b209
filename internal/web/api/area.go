// Package api is the public JSON API: the office finder's look-ups for
// other portals (docs/api.md, OpenAPI at /api/v1/openapi.json). It is
// read-only and holds no personal data, so any origin may call it.
package api

import (
	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Handler serves the JSON API.
type Handler struct {
	Catalogue *content.Catalogue
	Places    *geo.Directory
	Offices   *office.Finder

	site *web.Site
}

// Routes registers the API's addresses.
func (h *Handler) Routes(site *web.Site) error {
	h.site = site
	site.HandleFunc("GET /api/v1/places", h.apiPlaces)
	site.HandleFunc("GET /api/v1/responsibility", h.apiResponsibility)
	site.HandleFunc("GET /api/v1/openapi.json", h.apiSpec)
	return nil
}
