package mail

import (
	"bytes"
	"context"
	htmltemplate "html/template"
	"regexp"
	"strings"
	texttemplate "text/template"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// A centre's own wording of a mail (booking.Template) is plain text. It is
// sent as typed, with the platform's footer, and as HTML in the platform's
// layout: escaped, paragraphs and line breaks kept, web addresses linked.

type customPiece struct {
	Text string
	Link bool
}

type customData struct {
	Text       string
	Paragraphs [][][]customPiece // paragraph → line → pieces
}

var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Custom composes a mail from a subject and a text someone wrote.
func (c *Composer) Custom(lang i18n.Lang, to, subject, text string) (Message, error) {
	d := customData{Text: text}
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		var lines [][]customPiece
		for _, line := range strings.Split(strings.TrimSpace(para), "\n") {
			var pieces []customPiece
			last := 0
			for _, m := range urlRE.FindAllStringIndex(line, -1) {
				// A full stop or comma after an address ends the sentence,
				// not the address.
				end := m[0] + len(strings.TrimRight(line[m[0]:m[1]], ".,;:!?)"))
				pieces = append(pieces, customPiece{Text: line[last:m[0]]}, customPiece{Text: line[m[0]:end], Link: true})
				last = end
			}
			lines = append(lines, append(pieces, customPiece{Text: line[last:]}))
		}
		d.Paragraphs = append(d.Paragraphs, lines)
	}
	tr := c.Catalog.For(lang)
	funcs := map[string]any{"T": tr.T, "baseURL": func() string { return c.BaseURL }}
	view := map[string]any{"Data": d, "Lang": lang}
	tt, err := texttemplate.New("custom.txt.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/custom.txt.tmpl")
	if err != nil {
		return Message{}, err
	}
	var txt bytes.Buffer
	if err := tt.Execute(&txt, view); err != nil {
		return Message{}, err
	}
	ht, err := htmltemplate.New("layout.html.tmpl").Funcs(funcs).ParseFS(templateFS, "templates/layout.html.tmpl", "templates/custom.html.tmpl")
	if err != nil {
		return Message{}, err
	}
	var html bytes.Buffer
	if err := ht.Execute(&html, view); err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: strings.Join(strings.Fields(subject), " "), Text: txt.String(), HTML: html.String()}, nil
}

// SendCustom composes a mail someone wrote (Custom) and queues it.
func (s *Service) SendCustom(ctx context.Context, lang i18n.Lang, to, subject, text string, atts ...Attachment) (string, error) {
	m, err := s.Composer.Custom(lang, to, subject, text)
	if err != nil {
		return "", err
	}
	m.Attachments = atts
	return s.Queue(ctx, m)
}
