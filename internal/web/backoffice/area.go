// Package backoffice is the staff's area: sign-in with a second factor,
// the counselling centres' self-service (centres, team, audit log, CSV),
// the centres' onboarding from the public request form to the invitation,
// the office directory, the operators' view of deliveries and the feedback
// export. Every /intern page is for signed-in staff only and never cached;
// what a staff member may see or change is decided in the domain packages
// (account, counselling.Editor, office.Editor, delivery.Overview).
package backoffice

import (
	"context"
	"embed"
	"errors"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"net/http"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

//go:embed templates
var templates embed.FS

// Store is what the area reads directly: the feedback for its export and
// when the deletion rules last ran.
type Store interface {
	feedback.Store
	LastRetentionRuns(ctx context.Context) (map[string]retention.Run, error)
}

// Mailer sends confirmations, invitations and notices.
type Mailer interface {
	Send(ctx context.Context, lang i18n.Lang, name, to string, data any) (string, error)
	SendWith(ctx context.Context, lang i18n.Lang, name, to string, data any, atts ...mail.Attachment) (string, error)
}

// Handler serves the back office.
type Handler struct {
	Accounts *account.Service
	Mail     Mailer
	Store    Store
	// BaseURL is the site's address for links in mails.
	BaseURL string
	// OperatorEmail is told of new access requests ("": nobody is).
	OperatorEmail string
	// MailCatcher: the embedded default's mail catcher is there (the home
	// page links to it).
	MailCatcher bool
	// CentreEditor is the centres' back office (it decides who may).
	CentreEditor *counselling.Editor
	CentreBulk   counselling.BulkStore
	Onboarding   *counselling.Onboarding
	// OfficeStore reads the office directory; OfficeEditor changes it.
	OfficeStore  office.Store
	OfficeEditor *office.Editor
	// Deliveries are the applications not yet confirmed, for operators
	// (nil: no delivery wired).
	Deliveries delivery.OverviewStore
	Catalogue  *content.Catalogue
	// Booking: the centres' appointment booking (services, hours,
	// bookings, Konfig-Check).
	Booking *booking.Booker
	// BookingChanged recomputes which centres show online booking, after
	// a centre changed its booking (nil: only the periodic job does).
	BookingChanged func(ctx context.Context) error
	// CustomMail sends a centre's test mail of its own wording.
	CustomMail CustomMailer

	site  *web.Site
	pages *web.Pages
}

// LoadStaff finds the staff member a session belongs to, for the kit
// (Site.StaffOf): nil when the account is gone.
func (h *Handler) LoadStaff(ctx context.Context, id string) (any, error) {
	st, err := h.Accounts.Store.FindStaffByID(ctx, id)
	if errors.Is(err, account.ErrNotFound) {
		return nil, nil
	}
	if err != nil || st == nil {
		return nil, err // never a typed nil: the kit would take it for someone
	}
	return st, nil
}

// staffFrom is the signed-in staff member, or nil.
func staffFrom(r *http.Request) *account.Staff {
	st, _ := web.StaffOf(r).(*account.Staff)
	return st
}

// requireStaff lets only signed-in staff through; others go to the sign-in.
func requireStaff(h web.HandlerFunc) web.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if staffFrom(r) == nil {
			http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/anmelden", http.StatusSeeOther)
			return nil
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r)
	}
}

