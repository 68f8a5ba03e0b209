package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect"
	"github.com/sozialplattform/sozialplattform/internal/fitconnect/standin"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// The person's copy in their BundID Postkorb. BundID takes messages for a
// mailbox as FIT-Connect submissions to its own destination; we model that
// with a short message naming the mailbox (our schema, postkorbSchema:
// there is no published one we could test against) and the application
// and the processing report as PDF attachments, in the person's language.

const postkorbSchema = "urn:sozialplattform:postkorb-nachricht:1"

// postkorbDemoDestination is the embedded default's Postkorb destination
// at the local stand-in.
var postkorbDemoDestination = uuid.NewSHA1(demoNamespace, []byte("bundid-postkorb")).String()

// postkorbMessage is the submission's data.
type postkorbMessage struct {
	XMLName   xml.Name `xml:"urn:sozialplattform:postkorb-nachricht:1 postkorbNachricht"`
	Postkorb  string   `xml:"empfaenger"`
	Subject   string   `xml:"betreff"`
	Text      string   `xml:"text"`
	Reference string   `xml:"antragsnummer"`
	Lang      string   `xml:"sprache"`
}

type postkorbSender struct {
	link        fitConnectLink
	destination string
	b           *parcelBuilder
	// prepare, when set, runs first (the stand-in makes the destination).
	prepare func(ctx context.Context) error
}

func (p *postkorbSender) Deliver(ctx context.Context, sub *application.Submission, rep *application.ReportDelivery, state []byte, save func([]byte) error) (string, error) {
	var st fitconnect.SendState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return "", fmt.Errorf("postkorb state: %w", err)
		}
	}
	if p.prepare != nil {
		if err := p.prepare(ctx); err != nil {
			return "", err
		}
	}
	client, err := p.link.Client(ctx)
	if err != nil {
		return "", err
	}
	def, o, err := p.b.formAndOffice(ctx, sub)
	if err != nil {
		return "", err
	}
	lang, ok := i18n.Lookup(sub.Lang)
	if !ok {
		lang = i18n.Languages[0]
	}
	tr := p.b.catalog.For(lang)
	title := p.b.serviceTitle(sub.LeiKa, lang.Code)
	files, err := p.b.proofs(ctx, sub)
	if err != nil {
		return "", err
	}
	doc, err := p.b.document(sub, def, o.Name, files, lang)
	if err != nil {
		return "", err
	}
	var report bytes.Buffer
	if err := pdf.Render(&report, application.Report(sub, lang.Code, tr.T, title, o.Name, rep)); err != nil {
		return "", err
	}
	msg, err := xml.Marshal(postkorbMessage{Postkorb: sub.PostkorbHandle, Subject: tr.T("postkorb.subject", "service", title),
		Text: tr.T("postkorb.text", "number", application.Reference(sub.ID), "office", o.Name), Reference: sub.ID, Lang: lang.Code})
	if err != nil {
		return "", err
	}
	s := fitconnect.Submission{DestinationID: p.destination, LeiKa: sub.LeiKa, ServiceName: p.b.services(sub.LeiKa),
		Data: append([]byte(xml.Header), msg...), SchemaURI: postkorbSchema}
	for _, f := range []struct {
		part, name string
		b          []byte
	}{{"postkorb/antrag.pdf", "antrag-" + sub.ID + ".pdf", doc}, {"postkorb/bericht.pdf", "verarbeitungsbericht-" + sub.ID + ".pdf", report.Bytes()}} {
		b := f.b
		s.Attachments = append(s.Attachments, fitconnect.Attachment{ID: partID(sub.ID, f.part), Filename: f.name, MediaType: "application/pdf",
			Purpose: "attachment", Size: int64(len(b)), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }})
	}
	err = client.Send(ctx, s, &st, func(st *fitconnect.SendState) error {
		b, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return save(b)
	})
	return st.SubmissionID, err
}

// standinPostkorb makes the demo Postkorb destination at the stand-in,
// accepting every service of the catalogue with the message schema.
func (t *fitConnectStandin) postkorbDestination(leika []string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if _, err := t.Client(ctx); err != nil {
			return err
		}
		if _, ok := t.srv.Destination(postkorbDemoDestination); ok {
			return nil
		}
		_, err := t.srv.NewDestination(standin.DestinationSpec{ID: postkorbDemoDestination, Name: "BundID-Postkorb (Demo)",
			LeiKa: leika, Schemas: []string{postkorbSchema}})
		return err
	}
}
