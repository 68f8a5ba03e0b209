package main

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// The application assistant through the real binary: a person fills the
// Hilfe zum Lebensunterhalt application from start to receipt.

const hzl = "99107012017000"

// hzlAnswers are valid answers for every chapter: a person in Troisdorf who
// rents, has two incomes and one bank account.
var hzlAnswers = map[string][]string{
	"antragsteller": {"antrag_fuer", "selbst", "person.vorname", "Erika", "person.nachname", "Müller-Lüdenscheidt",
		"person.geburtsdatum", "12.08.1964", "person.geschlecht", "weiblich", "person.staatsangehoerigkeit", "DEU", "person.familienstand", "ledig",
		"adresse.strasse", "Heidestraße 17", "adresse.plz", "53840", "adresse.ort", "Troisdorf"},
	"situation": {"erwerbsfaehig", "nein", "grund", "krankheit", "notlage_seit", "01.11.2026", "rente_beantragt", "nein",
		"schwerbehindert", "nein", "pflegegrad", "keiner"},
	"haushalt": {"lebt_allein", "ja", "hat_unterhaltspflichtige", "nein"},
	"unterkunft": {"wohnsituation", "miete", "miete.kaltmiete", "450", "miete.nebenkosten", "120", "miete.heizkosten", "80",
		"warmwasser", "zentral", "einzug", "01.03.2015", "mietrueckstaende", "nein", "vermieter.name", "GWG Köln", "direktzahlung", "nein"},
	"einkommen": {"hat_einkommen", "ja", "offen", "einkommen.0", "offen", "einkommen.1",
		"einkommen.0.wer", "antragsteller", "einkommen.0.art", "krankengeld", "einkommen.0.zahler", "AOK", "einkommen.0.haeufigkeit", "monatlich", "einkommen.0.betrag", "612,40",
		"einkommen.1.wer", "antragsteller", "einkommen.1.art", "sonstiges", "einkommen.1.art_text", "Nebenkostenerstattung", "einkommen.1.zahler", "GWG Köln",
		"einkommen.1.haeufigkeit", "jaehrlich", "einkommen.1.betrag", "20", "hat_einmalig", "nein"},
	"ausgaben": {"krankenversicherung", "pflicht", "krankenkasse", "AOK", "unterhalt_zahlt", "nein", "hat_versicherungen", "nein", "hat_schulden", "nein"},
	"vermoegen": {"hat_konto", "ja", "offen", "konten.0", "konten.0.wer", "antragsteller", "konten.0.bank", "Sparkasse", "konten.0.iban", "DE89 3704 0044 0532 0130 00",
		"konten.0.kontostand", "-120,50", "konten.0.stand_am", "01.12.2026", "hat_vermoegen", "nein", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein",
		"auszahlung.iban", "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber", "Erika Müller-Lüdenscheidt"},
	"unterlagen": {},
	"nothilfe":   {"braucht_sofort_hilfe", "nein"},
	"absenden":   {"richtig_vollstaendig", "bestaetigt", "mitwirkung", "bestaetigt"},
}

var hzlChapters = []string{"antragsteller", "situation", "haushalt", "unterkunft", "einkommen", "ausgaben", "vermoegen", "unterlagen", "nothilfe", "absenden"}

