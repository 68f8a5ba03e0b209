package backoffice

import (
	"context"
	"net/http"
	"slices"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// A centre's own wording of its booking mails: a list of kinds ×
// languages, a form per kind and language with a preview (the button
// "Vorschau" renders the mail with sample values without saving) and a
// test mail to the staff member's own address.

// CustomMailer sends a mail someone wrote (mail.Service.SendCustom).
type CustomMailer interface {
	SendCustom(ctx context.Context, lang i18n.Lang, to, subject, text string, atts ...mail.Attachment) (string, error)
}

type templateCell struct {
	Lang, LangName string
	Own            bool
	Href           string
}

type templateRow struct {
	Kind  string
	Cells []templateCell
}

type bookingTemplatesData struct {
	bookingHead
	Rows         []templateRow
	Placeholders []string
}

type bookingTemplateData struct {
	bookingHead
	Kind, Lang, LangName string
	Subject, Body        string
	Own                  bool
	Placeholders         []string
	NeedsLink            bool
	PreviewSubject       string
	PreviewBody          string
}

// sampleValues fill a preview and a test mail.
func sampleValues(v *web.View, c *counselling.Centre) map[string]string {
	return map[string]string{"vorname": "Erika", "nachname": "Mustermann", "angebot": v.T("bookingstaff.template.sample_service"),
		"beratungsstelle": c.Name, "datum": "09.12.2026", "uhrzeit": "10:00", "ort": placeOf(c),
		"link": "https://sozialplattform.example/…", "absagelink": "https://sozialplattform.example/…", "frist": "08.12.2026, 10:00",
		"grund": v.T("bookingstaff.template.sample_reason")}
}

func placeOf(c *counselling.Centre) string {
	if len(c.Locations) == 0 {
		return ""
	}
	return placeName(c.Locations[0])
}

func (h *Handler) bookingTemplates(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	ts, err := h.Booking.Templates.Templates(r.Context(), c.ID)
	if err != nil {
		return err
	}
	v, head := h.bookingView(r, c, a, "templates", "bookingstaff.template.title")
	if r.URL.Query().Get("ok") != "" {
		head.Flash = v.T("bookingstaff.template." + map[string]string{"saved": "saved", "deleted": "deleted"}[r.URL.Query().Get("ok")])
	}
	d := &bookingTemplatesData{bookingHead: head, Placeholders: booking.Placeholders}
	for _, kind := range booking.MailKinds {
		row := templateRow{Kind: kind}
		for _, l := range i18n.Languages {
			own := slices.ContainsFunc(ts, func(t booking.Template) bool { return t.Kind == kind && t.Lang == l.Code })
			row.Cells = append(row.Cells, templateCell{Lang: l.Code, LangName: l.Name, Own: own,
				Href: v.URL(head.Base + "/vorlagen/" + kind + "/" + l.Code)})
		}
		d.Rows = append(d.Rows, row)
	}
	v.Data = d
	return h.pages.Render(w, r, http.StatusOK, "booking_templates", v)
}

// templateOf finds the kind and language of the request and the centre's
// text for them, if any.
func (h *Handler) templateOf(r *http.Request, c *counselling.Centre) (booking.Template, bool, error) {
	kind, code := r.PathValue("kind"), r.PathValue("tlang")
	l, ok := i18n.Lookup(code)
	if !ok || !slices.Contains(booking.MailKinds, kind) {
		return booking.Template{}, false, web.ErrNotFound
	}
	ts, err := h.Booking.Templates.Templates(r.Context(), c.ID)
	if err != nil {
		return booking.Template{}, false, err
	}
	for _, t := range ts {
		if t.Kind == kind && t.Lang == l.Code {
			return t, true, nil
		}
	}
	return booking.Template{CentreID: c.ID, Kind: kind, Lang: l.Code}, false, nil
}

func (h *Handler) templateView(r *http.Request, c *counselling.Centre, a counselling.Actor, t booking.Template, own bool) (*web.View, *bookingTemplateData) {
	v, head := h.bookingView(r, c, a, "templates", "bookingstaff.template.edit_title")
	l, _ := i18n.Lookup(t.Lang)
	d := &bookingTemplateData{bookingHead: head, Kind: t.Kind, Lang: t.Lang, LangName: l.Name, Subject: t.Subject, Body: t.Body, Own: own,
		Placeholders: booking.Placeholders, NeedsLink: t.Kind == booking.MailConfirm || t.Kind == booking.MailReminder}
	v.Data = d
	return v, d
}

func (h *Handler) bookingTemplateForm(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	t, own, err := h.templateOf(r, c)
	if err != nil {
		return err
	}
	v, d := h.templateView(r, c, a, t, own)
	if own {
		d.PreviewSubject, d.PreviewBody = t.Render(sampleValues(v, c))
	}
	return h.pages.Render(w, r, http.StatusOK, "booking_template", v)
}

func (h *Handler) bookingTemplateSave(w http.ResponseWriter, r *http.Request) error {
	c, a, err := h.bookingCentre(r)
	if err != nil {
		return err
	}
	if !mayConfigure(a, c) {
		return web.ErrForbidden
	}
	t, own, err := h.templateOf(r, c)
	if err != nil {
		return err
	}
	base := "/" + web.Lang(r).Code + bookingPath(c.ID) + "/vorlagen"
	if r.PostForm.Get("aktion") == "loeschen" {
		if err := h.Booking.Templates.DeleteTemplate(r.Context(), c.ID, t.Lang, t.Kind); err != nil {
			return err
		}
		h.bookingChanged(r.Context())
		http.Redirect(w, r, base+"?ok=deleted", http.StatusSeeOther)
		return nil
	}
	t.Subject, t.Body = cleanText(r.PostForm.Get("betreff"), false), cleanText(r.PostForm.Get("text"), true)
	v, d := h.templateView(r, c, a, t, own)
	if p := t.Validate(); len(p) > 0 {
		for _, e := range p {
			v.Errors = append(v.Errors, web.FieldMessage{Field: e.Field, Message: v.TA(e.Key, e.Args)})
		}
		d.Subject, d.Body = t.Subject, t.Body
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "booking_template", v)
	}
	d.Subject, d.Body = t.Subject, t.Body
	d.PreviewSubject, d.PreviewBody = t.Render(sampleValues(v, c))
	switch r.PostForm.Get("aktion") {
	case "speichern":
		if err := h.Booking.Templates.SaveTemplate(r.Context(), t); err != nil {
			return err
		}
		h.site.Log.Info("booking template saved", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", c.ID, "kind", t.Kind, "lang", t.Lang)
		h.bookingChanged(r.Context())
		http.Redirect(w, r, base+"?ok=saved", http.StatusSeeOther)
		return nil
	case "testmail":
		st := staffFrom(r)
		l, _ := i18n.Lookup(t.Lang)
		if h.CustomMail == nil || st == nil {
			return web.ErrNotFound
		}
		if _, err := h.CustomMail.SendCustom(r.Context(), l, st.Email, d.PreviewSubject, d.PreviewBody); err != nil {
			return err
		}
		d.Flash = v.T("bookingstaff.template.test_sent", "email", st.Email)
	}
	return h.pages.Render(w, r, http.StatusOK, "booking_template", v)
}
