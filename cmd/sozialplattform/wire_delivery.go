package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
	"github.com/sozialplattform/sozialplattform/internal/upload"
	"github.com/sozialplattform/sozialplattform/internal/web/devpages"
	"github.com/sozialplattform/sozialplattform/internal/xsozial"
)

// Delivery of sent applications: the job that empties the outbox. The
// parcel is built here from the adapters (XML file, PDF renderer, upload
// storage); routing asks the office directory for the responsible office's
// FIT-Connect destination or XTA address.

const (
	deliverJob     = "delivery.send"
	deliverScanJob = "delivery.scan"
)

// partID derives a stable id for a part of an application, so a retried
// delivery announces the same attachments. FIT-Connect wants UUIDs of
// version 4 (random) form: the hash's bits are shaped like one.
func partID(application, part string) string {
	h := sha256.Sum256([]byte("sozialplattform/part/" + application + "/" + part))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	id, _ := uuid.FromBytes(h[:16])
	return id.String()
}

type parcelBuilder struct {
	forms    map[string]*form.Definition
	cat      *content.Catalogue
	offices  office.Store
	uploads  *upload.Service
	catalog  *i18n.Catalog
	services func(leika string) string
}

// Build makes the parcel: the application file (XML), the application as
// the office reads it (PDF, in German) and every clean proof.
func (b *parcelBuilder) Build(ctx context.Context, sub *application.Submission) (*delivery.Parcel, error) {
	def, o, err := b.formAndOffice(ctx, sub)
	if err != nil {
		return nil, err
	}
	p := &delivery.Parcel{Submission: sub}
	files, err := b.proofs(ctx, sub)
	if err != nil {
		return nil, err
	}
	meta := xsozial.Meta{ID: sub.ID, LeiKa: sub.LeiKa, Version: sub.Version, OfficeID: sub.OfficeID, OfficeName: o.Name, ARS: sub.ARS,
		SubmittedAt: sub.SubmittedAt, Lang: sub.Lang, PostkorbHandle: sub.OfficePostkorb()}
	for _, f := range files {
		meta.Uploads = append(meta.Uploads, xsozial.Upload{ID: f.ID, Slot: f.Slot, Name: f.Name, MediaType: f.Type.MediaType(), SHA256: f.SHA256, Size: f.Size})
	}
	var xml bytes.Buffer
	if err := xsozial.Encode(&xml, def, sub.Answers, meta); err != nil {
		return nil, err
	}
	p.Data = xml.Bytes()
	pdfBytes, err := b.document(sub, def, o.Name, files, i18n.Languages[0])
	if err != nil {
		return nil, err
	}
	p.Parts = append(p.Parts, delivery.Part{ID: partID(sub.ID, "antrag.pdf"), Name: "antrag-" + sub.ID + ".pdf",
		MediaType: "application/pdf", Purpose: "form", Size: int64(len(pdfBytes)), SHA256: sha256Hex(pdfBytes),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(pdfBytes)), nil }})
	for _, f := range files {
		f := f
		p.Parts = append(p.Parts, delivery.Part{ID: partID(sub.ID, f.ID), Name: f.Name,
			MediaType: f.Type.MediaType(), Purpose: "attachment", Size: f.Size, SHA256: f.SHA256,
			Open: func() (io.ReadCloser, error) {
				_, rc, err := b.uploads.Open(context.WithoutCancel(ctx), sub.ID, f.ID)
				return rc, err
			}})
	}
	return p, nil
}