func chapterForm(token, action string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}, "aktion": {action}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// uploadFile posts one file the way the page's upload form does.
func (b *browser) uploadFile(path, token, slot, name string, content []byte) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", token)
	mw.WriteField("slot", slot)
	fw, _ := mw.CreateFormFile("datei", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var locationChapter = regexp.MustCompile(`/antrag/` + hzl + `/([a-z]+)`)

func TestHzLApplicationFromStartToReceipt(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl

	p := b.open(base)
	if p.status != 200 {
		t.Fatalf("start: %d", p.status)
	}
	p.mustContain(t, "Hilfe zum Lebensunterhalt", "Antragsteller:in", `aria-current="step"`, "Schritt 1 von 10",
		"Ihre Angaben sind nur in Ihrer Sitzung in diesem Browser gespeichert", "Formular-Hilfe", "Als PDF herunterladen")
	token := p.csrf(t)

	// A locked chapter cannot be reached by its address.
	if p := b.get(base + "/einkommen"); p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/antragsteller") {
		t.Fatalf("locked chapter: %d %s", p.status, p.header.Get("Location"))
	}

	// First attempt: a surname is missing and the birth date is in the future.
	kv := append([]string{}, hzlAnswers["antragsteller"]...)
	kv[5] = ""           // person.nachname
	kv[7] = "12.08.2090" // person.geburtsdatum
	p = b.post(base+"/antragsteller", chapterForm(token, "weiter", kv...))
	if p.status != 200 || !strings.Contains(p.path, "fehler=1") {
		t.Fatalf("invalid chapter: %d", p.status)
	}
	p.mustContain(t, `id="error-summary"`, `href="#f-person-nachname"`, "Bitte geben Sie „Nachname“ an.",
		"Das Geburtsdatum darf nicht in der Zukunft liegen.", `value="Heidestraße 17"`, `value="12.08.2090"`, `aria-invalid="true"`)

	// Corrected: on to the next chapter.
	for i, ch := range hzlChapters[:len(hzlChapters)-1] {
		if ch == "einkommen" {
			// Two incomes, added the way a person without JavaScript does.
			p = b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
			p.mustContain(t, "Eintrag 1", `name="einkommen.0.betrag"`)
			p = b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja", "offen", "einkommen.0",
				"einkommen.0.wer", "antragsteller", "einkommen.0.art", "krankengeld", "einkommen.0.betrag", "612,40"))
			p.mustContain(t, "Eintrag 2", `value="612,40"`)
			// "Weiter" with the second entry half filled says so, it does not silently block.
			p = b.post(base+"/einkommen", chapterForm(token, "weiter", "hat_einkommen", "ja", "offen", "einkommen.0", "offen", "einkommen.1",
				"einkommen.0.wer", "antragsteller", "einkommen.0.art", "krankengeld", "einkommen.0.betrag", "612,40", "einkommen.1.wer", "antragsteller"))
			if p.status != 200 || !strings.Contains(p.path, "fehler=1") {
				t.Fatalf("half-filled entry: %d", p.status)
			}
			p.mustContain(t, `href="#f-einkommen-1-art-0"`) // the first option: a link to the group would move no focus
		}
		if ch == "vermoegen" {
			p = b.post(base+"/vermoegen", chapterForm(token, "hinzufuegen:konten", "hat_konto", "ja"))
		}
		if ch == "unterlagen" {
			p = b.get(base + "/unterlagen")
			p.mustContain(t, "Personalausweis, Reisepass oder Aufenthaltstitel", "später bei der zuständigen Stelle einreichen",
				"Kein Virenscanner eingerichtet", "Sie können noch 100,0 MB hochladen.")
			up := b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_miete", "mietvertrag.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
			if up.status != 303 {
				t.Fatalf("upload: %d %s", up.status, up.body)
			}
			// A PDF renamed .png is refused: its name would mislead the office.
			bad := b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_miete", "foto.png", []byte("%PDF-1.4 renamed"))
			if bad.status != 422 {
				t.Fatalf("a PDF named .png: %d", bad.status)
			}
			bad.mustContain(t, "Der Inhalt der Datei passt nicht zu ihrem Namen", `href="#f-nachweis_miete"`)
			exe := b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_sonstige", "tool.pdf", []byte("MZ\x90\x00 not a pdf"))
			if exe.status != 422 {
				t.Fatalf("a program as .pdf: %d", exe.status)
			}
			exe.mustContain(t, "Diese Datei ist kein PDF, JPG, PNG oder HEIC.")
			p = b.get(base + "/unterlagen?hochgeladen=1")
			p.mustContain(t, "mietvertrag.pdf")
		}
		p = b.post(base+"/"+ch, chapterForm(token, "weiter", hzlAnswers[ch]...))
		if p.status != 303 {
			t.Fatalf("chapter %s: %d\n%s", ch, p.status, errorSummary(p.body))
		}
		want := "pruefen"
		if i+1 < len(hzlChapters)-1 {
			want = hzlChapters[i+1]
		}
		if m := locationChapter.FindStringSubmatch(p.header.Get("Location")); m == nil || m[1] != want {
			t.Fatalf("after %s: %s, want %s", ch, p.header.Get("Location"), want)
		}
	}

	// Back never validates and never loses what was typed.
	p = b.post(base+"/situation", chapterForm(token, "zurueck", "erwerbsfaehig", "nein", "grund", "sonstiges", "grund_text", "halb getippt"))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/antragsteller") {
		t.Fatalf("back: %d %s", p.status, p.header.Get("Location"))
	}
	b.get(base+"/situation").mustContain(t, `halb getippt</textarea>`)
	p = b.post(base+"/situation", chapterForm(token, "weiter", hzlAnswers["situation"]...))
	if p.status != 303 {
		t.Fatalf("situation again: %d", p.status)
	}

	// Check your answers, with change links.
	p = b.get(base + "/pruefen")
	if p.status != 200 {
		t.Fatalf("check: %d", p.status)
	}
	p.mustContain(t, "Angaben prüfen", "Müller-Lüdenscheidt", "612,40", "Krankengeld", "mietvertrag.pdf",
		`href="/de/antrag/`+hzl+`/antragsteller?ziel=pruefen#f-person-nachname"`, `&amp;bearbeiten=einkommen.1#f-einkommen-1-betrag`)

	// The PDF at any time.
	p = b.get(base + "/pdf")
	if p.status != 200 || p.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("pdf: %d %s", p.status, p.header.Get("Content-Type"))
	}

	// Sending without agreeing to the terms is refused beside the box.
	p = b.get(base + "/absenden")
	p.mustContain(t, "Ihr Antrag geht an", "Nutzungsbedingungen, Datenschutz und Einwilligung", "Antrag absenden")
	p = b.post(base+"/absenden", chapterForm(token, "absenden", hzlAnswers["absenden"]...))
	if p.status != 422 {
		t.Fatalf("send without consent: %d", p.status)
	}
	p.mustContain(t, `href="#f-nutzungsbedingungen"`)
	p = b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "/eingang/") {
		t.Fatalf("send: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	receipt := p.header.Get("Location")
	// Pressed twice (a slow phone): the second press shows the same receipt
	// and sends nothing more.
	if again := b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...)); again.status != 303 || again.header.Get("Location") != receipt {
		t.Fatalf("second press: %d %s", again.status, again.header.Get("Location"))
	}
	p = b.get(receipt)
	if p.status != 200 {
		t.Fatalf("receipt: %d", p.status)
	}
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	p.mustContain(t, "Ihr Antrag ist abgeschickt", id, "Sozialamt", "Antrag als PDF herunterladen",
		`href="`+receipt+`/verarbeitungsbericht.pdf"`)
	if p := b.get(receipt + "/antrag.pdf"); p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("receipt pdf: %d", p.status)
	}
	if p := b.get(receipt + "/verarbeitungsbericht.pdf"); p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("processing report: %d", p.status)
	}
	// The application has left the session: its pages lead to the receipt.
	if p := b.get(base + "/pruefen"); p.status != 303 || p.header.Get("Location") != receipt {
		t.Fatalf("after sending: %d %s", p.status, p.header.Get("Location"))
	}
	// Another browser cannot read the receipt.
	other := newBrowser(t, in.base)
	if p := other.get(receipt); p.status != 410 {
		t.Fatalf("receipt in another browser: %d", p.status)
	}
	if p := other.get(receipt + "/antrag.pdf"); p.status != 410 {
		t.Fatalf("receipt pdf in another browser: %d", p.status)
	}
	// It waits in the outbox for delivery, exactly once.
	sub, err := in.DB.FindSubmission(t.Context(), id)
	if err != nil || sub.Status != "submitted" || sub.Answers["person.nachname"] != "Müller-Lüdenscheidt" || len(sub.Uploads) != 1 || len(sub.ARS) != 12 {
		t.Fatalf("outbox: %+v %v", sub, err)
	}
	if strings.Contains(in.logs.String(), "Müller") || strings.Contains(in.logs.String(), "Heidestraße") {
		t.Fatal("personal data in the log")
	}
}

