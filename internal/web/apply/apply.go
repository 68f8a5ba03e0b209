// Package apply is the application assistant: the "Antrag stellen"
// overview, the start of an application from the office finder (Fall 1),
// the chapters of a form definition with their uploads, the check of all
// answers, consent, sending, the receipt and the PDFs. The application
// lives in the server-side session; signed-in people also get a draft.
package apply

import (
	"context"
	"embed"
	"net/http"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/upload"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Handler serves the application assistant.
type Handler struct {
	Catalogue *content.Catalogue
	Places    *geo.Directory
	Offices   *office.Finder
	// OfficeStore names the office an application goes to.
	OfficeStore interface {
		FindOffice(ctx context.Context, id string) (*office.Office, error)
	}
	// Drafts keeps signed-in citizens' drafts and application statuses.
	Drafts *draft.Service
	// Forms are the application definitions by LeiKa id; Delivery takes
	// sent applications, Submissions finds them for the receipt; Uploads
	// keeps proofs (nil: uploads are off).
	Forms       map[string]*form.Definition
	Delivery    application.Delivery
	Submissions interface {
		FindSubmission(ctx context.Context, id string) (*application.Submission, error)
	}
	Uploads *upload.Service
	// OnSubmit is told the number of every application handed to the outbox
	// (it starts the delivery at once); nil: delivery waits for its scan.
	OnSubmit func(ctx context.Context, id string)
	// PostkorbCopies: signed-in people get both PDFs in their BundID
	// Postkorb (the receipt says so).
	PostkorbCopies bool
	// Deliveries tells the processing report how delivery stands (nil:
	// no delivery wired; the report then says "being delivered").
	Deliveries interface {
		FindDelivery(ctx context.Context, id string) (*delivery.Record, error)
	}
	// Mail sends the confirmation of a sent application to the e-mail
	// address given in the form, if any (nil: no mail).
	Mail interface {
		Send(ctx context.Context, lang i18n.Lang, name, to string, data any) (string, error)
	}

	site   *web.Site
	pages  *web.Pages
	states stateCache
}

// The assistant's own refusals.
var (
	// The application is no longer in this session (it expired or was sent).
	errFormExpired = web.NewError(http.StatusGone, "error.form_expired")
	// The receipt was for another session or its time is over.
	errReceiptGone = web.NewError(http.StatusGone, "error.receipt_gone")
	// The browser keeps no cookie, so no application can live in a session.
	errNoCookies = web.NewError(http.StatusBadRequest, "error.no_cookies")
)

// citizenFrom returns the signed-in citizen, or nil.
func citizenFrom(r *http.Request) *identity.Identity {
	id, _ := web.CitizenOf(r).(*identity.Identity)
	return id
}

// Routes loads the area's templates and registers its pages.
func (h *Handler) Routes(site *web.Site) error {
	pages, err := site.Pages(templates, nil)
	if err != nil {
		return err
	}
	h.site, h.pages = site, pages

	site.Page("GET /{lang}/antrag", h.applyOverview)
	site.Page("GET /{lang}/antrag/{slug}", h.applyStart)
	// Every page of an application shows or takes personal data: never
	// from a cache (browser Back would show a stale copy whose blanks a
	// live update could send).
	personal := func(pattern string, f web.HandlerFunc, opts ...web.Option) {
		site.Page(pattern, f, append(opts, web.NoStore)...)
	}
	personal("GET /{lang}/antrag/{leika}/{chapter}", h.formChapterGet)
	personal("POST /{lang}/antrag/{leika}/{chapter}", h.formChapterPost)
	personal("GET /{lang}/antrag/{leika}/"+pageCheck, h.formCheck)
	personal("GET /{lang}/antrag/{leika}/pdf", h.formPDF)
	// The whole budget of an application, plus the form around it; the
	// upload service enforces the remaining budget exactly.
	personal("POST /{lang}/antrag/{leika}"+uploadPathSuffix, h.formUpload,
		web.StreamsUpload, web.BodyLimit(upload.MaxTotal+web.MaxBodyBytes))
	personal("POST /{lang}/antrag/{leika}/unterlagen/loeschen", h.formUploadDelete)
	personal("GET /{lang}/antrag/{leika}/eingang/{id}", h.formReceipt)
	personal("GET /{lang}/antrag/{leika}/eingang/{id}/antrag.pdf", h.formReceiptPDF)
	personal("GET /{lang}/antrag/{leika}/eingang/{id}/verarbeitungsbericht.pdf", h.formReport)
	return nil
}

// serviceGroup is a titled list of services.
type serviceGroup struct {
	Key   string
	Items []content.ListItem
}
