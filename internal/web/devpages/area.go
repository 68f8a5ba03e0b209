// Package devpages holds the pages of the embedded default only: the mail
// catcher (every mail the platform sent) and the demo offices' inbox of
// the local FIT-Connect stand-in. It is compiled in always and mounted only
// when the platform runs without real mail and delivery (cmd decides); no
// production area imports it, and it alone of the areas may know a
// stand-in.
package devpages

import (
	"context"
	"embed"

	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Handler serves the development pages.
type Handler struct {
	// Store reads the caught mail.
	Store interface {
		ListCaughtMail(ctx context.Context, limit int) ([]mail.Caught, error)
		FindCaughtMail(ctx context.Context, id string) (*mail.Caught, error)
	}
	// Office is the embedded default's FIT-Connect stand-in for the office
	// page (nil, or returning nil before the stand-in runs).
	Office func() DevOffice

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

	site.Page("GET /{lang}/dev/post", h.mailCatcher)
	site.Page("GET /{lang}/dev/post/{id}", h.caughtMail)
	site.Page("GET /{lang}/dev/stelle", h.devOfficeList)
	site.Page("GET /{lang}/dev/stelle/{dest}", h.devOfficeDestination)
	site.Page("GET /{lang}/dev/stelle/{dest}/{sub}/{part}", h.devOfficeFile)
	return nil
}
