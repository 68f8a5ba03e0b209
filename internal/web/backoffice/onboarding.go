package backoffice

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/csvio"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/web"
)

// Onboarding of counselling centres (contact form, e-mail confirmation,
// approval by a system administrator), their teams (invitations with a
// set-password link, CSV of counsellors) and the set-password page. Links
// in mails only show a page on GET; the button on it (POST) changes
// something, because mail scanners open links.

func (h *Handler) accessRequestForm(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("counselling.request.title")
	v.Data = &counselling.AccessRequest{}
	return h.pages.Render(w, r, http.StatusOK, "counselling_request", v)
}

func (h *Handler) accessRequest(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("counselling.request.title")
	f := r.PostForm
	req := &counselling.AccessRequest{CentreName: f.Get("stelle"), Traeger: f.Get("traeger"), ContactName: f.Get("name"),
		Email: f.Get("email"), Phone: f.Get("telefon"), Message: f.Get("nachricht")}
	token, err := h.Onboarding.Request(r.Context(), req, h.site.ClientAddr(r))
	var ve *counselling.ValidationError
	if errors.As(err, &ve) {
		v.Errors = fieldMessages(v, ve.Problems)
		v.Data = req
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "counselling_request", v)
	}
	if err != nil {
		return err
	}
	link := h.BaseURL + "/" + v.Lang.Code + "/beratung/fuer-beratungsstellen/bestaetigen/" + token
	if _, err := h.Mail.Send(r.Context(), v.Lang, "access_confirm", req.Email, map[string]any{"Request": req, "Link": link,
		"Until": req.CreatedAt.Add(counselling.ConfirmLifetime).In(counselling.Berlin).Format("02.01.2006 15:04")}); err != nil {
		return err
	}
	h.site.Log.Info("access request", "request_id", web.RequestID(r), "access_request", req.ID)
	v.Title = v.T("counselling.request.sent_title")
	return h.pages.Render(w, r, http.StatusOK, "counselling_request_sent", v)
}

// accessConfirmPage is the mail's link: a page with a button.
func (h *Handler) accessConfirmPage(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("counselling.request.confirm_title")
	v.Data = r.PathValue("token")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	return h.pages.Render(w, r, http.StatusOK, "counselling_request_confirm", v)
}

func (h *Handler) accessConfirm(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	req, err := h.Onboarding.Confirm(r.Context(), r.PathValue("token"))
	if errors.Is(err, counselling.ErrNotFound) {
		v.Title = v.T("counselling.request.link_gone")
		return h.pages.Render(w, r, http.StatusGone, "counselling_request_done", v)
	}
	if err != nil {
		return err
	}
	if h.OperatorEmail != "" {
		de, _ := i18n.Lookup("de")
		if _, err := h.Mail.Send(r.Context(), de, "access_new", h.OperatorEmail, map[string]any{"Request": req,
			"Link": h.BaseURL + "/de/intern/zugangsanfragen"}); err != nil {
			return err
		}
	}
	v.Title = v.T("counselling.request.confirmed")
	v.Data = req
	return h.pages.Render(w, r, http.StatusOK, "counselling_request_done", v)
}

func (h *Handler) accessRequests(w http.ResponseWriter, r *http.Request) error {
	list, err := h.Onboarding.Requests(r.Context(), actorFrom(r))
	if err != nil {
		return editorError(err)
	}
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.requests.title")
	v.Data = map[string]any{"Requests": list, "Flash": r.URL.Query().Get("ok")}
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, http.StatusOK, "staff_requests", v)
}