// proofs are the application's uploaded files that go with it; a file
// still waiting for its virus scan holds the delivery back.
func (b *parcelBuilder) proofs(ctx context.Context, sub *application.Submission) ([]upload.File, error) {
	if b.uploads == nil || len(sub.Uploads) == 0 {
		return nil, nil
	}
	all, err := b.uploads.List(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range sub.Uploads {
		want[id] = true
	}
	var files []upload.File
	for _, f := range all {
		if !want[f.ID] {
			continue
		}
		if f.Status == upload.StatusPending {
			return nil, errors.New("a proof is not scanned yet")
		}
		files = append(files, f)
	}
	return files, nil
}

// formAndOffice are the form a submission was made with and its office.
func (b *parcelBuilder) formAndOffice(ctx context.Context, sub *application.Submission) (*form.Definition, *office.Office, error) {
	def, ok := b.forms[sub.LeiKa]
	if !ok || def.Version != sub.Version {
		return nil, nil, fmt.Errorf("no form %s version %d", sub.LeiKa, sub.Version)
	}
	o, err := b.offices.FindOffice(ctx, sub.OfficeID)
	if err != nil {
		return nil, nil, fmt.Errorf("office: %w", err)
	}
	return def, o, nil
}

// document is the sent application as a PDF in lang (German for the
// office, the person's language for their Postkorb), naming the proofs.
func (b *parcelBuilder) document(sub *application.Submission, def *form.Definition, officeName string, files []upload.File, lang i18n.Lang) ([]byte, error) {
	names := make([]application.FileName, 0, len(files))
	for _, f := range files {
		names = append(names, application.FileName{Slot: f.Slot, Name: f.Name})
	}
	texts := application.Texts(b.catalog.For(lang).T, b.serviceTitle(sub.LeiKa, lang.Code), true)
	var doc bytes.Buffer
	err := pdf.Render(&doc, application.Document(def, sub.Answers, lang.Code, texts, sub.ID, officeName, sub.SubmittedAt, names, def.UploadChapter()))
	return doc.Bytes(), err
}

// serviceTitle is the service's name in lang.
func (b *parcelBuilder) serviceTitle(leika, lang string) string {
	if svc, ok := b.cat.ByLeiKa(leika); ok {
		return svc.View(lang).Title
	}
	return leika
}

// officeRouter finds the transport: first the FIT-Connect Routing API
// (LeiKa and ARS, its signature checked), then the office directory: the
// office that received the application and its FIT-Connect destination,
// else its XTA address. A routing answer that fails its checks (bad
// signature, several destinations) stops the delivery with that reason
// for the operator instead of falling back: somebody tampers or the
// routing data is wrong, and either needs a person. No route, or the
// routing service not answering, falls back to the office directory.
type officeRouter struct {
	finder  *office.Finder
	cat     *content.Catalogue
	routing fitConnectLink // nil: the office directory only
}

func (o *officeRouter) Route(ctx context.Context, sub *application.Submission) (string, string, error) {
	svc, ok := o.cat.ByLeiKa(sub.LeiKa)
	if !ok {
		return "", "", fmt.Errorf("no service %s", sub.LeiKa)
	}
	if o.routing != nil && sub.ARS != "" {
		c, err := o.routing.Client(ctx)
		if err != nil {
			return "", "", err
		}
		if c.Routing() {
			dest, err := c.Route(ctx, sub.LeiKa, sub.ARS)
			switch {
			case err == nil:
				return "fitconnect", dest, nil
			case errors.Is(err, fitconnect.ErrNoRoute) || fitconnect.IsTemporary(err):
			default:
				return "", "", fmt.Errorf("routing API: %w", err)
			}
		}
	}
	ms, err := o.finder.Find(ctx, svc.LeiKaIDs(), sub.ARS, true)
	if err != nil {
		return "", "", err
	}
	for _, m := range ms {
		if m.Office.ID != sub.OfficeID {
			continue
		}
		switch {
		case m.FITConnectDestination != "":
			return "fitconnect", m.FITConnectDestination, nil
		case m.XTAAddress != "":
			return "xta", m.XTAAddress, nil
		}
	}
	return "", "", errors.New("the office has no FIT-Connect destination or XTA address")
}

// wireDelivery registers the delivery jobs. Every sent application is
// picked up by a periodic scan as well as right after sending, so none is
// left behind by a crash between recording and enqueueing; a failed job is
// followed by the next scan's.
func (m *Main) wireDelivery(svc *delivery.Service) {
	m.Queue.Register(deliverJob, func(ctx context.Context, j *job.Job) error {
		var id string
		if err := json.Unmarshal(j.Args, &id); err != nil {
			return fmt.Errorf("%w: %v", job.ErrPermanent, err)
		}
		return svc.Deliver(ctx, id)
	})
	m.Queue.Register(deliverScanJob, func(ctx context.Context, _ *job.Job) error {
		ids, err := svc.Store.PendingDeliveries(ctx, 100)
		if err != nil {
			return err
		}
		slot := m.DB.Now().Unix() / int64(deliveryRetry/time.Second)
		for _, id := range ids {
			if err := m.Queue.Enqueue(ctx, deliverJob, id, job.Unique(fmt.Sprintf("deliver:%s:%d", id, slot))); err != nil {
				return err
			}
		}
		return nil
	})
	m.Queue.Every(deliverScanJob, time.Minute)
}

// deliveryRetry is how often the scan gives an unfinished delivery a new job.
const deliveryRetry = 2 * time.Minute

// fitConnectTransport delivers over FIT-Connect: the parcel's XML as the
// submission's data, the PDF and the proofs as attachments; confirmed when
// the service's signed event log holds the submit event of this submission.
type fitConnectTransport struct {
	link     fitConnectLink
	services func(leika string) string
}

func (t *fitConnectTransport) Name() string { return "fitconnect" }

func (t *fitConnectTransport) Deliver(ctx context.Context, destination string, p *delivery.Parcel, state []byte, save func([]byte) error) (delivery.Result, error) {
	var st fitconnect.SendState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return delivery.Result{}, fmt.Errorf("delivery state: %w", err)
		}
	}
	client, err := t.link.Client(ctx)
	if err != nil {
		return delivery.Result{}, err
	}
	sub := fitconnect.Submission{DestinationID: destination, LeiKa: p.Submission.LeiKa, ServiceName: t.services(p.Submission.LeiKa),
		Data: p.Data, SchemaURI: "urn:xoev-de:d-nrw:standard:xsozialbasis_2.1.0"}
	for _, part := range p.Parts {
		sub.Attachments = append(sub.Attachments, fitconnect.Attachment{ID: part.ID, Filename: part.Name, MediaType: part.MediaType,
			Purpose: part.Purpose, Size: part.Size, Open: part.Open})
	}
	err = client.Send(ctx, sub, &st, func(s *fitconnect.SendState) error {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return save(b)
	})
	res := delivery.Result{Reference: st.SubmissionID, Hashes: fitConnectHashes(&st, p)}
	if err != nil {
		return res, err
	}
	events, err := client.Events(ctx, st.CaseID)
	if err != nil {
		return res, err
	}
	for _, e := range events {
		if e.Type == fitconnect.EventSubmitSubmission && e.SubmissionID == st.SubmissionID {
			res.Confirmed = true
		}
	}
	return res, nil
}

