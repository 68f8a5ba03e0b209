package backoffice

import (
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// feedbackCSV exports a year of page feedback (feedback.MayExport decides
// who may: system administrators only).
func (h *Handler) feedbackCSV(w http.ResponseWriter, r *http.Request) error {
	who := staffFrom(r)
	if !feedback.MayExport(who) {
		return web.ErrForbidden
	}
	since := h.site.Now().AddDate(-1, 0, 0)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="feedback-`+h.site.Now().Format("2006-01-02")+`.csv"`)
	// A UTF-8 byte order mark so that spreadsheet programs read umlauts right.
	w.Write([]byte("\xef\xbb\xbf"))
	return feedback.WriteCSV(r.Context(), w, h.Store, who, since)
}
