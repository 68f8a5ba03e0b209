package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The JSON API offers the office finder's look-ups to other portals
// (docs/api.md, OpenAPI at /api/v1/openapi.json). It is public, read-only
// and holds no personal data, so any origin may call it.

//go:embed openapi.json
var openAPISpec []byte

type apiPlace struct {
	Name      string   `json:"name"`
	Postcodes []string `json:"postcodes"`
	AGS       string   `json:"ags,omitempty"`
	ARS       string   `json:"ars,omitempty"`
	// ARSLevel: "gemeinde" when the ARS is the municipality's, "kreis" when
	// only the Kreis is known.
	ARSLevel string    `json:"arsLevel,omitempty"`
	Official string    `json:"officialName,omitempty"`
	Type     string    `json:"type,omitempty"`
	Pop      int       `json:"population,omitempty"`
	Kreis    *apiKreis `json:"kreis,omitempty"`
	IsKreis  bool      `json:"isKreis,omitempty"`
	Lat      *float64  `json:"lat,omitempty"`
	Lon      *float64  `json:"lon,omitempty"`
}

type apiKreis struct {
	AGS  string `json:"ags"`
	Name string `json:"name"`
	Type string `json:"type"`
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Access-Control-Allow-Origin", "*")
	if status == http.StatusOK {
		hdr.Set("Cache-Control", "public, max-age=300")
	} else {
		hdr.Set("Cache-Control", "no-store")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
	// Compressed like every page: suggestions go to phones on slow networks.
	web.WriteBody(w, r, status, buf.Bytes())
}

func writeAPIError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, r, status, e)
}

var placeErrorCodes = []struct {
	err       error
	code, msg string
}{
	{geo.ErrEmpty, "empty", "q is empty: send a postcode or a place name"},
	{geo.ErrTooLong, "too_long", "q is longer than 80 characters"},
	{geo.ErrPostcodeFormat, "postcode_format", "a German postcode has exactly five digits"},
	{geo.ErrCharacters, "characters", "q contains characters no place name has"},
	{geo.ErrNotFound, "not_found", "no place matches q"},
}

func (h *Handler) apiPlaces(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 10
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 50 {
			writeAPIError(w, r, http.StatusBadRequest, "limit", "limit must be a number from 1 to 50")
			return
		}
		limit = n
	}
	res, err := h.Places.Lookup(web.QueryText(r, "q"), limit)
	if err != nil {
		for _, e := range placeErrorCodes {
			if errors.Is(err, e.err) {
				status := http.StatusBadRequest
				if e.err == geo.ErrNotFound {
					status = http.StatusNotFound
				}
				writeAPIError(w, r, status, e.code, e.msg)
				return
			}
		}
		writeAPIError(w, r, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	out := struct {
		Postcode string     `json:"postcode,omitempty"`
		Places   []apiPlace `json:"places"`
	}{Postcode: res.Postcode, Places: make([]apiPlace, 0, len(res.Places))}
	for _, p := range res.Places {
		ap := apiPlace{Name: p.Name, Postcodes: p.Postcodes, AGS: p.AGS, IsKreis: p.IsKreis, Official: p.Official, Type: p.Type, Pop: p.Population}
		if p.IsKreis {
			ap.Postcodes = []string{}
		}
		ars, lvl := h.Places.ARS(p)
		ap.ARS, ap.ARSLevel = ars, string(lvl)
		if k, ok := h.Places.Kreis(p.Kreis); ok {
			ap.Kreis = &apiKreis{AGS: k.AGS, Name: k.Name, Type: k.Type}
		}
		if p.HasCoord {
			lat, lon := p.Lat, p.Lon
			ap.Lat, ap.Lon = &lat, &lon
		}
		out.Places = append(out.Places, ap)
	}
	writeJSON(w, r, http.StatusOK, out)
}

type apiOffice struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Street       string `json:"street,omitempty"`
	Postcode     string `json:"postcode,omitempty"`
	City         string `json:"city,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
	Website      string `json:"website,omitempty"`
	OpeningHours string `json:"openingHours,omitempty"`
	Demo         bool   `json:"demo"`
}

type apiRouting struct {
	FITConnectDestinationID string `json:"fitConnectDestinationId,omitempty"`
	XTAAddress              string `json:"xtaAddress,omitempty"`
	OnlineService           string `json:"onlineService,omitempty"`
}

type apiMatch struct {
	Office  apiOffice  `json:"office"`
	AreaARS string     `json:"areaArs"`
	LeiKa   []string   `json:"leika"`
	Routing apiRouting `json:"routing"`
	Case    int        `json:"case"`
}

func toAPIMatch(m office.Match) apiMatch {
	o := m.Office
	return apiMatch{
		Office: apiOffice{ID: o.ID, Name: o.Name, Street: o.Street, Postcode: o.Postcode, City: o.City, Phone: o.Phone,
			Email: o.Email, Website: o.Website, OpeningHours: o.OpeningHours, Demo: o.Demo},
		AreaARS: m.AreaARS, LeiKa: m.LeiKa, Case: int(m.Case),
		Routing: apiRouting{FITConnectDestinationID: m.FITConnectDestination, XTAAddress: m.XTAAddress, OnlineService: m.OnlineServiceURL},
	}
}

func (h *Handler) apiResponsibility(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	leika, ars := strings.TrimSpace(q.Get("leika")), strings.TrimSpace(q.Get("ars"))
	if len(leika) != 14 || !allDigits(leika) {
		writeAPIError(w, r, http.StatusBadRequest, "leika", "leika must be a 14-digit LeiKa id")
		return
	}
	if len(ars) != 12 || !allDigits(ars) {
		writeAPIError(w, r, http.StatusBadRequest, "ars", "ars must be a 12-digit Amtlicher Regionalschlüssel")
		return
	}
	svc, known := h.Catalogue.ByLeiKa(leika)
	ms, err := h.Offices.Find(r.Context(), []string{leika}, ars, known && svc.Kind == content.KindApplication)
	if err != nil {
		h.site.Log.Error("responsibility look-up failed", "err", err)
		writeAPIError(w, r, http.StatusInternalServerError, "internal", "the look-up failed; try again later")
		return
	}
	if len(ms) == 0 {
		writeAPIError(w, r, http.StatusNotFound, "no_office", "no responsible office is recorded for this service in this area or above it")
		return
	}
	first := toAPIMatch(ms[0])
	out := struct {
		LeiKa        string     `json:"leika"`
		ARS          string     `json:"ars"`
		Service      string     `json:"service,omitempty"`
		Office       apiOffice  `json:"office"`
		AreaARS      string     `json:"areaArs"`
		Routing      apiRouting `json:"routing"`
		Case         int        `json:"case"`
		Alternatives []apiMatch `json:"alternatives"`
	}{LeiKa: leika, ARS: ars, Office: first.Office, AreaARS: first.AreaARS, Routing: first.Routing, Case: first.Case, Alternatives: []apiMatch{}}
	if known {
		out.Service = svc.Slug
	}
	for _, m := range ms[1:] {
		out.Alternatives = append(out.Alternatives, toAPIMatch(m))
	}
	writeJSON(w, r, http.StatusOK, out)
}

func (h *Handler) apiSpec(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Access-Control-Allow-Origin", "*")
	hdr.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(openAPISpec)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
