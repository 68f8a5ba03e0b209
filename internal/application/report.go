package application

import (
	"sort"
	"strconv"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"

	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// ReportDelivery is what the processing report says about the delivery; nil
// while it has not started.
type ReportDelivery struct {
	Status      string // pending, sent or confirmed
	Failed      bool   // not confirmed and given up on as far as the person is concerned (see DeliveryFailed)
	Transport   string // fitconnect or xta
	Destination string
	Reference   string
	Attempts    int
	Updated     time.Time
	Hashes      map[string]string // part → checksum
}

// Report is the processing report ("Verarbeitungsbericht"): number, time,
// office, transport and the delivery's state with the checksums of every
// part sent. The receipt page offers it, and the BundID Postkorb gets it.
// It is never empty: while the delivery is under way (or has not started,
// d nil) it says "wird zugestellt" with what is known so far and that a
// later download says more; when the delivery failed, where to get help.
func Report(sub *Submission, lang string, t func(key string, args ...any) string, service, office string, d *ReportDelivery) pdf.Document {
	doc := pdf.Document{Lang: lang, Title: t("report.title"), Subtitle: t("report.subtitle", "service", service),
		Footer: t("site.name"), Creator: "Sozialplattform", Created: sub.SubmittedAt,
		PageLabel: func(page, total int) string { return t("pdf.page", "n", page, "total", total) }}
	doc.Meta = []pdf.Field{{Label: t("form.receipt.number"), Value: Reference(sub.ID)},
		{Label: t("form.receipt.time"), Value: i18n.ShownTime(sub.SubmittedAt)},
		{Label: t("form.receipt.office"), Value: office}}
	state := DeliveryState(d)
	// The state is said once, among the key facts; the section below holds
	// the delivery's details under a heading of its own.
	sec := pdf.Section{Heading: t("report.delivery")}
	parts := pdf.Section{Heading: t("report.parts")}
	transport, attempts := t("report.transport.open"), 0
	if d != nil {
		attempts = d.Attempts
		if d.Transport != "" {
			transport = TransportName(d.Transport)
		}
	}
	sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.transport"), Value: transport})
	if d != nil && d.Destination != "" {
		sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.destination"), Value: d.Destination})
	}
	if d != nil && d.Reference != "" {
		sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.reference"), Value: d.Reference})
	}
	sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.attempts"), Value: strconv.Itoa(attempts)})
	if d != nil && !d.Updated.IsZero() {
		sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.updated"), Value: i18n.ShownTime(d.Updated)})
	}
	switch state {
	case DeliveryFailed:
		sec.Note = t("report.failed_note")
	case DeliveryPending, DeliverySent:
		sec.Note = t("report.pending_note")
	}
	if d != nil {
		keys := make([]string, 0, len(d.Hashes))
		for k := range d.Hashes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts.Fields = append(parts.Fields, pdf.Field{Label: k, Value: d.Hashes[k]})
		}
	}
	if len(parts.Fields) == 0 {
		parts.Note = t("report.none")
	}
	doc.Meta = append(doc.Meta, pdf.Field{Label: t("form.receipt.status"), Value: t("report.status." + state)})
	doc.Sections = append(doc.Sections, sec, parts)
	return doc
}

// States of a delivery as people are told (message keys report.status.*
// and form.receipt.status.*).
const (
	DeliveryPending   = "pending"   // received, being delivered (also: not started yet)
	DeliverySent      = "sent"      // handed over, the office's confirmation is missing
	DeliveryConfirmed = "confirmed" // the office has it
	DeliveryFailed    = "failed"    // not delivered, and the person should call the support
)

// DeliveryState is the state a person is told for a delivery (nil: not
// started yet).
func DeliveryState(d *ReportDelivery) string {
	switch {
	case d == nil:
		return DeliveryPending
	case d.Status == DeliveryConfirmed:
		return DeliveryConfirmed
	case d.Failed:
		return DeliveryFailed
	case d.Status == DeliverySent:
		return DeliverySent
	}
	return DeliveryPending
}

// GiveUpAfter is when a person is told that delivery failed and to call
// the support (the seed: "Sofern die Antragsverarbeitung nicht erfolgreich
// war, erfolgt ein Verweis auf die Supporthotline"): after this many failed
// attempts, or this long after sending without confirmation when the last
// attempt failed. Delivery itself goes on trying, and the operator sees the
// application at /intern/zustellungen all along; a success later turns the
// receipt to "zugestellt".
const (
	GiveUpAfterAttempts = 5
	GiveUpAfterTime     = 30 * time.Minute
)

// DeliveryFailedFor reports whether a delivery that is not confirmed has
// failed finally as far as the person is concerned: its last attempt ended
// with an error (lastError) and it has used GiveUpAfterAttempts attempts or
// GiveUpAfterTime has passed since sending.
func DeliveryFailedFor(status, lastError string, attempts int, submitted, now time.Time) bool {
	if status == DeliveryConfirmed || lastError == "" {
		return false
	}
	return attempts >= GiveUpAfterAttempts || now.Sub(submitted) >= GiveUpAfterTime
}

// TransportName is a transport as people know it.
func TransportName(t string) string {
	switch t {
	case "fitconnect":
		return "FIT-Connect"
	case "xta":
		return "XTA 2 / OSCI"
	}
	return t
}
