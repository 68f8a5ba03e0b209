package devpages

import (
	"mime"
	"net/http"
	"strconv"

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

// caughtMailAttachment serves attachment n (1, 2, …) of a caught mail as a
// download with the content type it was sent with; nosniff and the
// attachment disposition keep a browser from showing it as a page.
func (h *Handler) caughtMailAttachment(w http.ResponseWriter, r *http.Request) error {
	m, err := h.Store.FindCaughtMail(r.Context(), r.PathValue("id"))
	if err != nil {
		return web.ErrNotFound
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(m.Attachments) || strconv.Itoa(n) != r.PathValue("n") {
		return web.ErrNotFound
	}
	a := m.Attachments[n-1]
	ctype := a.ContentType
	if _, _, err := mime.ParseMediaType(ctype); err != nil || ctype == "" {
		ctype = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(a.Data)
	return err
}

// fileSize shows a size in bytes as people read it on a development page:
// "812 B", "12.5 KiB".
func fileSize(n int) string {
	if n < 1024 {
		return strconv.Itoa(n) + " B"
	}
	return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
}