// fitConnectHashes names the SHA-512 of every part for the processing report.
func fitConnectHashes(st *fitconnect.SendState, p *delivery.Parcel) map[string]string {
	out := map[string]string{}
	if st.DataHash != "" {
		out["antrag.xml (SHA-512)"] = st.DataHash
	}
	if st.MetadataHash != "" {
		out["metadata.json (SHA-512)"] = st.MetadataHash
	}
	for _, part := range p.Parts {
		if h := st.AttachmentHashes[part.ID]; h != "" {
			out[part.Name+" (SHA-512)"] = h
		}
	}
	return out
}

// fitConnectLink hands out the FIT-Connect client: the configured
// service's, or the embedded default's local stand-in, which is started by
// the first use (its RSA-4096 keys take seconds to make the first time,
// which the platform's start should not wait for).
type fitConnectLink interface {
	Client(ctx context.Context) (*fitconnect.Client, error)
}

type fixedFITConnect struct{ c *fitconnect.Client }

func (f fixedFITConnect) Client(context.Context) (*fitconnect.Client, error) { return f.c, nil }

type fitConnectStandin struct {
	m      *Main
	once   sync.Once
	err    error
	srv    *standin.Server
	client *fitconnect.Client
}

func (s *fitConnectStandin) Client(ctx context.Context) (*fitconnect.Client, error) {
	s.once.Do(func() {
		s.srv, s.client, s.err = s.m.startFITConnectStandin(context.WithoutCancel(ctx))
		if s.err == nil {
			s.m.setFITConnect(s.srv)
		}
	})
	return s.client, s.err
}

