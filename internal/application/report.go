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
func Report(sub *Submission, lang string, t func(key string, args ...any) string, service, office string, d *ReportDelivery) pdf.Document {
	doc := pdf.Document{Lang: lang, Title: t("report.title"), Subtitle: t("report.subtitle", "service", service),
		Footer: t("site.name"), Creator: "Sozialplattform", Created: sub.SubmittedAt,
		PageLabel: func(page, total int) string { return t("pdf.page", "n", page, "total", total) }}
	doc.Meta = []pdf.Field{{Label: t("form.receipt.number"), Value: Reference(sub.ID)},
		{Label: t("form.receipt.time"), Value: i18n.ShownTime(sub.SubmittedAt)},
		{Label: t("form.receipt.office"), Value: office}}
	status := t("report.status.pending")
	sec := pdf.Section{Heading: t("report.title")}
	parts := pdf.Section{Heading: t("report.parts")}
	if d != nil {
		if d.Status == "sent" || d.Status == "confirmed" {
			status = t("report.status." + d.Status)
		}
		sec.Fields = append(sec.Fields, pdf.Field{Label: t("report.transport"), Value: TransportName(d.Transport)},
			pdf.Field{Label: t("report.destination"), Value: d.Destination},
			pdf.Field{Label: t("report.reference"), Value: d.Reference},
			pdf.Field{Label: t("report.attempts"), Value: strconv.Itoa(d.Attempts)},
			pdf.Field{Label: t("report.updated"), Value: i18n.ShownTime(d.Updated)})
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
	doc.Meta = append(doc.Meta, pdf.Field{Label: t("form.receipt.status"), Value: status})
	doc.Sections = append(doc.Sections, sec, parts)
	return doc
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
