package main

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// The upload chapter without JavaScript (issue 14, defects 3, 6, 7 and 11):
// what a browser sends when a person chooses a file and presses "Weiter"
// or Enter instead of "Hochladen", where the person lands after a change,
// and what the page says of a file's virus check.

const tinyPDF = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

// chosenFile is one proof's file field as the page sends it: the slot, then
// the file (name "" when nothing was chosen).
type chosenFile struct{ slot, name, content string }

// postChapterForm sends the upload chapter's form as a browser does: the
// fields in page order, the pressed button's aktion where it stands (first
// for Enter, which presses the hidden default button; last for "Weiter").
func (b *browser) postChapterForm(t *testing.T, path, token, action string, enter bool, files []chosenFile) page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", token)
	if enter {
		mw.WriteField("aktion", action)
	}
	for _, f := range files {
		mw.WriteField("slot", f.slot)
		fw, _ := mw.CreateFormFile("datei", f.name)
		fw.Write([]byte(f.content))
	}
	if !enter {
		mw.WriteField("aktion", action)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", b.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// proofSlots are the upload chapter's proofs, read from its page.
func proofSlots(t *testing.T, p page) []string {
	t.Helper()
	var out []string
	for _, m := range regexp.MustCompile(`<input type="hidden" name="slot" value="([^"]+)">`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	if len(out) < 2 {
		t.Fatalf("the upload chapter has %d file fields in its form", len(out))
	}
	return out
}

// TestWeiterUploadsTheChosenFile: a file chosen and then "Weiter" (or Enter)
// pressed instead of "Hochladen" was dropped without a word. The chapter
// form now carries the files, and every button uploads them, through the
// same checks as "Hochladen"; a refused file keeps the person on the
// chapter with the message at the proof and in the error summary.
func TestWeiterUploadsTheChosenFile(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	p := b.get(base + "/unterlagen")
	p.mustContain(t, `action="`+base+`/unterlagen/hochladen" enctype="multipart/form-data" class="stack-form" id="chapter-form"`)
	slots := proofSlots(t, p)
	withFile := func(slot, name, content string) []chosenFile {
		var fs []chosenFile
		for _, s := range slots {
			f := chosenFile{slot: s}
			if s == slot {
				f.name, f.content = name, content
			}
			fs = append(fs, f)
		}
		return fs
	}

	// A PDF named .png with "Weiter": refused as "Hochladen" refuses it.
	bad := b.postChapterForm(t, base+"/unterlagen/hochladen", token, "weiter", false, withFile(slots[1], "foto.png", tinyPDF))
	if bad.status != 422 {
		t.Fatalf("a refused file with Weiter: %d %s", bad.status, bad.header.Get("Location"))
	}
	id := "f-" + strings.ReplaceAll(slots[1], ".", "-")
	bad.mustContain(t, `href="#`+id+`"`, `<p class="kern-error" id="`+id+`-error">`, "Der Inhalt der Datei passt nicht zu ihrem Namen")

	// Enter in the chapter: the file goes up, and on to the next chapter.
	p = b.postChapterForm(t, base+"/unterlagen/hochladen", token, "weiter", true, withFile(slots[1], "mietvertrag.pdf", tinyPDF))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/nothilfe") {
		t.Fatalf("Enter with a chosen file: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	// "Weiter" pressed with another file: uploaded too.
	p = b.postChapterForm(t, base+"/unterlagen/hochladen", token, "weiter", false, withFile(slots[0], "ausweis.pdf", tinyPDF))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/nothilfe") {
		t.Fatalf("Weiter with a chosen file: %d %s\n%s", p.status, p.header.Get("Location"), errorSummary(p.body))
	}
	p = b.get(base + "/unterlagen")
	p.mustContain(t, "mietvertrag.pdf", "ausweis.pdf")
	if strings.Contains(p.body, "foto.png") {
		t.Error("the refused file is listed")
	}
	// "Weiter" with nothing chosen is just "Weiter".
	if p := b.postChapterForm(t, base+"/unterlagen/hochladen", token, "weiter", false, withFile("", "", "")); p.status != 303 {
		t.Fatalf("Weiter without a file: %d\n%s", p.status, errorSummary(p.body))
	}
	// "Hochladen" with nothing chosen says so at its proof.
	p = b.postChapterForm(t, base+"/unterlagen/hochladen", token, "hochladen:"+slots[0], false, withFile("", "", ""))
	if p.status != 422 {
		t.Fatalf("Hochladen without a file: %d", p.status)
	}
	p.mustContain(t, "Bitte wählen Sie eine Datei aus.", `href="#f-`+strings.ReplaceAll(slots[0], ".", "-")+`"`)
}

// TestAfterAnUploadThePersonLandsAtTheProof: "Hochladen" leads back to the
// proof's box, where the message says what became of the file; it says
// "auf Viren geprüft" only when a scanner checked it (it said "hochgeladen
// und geprüft" beside "nicht auf Viren geprüft"), in every language.
// Removing a file lands there too.
func TestAfterAnUploadThePersonLandsAtTheProof(t *testing.T) {
	in := start(t, testConfig(t)) // no virus scanner: the embedded default
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	slots := proofSlots(t, b.get(base+"/unterlagen"))
	box := "f-" + strings.ReplaceAll(slots[1], ".", "-") + "-box"
	var files []chosenFile
	for _, s := range slots {
		f := chosenFile{slot: s}
		if s == slots[1] {
			f.name, f.content = "mietvertrag.pdf", tinyPDF
		}
		files = append(files, f)
	}
	p := b.postChapterForm(t, base+"/unterlagen/hochladen", token, "hochladen:"+slots[1], false, files)
	where := p.header.Get("Location")
	if p.status != 303 || !strings.HasSuffix(where, "#"+box) || !strings.Contains(where, "hochgeladen=1") {
		t.Fatalf("Hochladen: %d %s\n%s", p.status, where, errorSummary(p.body))
	}
	cat := i18n.MustLoad()
	for _, code := range []string{"de", "ls", "en", "pl", "uk", "ru", "tr", "ar"} {
		l, _ := i18n.Lookup(code)
		tr := cat.For(l)
		page := b.get("/" + code + strings.TrimPrefix(strings.SplitN(where, "#", 2)[0], "/de"))
		i := strings.Index(page.body, `id="`+box+`"`)
		if page.status != 200 || i < 0 {
			t.Fatalf("%s: %d, no box %s", code, page.status, box)
		}
		inBox := page.body[i:]
		if j := strings.Index(inBox, `class="upload-slot"`); j >= 0 {
			inBox = inBox[:j] // up to the next proof
		}
		for _, want := range []string{tr.T("upload.done_unscanned"), tr.T("upload.unscanned")} {
			if !strings.Contains(inBox, htmlText(want)) {
				t.Errorf("%s: the proof lacks %q", code, want)
			}
		}
		for _, wrong := range []string{tr.T("upload.done"), tr.T("upload.clean")} {
			if strings.Contains(page.body, htmlText(wrong)) {
				t.Errorf("%s: says %q although no scanner checked the file", code, wrong)
			}
		}
	}
	fileID := regexp.MustCompile(`datei=([0-9a-f-]+)`).FindStringSubmatch(where)[1]
	p = b.post(base+"/unterlagen/loeschen", url2Values("csrf_token", token, "datei", fileID))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "#"+box) {
		t.Fatalf("Entfernen: %d %s", p.status, p.header.Get("Location"))
	}
	b.get(strings.SplitN(p.header.Get("Location"), "#", 2)[0]).mustContain(t, "Die Datei ist entfernt.")
}

// htmlText is s as html/template writes it into element text.
func htmlText(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(s)
}

// TestAfterAddingAnEntryItsFirstFieldHasTheFocus: "Eintrag hinzufügen"
// shows the chapter again with the new entry's first field focused (the
// page opened at its top, a screen away from the new entry); "Speichern"
// leads back to its button, with the confirmation beside it.
func TestAfterAddingAnEntryItsFirstFieldHasTheFocus(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	signInCitizen(t, b, "de", "niedrig", "max")
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "einkommen")
	p := b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja"))
	p = b.post(base+"/einkommen", chapterForm(token, "hinzufuegen:einkommen", "hat_einkommen", "ja", "offen", "einkommen.0"))
	if p.status != 200 {
		t.Fatalf("add: %d", p.status)
	}
	focused := regexp.MustCompile(`<(?:input|select|textarea)[^>]*name="([^"]+)"[^>]*autofocus`).FindAllStringSubmatch(p.body, -1)
	if len(focused) != 1 || !strings.HasPrefix(focused[0][1], "einkommen.1.") {
		t.Fatalf("autofocus on %v, want the first field of the second entry", focused)
	}
	first := regexp.MustCompile(`name="(einkommen\.1\.[^"]+)"`).FindStringSubmatch(p.body)
	if first == nil || first[1] != focused[0][1] {
		t.Errorf("the focus is on %s, the entry starts with %v", focused[0][1], first)
	}
	// "Aktualisieren" moves no focus.
	p = b.post(base+"/einkommen", chapterForm(token, "aktualisieren", "hat_einkommen", "ja", "offen", "einkommen.0", "offen", "einkommen.1"))
	if strings.Contains(p.body, " autofocus") {
		t.Error("a field takes the focus after Aktualisieren")
	}

	p = b.post(base+"/einkommen", chapterForm(token, "speichern", "hat_einkommen", "ja", "offen", "einkommen.0", "offen", "einkommen.1"))
	if p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "?gespeichert=1#gespeichert") {
		t.Fatalf("Speichern: %d %s", p.status, p.header.Get("Location"))
	}
	saved := b.get(strings.SplitN(p.header.Get("Location"), "#", 2)[0]).body
	at, buttons := strings.Index(saved, `id="gespeichert"`), strings.Index(saved, `<div class="form-buttons">`)
	if at < 0 || buttons < at || !strings.Contains(saved[at:buttons], "Ihr Entwurf ist gespeichert.") {
		t.Errorf("the confirmation is not just before the buttons (at %d, buttons at %d)", at, buttons)
	}
}

