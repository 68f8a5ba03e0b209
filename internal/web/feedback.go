package web

import (
	"net/http"
	"net/url"

	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// feedbackForm is what the feedback component shows after a failed attempt.
type feedbackForm struct {
	Page    string
	Rating  string
	Comment string
}

func (s *Server) submitFeedback(w http.ResponseWriter, r *http.Request) error {
	l := langOf(r)
	page := safeReturn(l, r.PostForm.Get("page"))
	e, errs := feedback.NewEntry(page, l.Code, r.PostForm.Get("rating"), r.PostForm.Get("comment"), s.Now())
	if errs != nil {
		v := s.newView(r, "")
		v.Title = v.T("feedback.title")
		for _, fe := range errs {
			v.Errors = append(v.Errors, FieldMessage{Field: "feedback-" + fe.Field, Message: v.T(fe.Key)})
		}
		v.NoFeedback = true
		v.Data = feedbackForm{Page: page, Rating: r.PostForm.Get("rating"), Comment: r.PostForm.Get("comment")}
		return s.render(w, r, http.StatusUnprocessableEntity, "feedback", v)
	}
	if err := s.Store.CreateFeedback(r.Context(), e); err != nil {
		return err
	}
	http.Redirect(w, r, "/"+l.Code+"/feedback/danke?seite="+url.QueryEscape(e.Page), http.StatusSeeOther)
	return nil
}

func (s *Server) feedbackThanks(w http.ResponseWriter, r *http.Request) error {
	l := langOf(r)
	v := s.newView(r, "")
	v.Title = v.T("feedback.thanks.title")
	v.NoFeedback = true
	v.Data = safeReturn(l, r.URL.Query().Get("seite"))
	return s.render(w, r, http.StatusOK, "feedback_thanks", v)
}

func (s *Server) feedbackCSV(w http.ResponseWriter, r *http.Request) error {
	since := s.Now().AddDate(-1, 0, 0)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="feedback-`+s.Now().Format("2006-01-02")+`.csv"`)
	// A UTF-8 byte order mark so that spreadsheet programs read umlauts right.
	w.Write([]byte("\xef\xbb\xbf"))
	return feedback.WriteCSV(r.Context(), w, s.Store, since)
}

// barrierForm keeps what was typed into the barrier report form.
type barrierForm struct {
	Page        string
	Description string
	Email       string
}

func (s *Server) accessibility(w http.ResponseWriter, r *http.Request) error {
	return s.renderContent(w, r, "barrierefreiheit", http.StatusOK, &barrierForm{Page: r.URL.Query().Get("seite")}, nil)
}

func (s *Server) reportBarrier(w http.ResponseWriter, r *http.Request) error {
	l := langOf(r)
	form := &barrierForm{Page: r.PostForm.Get("page"), Description: r.PostForm.Get("description"), Email: r.PostForm.Get("email")}
	b, errs := feedback.NewBarrierReport(form.Page, l.Code, form.Description, form.Email, s.Now())
	if errs != nil {
		tr := s.Catalog.For(l)
		var msgs []FieldMessage
		for _, fe := range errs {
			msgs = append(msgs, FieldMessage{Field: "barrier-" + fe.Field, Message: tr.T(fe.Key)})
		}
		return s.renderContent(w, r, "barrierefreiheit", http.StatusUnprocessableEntity, form, msgs)
	}
	if err := s.Store.CreateBarrierReport(r.Context(), b); err != nil {
		return err
	}
	if s.Config.OperatorEmail != "" {
		de, _ := i18n.Lookup(i18n.Default)
		if _, err := s.Mail.Send(r.Context(), de, "barrier_report", s.Config.OperatorEmail, b); err != nil {
			return err
		}
	}
	if b.ContactEmail != "" {
		if _, err := s.Mail.Send(r.Context(), l, "barrier_confirmation", b.ContactEmail, b); err != nil {
			return err
		}
	}
	http.Redirect(w, r, "/"+l.Code+"/barrierefreiheit/danke", http.StatusSeeOther)
	return nil
}

func (s *Server) barrierThanks(w http.ResponseWriter, r *http.Request) error {
	v := s.newView(r, "")
	v.Title = v.T("barrier.thanks.title")
	return s.render(w, r, http.StatusOK, "barrier_thanks", v)
}