// Routes loads the area's templates and registers its pages.
func (h *Handler) Routes(site *web.Site) error {
	pages, err := site.Pages(templates, nil)
	if err != nil {
		return err
	}
	h.site, h.pages = site, pages
	// Every page of the area shows or takes personal data (staff sign-in,
	// set-password links, contact persons, citizens' feedback): no cache
	// may keep one, and Back after sign-out shows nothing (issue 16).
	page := func(pattern string, f web.HandlerFunc, opts ...web.Option) {
		site.Page(pattern, f, append(opts, web.NoStore)...)
	}
	staff := func(pattern string, f web.HandlerFunc, opts ...web.Option) {
		site.Page(pattern, requireStaff(f), append(opts, web.NoStore)...)
	}

	// Counselling centres ask for access (public), confirm their address
	// by mail, and are approved by a system administrator.
	page("GET /{lang}/beratung/fuer-beratungsstellen", h.accessRequestForm)
	page("POST /{lang}/beratung/fuer-beratungsstellen", h.accessRequest)
	page("GET /{lang}/beratung/fuer-beratungsstellen/bestaetigen/{token}", h.accessConfirmPage)
	page("POST /{lang}/beratung/fuer-beratungsstellen/bestaetigen/{token}", h.accessConfirm)

	page("GET /{lang}/intern/anmelden", h.staffSignInForm)
	page("POST /{lang}/intern/anmelden", h.staffSignIn)
	page("POST /{lang}/intern/abmelden", h.staffSignOut)
	page("GET /{lang}/intern/anmelden/code", h.staffCodeForm(false))
	page("POST /{lang}/intern/anmelden/code", h.staffCode(false))
	page("GET /{lang}/intern/anmelden/wiederherstellungscode", h.staffCodeForm(true))
	page("POST /{lang}/intern/anmelden/wiederherstellungscode", h.staffCode(true))
	page("GET /{lang}/intern/2fa/einrichten", h.staffSetupForm)
	page("POST /{lang}/intern/2fa/einrichten", h.staffSetup)
	page("GET /{lang}/intern/2fa/qr.png", h.staffSetupQR)
	page("POST /{lang}/intern/2fa/fertig", h.staffSetupDone)
	staff("POST /{lang}/intern/2fa/wiederherstellungscodes", h.staffRegenerateCodes)
	page("GET /{lang}/intern/passwort/{token}", h.setPasswordForm)
	page("POST /{lang}/intern/passwort/{token}", h.setPassword)

	staff("GET /{lang}/intern/{$}", h.staffHome)
	staff("GET /{lang}/intern/feedback.csv", h.feedbackCSV)
	staff("GET /{lang}/intern/zustellungen", h.deliveriesOverview)
	staff("GET /{lang}/intern/beratungsstellen", h.centresList)
	staff("GET /{lang}/intern/beratungsstellen/neu", h.centreNewForm)
	staff("POST /{lang}/intern/beratungsstellen/neu", h.centreSave)
	staff("GET /{lang}/intern/beratungsstellen/import", h.centresImportForm)
	staff("POST /{lang}/intern/beratungsstellen/import", h.centresImport)
	staff("GET /{lang}/intern/beratungsstellen/export.csv", h.centresExport)
	staff("GET /{lang}/intern/beratungsstellen/{id}", h.centreEditForm)
	staff("POST /{lang}/intern/beratungsstellen/{id}", h.centreSave)
	staff("POST /{lang}/intern/beratungsstellen/{id}/loeschen", h.centreDelete)
	// A centre's online booking (booking.go): Konfig-Check, services,
	// bookable hours, the bookings of a day or week.
	staff("GET /{lang}/intern/termine", h.bookingCentres)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine", h.bookingOverview)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/angebote", h.bookingServices)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/angebote/neu", h.bookingServiceForm)
	staff("POST /{lang}/intern/beratungsstellen/{id}/termine/angebote/neu", h.bookingServiceSave)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/angebote/{sid}", h.bookingServiceForm)
	staff("POST /{lang}/intern/beratungsstellen/{id}/termine/angebote/{sid}", h.bookingServiceSave)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/zeiten", h.bookingHoursForm)
	staff("POST /{lang}/intern/beratungsstellen/{id}/termine/zeiten", h.bookingHoursSave)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/buchungen", h.bookingList)
	staff("POST /{lang}/intern/beratungsstellen/{id}/termine/buchungen/{bid}", h.bookingChange)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/vorlagen", h.bookingTemplates)
	staff("GET /{lang}/intern/beratungsstellen/{id}/termine/vorlagen/{kind}/{tlang}", h.bookingTemplateForm)
	staff("POST /{lang}/intern/beratungsstellen/{id}/termine/vorlagen/{kind}/{tlang}", h.bookingTemplateSave)
	staff("GET /{lang}/intern/protokoll", h.auditLog)
	staff("GET /{lang}/intern/zugangsanfragen", h.accessRequests)
	staff("POST /{lang}/intern/zugangsanfragen/{id}", h.accessDecide)
	staff("GET /{lang}/intern/team", h.team)
	staff("POST /{lang}/intern/team", h.teamInvite)
	staff("POST /{lang}/intern/team/import", h.teamImport)
	staff("GET /{lang}/intern/team/export.csv", h.teamExport)

	staff("GET /{lang}/intern/stellen", h.officesList)
	// An office import is a file: the file plus the form around it.
	importLimit := web.BodyLimit(office.MaxImportBytes + web.MaxBodyBytes)
	staff("GET /{lang}/intern/stellen/import", h.officesImportForm, importLimit)
	staff("POST /{lang}/intern/stellen/import", h.officesImport, importLimit)
	staff("GET /{lang}/intern/stellen/{id}", h.officeEditForm)
	staff("POST /{lang}/intern/stellen/{id}", h.officeSave)
	staff("POST /{lang}/intern/stellen/{id}/zustaendigkeiten", h.responsibilityAdd)
	staff("POST /{lang}/intern/stellen/{id}/zustaendigkeiten/loeschen", h.responsibilityDelete)
	return nil
}