// standinTransport is FIT-Connect to the local stand-in, which plays every
// demo office: a destination is made when it is first delivered to.
type standinTransport struct {
	*fitConnectTransport
	standin *fitConnectStandin
	cat     *content.Catalogue
}

func (t *standinTransport) Deliver(ctx context.Context, destination string, p *delivery.Parcel, state []byte, save func([]byte) error) (delivery.Result, error) {
	if _, err := t.standin.Client(ctx); err != nil {
		return delivery.Result{}, err
	}
	if _, ok := t.standin.srv.Destination(destination); !ok {
		var leika []string
		if svc, ok := t.cat.ByLeiKa(p.Submission.LeiKa); ok {
			leika = svc.LeiKaIDs()
		}
		name := "Demo-Stelle " + destination[:min(8, len(destination))]
		if _, err := t.standin.srv.NewDestination(standin.DestinationSpec{ID: destination, Name: name, LeiKa: leika}); err != nil {
			return delivery.Result{}, fmt.Errorf("stand-in destination: %w", err)
		}
	}
	return t.fitConnectTransport.Deliver(ctx, destination, p, state, save)
}

// startFITConnectStandin runs the local FIT-Connect service on a loopback
// port (development only), with its files below the data folder, and
// returns a client configured for it.
func (m *Main) startFITConnectStandin(ctx context.Context) (*standin.Server, *fitconnect.Client, error) {
	secret, err := m.DB.Secret(ctx, "fitconnect-standin-client")
	if err != nil {
		return nil, nil, err
	}
	clientID, clientSecret := "sozialplattform-dev", hex.EncodeToString(secret)
	srv, err := standin.New(standin.Config{Dir: filepath.Join(m.Config.DataDir, "fitconnect"),
		Clients: map[string]string{clientID: clientSecret}, Now: m.DB.Now})
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	base := "http://" + ln.Addr().String()
	srv.SetBaseURL(base)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	m.mu.Lock()
	m.closers = append(m.closers, func() { hs.Close() })
	m.mu.Unlock()
	roots := x509.NewCertPool()
	roots.AddCert(srv.RootCA())
	c, err := fitconnect.New(fitconnect.Config{TokenURL: base + "/token", SubmissionURL: base, RoutingURL: base + "/v1",
		RoutingKeysURL: base + "/v1/routing-jwks.json", ClientID: clientID, ClientSecret: clientSecret, Roots: roots, Now: m.DB.Now})
	if err != nil {
		return nil, nil, err
	}
	return srv, c, nil
}

