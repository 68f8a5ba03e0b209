package backoffice

import (
	"errors"
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// deliveriesOverview shows operators the applications whose delivery is not
// confirmed, with the last reason (delivery.Overview decides who may).
func (h *Handler) deliveriesOverview(w http.ResponseWriter, r *http.Request) error {
	if h.Deliveries == nil {
		return web.ErrNotFound
	}
	open, confirmed, err := delivery.Overview(r.Context(), h.Deliveries, staffFrom(r), h.site.Now(), 500)
	if errors.Is(err, delivery.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.deliveries.title")
	type row struct {
		delivery.Open
		Service, Transport string
	}
	rows := make([]row, 0, len(open))
	for _, o := range open {
		rw := row{Open: o, Service: o.LeiKa, Transport: application.TransportName(o.Transport)}
		if svc, ok := h.Catalogue.ByLeiKa(o.LeiKa); ok {
			rw.Service = svc.View(v.Lang.Code).Title
		}
		rows = append(rows, rw)
	}
	v.Data = map[string]any{"Rows": rows, "Open": len(open), "Confirmed": confirmed}
	return h.pages.Render(w, r, http.StatusOK, "staff_deliveries", v)
}