// TestChapterFragmentForScripts: the in-place update answers with the
// chapter's fields only, evaluated on the server.
func TestChapterFragmentForScripts(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	form := chapterForm(token, "aktualisieren", "antrag_fuer", "vertretung")
	req, _ := http.NewRequest("POST", in.base+base+"/antragsteller", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", in.base)
	req.Header.Set("X-Fragment", "1")
	p := b.do(req)
	if p.status != 200 || strings.Contains(p.body, "<html") || !strings.Contains(p.body, `name="vertretung.name"`) {
		t.Fatalf("fragment: %d %.300s", p.status, p.body)
	}
	form.Set("antrag_fuer", "selbst")
	req, _ = http.NewRequest("POST", in.base+base+"/antragsteller", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", in.base)
	req.Header.Set("X-Fragment", "1")
	if p := b.do(req); strings.Contains(p.body, `name="vertretung.name"`) {
		t.Fatal("a hidden field is still rendered")
	}
}

func errorSummary(body string) string {
	i := strings.Index(body, `id="error-summary"`)
	if i < 0 {
		return "(no error summary)"
	}
	end := i + 1500
	if end > len(body) {
		end = len(body)
	}
	return body[i:end]
}

// walkTo fills every chapter before until with valid answers.
func walkTo(t testing.TB, b *browser, token, until string) {
	t.Helper()
	base := "/de/antrag/" + hzl
	for _, ch := range hzlChapters {
		if ch == until {
			return
		}
		switch ch {
		case "einkommen":
			b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
			b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja", "offen", "einkommen.0"))
		case "vermoegen":
			b.post(base+"/vermoegen", chapterForm(token, "hinzufuegen:konten", "hat_konto", "ja"))
		}
		if p := b.post(base+"/"+ch, chapterForm(token, "weiter", hzlAnswers[ch]...)); p.status != 303 {
			t.Fatalf("chapter %s: %d\n%s", ch, p.status, errorSummary(p.body))
		}
	}
}

// TestUploadsAreScannedByClamd: EICAR inside a PDF is refused; with the
// scanner down a file is held and the person told, the application cannot
// be sent until the file is checked; when the scanner is back it is.
func TestUploadsAreScannedByClamd(t *testing.T) {
	clamd := testenv.StartClamd(t)
	cfg := testConfig(t)
	cfg.Clamd = clamd.Addr
	in := start(t, cfg)
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	p := b.get(base + "/unterlagen")
	if strings.Contains(p.body, "Kein Virenscanner eingerichtet") {
		t.Fatal("the no-scanner notice shows although clamd is configured")
	}
	infected := append([]byte("%PDF-1.4\n"), testenv.EICAR...)
	p = b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_identitaet", "ausweis.pdf", infected)
	if p.status != 422 {
		t.Fatalf("EICAR: %d", p.status)
	}
	p.mustContain(t, "In dieser Datei wurde ein Virus gefunden", `href="#f-nachweis_identitaet"`)
	if strings.Contains(p.body, "ausweis.pdf") {
		t.Fatal("the infected file is listed")
	}

	// A real HEIC photo (as iPhones take them) is accepted and scanned.
	heic, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "internal", "upload", "testdata", "tiny.heic"))
	if err != nil {
		t.Fatal(err)
	}
	if p := b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_sonstige", "IMG_0001.HEIC", heic); p.status != 303 || !strings.Contains(p.header.Get("Location"), "hochgeladen=1") {
		t.Fatalf("HEIC: %d %s", p.status, p.header.Get("Location"))
	}
	b.get(base+"/unterlagen").mustContain(t, "IMG_0001.HEIC")

	clamd.Stop()
	p = b.uploadFile(base+"/unterlagen/hochladen", token, "nachweis_identitaet", "ausweis.pdf", []byte("%PDF-1.4\nclean\n%%EOF\n"))
	if p.status != 303 || !strings.Contains(p.header.Get("Location"), "gehalten=1") {
		t.Fatalf("scanner down: %d %s", p.status, p.header.Get("Location"))
	}
	b.get(p.header.Get("Location")).mustContain(t, "der Virenscanner ist gerade nicht erreichbar", "ausweis.pdf",
		"wird auf Viren geprüft, sobald der Virenscanner wieder erreichbar ist")
	for _, ch := range []string{"unterlagen", "nothilfe"} {
		if p := b.post(base+"/"+ch, chapterForm(token, "weiter", hzlAnswers[ch]...)); p.status != 303 {
			t.Fatalf("%s: %d", ch, p.status)
		}
	}
	p = b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	if p.status != 422 {
		t.Fatalf("sending with a held file: %d %s", p.status, p.header.Get("Location"))
	}
	p.mustContain(t, "Eine Datei wird noch auf Viren geprüft")

	clamd.Start()
	if clean, _, pending, err := in.Web.Uploads.Rescan(t.Context()); err != nil || clean != 1 || pending != 0 {
		t.Fatalf("rescan: clean %d pending %d %v", clean, pending, err)
	}
	b.get(base+"/unterlagen").mustContain(t, "ausweis.pdf", "geprüft")
	p = b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	if p.status != 303 {
		t.Fatalf("send after the scan: %d\n%s", p.status, errorSummary(p.body))
	}
}

