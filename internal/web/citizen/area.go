// Package citizen is the citizen's own area: sign-in and sign-out with
// BundID (SAML), single logout, the service provider's metadata, the
// personal area with drafts and applications, and consent to take over the
// BundID details into forms.
package citizen

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Handler serves sign-in and the personal area.
type Handler struct {
	Catalogue *content.Catalogue
	// Drafts lists and deletes the person's drafts and applications.
	Drafts *draft.Service
	// BundID signs citizens in; nil when no identity provider is configured.
	BundID *bundid.SP
	// SAMLSessions links BundID sessions to platform sessions for single logout.
	SAMLSessions interface {
		RememberSAMLSession(ctx context.Context, nameIDKey, owner string, expires time.Time) error
		TakeSAMLSessionOwners(ctx context.Context, nameIDKey string) ([]string, error)
	}
	// TestIdP is the built-in stand-in for BundID (development), mounted
	// below /testidp/; nil in production unless enabled.
	TestIdP http.Handler

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

	// Pages that show who is signed in, and what they keep here: never
	// from a cache.
	personal := func(pattern string, f web.HandlerFunc) { site.Page(pattern, f, web.NoStore) }
	personal("GET /{lang}/anmelden", h.citizenSignIn)
	personal("POST /{lang}/anmelden", h.citizenSignInStart)
	personal("GET /{lang}/konto", h.account)
	personal("POST /{lang}/konto/datenuebernahme", h.accountConsent)
	personal("POST /{lang}/konto/sitzung", h.extendSession)
	personal("POST /{lang}/konto/entwurf/{id}/loeschen", h.draftDelete)
	personal("POST /{lang}/abmelden", h.citizenSignOut)
	// The identity provider posts its answers from its own site; the
	// signed SAML messages and single-use request IDs take the token's role
	// (see acs and slo).
	site.HandleFunc("POST /saml/acs", h.acs, web.NoToken, web.CrossSite)
	site.HandleFunc("POST /saml/slo", h.slo, web.NoToken, web.CrossSite)
	site.HandleFunc("GET /saml/metadata", h.samlMetadata)
	if h.TestIdP != nil {
		// The test IdP stands in for another site with its own protections.
		site.Handle("/testidp/", h.TestIdP, web.NoToken)
	}
	return nil
}
