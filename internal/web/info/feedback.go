package info

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

func (h *Handler) submitFeedback(w http.ResponseWriter, r *http.Request) error {
	l := web.Lang(r)
	page := web.SafeReturn(l, r.PostForm.Get("page"))
	e, errs := feedback.NewEntry(page, l.Code, r.PostForm.Get("rating"), r.PostForm.Get("comment"), h.site.Now())
	if errs != nil {
		v := h.site.NewView(r, "")
		v.Title = v.T("feedback.title")
		for _, fe := range errs {
			v.Errors = append(v.Errors, web.FieldMessage{Field: "feedback-" + fe.Field, Message: v.T(fe.Key)})
		}
		v.NoFeedback = true
		v.Data = web.FeedbackForm{Page: page, Rating: r.PostForm.Get("rating"), Comment: r.PostForm.Get("comment")}
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "feedback", v)
	}
	if err := h.Store.CreateFeedback(r.Context(), e); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+l.Code+"/feedback/danke?seite="+url.QueryEscape(e.Page), http.StatusSeeOther)
	return nil
}

func (h *Handler) feedbackThanks(w http.ResponseWriter, r *http.Request) error {
	l := web.Lang(r)
	v := h.site.NewView(r, "")
	v.Title = v.T("feedback.thanks.title")
	v.NoFeedback = true
	v.Data = web.SafeReturn(l, r.URL.Query().Get("seite"))
	return h.pages.Render(w, r, http.StatusOK, "feedback_thanks", v)
}

// barrierForm keeps what was typed into the barrier report form.
type barrierForm struct {
	Page        string
	Description string
	Email       string
}

func (h *Handler) accessibility(w http.ResponseWriter, r *http.Request) error {
	return h.renderContent(w, r, "barrierefreiheit", http.StatusOK, &barrierForm{Page: r.URL.Query().Get("seite")}, nil)
}

func (h *Handler) reportBarrier(w http.ResponseWriter, r *http.Request) error {
	l := web.Lang(r)
	form := &barrierForm{Page: r.PostForm.Get("page"), Description: r.PostForm.Get("description"), Email: r.PostForm.Get("email")}
	b, errs := feedback.NewBarrierReport(form.Page, l.Code, form.Description, form.Email, h.site.Now())
	if errs != nil {
		tr := h.site.Catalog.For(l)
		var msgs []web.FieldMessage
		for _, fe := range errs {
			msgs = append(msgs, web.FieldMessage{Field: "barrier-" + fe.Field, Message: tr.T(fe.Key)})
		}
		return h.renderContent(w, r, "barrierefreiheit", http.StatusUnprocessableEntity, form, msgs)
	}
	// The form sends mail: limited per contact address and per client
	// address (counted in the database, shared by all instances). When a
	// limit is reached the form comes back with everything typed kept.
	if err := feedback.AllowBarrierReport(r.Context(), h.Store, b, h.site.ClientAddr(r), h.site.Now()); errors.Is(err, feedback.ErrLimited) {
		msg := web.FieldMessage{Field: "barrier-description", Message: h.site.Catalog.For(l).T("barrier.error.limited")}
		return h.renderContent(w, r, "barrierefreiheit", http.StatusTooManyRequests, form, []web.FieldMessage{msg})
	} else if err != nil {
		return err
	}
	if err := h.Store.CreateBarrierReport(r.Context(), b); err != nil {
		return err
	}
	if h.OperatorEmail != "" {
		de, _ := i18n.Lookup(i18n.Default)
		if _, err := h.Mail.Send(r.Context(), de, "barrier_report", h.OperatorEmail, b); err != nil {
			return err
		}
	}
	if b.ContactEmail != "" {
		// The confirmation goes to an address nobody has confirmed: a fixed
		// text and the reference only, nothing the sender typed, so that
		// the form cannot carry someone else's text to a third party.
		conf := struct{ Reference string }{b.Reference()}
		if _, err := h.Mail.Send(r.Context(), l, "barrier_confirmation", b.ContactEmail, conf); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/"+l.Code+"/barrierefreiheit/danke", http.StatusSeeOther)
	return nil
}

func (h *Handler) barrierThanks(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("barrier.thanks.title")
	return h.pages.Render(w, r, http.StatusOK, "barrier_thanks", v)
}
