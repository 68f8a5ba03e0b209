package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
)

// twoOrganisations makes organisations A and B with one centre each and
// returns the centres.
func twoOrganisations(t *testing.T, in *instance) (a, b *counselling.Centre) {
	t.Helper()
	ctx := context.Background()
	for _, o := range []counselling.Organisation{{ID: "org-a", Name: "Träger A e. V."}, {ID: "org-b", Name: "Träger B gGmbH"}} {
		o.CreatedAt = in.DB.Now()
		if err := in.DB.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	sys := counselling.Actor{ID: "system", Role: counselling.RoleSystemAdmin}
	mk := func(org, name string) *counselling.Centre {
		text := counselling.CentreText{OrgID: org, Name: name, Types: []string{"schulden"}, Traeger: "Träger " + org,
			Locations: "Domstraße 1; 50667; Köln", Phone: "0221 123456-0", Email: "info@" + org + ".example"}
		text.Hours[3] = "08:00–12:30"
		c, problems := text.Centre()
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		if err := in.Web.CentreEditor.Save(ctx, sys, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	return mk("org-a", "Schuldnerberatung Alpha"), mk("org-b", "Schuldnerberatung Beta")
}

// signInOrgStaff creates a staff member of orgID and signs them in.
func signInOrgStaff(t *testing.T, in *instance, email string, role account.Role, orgID string) *browser {
	t.Helper()
	createStaff(t, in, email, role)
	if _, err := in.DB.ExecContext(context.Background(), in.DB.Rebind(`UPDATE staff_users SET org_id = ? WHERE email = ?`), orgID, email); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, in.base)
	finishStaffSignIn(t, b, "de", email, postPassword(t, b, "de", email, "a really long password"))
	return b
}

// centreForm is the edit form's fields as the page has them, changed by kv.
func centreForm(t *testing.T, p page, kv ...string) url.Values {
	t.Helper()
	f := url.Values{"csrf_token": {p.csrf(t)}}
	for _, m := range regexp.MustCompile(`<input class="kern-form-input__input[^"]*" type="text" id="[^"]+" name="([^"]+)" maxlength="\d+" value="([^"]*)"`).FindAllStringSubmatch(p.body, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(p.body, -1) {
		f.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range regexp.MustCompile(`type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]+)" checked`).FindAllStringSubmatch(p.body, -1) {
		f.Add(m[1], m[2])
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func (b *browser) postFile(path, token, field, name string, content []byte, values ...string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", token)
	for i := 0; i+1 < len(values); i += 2 {
		mw.WriteField(values[i], values[i+1])
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) getBytes(path string) (int, []byte) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// TestBackOfficeAcrossTwoOrganisations: an organisation administrator sees,
// changes, deletes, exports and imports only their own organisation's
// centres, invites only into their own team, and sees neither the access
// requests nor the deliveries; a counsellor has no back office for
// centres. Every refusal is a 403 and leaves the other centre as it was.
func TestBackOfficeAcrossTwoOrganisations(t *testing.T) {
	in := start(t, testConfig(t))
	a, other := twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")

	list := admin.get("/de/intern/beratungsstellen")
	if list.status != 200 || !strings.Contains(list.body, a.Name) || strings.Contains(list.body, other.Name) || strings.Contains(list.body, "(Demo)") {
		t.Fatalf("list: %d", list.status)
	}
	if p := admin.get("/de/intern/beratungsstellen/" + other.ID); p.status != 403 {
		t.Fatalf("read B's centre: %d", p.status)
	}
	own := admin.get("/de/intern/beratungsstellen/" + a.ID)
	if own.status != 200 {
		t.Fatalf("own centre: %d", own.status)
	}
	token := own.csrf(t)
	if p := admin.post("/de/intern/beratungsstellen/"+other.ID, centreForm(t, own, "name", "Übernommen")); p.status != 403 {
		t.Fatalf("change B's centre: %d", p.status)
	}
	if p := admin.post("/de/intern/beratungsstellen/"+other.ID+"/loeschen", url.Values{"csrf_token": {token}}); p.status != 403 {
		t.Fatalf("delete B's centre: %d", p.status)
	}
	if c, err := in.DB.FindCentre(context.Background(), other.ID); err != nil || c.Name != other.Name {
		t.Fatalf("B's centre after the attempts: %+v %v", c, err)
	}
	// A new centre lands in the admin's own organisation whatever the form says.
	neu := admin.get("/de/intern/beratungsstellen/neu")
	p := admin.post("/de/intern/beratungsstellen/neu", url.Values{"csrf_token": {neu.csrf(t)}, "organisation": {"org-b"}, "name": {"Suchtberatung Gamma"},
		"arten": {"sucht"}, "traeger": {"Träger A e. V."}, "standorte": {"Hohe Straße 3; 50667; Köln"}})
	if p.status != 303 {
		t.Fatalf("new centre: %d\n%s", p.status, errorSummary(p.body))
	}
	cs, _ := in.DB.CentresOf(context.Background(), "org-a")
	if len(cs) != 2 {
		t.Fatalf("org A has %d centres", len(cs))
	}
	// Export: own centres only.
	if status, body := admin.getBytes("/de/intern/beratungsstellen/export.csv"); status != 200 || !bytes.Contains(body, []byte(a.Name)) || bytes.Contains(body, []byte(other.Name)) {
		t.Fatalf("export: %d", status)
	}
	// Import: a row naming B's centre is refused and nothing is written.
	imp := admin.get("/de/intern/beratungsstellen/import")
	csv := "id;name;arten;traeger;standorte\n" + other.ID + ";Gekapert;schulden;X;\"Domstraße 1; 50667; Köln\"\n"
	p = admin.postFile("/de/intern/beratungsstellen/import", imp.csrf(t), "datei", "b.csv", []byte(csv), "aktion", "importieren", "organisation", "org-b")
	if p.status != 422 || !strings.Contains(html.UnescapeString(p.body), "die Sie nicht bearbeiten dürfen") {
		t.Fatalf("import into B: %d\n%s", p.status, p.body)
	}
	if c, _ := in.DB.FindCentre(context.Background(), other.ID); c.Name != other.Name {
		t.Fatal("the import changed B's centre")
	}
	// Team: an invitation lands in the admin's own organisation.
	team := admin.get("/de/intern/team?organisation=org-b")
	if team.status != 200 || strings.Contains(team.body, "admin-b@") {
		t.Fatalf("team: %d", team.status)
	}
	p = admin.post("/de/intern/team", url.Values{"csrf_token": {team.csrf(t)}, "organisation": {"org-b"}, "name": {"Berta Beraterin"}, "email": {"berta@example.org"}, "rolle": {"berater"}})
	if p.status != 303 {
		t.Fatalf("invite: %d\n%s", p.status, errorSummary(p.body))
	}
	if st, err := in.DB.FindStaffByEmail(context.Background(), "berta@example.org"); err != nil || st.OrgID != "org-a" || st.Role != account.Counsellor {
		t.Fatalf("invited: %+v %v", st, err)
	}
	// System administrators' pages are closed.
	for _, path := range []string{"/de/intern/zugangsanfragen", "/de/intern/zustellungen"} {
		if p := admin.get(path); p.status != 403 {
			t.Errorf("%s: %d", path, p.status)
		}
	}
	if p := admin.post("/de/intern/zugangsanfragen/x", url.Values{"csrf_token": {token}, "entscheidung": {"annehmen"}}); p.status != 403 {
		t.Errorf("approve: %d", p.status)
	}
	// The audit log has A's changes and nothing of B.
	log := admin.get("/de/intern/protokoll")
	if log.status != 200 || !strings.Contains(log.body, a.ID) || strings.Contains(log.body, other.ID) {
		t.Fatalf("audit log: %d", log.status)
	}
	// A counsellor of A has no centre back office.
	c := signInOrgStaff(t, in, "counsellor-a@example.org", account.Counsellor, "org-a")
	for _, path := range []string{"/de/intern/beratungsstellen", "/de/intern/beratungsstellen/" + a.ID, "/de/intern/beratungsstellen/export.csv", "/de/intern/team", "/de/intern/protokoll"} {
		if p := c.get(path); p.status != 403 {
			t.Errorf("counsellor %s: %d", path, p.status)
		}
	}
}

// TestCentreAdminChangesAreLiveAndValidated: hours with several intervals
// and an exception are live on the detail page at once; bad values get a
// message beside the field, everything typed is kept, markup stays text.
func TestCentreAdminChangesAreLiveAndValidated(t *testing.T) {
	in := start(t, testConfig(t))
	a, _ := twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	form := admin.get("/de/intern/beratungsstellen/" + a.ID)
	bad := centreForm(t, form, "telefon", "ruf mich an", "email", "kein-at", "website", "http://alt.example", "oeffnungszeiten_0", "12:00–08:00",
		"oeffnungszeiten_1", "08:00–12:00, 11:00–13:00", "beschreibung", `<script>alert("x")</script>`, "ausnahmen", "31.02.2027: geschlossen")
	p := admin.post("/de/intern/beratungsstellen/"+a.ID, bad)
	body := html.UnescapeString(p.body)
	if p.status != 422 {
		t.Fatalf("bad values: %d", p.status)
	}
	for _, want := range []string{"Telefonnummer mit Vorwahl", "E-Mail-Adresse wie", "https://", "endet, bevor sie beginnt", "überschneiden sich", "Dieses Datum gibt es nicht",
		`value="ruf mich an"`, "31.02.2027: geschlossen"} {
		if !strings.Contains(body, want) {
			t.Errorf("bad values: no %q", want)
		}
	}
	if strings.Contains(p.body, `<script>alert`) {
		t.Fatal("markup rendered as markup")
	}
	good := centreForm(t, form, "oeffnungszeiten_3", "08:00–12:30, 13:30–15:30", "ausnahmen", "24.12.2026 – 01.01.2027: geschlossen (Betriebsferien)",
		"beschreibung", `<b>Hilfe</b> & Rat`)
	if p := admin.post("/de/intern/beratungsstellen/"+a.ID, good); p.status != 303 {
		t.Fatalf("save: %d\n%s", p.status, errorSummary(p.body))
	}
	detail := newBrowser(t, in.base).get("/de/beratung/" + a.Slug)
	for _, want := range []string{"08:00–12:30, 13:30–15:30", "&lt;b&gt;Hilfe&lt;/b&gt; &amp; Rat"} {
		if !strings.Contains(detail.body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
}

// TestCentresCSVImport: broken rows are listed with their line and
// problem and nothing is written; Windows-1252 and UTF-8 with BOM read
// alike; duplicates in the file and against existing centres are named;
// a dry run writes nothing; a good file creates the centres; a file that is
// not CSV gets a message; the export cannot run formulas.
func TestCentresCSVImport(t *testing.T) {
	in := start(t, testConfig(t))
	twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	upload := func(content []byte, action string) page {
		form := admin.get("/de/intern/beratungsstellen/import")
		return admin.postFile("/de/intern/beratungsstellen/import", form.csrf(t), "datei", "stellen.csv", content, "aktion", action)
	}
	count := func() int {
		cs, _ := in.DB.CentresOf(context.Background(), "org-a")
		return len(cs)
	}
	before := count()
	broken := "name;arten;traeger;standorte;telefon;mo\n" +
		"Suchtberatung Nord;sucht;Träger A;\"Weg 1; 50667; Köln\";0221 1;08:00–12:00\n" +
		"Ohne Art;;Träger A;\"Weg 2; 50667; Köln\";;\n" +
		"Falsche PLZ;sucht;Träger A;\"Weg 3; 99999; Nirgendwo\";;\n" +
		"Suchtberatung Nord;sucht;Träger A;\"Weg 1; 50667; Köln\";;\n" +
		"Schuldnerberatung Alpha;schulden;Träger A;\"Domstraße 1; 50667; Köln\";;\n"
	p := upload([]byte(broken), "importieren")
	body := html.UnescapeString(p.body)
	for _, want := range []string{"Zeile 2:", "Telefonnummer", "Zeile 3:", "mindestens eine Art", "Zeile 4:", "99999", "Zeile 5:", "schon in Zeile 2", "Zeile 6:", "gibt es schon", "Nichts wurde gespeichert"} {
		if !strings.Contains(body, want) {
			t.Errorf("broken file: no %q", want)
		}
	}
	if count() != before {
		t.Fatal("a broken file was written")
	}
	good := "name;arten;traeger;standorte;sprachen\nSchuldnerberatung Süd;schulden;Träger A;\"Weg 9; 50667; Köln\";de, tr\n"
	win := []byte(strings.ReplaceAll(strings.ReplaceAll(good, "ü", "\xfc"), "ä", "\xe4"))
	if p := upload(win, "probelauf"); p.status != 200 || !strings.Contains(p.body, "Windows-1252") || count() != before {
		t.Fatalf("dry run of a Windows-1252 file: %d", p.status)
	}
	if p := upload(append([]byte("\xef\xbb\xbf"), good...), "importieren"); p.status != 200 || count() != before+1 {
		t.Fatalf("import with BOM: %d, %d centres\n%s", p.status, count(), p.body)
	}
	cs, _ := in.DB.CentresOf(context.Background(), "org-a")
	found := false
	for _, c := range cs {
		found = found || c.Name == "Schuldnerberatung Süd"
	}
	if !found {
		t.Fatal("the umlaut did not survive")
	}
	if p := upload([]byte("%PDF-1.4\n..."), "probelauf"); p.status != 422 || !strings.Contains(html.UnescapeString(p.body), "keine CSV") {
		t.Fatalf("a PDF: %d\n%s", p.status, p.body)
	}
	// Formula injection: a name typed as a formula is exported as text.
	form := admin.get("/de/intern/beratungsstellen/neu")
	admin.post("/de/intern/beratungsstellen/neu", url.Values{"csrf_token": {form.csrf(t)}, "name": {"=HYPERLINK(\"http://x\")"}, "arten": {"sucht"},
		"traeger": {"+Träger"}, "standorte": {"Weg 5; 50667; Köln"}})
	_, export := admin.getBytes("/de/intern/beratungsstellen/export.csv")
	if !bytes.Contains(export, []byte(`'=HYPERLINK`)) || !bytes.Contains(export, []byte(`'+Träger`)) {
		t.Fatalf("export lets formulas run:\n%s", export)
	}
}

// TestCentreOnboarding: a centre asks for access, confirms its address
// (the link's page changes nothing, its button does, once), a system
// administrator approves; the contact gets the user name and a single-use
// set-password link (no password in any mail), sets the password, signs in
// with a second factor and maintains the new organisation's centres.
func TestCentreOnboarding(t *testing.T) {
	in := start(t, testConfig(t))
	visitor := newBrowser(t, in.base)
	form := visitor.get("/de/beratung/fuer-beratungsstellen")
	p := visitor.post("/de/beratung/fuer-beratungsstellen", url.Values{"csrf_token": {form.csrf(t)}, "stelle": {"Suchtberatung <Neu>"},
		"traeger": {""}, "name": {"Nora Neu"}, "email": {"kein-at"}})
	if p.status != 422 || !strings.Contains(p.body, `value="Nora Neu"`) || !strings.Contains(p.body, "Geben Sie den Träger der Beratungsstelle ein.") ||
		!strings.Contains(p.body, "E-Mail-Adresse wie") {
		t.Fatalf("bad address: %d\n%s", p.status, errorSummary(p.body))
	}
	p = visitor.post("/de/beratung/fuer-beratungsstellen", url.Values{"csrf_token": {form.csrf(t)}, "stelle": {"Suchtberatung <Neu>"},
		"traeger": {"Neuer Träger e. V."}, "name": {"Nora Neu"}, "email": {"nora@neu.example"}})
	if p.status != 200 {
		t.Fatalf("request: %d\n%s", p.status, errorSummary(p.body))
	}
	// The form cannot be used to flood an address: after three requests
	// within 72 hours it says so.
	for i := 0; i < 3; i++ {
		p = visitor.post("/de/beratung/fuer-beratungsstellen", url.Values{"csrf_token": {form.csrf(t)}, "stelle": {"X"},
			"traeger": {"Y"}, "name": {"Z"}, "email": {"opfer@example.org"}})
	}
	if p.status != 200 {
		t.Fatalf("third request: %d", p.status)
	}
	p = visitor.post("/de/beratung/fuer-beratungsstellen", url.Values{"csrf_token": {form.csrf(t)}, "stelle": {"X"},
		"traeger": {"Y"}, "name": {"Z"}, "email": {"Opfer@example.org"}})
	if p.status != 422 || !strings.Contains(p.body, "schon mehrere Links") {
		t.Fatalf("fourth request: %d", p.status)
	}
	mail := lastMail(t, in, "nora@neu.example")
	link := regexp.MustCompile(`https?://[^\s"<]+/beratung/fuer-beratungsstellen/bestaetigen/[A-Za-z0-9_-]+`).FindString(mail)
	if link == "" || strings.Contains(mail, "<Neu>") && !strings.Contains(mail, "&lt;Neu&gt;") && strings.Contains(mail, "<html") {
		t.Fatalf("confirmation mail: %s", mail)
	}
	path := link[strings.Index(link, "/de/"):]
	page := visitor.get(path)
	if page.status != 200 {
		t.Fatalf("confirm page: %d", page.status)
	}
	ops := newBrowser(t, in.base)
	signInStaff(t, in, ops, "de")
	if reqs := ops.get("/de/intern/zugangsanfragen"); !strings.Contains(reqs.body, "noch nicht bestätigt") {
		t.Fatal("the request is not listed as unconfirmed")
	}
	if p := visitor.post(path, url.Values{"csrf_token": {page.csrf(t)}}); p.status != 200 {
		t.Fatalf("confirm: %d", p.status)
	}
	if p := visitor.post(path, url.Values{"csrf_token": {page.csrf(t)}}); p.status != 410 {
		t.Fatalf("the link works twice: %d", p.status)
	}
	reqs := ops.get("/de/intern/zugangsanfragen")
	id := regexp.MustCompile(`/de/intern/zugangsanfragen/([0-9a-f-]{36})`).FindStringSubmatch(reqs.body)
	if id == nil || !strings.Contains(reqs.body, "Suchtberatung &lt;Neu&gt;") {
		t.Fatalf("requests page:\n%s", reqs.body)
	}
	if p := ops.post("/de/intern/zugangsanfragen/"+id[1], url.Values{"csrf_token": {reqs.csrf(t)}, "entscheidung": {"annehmen"}}); p.status != 303 {
		t.Fatalf("approve: %d", p.status)
	}
	invitation := lastMail(t, in, "nora@neu.example")
	setLink := regexp.MustCompile(`https?://[^\s"<]+(/de/intern/passwort/[A-Za-z0-9_-]+)`).FindStringSubmatch(invitation)
	if setLink == nil || !strings.Contains(invitation, "nora@neu.example") || strings.Contains(strings.ToLower(invitation), "passwort:") {
		t.Fatalf("invitation mail: %s", invitation)
	}
	nora := newBrowser(t, in.base)
	pw := nora.get(setLink[1])
	if p := nora.post(setLink[1], url.Values{"csrf_token": {pw.csrf(t)}, "password": {"kurz"}, "password2": {"kurz"}}); p.status != 422 {
		t.Fatalf("short password: %d", p.status)
	}
	if p := nora.post(setLink[1], url.Values{"csrf_token": {pw.csrf(t)}, "password": {"ein sehr langes passwort"}, "password2": {"ein sehr langes passwort"}}); p.status != 303 {
		t.Fatalf("set password: %d\n%s", p.status, p.body)
	}
	if p := nora.get(setLink[1]); p.status != 410 {
		t.Fatalf("the link works twice: %d", p.status)
	}
	finishStaffSignIn(t, nora, "de", "nora@neu.example", postPassword(t, nora, "de", "nora@neu.example", "ein sehr langes passwort"))
	if p := nora.get("/de/intern/beratungsstellen"); p.status != 200 {
		t.Fatalf("the new organisation's admin: %d", p.status)
	}
}

// lastMail is the newest caught mail to address, as raw text.
func lastMail(t *testing.T, in *instance, to string) string {
	t.Helper()
	if _, err := in.Queue.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails, err := in.DB.ListCaughtMail(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if strings.Contains(m.Recipients, to) {
			full, err := in.DB.FindCaughtMail(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Quoted-printable soft line breaks would split the links.
			return strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(full.Raw)
		}
	}
	t.Fatalf("no mail to %s", to)
	return ""
}

// TestTeamCSV: counsellors come in as CSV: a dry run lists every row and
// invites nobody, a row with a bad address or role stops the whole file,
// the import invites each new address once (with a set-password link),
// running it again skips those already in the team, and the export lists
// the team.
func TestTeamCSV(t *testing.T) {
	in := start(t, testConfig(t))
	twoOrganisations(t, in)
	admin := signInOrgStaff(t, in, "admin-a@example.org", account.OrgAdmin, "org-a")
	upload := func(content, action string) page {
		form := admin.get("/de/intern/team")
		return admin.postFile("/de/intern/team/import", form.csrf(t), "datei", "team.csv", []byte(content), "aktion", action)
	}
	team := func() int {
		list, _ := in.DB.StaffOfOrg(context.Background(), "org-a")
		return len(list)
	}
	before := team()
	if p := upload("email;name;rolle\nkaputt;Kim;berater\nlea@example.org;Lea;chefin\n", "importieren"); p.status != 422 || team() != before {
		t.Fatalf("bad rows: %d, team %d", p.status, team())
	}
	good := "email;name;rolle\nlea@example.org;Lea Lang;berater\nmo@example.org;Mo Meier;admin\n"
	if p := upload(good, "probelauf"); p.status != 200 || team() != before || !strings.Contains(p.body, "Probelauf") {
		t.Fatalf("dry run: %d, team %d", p.status, team())
	}
	if p := upload(good, "importieren"); p.status != 200 || team() != before+2 {
		t.Fatalf("import: %d, team %d\n%s", p.status, team(), p.body)
	}
	if !strings.Contains(lastMail(t, in, "mo@example.org"), "/de/intern/passwort/") {
		t.Fatal("no invitation with a set-password link")
	}
	if p := upload(good, "importieren"); p.status != 200 || team() != before+2 || !strings.Contains(p.body, "schon im Team") {
		t.Fatalf("import again: %d, team %d", p.status, team())
	}
	if st, err := in.DB.FindStaffByEmail(context.Background(), "mo@example.org"); err != nil || st.Role != account.OrgAdmin || st.OrgID != "org-a" {
		t.Fatalf("mo: %+v %v", st, err)
	}
	if status, body := admin.getBytes("/de/intern/team/export.csv"); status != 200 || !bytes.Contains(body, []byte("lea@example.org;Lea Lang;berater")) {
		t.Fatalf("export: %d\n%s", status, body)
	}
}