// wireDeliveries sets up the delivery of sent applications: over the
// configured FIT-Connect service and XTA server, or in the embedded
// default over the local stand-ins of both. Production refuses to start
// without a transport (config), so applications never wait unseen.
func (m *Main) wireDeliveries(ctx context.Context, forms map[string]*form.Definition, cat *content.Catalogue, catalog *i18n.Catalog, uploads *upload.Service) error {
	services := func(leika string) string {
		if svc, ok := cat.ByLeiKa(leika); ok {
			return svc.View("de").Title
		}
		return leika
	}
	router := &officeRouter{finder: &office.Finder{Store: m.DB}, cat: cat}
	builder := &parcelBuilder{forms: forms, cat: cat, offices: m.DB, uploads: uploads, catalog: catalog, services: services}
	svc := &delivery.Service{Store: m.DB, Now: m.DB.Now, Transports: map[string]delivery.Transport{}, Router: router, Builder: builder}
	if uploads != nil {
		svc.Cleaner = uploadCleaner{uploads: uploads, now: m.DB.Now}
	}
	cfg := m.Config
	switch {
	case cfg.FITConnect():
		c, err := m.fitConnectClient()
		if err != nil {
			return err
		}
		router.routing = fixedFITConnect{c}
		svc.Transports["fitconnect"] = &fitConnectTransport{link: router.routing, services: services}
		if cfg.PostkorbDestination != "" {
			svc.Postkorb = &postkorbSender{link: router.routing, destination: cfg.PostkorbDestination, b: builder}
		}
	case !cfg.Production():
		link := &fitConnectStandin{m: m}
		router.routing = link
		svc.Transports["fitconnect"] = &standinTransport{fitConnectTransport: &fitConnectTransport{link: link, services: services}, standin: link, cat: cat}
		var leika []string
		for _, s := range cat.Services {
			leika = append(leika, s.LeiKaIDs()...)
		}
		svc.Postkorb = &postkorbSender{link: link, destination: postkorbDemoDestination, b: builder, prepare: link.postkorbDestination(leika)}
	}
	switch {
	case cfg.XTA():
		t, err := m.xtaTransport()
		if err != nil {
			return err
		}
		svc.Transports["xta"] = t
	case !cfg.Production():
		svc.Transports["xta"] = &xtaTransport{link: &xtaStandin{m: m}}
	}
	if len(svc.Transports) == 0 {
		return nil
	}
	m.Delivery = svc
	m.wireDelivery(svc)
	return nil
}

// fitConnectClient is the client of the configured FIT-Connect service.
func (m *Main) fitConnectClient() (*fitconnect.Client, error) {
	cfg := m.Config
	roots, err := certPool(cfg.FITConnectRoots)
	if err != nil {
		return nil, fmt.Errorf("--fitconnect-roots: %w", err)
	}
	return fitconnect.New(fitconnect.Config{TokenURL: cfg.FITConnectTokenURL, SubmissionURL: cfg.FITConnectSubmissionURL,
		RoutingURL: cfg.FITConnectRoutingURL, RoutingKeysURL: cfg.FITConnectRoutingKeys, APIVersion: cfg.FITConnectAPI,
		ClientID: cfg.FITConnectClientID, ClientSecret: cfg.FITConnectClientSecret, Roots: roots, Now: m.DB.Now})
}

// certPool reads a PEM file of certificates.
func certPool(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("no PEM certificate in " + file)
	}
	return pool, nil
}

// devOffice is the embedded default's stand-in as the demo offices' page
// reads it (nil before the stand-in runs, or with a real service).
func (m *Main) devOffice() devpages.DevOffice {
	if s := m.FITConnectStandin(); s != nil {
		return devOfficeView{s}
	}
	return nil
}

// devOfficeView is the stand-in as the office page reads it.
type devOfficeView struct{ *standin.Server }

func (d devOfficeView) Received(id string) ([]standin.Received, error) {
	return d.Collect(id, d.DestinationKey(id))
}

// uploadCleaner lets a delivered application's proofs expire after the
// receipt's hour instead of their draft lifetime.
type uploadCleaner struct {
	uploads *upload.Service
	now     func() time.Time
}

func (c uploadCleaner) DeleteApplication(ctx context.Context, id string) error {
	return c.uploads.ExpireAt(ctx, id, c.now().Add(time.Hour))
}

// setFITConnect records the stand-in once it runs (tests and the office's
// collection read it).
func (m *Main) setFITConnect(s *standin.Server) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.FITConnect = s
}

// FITConnectStandin is the running stand-in, nil before the first delivery.
func (m *Main) FITConnectStandin() *standin.Server {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.FITConnect
}