// TestZeroSquareMetresNamesTheFieldAndItsLimits: "0" in Wohnfläche (1 to
// 2000 m²) gets a message that names the field and its limits, beside the
// field and in the error summary, in the person's language.
func TestZeroSquareMetresNamesTheFieldAndItsLimits(t *testing.T) {
	in := start(t, testConfig(t))
	cat := i18n.MustLoad()
	for _, lang := range []string{"de", "ar"} {
		b := newBrowser(t, in.base)
		token := b.open("/de/antrag/" + hzl).csrf(t)
		walkTo(t, b, token, "unterkunft")
		p := b.post("/"+lang+"/antrag/"+hzl+"/unterkunft", chapterForm(token, "weiter", append(hzlAnswers["unterkunft"], "wohnflaeche", "0")...))
		if p.status != 200 || !strings.Contains(p.path, "fehler=1") {
			t.Fatalf("%s: %d", lang, p.status)
		}
		label := regexp.MustCompile(`for="f-wohnflaeche">(?:<span lang="[^"]*" dir="ltr">)?([^<]+?)(?:</span>)? <span`).FindStringSubmatch(p.body)
		if label == nil {
			t.Fatalf("%s: no label of Wohnfläche", lang)
		}
		l, _ := i18n.Lookup(lang)
		want := htmlText(cat.For(l).T("form.error.range_between", "label", label[1], "min", "1", "max", "2000"))
		inline := regexp.MustCompile(`id="f-wohnflaeche-error">.*?<span class="kern-body">([^<]*)</span>`).FindStringSubmatch(p.body)
		if inline == nil || inline[1] != want {
			t.Errorf("%s: beside the field %v, want %q", lang, inline, want)
		}
		if !strings.Contains(errorSummary(p.body), want) {
			t.Errorf("%s: the summary lacks %q", lang, want)
		}
	}
}