// TestUploadBudgetOf100MB: all files of an application together may have
// 100 MB; a file that would pass it is refused with what remains, and the
// file is read as a stream.
func TestUploadBudgetOf100MB(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 100 MB")
	}
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	send := func(name string, size int) page {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("csrf_token", token)
			mw.WriteField("slot", "nachweis_sonstige")
			fw, _ := mw.CreateFormFile("datei", name)
			fw.Write([]byte("%PDF-1.4\n"))
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
			for n := 9; n < size; n += len(chunk) {
				c := chunk
				if size-n < len(c) {
					c = c[:size-n]
				}
				if _, err := fw.Write(c); err != nil {
					break
				}
			}
			mw.Close()
			pw.Close()
		}()
		req, _ := http.NewRequest("POST", in.base+base+"/unterlagen/hochladen", pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", in.base)
		return b.do(req)
	}
	if p := send("kontoauszuege.pdf", 60<<20); p.status != 303 {
		t.Fatalf("60 MB: %d", p.status)
	}
	p := send("mehr.pdf", 41<<20)
	if p.status != 422 {
		t.Fatalf("101 MB in total: %d", p.status)
	}
	p.mustContain(t, "Alle Unterlagen zusammen dürfen höchstens 100 MB haben. Sie können noch 40,0 MB hochladen.")
	if strings.Contains(p.body, "mehr.pdf") {
		t.Fatal("the refused file is listed")
	}
	p.mustContain(t, "kontoauszuege.pdf")
}

