package backoffice

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/office"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// The back office for responsible offices: list, edit, add
// responsibilities, import files. Authorisation happens in office.Editor;
// these handlers only parse, call and render.

var flashKeys = map[string]string{
	"saved": "staff.office.saved", "added": "staff.resp.added", "deleted": "staff.resp.deleted",
}

func (h *Handler) officesList(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.offices.title")
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 100 {
		q = q[:100]
	}
	list, err := h.OfficeStore.ListOffices(r.Context(), q, 200)
	if err != nil {
		return err
	}
	total, err := h.OfficeStore.CountOffices(r.Context())
	if err != nil {
		return err
	}
	v.Data = map[string]any{"Query": q, "Offices": list, "Total": total, "CanEdit": staffFrom(r).CanManageOffices()}
	return h.pages.Render(w, r, http.StatusOK, "staff_offices", v)
}

type officeForm struct {
	Office office.Office
	New    bool
	Resps  []office.Responsibility
	Resp   office.Responsibility // the add form, kept on error
	Flash  string
}

func (h *Handler) officeEditForm(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f := &officeForm{New: id == "neu"}
	if !f.New {
		o, err := h.OfficeStore.FindOffice(r.Context(), id)
		if errors.Is(err, office.ErrNotFound) {
			return web.ErrNotFound
		} else if err != nil {
			return err
		}
		f.Office = *o
		if f.Resps, err = h.OfficeStore.ListResponsibilities(r.Context(), id); err != nil {
			return err
		}
	}
	v := h.site.NewView(r, "")
	if k, ok := flashKeys[r.URL.Query().Get("ok")]; ok {
		f.Flash = v.T(k)
	}
	return h.renderOfficeForm(w, r, v, f, http.StatusOK)
}

func (h *Handler) renderOfficeForm(w http.ResponseWriter, r *http.Request, v *web.View, f *officeForm, status int) error {
	v.Title = v.T("staff.office.title")
	if f.New {
		v.Title = v.T("staff.office.new_title")
	}
	v.Data = f
	return h.pages.Render(w, r, status, "staff_office", v)
}

func fieldErrors(v *web.View, err error, prefix string) bool {
	var ve office.ValidationErrors
	if !errors.As(err, &ve) {
		return false
	}
	for _, fe := range ve {
		v.Errors = append(v.Errors, web.FieldMessage{Field: prefix + fe.Field, Message: v.T(fe.Key)})
	}
	return true
}

func (h *Handler) officeSave(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f := &officeForm{New: id == "neu"}
	o := office.Office{ID: id, Name: r.PostFormValue("name"), Street: r.PostFormValue("street"), Postcode: r.PostFormValue("postcode"),
		City: r.PostFormValue("city"), Phone: r.PostFormValue("phone"), Email: r.PostFormValue("email"),
		Website: r.PostFormValue("website"), OpeningHours: r.PostFormValue("hours")}
	if f.New {
		o.ID = r.PostFormValue("id")
	} else {
		old, err := h.OfficeStore.FindOffice(r.Context(), id)
		if errors.Is(err, office.ErrNotFound) {
			return web.ErrNotFound
		} else if err != nil {
			return err
		}
		o.Demo, o.Source = old.Demo, old.Source
	}
	err := h.OfficeEditor.SaveOffice(r.Context(), staffFrom(r), &o)
	if errors.Is(err, office.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		v := h.site.NewView(r, "")
		if !fieldErrors(v, err, "office-") {
			return err
		}
		f.Office = o
		if !f.New {
			f.Resps, _ = h.OfficeStore.ListResponsibilities(r.Context(), id)
		}
		return h.renderOfficeForm(w, r, v, f, http.StatusUnprocessableEntity)
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/stellen/"+url.PathEscape(o.ID)+"?ok=saved", http.StatusSeeOther)
	return nil
}

func (h *Handler) responsibilityAdd(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	o, err := h.OfficeStore.FindOffice(r.Context(), id)
	if errors.Is(err, office.ErrNotFound) {
		return web.ErrNotFound
	} else if err != nil {
		return err
	}
	resp := office.Responsibility{OfficeID: id, LeiKa: r.PostFormValue("leika"), ARS: r.PostFormValue("ars"),
		FITConnectDestination: r.PostFormValue("destination"), XTAAddress: r.PostFormValue("xta"), OnlineServiceURL: r.PostFormValue("online")}
	err = h.OfficeEditor.AddResponsibility(r.Context(), staffFrom(r), &resp)
	if errors.Is(err, office.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		v := h.site.NewView(r, "")
		if !fieldErrors(v, err, "resp-") {
			return err
		}
		f := &officeForm{Office: *o, Resp: resp}
		f.Resps, _ = h.OfficeStore.ListResponsibilities(r.Context(), id)
		return h.renderOfficeForm(w, r, v, f, http.StatusUnprocessableEntity)
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/stellen/"+url.PathEscape(id)+"?ok=added#zustaendigkeiten", http.StatusSeeOther)
	return nil
}

func (h *Handler) responsibilityDelete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	err := h.OfficeEditor.RemoveResponsibility(r.Context(), staffFrom(r), r.PostFormValue("leika"), r.PostFormValue("ars"), id)
	if errors.Is(err, office.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/stellen/"+url.PathEscape(id)+"?ok=deleted#zustaendigkeiten", http.StatusSeeOther)
	return nil
}

func (h *Handler) officesImportForm(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.import.title")
	return h.pages.Render(w, r, http.StatusOK, "staff_import", v)
}

func (h *Handler) officesImport(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.import.title")
	if !staffFrom(r).CanManageOffices() {
		return web.ErrForbidden
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		v.Errors = append(v.Errors, web.FieldMessage{Field: "import-file", Message: v.T("staff.import.error.file")})
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_import", v)
	}
	defer file.Close()
	doc, err := office.ReadDocument(file)
	if err == nil {
		var st office.ImportStats
		st, err = h.OfficeEditor.Import(r.Context(), staffFrom(r), doc)
		if err == nil {
			h.site.Log.Info("offices imported", "offices", st.Offices, "responsibilities", st.Responsibilities)
			v.Data = v.T("staff.import.done", "offices", st.Offices, "responsibilities", st.Responsibilities)
			return h.pages.Render(w, r, http.StatusOK, "staff_import", v)
		}
	}
	if errors.Is(err, office.ErrForbidden) {
		return web.ErrForbidden
	}
	// The reason names the record and field; the file is the operator's
	// own data, so showing it back is safe.
	v.Errors = append(v.Errors, web.FieldMessage{Field: "import-file", Message: v.T("staff.import.error.invalid", "reason", err.Error())})
	return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_import", v)
}
