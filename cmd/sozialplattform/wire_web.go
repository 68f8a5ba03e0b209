package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/bundid"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/upload"
	"github.com/sozialplattform/sozialplattform/internal/web"
	"github.com/sozialplattform/sozialplattform/internal/web/api"
	"github.com/sozialplattform/sozialplattform/internal/web/apply"
	"github.com/sozialplattform/sozialplattform/internal/web/backoffice"
	"github.com/sozialplattform/sozialplattform/internal/web/citizen"
	"github.com/sozialplattform/sozialplattform/internal/web/counsel"
	"github.com/sozialplattform/sozialplattform/internal/web/devpages"
	"github.com/sozialplattform/sozialplattform/internal/web/info"
)

// webParts is what the web layer is built from.
type webParts struct {
	catalog   *i18n.Catalog
	library   *content.Library
	catalogue *content.Catalogue
	forms     map[string]*form.Definition
	uploads   *upload.Service
	bundID    *bundid.SP
	testIdP   http.Handler // nil: no built-in identity provider
	idpOrigin string
	csrfKey   []byte
	registry  *prometheus.Registry
}

// webLayer is the wired web layer: the kit serving every area, and the
// services of the areas that the platform's tests drive directly.
type webLayer struct {
	*web.Site
	Content      *content.Library
	Centres      *counselling.Directory
	CentreEditor *counselling.Editor
	Uploads      *upload.Service
}

// wireWeb builds the web layer: the shared kit and one area per audience,
// each given exactly what it uses. The list of areas below is the
// platform's route table; each area's Routes names its addresses.
func (m *Main) wireWeb(p webParts) error {
	cfg := m.Config
	offices := &office.Finder{Store: m.DB}
	drafts := &draft.Service{Store: m.DB, Now: m.DB.Now}
	centres, centreEditor := &counselling.Directory{Store: m.DB}, &counselling.Editor{Store: m.DB, Places: m.Places, Now: m.DB.Now}
	booker := m.Booking
	back := &backoffice.Handler{Accounts: m.Accounts, Mail: m.MailService, Store: m.DB, BaseURL: cfg.BaseURL,
		OperatorEmail: cfg.OperatorEmail, MailCatcher: m.Catcher != nil, CentreEditor: centreEditor, CentreBulk: m.DB,
		Onboarding:  &counselling.Onboarding{Store: m.DB, Limits: m.DB, Now: m.DB.Now},
		OfficeStore: m.DB, OfficeEditor: &office.Editor{Store: m.DB, Now: m.DB.Now},
		Deliveries: m.DB, Catalogue: p.catalogue, Booking: booker, BookingChanged: m.refreshBookingReady, CustomMail: m.MailService}
	site := &web.Site{
		Config: web.Config{Production: cfg.Production(), MetricsToken: cfg.MetricsToken, CSRFKey: p.csrfKey, TrustedProxies: cfg.Proxies},
		Log:    m.Log, Catalog: p.catalog, Ready: m.ready, Now: m.DB.Now, Registry: p.registry,
		Sessions: &session.Manager{Store: m.DB, Now: m.DB.Now, Secure: cfg.Production()},
		StaffOf:  back.LoadStaff, CitizenOf: citizen.FromSession,
		TestIdP: p.testIdP != nil, IdPOrigin: p.idpOrigin,
	}
	apl := &apply.Handler{Catalogue: p.catalogue, Places: m.Places, Offices: offices, OfficeStore: m.DB,
		Drafts: drafts, Forms: p.forms, Delivery: m.DB, Submissions: m.DB, Uploads: p.uploads, Deliveries: m.DB, Mail: m.MailService}
	if m.Delivery != nil {
		apl.PostkorbCopies = m.Delivery.Postkorb != nil
		apl.OnSubmit = m.deliverNow
	}
	areas := []web.Area{
		&info.Handler{Content: p.library, Catalogue: p.catalogue, Places: m.Places, Offices: offices,
			Search: searchIndex(p.catalogue, p.library), Store: m.DB, Mail: m.MailService, OperatorEmail: cfg.OperatorEmail},
		apl,
		&citizen.Handler{Catalogue: p.catalogue, Drafts: drafts, BundID: p.bundID, SAMLSessions: m.DB, TestIdP: p.testIdP},
		&counsel.Handler{Centres: centres, Places: m.Places, Booking: booker, Mail: m.MailService, BaseURL: cfg.BaseURL},
		back,
		&api.Handler{Catalogue: p.catalogue, Places: m.Places, Offices: offices},
	}
	if m.Catcher != nil {
		// The embedded default only: its mail catcher and demo offices.
		areas = append(areas, &devpages.Handler{Store: m.DB, Office: m.devOffice})
	}
	m.Web = &webLayer{Site: site, Content: p.library, Centres: centres, CentreEditor: centreEditor, Uploads: p.uploads}
	return site.Init(areas...)
}

// deliverNow starts an application's delivery right away; the periodic
// scan catches what this misses.
func (m *Main) deliverNow(ctx context.Context, id string) {
	_ = m.Queue.Enqueue(ctx, deliverJob, id, job.Unique("deliver:"+id+":now"))
}