// TestSignedInDraftIsKeptAndResumed: a signed-in person's application is
// saved at each chapter change, listed with its deadline in the personal
// area, and continues after signing in again.
func TestSignedInDraftIsKeptAndResumed(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "max")
	base := "/de/antrag/" + hzl
	p := b.open(base)
	p.mustContain(t, "Ihr Entwurf wird bei jedem Kapitelwechsel gespeichert", `value="speichern"`)
	token := p.csrf(t)
	if p := b.post(base+"/antragsteller", chapterForm(token, "weiter", hzlAnswers["antragsteller"]...)); p.status != 303 {
		t.Fatalf("chapter: %d", p.status)
	}
	if p := b.post(base+"/situation", chapterForm(token, "speichern", "erwerbsfaehig", "nein")); p.status != 303 {
		t.Fatalf("save: %d", p.status)
	}
	b.get(base+"/situation?gespeichert=1").mustContain(t, "Ihr Entwurf ist gespeichert.")
	p = b.get("/de/konto")
	p.mustContain(t, "Hilfe zum Lebensunterhalt", "Verfügbar bis")
	cont := regexp.MustCompile(`href="(/de/antrag/hilfe-zum-lebensunterhalt\?entwurf=[^"]+)"`).FindStringSubmatch(p.body)
	if cont == nil {
		t.Fatal("no continue link")
	}
	// Signed out and in again on another device: the draft continues.
	b2 := newBrowser(t, in.base)
	signInCitizen(t, b2, "de", "niedrig", "max")
	p = b2.get(html.UnescapeString(cont[1]))
	if p.status != 303 {
		t.Fatalf("resume: %d", p.status)
	}
	p = b2.open(base)
	p.mustContain(t, "Situation", `aria-current="step"`)
	b2.get(base+"/antragsteller").mustContain(t, `value="Müller-Lüdenscheidt"`)
	// Another person cannot open it.
	b3 := newBrowser(t, in.base)
	signInCitizen(t, b3, "de", "niedrig", "erika")
	if p := b3.get(html.UnescapeString(cont[1])); p.status != 404 {
		t.Fatalf("someone else's draft: %d", p.status)
	}
}

