package backoffice

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The centres' self-service back office. Who may see or change a centre
// is decided by counselling.Editor from the signed-in staff member; these
// handlers parse, call and render.

// weekdayKeys name the days of the week in messages (counselling.day.*),
// Monday first as the hours are kept.
var weekdayKeys = []string{"mo", "tu", "we", "th", "fr", "sa", "su"}

func actorFrom(r *http.Request) counselling.Actor {
	st := staffFrom(r)
	if st == nil {
		return counselling.Actor{}
	}
	return counselling.Actor{ID: st.ID, Role: string(st.Role), OrgID: st.OrgID}
}

// editorError turns the editor's refusals into pages.
func editorError(err error) error {
	switch {
	case errors.Is(err, counselling.ErrForbidden):
		return web.ErrForbidden
	case errors.Is(err, counselling.ErrNotFound):
		return web.ErrNotFound
	}
	return err
}

func (h *Handler) centresList(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	cs, err := h.CentreEditor.Centres(r.Context(), a)
	if err != nil {
		return editorError(err)
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.centres.title")
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	if q != "" {
		kept := cs[:0]
		for _, c := range cs {
			if strings.Contains(strings.ToLower(c.Name), strings.ToLower(q)) {
				kept = append(kept, c)
			}
		}
		cs = kept
	}
	total := len(cs)
	if len(cs) > 300 {
		cs = cs[:300]
	}
	v.Data = map[string]any{"Centres": cs, "Total": total, "Query": q, "Flash": map[string]string{"deleted": "staff.centre.deleted"}[r.URL.Query().Get("ok")],
		"SystemAdmin": a.Role == counselling.RoleSystemAdmin}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_centres", v)
}

type centreFormData struct {
	Flash string
	Text  counselling.CentreText
	New   bool
	Slug  string
	Orgs  []counselling.Organisation
	Days  []string
	Types []string
}

func (h *Handler) centreFormView(r *http.Request, t counselling.CentreText, isNew bool, slug string) (*web.View, error) {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.centre.title")
	if isNew {
		v.Title = v.T("staff.centre.new_title")
	}
	d := &centreFormData{Text: t, New: isNew, Slug: slug, Days: weekdayKeys, Types: counselling.Types}
	if isNew {
		orgs, err := h.orgChoices(r)
		if err != nil {
			return nil, err
		}
		d.Orgs = orgs
	}
	v.Data = d
	return v, nil
}

func (h *Handler) centreNewForm(w http.ResponseWriter, r *http.Request) error {
	if !actorFrom(r).CanEditCentres() {
		return web.ErrForbidden
	}
	v, err := h.centreFormView(r, counselling.CentreText{}, true, "")
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_centre", v)
}

func (h *Handler) centreEditForm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.CentreEditor.Get(r.Context(), actorFrom(r), r.PathValue("id"))
	if err != nil {
		return editorError(err)
	}
	v, err := h.centreFormView(r, counselling.TextOf(c), false, c.Slug)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("ok") == "saved" {
		v.Data.(*centreFormData).Flash = v.T("staff.centre.saved")
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_centre", v)
}

// centreText reads the form exactly as typed.
func centreText(r *http.Request) counselling.CentreText {
	f := r.PostForm
	t := counselling.CentreText{Name: f.Get("name"), Types: f["arten"], Traeger: f.Get("traeger"), TraegerAddress: f.Get("traeger_adresse"),
		Locations: f.Get("standorte"), Phone: f.Get("telefon"), Email: f.Get("email"), Website: f.Get("website"),
		Exceptions: f.Get("ausnahmen"), Languages: f.Get("sprachen"), Offers: f.Get("angebote"), Topics: f.Get("themen"),
		Description: f.Get("beschreibung"), Transit: f.Get("oepnv"), Car: f.Get("auto"), Accessibility: f.Get("barrierefreiheit"),
		Contacts: f.Get("kontakte"), OwnBooking: f.Get("eigene_termine") == "ja", BookingURL: f.Get("buchung_url"),
		OwnOnline: f.Get("eigene_online") == "ja", OnlineURL: f.Get("online_url"), OrgID: f.Get("organisation")}
	for d := range t.Hours {
		t.Hours[d] = f.Get("oeffnungszeiten_" + strconv.Itoa(d))
	}
	return t
}

// fieldMessages translates the editor's problems, each beside its field.
func fieldMessages(v *web.View, problems []counselling.FieldError) []web.FieldMessage {
	out := make([]web.FieldMessage, 0, len(problems))
	for _, p := range problems {
		out = append(out, web.FieldMessage{Field: p.Field, Message: v.T(p.Key, p.Args...)})
	}
	return out
}

func (h *Handler) centreSave(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	id := r.PathValue("id")
	isNew := id == ""
	slug := ""
	if !isNew {
		old, err := h.CentreEditor.Get(r.Context(), a, id)
		if err != nil {
			return editorError(err)
		}
		slug = old.Slug
	} else if !a.CanEditCentres() {
		return web.ErrForbidden
	}
	t := centreText(r)
	t.ID = id
	c, problems := t.Centre()
	if len(problems) == 0 {
		err := h.CentreEditor.Save(r.Context(), a, c)
		var ve *counselling.ValidationError
		switch {
		case errors.As(err, &ve):
			problems = ve.Problems
		case err != nil:
			return editorError(err)
		}
	} else {
		// Also the value rules, so the form shows everything at once.
		c.Normalise()
		problems = append(problems, c.Validate()...)
	}
	if len(problems) > 0 {
		v, err := h.centreFormView(r, t, isNew, slug)
		if err != nil {
			return err
		}
		v.Errors = fieldMessages(v, problems)
		w.Header().Set("Cache-Control", "no-store")
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_centre", v)
	}
	h.site.Log.Info("centre saved", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", c.ID)
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/beratungsstellen/"+c.ID+"?ok=saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) centreDelete(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	if err := h.CentreEditor.Delete(r.Context(), a, r.PathValue("id")); err != nil {
		return editorError(err)
	}
	h.site.Log.Info("centre deleted", "request_id", web.RequestID(r), "staff_id", a.ID, "centre_id", r.PathValue("id"))
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/beratungsstellen?ok=deleted", http.StatusSeeOther)
	return nil
}

func (h *Handler) centresExport(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := h.CentreEditor.ExportCentres(r.Context(), actorFrom(r), &buf); err != nil {
		return editorError(err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="beratungsstellen.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write(buf.Bytes())
	return err
}

func (h *Handler) centresImportForm(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	if !a.CanEditCentres() {
		return web.ErrForbidden
	}
	v, err := h.centreImportView(r, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_centres_import", v)
}

func (h *Handler) centreImportView(r *http.Request, rep *counselling.ImportReport) (*web.View, error) {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.centres.import_title")
	d := map[string]any{"Report": rep, "Columns": strings.Join(counselling.CSVColumns, ";")}
	orgs, err := h.orgChoices(r)
	if err != nil {
		return nil, err
	}
	d["Orgs"] = orgs
	v.Data = d
	return v, nil
}

// maxCentresCSV bounds an uploaded CSV file (csvio refuses larger ones
// with a message too; this stops reading early).
const maxCentresCSV = 5 << 20

// readUpload reads the form's file (at most maxCentresCSV+1 bytes, so csvio
// sees that it is too large); http.ErrMissingFile if none was chosen.
func readUpload(r *http.Request, field string) ([]byte, error) {
	f, _, err := r.FormFile(field)
	if err != nil {
		return nil, http.ErrMissingFile
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxCentresCSV+1))
}

// orgChoices are the organisations a system administrator chooses from
// (nil for everyone else, who acts for their own).
func (h *Handler) orgChoices(r *http.Request) ([]counselling.Organisation, error) {
	if actorFrom(r).Role != counselling.RoleSystemAdmin {
		return nil, nil
	}
	return h.CentreEditor.Store.Organisations(r.Context())
}

func (h *Handler) centresImport(w http.ResponseWriter, r *http.Request) error {
	a := actorFrom(r)
	if !a.CanEditCentres() {
		return web.ErrForbidden
	}
	v, err := h.centreImportView(r, nil)
	if err != nil {
		return err
	}
	fail := func(field, msg string) error {
		v.Errors = append(v.Errors, web.FieldMessage{Field: field, Message: msg})
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_centres_import", v)
	}
	data, err := readUpload(r, "datei")
	if errors.Is(err, http.ErrMissingFile) {
		return fail("datei", v.T("staff.centres.import_no_file"))
	}
	if err != nil {
		return err
	}
	dry := r.FormValue("aktion") != "importieren"
	rep, err := h.CentreEditor.ImportCentres(r.Context(), a, r.FormValue("organisation"), bytes.NewReader(data), dry, h.CentreBulk)
	var ve *counselling.ValidationError
	switch {
	case errors.As(err, &ve):
		v.Errors = fieldMessages(v, ve.Problems)
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_centres_import", v)
	case errors.Is(err, counselling.ErrCSV):
		msg := err.Error()
		if i := strings.LastIndex(msg, "csvio: "); i >= 0 {
			msg = msg[i+len("csvio: "):]
		}
		return fail("datei", v.T("staff.centres.import_not_csv", "detail", msg))
	case err != nil:
		return editorError(err)
	}
	d := v.Data.(map[string]any)
	d["Report"] = rep
	status := http.StatusOK
	if rep.Problems > 0 {
		status = http.StatusUnprocessableEntity
	}
	if rep.Written {
		h.site.Log.Info("centres imported", "request_id", web.RequestID(r), "staff_id", a.ID, "created", rep.Created, "updated", rep.Updated)
	}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, status, "staff_centres_import", v)
}

func (h *Handler) auditLog(w http.ResponseWriter, r *http.Request) error {
	entries, err := h.CentreEditor.AuditLog(r.Context(), actorFrom(r), 300)
	if err != nil {
		return editorError(err)
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.audit.title")
	v.Data = entries
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_audit", v)
}
