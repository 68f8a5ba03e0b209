package devpages

import (
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The mail catcher: every mail the embedded default sent, as the
// recipient would read it.

func (h *Handler) mailCatcher(w http.ResponseWriter, r *http.Request) error {
	mails, err := h.Store.ListCaughtMail(r.Context(), 100)
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("dev.mail.title")
	v.Data = mails
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "dev_mail", v)
}

func (h *Handler) caughtMail(w http.ResponseWriter, r *http.Request) error {
	m, err := h.Store.FindCaughtMail(r.Context(), r.PathValue("id"))
	if err != nil {
		return web.ErrNotFound
	}
	v := h.site.NewView(r, "")
	v.Title = m.Subject
	v.Data = m
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "dev_mail_one", v)
}
