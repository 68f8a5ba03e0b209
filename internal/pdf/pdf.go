// Package pdf renders readable documents — an application's current state,
// a processing report — as PDF inside the binary: A4, fonts embedded
// (Noto Sans and Noto Sans Arabic, subset), two-column label/value rows,
// page numbers on every page, and Arabic shaped and laid out right to left.
// It needs no external program. The PDFs are not tagged (PDF/UA) and not
// PDF/A.
package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Document is a readable document: title, key facts, sections of label/value rows and paragraphs.
type Document struct {
	Lang      string // BCP-47-ish code of the reader: "de","en","pl","uk","ru","tr","ar","ls" ("ls" = Leichte Sprache, German). "ar" lays out right-to-left.
	Title     string
	Subtitle  string  // optional
	Meta      []Field // key facts under the title (Antragsnummer, Zeitpunkt, Stelle …)
	Sections  []Section
	Footer    string                       // printed on every page, plus "page X / Y" text given by PageLabel
	PageLabel func(page, total int) string // e.g. "Seite 1 von 3"; nil → "1 / 3"
	Creator   string                       // PDF metadata
	// Created is the creation date in the PDF's metadata. The zero value
	// leaves the date out, so the same document gives the same bytes.
	Created time.Time
}

// Section is a heading with an optional note, label/value rows and paragraphs.
type Section struct {
	Heading    string
	Note       string // optional paragraph under the heading (e.g. "Dieser Abschnitt trifft nicht zu.")
	Fields     []Field
	Paragraphs []string
}

// Field is one label/value row. Value may contain "\n" line breaks; long values wrap.
type Field struct{ Label, Value string }

// Limits on one document; Render returns ErrTooLarge above them.
const (
	MaxFields     = 2000    // Meta plus all sections' fields
	MaxSections   = 500     // sections
	MaxParagraphs = 2000    // all sections' paragraphs
	MaxTextBytes  = 2 << 20 // all strings together
	MaxPages      = 500
)

// ErrTooLarge is returned for a document beyond the limits above.
var ErrTooLarge = errors.New("pdf: document too large")

// Render writes the PDF to w. It never panics on any input string
// (FuzzRender) and returns ErrTooLarge for a document beyond the limits.
func Render(w io.Writer, d Document) (err error) {
	defer func() {
		// Every input string is cleaned and bounded, and FuzzRender checks
		// that this never fires; it stays as a last line of defence, since a
		// panic here would take down a request handler.
		if r := recover(); r != nil {
			err = fmt.Errorf("pdf: render failed: %v", r)
		}
	}()
	if err := checkSize(d); err != nil {
		return err
	}
	if err := loadFonts(); err != nil {
		return err
	}
	pages, used, err := layout(d)
	if err != nil {
		return err
	}
	return draw(w, d, pages, used)
}

func checkSize(d Document) error {
	fields, paras := len(d.Meta), 0
	n := len(d.Lang) + len(d.Title) + len(d.Subtitle) + len(d.Footer) + len(d.Creator)
	for _, f := range d.Meta {
		n += len(f.Label) + len(f.Value)
	}
	if len(d.Sections) > MaxSections {
		return fmt.Errorf("%w: %d sections (at most %d)", ErrTooLarge, len(d.Sections), MaxSections)
	}
	for _, s := range d.Sections {
		fields += len(s.Fields)
		paras += len(s.Paragraphs)
		n += len(s.Heading) + len(s.Note)
		for _, f := range s.Fields {
			n += len(f.Label) + len(f.Value)
		}
		for _, p := range s.Paragraphs {
			n += len(p)
		}
		if fields > MaxFields || paras > MaxParagraphs || n > MaxTextBytes {
			break
		}
	}
	switch {
	case fields > MaxFields:
		return fmt.Errorf("%w: more than %d fields", ErrTooLarge, MaxFields)
	case paras > MaxParagraphs:
		return fmt.Errorf("%w: more than %d paragraphs", ErrTooLarge, MaxParagraphs)
	case n > MaxTextBytes:
		return fmt.Errorf("%w: more than %d bytes of text", ErrTooLarge, MaxTextBytes)
	}
	return nil
}

// rtlLanguages are the languages written right to left (Arabic script).
var rtlLanguages = map[string]bool{"ar": true, "fa": true, "ur": true, "ps": true, "ckb": true}

// primaryLang returns the lower-case primary subtag of lang, or "" if
// lang is not a plausible language tag.
func primaryLang(lang string) string {
	if len(lang) == 0 || len(lang) > 35 {
		return ""
	}
	for _, c := range lang {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	p, _, _ := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-")
	return strings.ToLower(p)
}

// pdfLang is the document's /Lang entry: Leichte Sprache is German.
func pdfLang(lang string) string {
	p := primaryLang(lang)
	switch p {
	case "":
		return ""
	case "ls":
		return "de"
	}
	return strings.ReplaceAll(lang, "_", "-")
}

// dateSentinel is written as the creation date when Document.Created is
// zero and then blanked out: fpdf always writes both dates.
var dateSentinel = time.Date(1901, 2, 3, 4, 5, 6, 0, time.UTC)

func draw(w io.Writer, d Document, pages []page, used [numFaces]bool) error {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	created := d.Created
	if created.IsZero() {
		created = dateSentinel
	}
	f.SetCreationDate(created.UTC())
	f.SetModificationDate(created.UTC())
	if t := metaText(d.Title); t != "" {
		f.SetTitle(t, true)
	}
	if c := metaText(d.Creator); c != "" {
		f.SetCreator(c, true)
	}
	if l := pdfLang(d.Lang); l != "" {
		f.SetLang(l)
	}
	for fc := face(0); fc < numFaces; fc++ {
		if used[fc] {
			f.AddUTF8FontFromBytes(fc.family(), fc.style(), fontData(fc))
		}
	}
	for _, pg := range pages {
		f.AddPage()
		// set font and colour only when they change (and once per page)
		curFace, curSize, curColor := face(255), 0.0, [3]uint8{1, 2, 3}
		for _, o := range pg.ops {
			switch o.kind {
			case opText:
				if o.face != curFace || o.size != curSize {
					f.SetFont(o.face.family(), o.face.style(), o.size)
					curFace, curSize = o.face, o.size
				}
				if o.color != curColor {
					f.SetTextColor(int(o.color[0]), int(o.color[1]), int(o.color[2]))
					curColor = o.color
				}
				f.Text(o.x, o.y, o.text)
			case opRule:
				f.SetDrawColor(int(o.color[0]), int(o.color[1]), int(o.color[2]))
				f.SetLineWidth(o.size)
				f.Line(o.x, o.y, o.x2, o.y)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	out := buf.Bytes()
	if d.Created.IsZero() {
		blankDates(out)
	}
	_, err := w.Write(out)
	return err
}

// blankDates overwrites the /CreationDate and /ModDate entries that carry
// dateSentinel with spaces, which keeps every byte offset of the file.
func blankDates(b []byte) {
	stamp := "(D:" + dateSentinel.Format("20060102150405") + ")"
	for _, key := range []string{"/CreationDate ", "/ModDate "} {
		entry := []byte(key + stamp)
		if i := bytes.Index(b, entry); i >= 0 {
			for k := i; k < i+len(entry); k++ {
				b[k] = ' '
			}
		}
	}
}
