package web

import (
	"errors"
	"net/http"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
)

// deliveriesOverview shows operators the applications whose delivery is not
// confirmed, with the last reason (delivery.Overview decides who may).
func (s *Server) deliveriesOverview(w http.ResponseWriter, r *http.Request) error {
	if s.Deliveries == nil {
		return errNotFound
	}
	open, confirmed, err := delivery.Overview(r.Context(), s.Deliveries, staffFrom(r), s.Now(), 500)
	if errors.Is(err, delivery.ErrForbidden) {
		return errForbidden
	}
	if err != nil {
		return err
	}
	v := s.newView(r, "")
	v.Title = v.T("staff.deliveries.title")
	type row struct {
		delivery.Open
		Service, Transport string
	}
	rows := make([]row, 0, len(open))
	for _, o := range open {
		rw := row{Open: o, Service: o.LeiKa, Transport: application.TransportName(o.Transport)}
		if svc, ok := s.Catalogue.ByLeiKa(o.LeiKa); ok {
			rw.Service = svc.View(v.Lang.Code).Title
		}
		rows = append(rows, rw)
	}
	v.Data = map[string]any{"Rows": rows, "Open": len(open), "Confirmed": confirmed}
	return s.render(w, r, http.StatusOK, "staff_deliveries", v)
}
