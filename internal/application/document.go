package application

import (
	"time"

	"github.com/sozialplattform/sozialplattform/internal/i18n"

	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// DocumentTexts are the words around the answers, in the reader's language.
type DocumentTexts struct {
	Title, Subtitle              string
	Number, Time, Office, Status string // labels of the key facts
	StatusValue                  string
	NotApplicable, Files, Footer string
	PageLabel                    func(page, total int) string
}

// Texts are the document's words from a translator (the message keys of
// the platform's catalogues): for the person's download (sent false: marked
// as a draft) and for what the office receives and the receipt (sent true).
func Texts(t func(key string, args ...any) string, serviceTitle string, sent bool) DocumentTexts {
	d := DocumentTexts{Title: t("pdf.title", "service", serviceTitle), Number: t("form.receipt.number"),
		Time: t("pdf.time"), Office: t("form.receipt.office"), Status: t("form.receipt.status"),
		NotApplicable: t("form.chapter.na"), Files: t("pdf.file"), Footer: t("site.name"),
		PageLabel: func(page, total int) string { return t("pdf.page", "n", page, "total", total) }}
	// The state is said once, in the row "Stand" (a draft's subtitle
	// repeated it: "Entwurf – noch nicht gesendet" above "Stand: Entwurf,
	// noch nicht gesendet").
	if sent {
		d.StatusValue = t("form.receipt.status.submitted")
	} else {
		d.StatusValue = t("pdf.status.draft")
	}
	return d
}

// FileName is an uploaded file as the document lists it.
type FileName struct{ Slot, Name string }

// Document is the application as a person reads it: every applicable
// chapter with its answers, the names of uploaded files under the chapter
// that holds them, and the key facts on top. The same document serves
// "Als PDF herunterladen" during the application and the PDF after it.
func Document(def *form.Definition, answers form.Answers, lang string, t DocumentTexts, id, officeName string,
	at time.Time, files []FileName, uploadChapter string) pdf.Document {
	doc := pdf.Document{Lang: lang, Title: t.Title, Subtitle: t.Subtitle, Footer: t.Footer, PageLabel: t.PageLabel,
		Creator: "Sozialplattform", Created: at}
	doc.Meta = append(doc.Meta, pdf.Field{Label: t.Number, Value: Reference(id)}, pdf.Field{Label: t.Time, Value: i18n.ShownTime(at)})
	if officeName != "" {
		doc.Meta = append(doc.Meta, pdf.Field{Label: t.Office, Value: officeName})
	}
	if t.StatusValue != "" {
		doc.Meta = append(doc.Meta, pdf.Field{Label: t.Status, Value: t.StatusValue})
	}
	for _, c := range def.Summary(answers, lang, at) {
		sec := pdf.Section{Heading: c.Title}
		if !c.Applicable {
			sec.Note = t.NotApplicable
		}
		for _, row := range c.Rows {
			sec.Fields = append(sec.Fields, pdf.Field{Label: row.Label, Value: row.Value})
		}
		if c.ID == uploadChapter {
			for _, f := range files {
				label := f.Slot
				if ch, ok := def.Chapter(c.ID); ok {
					for _, it := range ch.Items {
						if it.Field == f.Slot {
							label = it.Label.In(lang)
						}
					}
				}
				sec.Fields = append(sec.Fields, pdf.Field{Label: t.Files + ": " + label, Value: f.Name})
			}
		}
		doc.Sections = append(doc.Sections, sec)
	}
	return doc
}