// accessDecide approves (creating the organisation and inviting the
// contact as its administrator) or rejects a confirmed request.
func (h *Handler) accessDecide(w http.ResponseWriter, r *http.Request) error {
	a, id := actorFrom(r), r.PathValue("id")
	back := "/" + web.Lang(r).Code + "/intern/zugangsanfragen?ok="
	if r.PostForm.Get("entscheidung") != "annehmen" {
		if err := h.Onboarding.Reject(r.Context(), a, id); err != nil && !errors.Is(err, counselling.ErrNotConfirmed) {
			return editorError(err)
		}
		http.Redirect(w, r, back+"rejected", http.StatusSeeOther)
		return nil
	}
	req, org, err := h.Onboarding.Approve(r.Context(), a, id)
	if errors.Is(err, counselling.ErrNotConfirmed) {
		http.Redirect(w, r, back+"not_confirmed", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return editorError(err)
	}
	if err := h.invite(r, staffFrom(r), req.Email, req.ContactName, account.OrgAdmin, org.ID, org.Name); err != nil {
		return err
	}
	h.site.Log.Info("access request approved", "request_id", web.RequestID(r), "staff_id", a.ID, "organisation", org.ID)
	http.Redirect(w, r, back+"approved", http.StatusSeeOther)
	return nil
}

// invite creates the account and mails the user name and the link.
func (h *Handler) invite(r *http.Request, actor *account.Staff, email, name string, role account.Role, orgID, orgName string) error {
	st, token, err := h.Accounts.Invite(r.Context(), actor, email, name, role, orgID)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	link := h.BaseURL + "/" + l.Code + "/intern/passwort/" + token
	_, err = h.Mail.Send(r.Context(), l, "invitation", st.Email, map[string]any{"Email": st.Email, "Name": st.DisplayName, "Organisation": orgName,
		"Link": link, "Until": h.site.Now().Add(account.InvitationLifetime).In(counselling.Berlin).Format("02.01.2006 15:04"),
		"Role": string(role)})
	return err
}

func (h *Handler) teamPage(w http.ResponseWriter, r *http.Request, status int, errs []web.FieldMessage, report any) error {
	st := staffFrom(r)
	orgID := teamOrg(r, st)
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.team.title")
	d := map[string]any{"OrgID": orgID, "Report": report, "Flash": r.URL.Query().Get("ok"), "Form": r.PostForm}
	orgs, err := h.orgChoices(r)
	if err != nil {
		return err
	}
	d["Orgs"] = orgs
	if orgID != "" {
		team, err := h.Accounts.Team(r.Context(), st, orgID)
		if errors.Is(err, account.ErrForbidden) {
			return web.ErrForbidden
		}
		if err != nil {
			return err
		}
		d["Team"] = team
	} else if st.Role != account.SystemAdmin {
		return web.ErrForbidden
	}
	v.Data, v.Errors = d, errs
	w.Header().Set("Cache-Control", "no-store")
	return h.pages.Render(w, r, status, "staff_team", v)
}

func (h *Handler) team(w http.ResponseWriter, r *http.Request) error {
	return h.teamPage(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) orgName(r *http.Request, id string) string {
	if o, err := h.CentreEditor.Store.FindOrganisation(r.Context(), id); err == nil {
		return o.Name
	}
	return ""
}

func (h *Handler) teamInvite(w http.ResponseWriter, r *http.Request) error {
	st := staffFrom(r)
	orgID := teamOrg(r, st)
	role := account.Counsellor
	if r.PostForm.Get("rolle") == "admin" {
		role = account.OrgAdmin
	}
	err := h.invite(r, st, r.PostForm.Get("email"), r.PostForm.Get("name"), role, orgID, h.orgName(r, orgID))
	v := h.site.NewView(r, "")
	switch {
	case errors.Is(err, account.ErrForbidden):
		return web.ErrForbidden
	case errors.Is(err, account.ErrExists) && h.inTeam(r, st, orgID, r.PostForm.Get("email")):
		return h.teamPage(w, r, http.StatusUnprocessableEntity, []web.FieldMessage{{Field: "team-email", Message: v.T("staff.team.error.exists")}}, nil)
	case errors.Is(err, account.ErrExists):
		// An account in another organisation: answer as for a new
		// address, without a mail (issue 16: do not reveal it).
		h.site.Log.Info("staff invitation for an address elsewhere", "request_id", web.RequestID(r), "staff_id", st.ID, "organisation", orgID)
	case errors.Is(err, account.ErrInvalid):
		return h.teamPage(w, r, http.StatusUnprocessableEntity, []web.FieldMessage{{Field: "team-email", Message: v.T("staff.team.error.invalid")}}, nil)
	case err != nil:
		return err
	}
	if err == nil {
		h.site.Log.Info("staff invited", "request_id", web.RequestID(r), "staff_id", st.ID, "organisation", orgID)
	}
	target := "/" + web.Lang(r).Code + "/intern/team?ok=invited"
	if st.Role == account.SystemAdmin {
		target += "&organisation=" + orgID
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// inTeam reports whether email belongs to the organisation's team.
func (h *Handler) inTeam(r *http.Request, actor *account.Staff, orgID, email string) bool {
	team, err := h.Accounts.Team(r.Context(), actor, orgID)
	if err != nil {
		return false
	}
	email = account.NormalizeEmail(email)
	for _, m := range team {
		if m.Email == email {
			return true
		}
	}
	return false
}

// teamOrg is the organisation a team page is about: the staff member's
// own; a system administrator names it (query or form).
func teamOrg(r *http.Request, st *account.Staff) string {
	if st.Role == account.SystemAdmin {
		return r.FormValue("organisation")
	}
	return st.OrgID
}

// teamRow is one counsellor of a CSV import.
type teamRow struct {
	Line            int
	Email, Name     string
	Role            string
	Problems        []string
	Exists, Invited bool
}

// teamImport reads a CSV of counsellors (email;name;rolle) and, unless it
// is a dry run or a row has a problem, invites every new address. An
// address already in the team is reported and skipped, so the import can
// run again.
func (h *Handler) teamImport(w http.ResponseWriter, r *http.Request) error {
	st := staffFrom(r)
	orgID := teamOrg(r, st)
	team, err := h.Accounts.Team(r.Context(), st, orgID)
	if errors.Is(err, account.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		return err
	}
	v := h.site.NewView(r, "")
	data, err := readUpload(r, "datei")
	if errors.Is(err, http.ErrMissingFile) {
		return h.teamPage(w, r, http.StatusUnprocessableEntity, []web.FieldMessage{{Field: "team-datei", Message: v.T("staff.centres.import_no_file")}}, nil)
	}
	if err != nil {
		return err
	}
	table, err := csvio.Read(bytes.NewReader(data))
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "csvio: ")
		return h.teamPage(w, r, http.StatusUnprocessableEntity, []web.FieldMessage{{Field: "team-datei", Message: v.T("staff.centres.import_not_csv", "detail", msg)}}, nil)
	}
	have := map[string]bool{}
	for _, m := range team {
		have[m.Email] = true
	}
	seen := map[string]int{}
	var rows []teamRow
	bad := 0
	for _, row := range table.Rows {
		tr := teamRow{Line: row.Line, Email: account.NormalizeEmail(row.Values["email"]), Name: strings.TrimSpace(row.Values["name"]), Role: "berater"}
		switch strings.ToLower(strings.TrimSpace(row.Values["rolle"])) {
		case "", "berater", "beraterin", "beratung", "counsellor":
		case "admin", "administration", "org-admin":
			tr.Role = "admin"
		default:
			tr.Problems = append(tr.Problems, v.T("staff.team.error.role"))
		}
		if !counselling.ValidEmail(tr.Email) {
			tr.Problems = append(tr.Problems, v.T("staff.team.error.invalid"))
		}
		if tr.Name == "" {
			tr.Problems = append(tr.Problems, v.T("staff.team.error.name"))
		}
		if first, dup := seen[tr.Email]; dup && tr.Email != "" {
			tr.Problems = append(tr.Problems, v.T("counselling.error.csv_duplicate", "line", first))
		}
		seen[tr.Email] = row.Line
		tr.Exists = have[tr.Email]
		if len(tr.Problems) > 0 {
			bad++
		}
		rows = append(rows, tr)
	}
	dry := r.FormValue("aktion") != "importieren"
	if !dry && bad == 0 {
		for i := range rows {
			if rows[i].Exists {
				continue
			}
			role := account.Counsellor
			if rows[i].Role == "admin" {
				role = account.OrgAdmin
			}
			if err := h.invite(r, st, rows[i].Email, rows[i].Name, role, orgID, h.orgName(r, orgID)); err != nil && !errors.Is(err, account.ErrExists) {
				return err
			}
			rows[i].Invited = true
		}
		h.site.Log.Info("team imported", "request_id", web.RequestID(r), "staff_id", st.ID, "rows", len(rows))
	}
	status := http.StatusOK
	if bad > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.teamPage(w, r, status, nil, map[string]any{"Rows": rows, "Problems": bad, "Dry": dry || bad > 0, "Encoding": table.Encoding})
}

func (h *Handler) teamExport(w http.ResponseWriter, r *http.Request) error {
	st := staffFrom(r)
	orgID := teamOrg(r, st)
	team, err := h.Accounts.Team(r.Context(), st, orgID)
	if errors.Is(err, account.ErrForbidden) {
		return web.ErrForbidden
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cw := csvio.NewWriter(&buf)
	_ = cw.Write([]string{"email", "name", "rolle"})
	for _, m := range team {
		role := "berater"
		if m.Role == account.OrgAdmin {
			role = "admin"
		}
		_ = cw.Write([]string{m.Email, m.DisplayName, role})
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="team.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

type passwordData struct {
	Staff *account.Staff
	Token string
}

// setPasswordForm is the invitation link: whom it is for and the form.
func (h *Handler) setPasswordForm(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.password.title")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	st, err := h.Accounts.InvitedStaff(r.Context(), r.PathValue("token"))
	if err != nil {
		v.Title = v.T("staff.password.gone")
		return h.pages.Render(w, r, http.StatusGone, "staff_password", v)
	}
	v.Data = passwordData{Staff: st, Token: r.PathValue("token")}
	return h.pages.Render(w, r, http.StatusOK, "staff_password", v)
}

func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request) error {
	v := h.site.NewView(r, "")
	v.Title = v.T("staff.password.title")
	w.Header().Set("Cache-Control", "no-store")
	token := r.PathValue("token")
	st, err := h.Accounts.InvitedStaff(r.Context(), token)
	if err != nil {
		v.Title = v.T("staff.password.gone")
		return h.pages.Render(w, r, http.StatusGone, "staff_password", v)
	}
	v.Data = passwordData{Staff: st, Token: token}
	pw, again := r.PostForm.Get("password"), r.PostForm.Get("password2")
	switch {
	case len([]rune(pw)) < account.MinPassword:
		v.Errors = []web.FieldMessage{{Field: "password", Message: v.T("staff.password.error.short", "n", account.MinPassword)}}
	case pw != again:
		v.Errors = []web.FieldMessage{{Field: "password2", Message: v.T("staff.password.error.mismatch")}}
	}
	if len(v.Errors) > 0 {
		return h.pages.Render(w, r, http.StatusUnprocessableEntity, "staff_password", v)
	}
	if _, err := h.Accounts.SetPasswordWithToken(r.Context(), token, pw); err != nil {
		if errors.Is(err, account.ErrTokenInvalid) {
			v.Title, v.Data = v.T("staff.password.gone"), nil
			return h.pages.Render(w, r, http.StatusGone, "staff_password", v)
		}
		return err
	}
	h.site.Log.Info("password set", "request_id", web.RequestID(r), "staff_id", st.ID)
	http.Redirect(w, r, "/"+web.Lang(r).Code+"/intern/anmelden?passwort=1", http.StatusSeeOther)
	return nil
}