// TestChapterShownAgainIsNeverStale: a chapter shown twice without a change
// is the same page (it may come from the state cache); after any change it
// shows the change, and another visitor never sees it.
func TestChapterShownAgainIsNeverStale(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	first, again := b.get(base+"/antragsteller"), b.get(base+"/antragsteller")
	if first.status != 200 || first.body != again.body {
		t.Fatal("the same chapter without a change differs")
	}
	b.post(base+"/antragsteller", chapterForm(token, "aktualisieren", "person.vorname", "Özgül"))
	b.get(base+"/antragsteller").mustContain(t, `value="Özgül"`)
	b.post(base+"/antragsteller", chapterForm(token, "aktualisieren", "person.vorname", "Erika"))
	p := b.get(base + "/antragsteller")
	p.mustContain(t, `value="Erika"`)
	if strings.Contains(p.body, "Özgül") {
		t.Fatal("an old answer is shown")
	}
	other := newBrowser(t, in.base)
	other.open(base)
	if strings.Contains(other.get(base+"/antragsteller").body, "Erika") {
		t.Fatal("another visitor sees the answers")
	}
}

// fragment asks for a chapter's fields the way the page's script does.
func (b *browser) fragment(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	req.Header.Set("X-Fragment", "1")
	return b.do(req)
}

// TestRenderedChaptersGolden: the fields of rendered chapters, as the golden
// files say — the first chapter for a legal representative, and the income
// chapter with one folded and one open entry, in German and English.
func TestRenderedChaptersGolden(t *testing.T) {
	in := start(t, testConfig(t))
	for _, lang := range []string{"de", "en"} {
		b := newBrowser(t, in.base)
		base := "/" + lang + "/antrag/" + hzl
		token := b.open(base).csrf(t)
		p := b.fragment(base+"/antragsteller", chapterForm(token, "aktualisieren", "antrag_fuer", "vertretung", "person.vorname", "Erika <b>&"))
		testenv.Golden(t, "chapter-antragsteller-"+lang+".html", []byte(p.body))
		walkTo(t, b, token, "einkommen")
		b.post("/de/antrag/"+hzl+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
		b.post("/de/antrag/"+hzl+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja", "offen", "einkommen.0",
			"einkommen.0.wer", "antragsteller", "einkommen.0.art", "krankengeld", "einkommen.0.betrag", "612,40"))
		p = b.fragment(base+"/einkommen", chapterForm(token, "aktualisieren", "hat_einkommen", "ja", "offen", "einkommen.1", "einkommen.1.wer", "andere"))
		testenv.Golden(t, "chapter-einkommen-"+lang+".html", []byte(p.body))
	}
}

// TestPrefillFromBundIDAfterConsent: only after the person agreed in the
// personal area are their BundID details filled into a new application.
func TestPrefillFromBundIDAfterConsent(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "max")
	base := "/de/antrag/" + hzl
	if p := b.open(base); strings.Contains(p.body, `value="Mustermann"`) {
		t.Fatal("details used before consent")
	}
	// A new application after consent.
	b2 := newBrowser(t, in.base)
	signInCitizen(t, b2, "de", "niedrig", "max")
	area := b2.get("/de/konto")
	if p := b2.post("/de/konto/datenuebernahme", url.Values{"csrf_token": {area.csrf(t)}, "consent": {"yes"}}); p.status != 303 {
		t.Fatalf("consent: %d", p.status)
	}
	b2.open(base).mustContain(t, `value="Max"`, `value="Mustermann"`)
}
