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
	"html/template"
	"net/http"
	"net/netip"

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
	pages, err := site.Pages(templates, template.FuncMap{
		"size": func(b []byte) string { return fileSize(len(b)) },
		"inc":  func(i int) int { return i + 1 },
	})
	if err != nil {
		return err
	}
	h.site, h.pages = site, pages

	site.Page("GET /{lang}/dev/post", h.local(h.mailCatcher), web.NoStore)
	site.Page("GET /{lang}/dev/post/{id}", h.local(h.caughtMail), web.NoStore)
	site.Page("GET /{lang}/dev/post/{id}/anhang/{n}", h.local(h.caughtMailAttachment), web.NoStore)
	site.Page("GET /{lang}/dev/stelle", h.local(h.devOfficeList), web.NoStore)
	site.Page("GET /{lang}/dev/stelle/{dest}", h.local(h.devOfficeDestination), web.NoStore)
	site.Page("GET /{lang}/dev/stelle/{dest}/{sub}/{part}", h.local(h.devOfficeFile), web.NoStore)
	return nil
}

// local admits only clients on this machine. The pages show every mail the
// platform sent (staff set-password links among them) and decrypted
// applications; the embedded default may listen on a public address, and
// then nobody else may read them. Others get "not found": the pages do
// not exist for them. (Production never mounts the area: it has no mail
// catcher, cmd decides.)
func (h *Handler) local(next func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The client, not the peer: behind a proxy on this machine every
		// peer is loopback, the client it names is not.
		ip, err := netip.ParseAddr(h.site.ClientAddr(r))
		if err != nil || !ip.IsLoopback() {
			return web.ErrNotFound
		}
		return next(w, r)
	}
}
