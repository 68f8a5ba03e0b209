package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The application assistant as a caseworker would want it (issue 14): what
// a person typed means the same after every round trip.

// TestWholeEurosStayWholeEuros: "450" in Kaltmiete stays "450" after
// "Aktualisieren" (it was shown as "4,50" and then sent as 4,50 €), and so
// do amounts typed with Arabic-Indic digits; the check page says 450,00.
func TestWholeEurosStayWholeEuros(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterkunft")
	answers := []string{"wohnsituation", "miete", "miete.kaltmiete", "450", "miete.nebenkosten", "١٢٠", "miete.heizkosten", "80",
		"einzug", "01.03.2015", "mietrueckstaende", "nein", "warmwasser", "zentral", "vermieter.name", "GWG Köln", "direktzahlung", "nein"}
	p := b.post(base+"/unterkunft", chapterForm(token, "aktualisieren", answers...))
	if p.status != 200 {
		t.Fatalf("Aktualisieren: %d", p.status)
	}
	p.mustContain(t, `name="miete.kaltmiete" value="450"`, `name="miete.heizkosten" value="80"`, `name="miete.nebenkosten" value="١٢٠"`)
	// Sent again exactly as shown, as a browser does after Aktualisieren.
	if p := b.post(base+"/unterkunft", chapterForm(token, "weiter", answers...)); p.status != 303 {
		t.Fatalf("Weiter: %d\n%s", p.status, errorSummary(p.body))
	}
	p = b.get(base + "/unterkunft")
	p.mustContain(t, `name="miete.kaltmiete" value="450"`)
	walkTo(t, b, token, "absenden")
	if p := b.post(base+"/unterkunft", chapterForm(token, "weiter", answers...)); p.status != 303 {
		t.Fatalf("Weiter: %d\n%s", p.status, errorSummary(p.body))
	}
	check := b.get(base + "/pruefen")
	for _, want := range []string{"450,00", "120,00", "80,00"} {
		if !strings.Contains(check.body, want) {
			t.Errorf("check page lacks %s", want)
		}
	}
	if strings.Contains(check.body, "4,50") || strings.Contains(check.body, "0,80") {
		t.Error("check page shows whole euros as cents")
	}
}

// withAnswer is answers with one value changed.
func withAnswer(answers []string, key, value string) []string {
	out := append([]string{}, answers...)
	for i := 0; i+1 < len(out); i += 2 {
		if out[i] == key {
			out[i+1] = value
		}
	}
	return out
}

// TestTheAddressDecidesTheOffice: started from the office finder for
// Troisdorf, a person who lives in Köln is told before sending that the
// Köln office is responsible, and the application goes there; an address in
// Bielefeld (own online service, Fall 2) offers that way and cannot be sent.
func TestTheAddressDecidesTheOffice(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	p := b.open(base + "?ars=053820068068")
	if p.status != 200 {
		t.Fatalf("start: %d", p.status)
	}
	token := p.csrf(t)
	walkTo(t, b, token, "absenden")
	p = b.get(base + "/absenden")
	p.mustContain(t, "Sozialamt Rhein-Sieg-Kreis")

	koeln := withAnswer(withAnswer(hzlAnswers["antragsteller"], "adresse.plz", "50667"), "adresse.ort", "Köln")
	if p := b.post(base+"/antragsteller", chapterForm(token, "weiter", koeln...)); p.status != 303 {
		t.Fatalf("Köln address: %d\n%s", p.status, errorSummary(p.body))
	}
	p = b.get(base + "/absenden")
	p.mustContain(t, "Sozialamt Köln", "nicht Sozialamt Rhein-Sieg-Kreis, für die Sie den Antrag begonnen haben")

	bielefeld := withAnswer(withAnswer(koeln, "adresse.plz", "33602"), "adresse.ort", "Bielefeld")
	b.post(base+"/antragsteller", chapterForm(token, "weiter", bielefeld...))
	p = b.get(base + "/absenden")
	p.mustContain(t, "Sozialamt Bielefeld", "nimmt diesen Antrag noch nicht über die Sozialplattform an",
		`href="https://www.bielefeld.de/"`, "Zum Online-Antrag dieser Stelle")
	if p := b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...)); p.status != 422 {
		t.Fatalf("sent to an office that does not take it online: %d", p.status)
	}

	b.post(base+"/antragsteller", chapterForm(token, "weiter", koeln...))
	p = b.post(base+"/absenden", chapterForm(token, "absenden", append(hzlAnswers["absenden"], "nutzungsbedingungen", "ja")...))
	if p.status != 303 {
		t.Fatalf("send: %d\n%s", p.status, errorSummary(p.body))
	}
	receipt := b.get(p.header.Get("Location"))
	receipt.mustContain(t, "Sozialamt Köln")
	if strings.Contains(receipt.body, "Rhein-Sieg-Kreis") {
		t.Error("the receipt names the office of the start")
	}
}

// TestPersonalPagesAreNeverCachedAndUpdatesSendOnlyChanges: every page of
// an application says no-store, so browser Back asks the server again; and a
// live update that names only the answer the person changed keeps every
// other answer the server holds (an old copy of the page with empty fields
// once blanked the saved name and phone).
func TestPersonalPagesAreNeverCachedAndUpdatesSendOnlyChanges(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "absenden")
	for _, path := range []string{base, base + "/antragsteller", base + "/haushalt", base + "/pruefen", base + "/absenden", "/de/konto", "/de/anmelden"} {
		p := b.get(path)
		if got := p.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, got)
		}
	}
	// A live update from a page whose name and phone fields were empty
	// (an old copy): only the changed answer is named.
	req := chapterForm(token, "aktualisieren", "antrag_fuer", "selbst", "person.vorname", "", "person.nachname", "")
	req.Set("teilweise", "1")
	req.Add("nur", "antrag_fuer")
	p := b.fragment(base+"/antragsteller", req)
	if p.status != 200 {
		t.Fatalf("update: %d", p.status)
	}
	if p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("fragment: Cache-Control %q", p.header.Get("Cache-Control"))
	}
	p.mustContain(t, `value="Erika"`, `value="Müller-Lüdenscheidt"`)
	b.get(base+"/antragsteller").mustContain(t, `value="Erika"`, `value="Müller-Lüdenscheidt"`)
	// A changed answer the script names is taken, also when it is emptied.
	req = chapterForm(token, "aktualisieren", "person.vorname", "Erika Maria", "person.geburtsname", "")
	req.Set("teilweise", "1")
	req.Add("nur", "person.vorname")
	b.fragment(base+"/antragsteller", req).mustContain(t, `value="Erika Maria"`, `value="Müller-Lüdenscheidt"`)
}

// TestWithoutCookiesTheAssistantSaysSo: a browser that keeps no cookie is
// told that the application needs one, instead of being sent round in a
// circle between the entry and the chapter.
func TestWithoutCookiesTheAssistantSaysSo(t *testing.T) {
	in := start(t, testConfig(t))
	path := "/de/antrag/" + hzl
	for range 4 {
		p := newBrowser(t, in.base).get(path) // a new browser each time: no cookie kept
		if p.status != 303 {
			if p.status != 400 || !strings.Contains(p.body, "Cookies sind nötig") {
				t.Fatalf("%s: %d", path, p.status)
			}
			return
		}
		path = p.header.Get("Location")
	}
	t.Fatalf("still redirected after four steps: %s", path)
}

// TestChangeFromTheCheckPageReturnsThere: "Ändern" on the check page leads
// into the chapter, and "Weiter" there back to the check page (it went on to
// the next chapter, and the person had to click through all the rest).
func TestChangeFromTheCheckPageReturnsThere(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "absenden")
	check := b.get(base + "/pruefen")
	link := regexpFind(t, check.body, `href="(/de/antrag/`+hzl+`/antragsteller\?ziel=pruefen#f-person-vorname)"`)
	p := b.get(strings.Split(link, "#")[0])
	p.mustContain(t, `<input type="hidden" name="ziel" value="pruefen">`)
	answers := withAnswer(hzlAnswers["antragsteller"], "person.vorname", "Erika Maria")
	form := chapterForm(token, "weiter", answers...)
	form.Set("ziel", "pruefen")
	if p := b.post(base+"/antragsteller", form); p.status != 303 || !strings.HasSuffix(p.header.Get("Location"), "/pruefen") {
		t.Fatalf("Weiter after Ändern: %d → %s", p.status, p.header.Get("Location"))
	}
	b.get(base+"/pruefen").mustContain(t, "Erika Maria")
}

// TestAnswersMustAgreeAndNoAccountIsHonest: "not alone" without a person,
// "income: yes" without an income and "other assets: yes" without one are
// refused with what to change; a person without a bank account can apply.
func TestAnswersMustAgreeAndNoAccountIsHonest(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "absenden")
	for _, c := range []struct {
		chapter  string
		contra   []string // a "yes" without its entries
		honestly []string // the answer put right
	}{
		{"haushalt", []string{"lebt_allein", "nein", "lebt_mit_partner", "nein", "hat_unterhaltspflichtige", "nein"},
			[]string{"lebt_allein", "ja", "hat_unterhaltspflichtige", "nein"}},
		{"einkommen", []string{"hat_einkommen", "ja", "hat_einmalig", "nein"}, []string{"hat_einkommen", "nein", "hat_einmalig", "nein"}},
		{"vermoegen", []string{"hat_konto", "nein", "hat_vermoegen", "ja", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein"},
			[]string{"hat_konto", "nein", "hat_vermoegen", "nein", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein"}},
	} {
		// Entries made before are dropped by a "no" first.
		b.post(base+"/"+c.chapter, chapterForm(token, "weiter", c.honestly...))
		// "Weiter" right after the "yes" shows the questions it opened
		// (without a script they were not on the screen yet); pressed
		// again without entries, it says what to change.
		p := b.post(base+"/"+c.chapter, chapterForm(token, "weiter", c.contra...))
		if p.status != 200 || !strings.Contains(p.path, "weitere=1") {
			t.Errorf("%s %v: %d %s", c.chapter, c.contra, p.status, p.path)
			continue
		}
		p.mustContain(t, "Ihre Antworten haben weitere Fragen geöffnet")
		p = b.post(base+"/"+c.chapter, chapterForm(token, "weiter", c.contra...))
		if p.status != 200 || !strings.Contains(p.path, "fehler=1") {
			t.Errorf("%s %v: %d %s", c.chapter, c.contra, p.status, p.path)
			continue
		}
		p.mustContain(t, "Fügen Sie jede", `href="#f-`)
		if p := b.post(base+"/"+c.chapter, chapterForm(token, "weiter", c.honestly...)); p.status != 303 {
			t.Errorf("%s %v: %d\n%s", c.chapter, c.honestly, p.status, errorSummary(p.body))
		}
	}
	// Without any account, and without an IBAN, the chapter is complete.
	p := b.post(base+"/vermoegen", chapterForm(token, "weiter", "hat_konto", "nein", "hat_vermoegen", "nein", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein"))
	if p.status != 303 {
		t.Fatalf("no account: %d\n%s", p.status, errorSummary(p.body))
	}
}

// TestErrorMessagesNameTheField: the error summary says which answer is
// missing or out of range, the page title starts with "Fehler:", and without
// a script the page opens at the summary.
func TestErrorMessagesNameTheField(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	kv := withAnswer(withAnswer(hzlAnswers["antragsteller"], "person.vorname", ""), "person.familienstand", "")
	p := b.post(base+"/antragsteller", chapterForm(token, "weiter", kv...))
	if p.status != 200 || !strings.Contains(p.path, "fehler=1") {
		t.Fatalf("status %d", p.status)
	}
	p.mustContain(t, "<title>Fehler: ", "Bitte geben Sie „Vorname“ an.", "Bitte wählen Sie bei „Familienstand“ eine Antwort.",
		// A link to a group of radio buttons leads to its first option.
		`href="#f-person-familienstand-0"`,
		`id="error-summary" tabindex="-1" autofocus`)
	if strings.Contains(p.body, "Bitte füllen Sie dieses Feld aus.") {
		t.Error("a message that names no field")
	}
	walkTo(t, b, token, "unterkunft")
	p = b.post(base+"/unterkunft", chapterForm(token, "weiter", withAnswer(hzlAnswers["unterkunft"], "miete.kaltmiete", "200.000")...))
	p.mustContain(t, "„Kaltmiete im Monat“ muss zwischen 0,00 € und 100.000,00 € liegen.")
}

// TestBackAfterSendingShowsTheReceipt: after "Absenden", the application's
// pages (browser Back) lead to the receipt instead of a new, empty
// application; a signed-in person who starts the same service again goes
// on with the saved draft instead of getting a second one.
func TestBackAfterSendingShowsTheReceipt(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	// The receipt: a number to read out on the phone, times in Germany.
	r := b.get(receipt)
	if !regexp.MustCompile(`<strong class="receipt-number">[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}</strong>`).MatchString(r.body) ||
		strings.Contains(r.body, "UTC") {
		t.Errorf("receipt number or time:\n%s", r.body)
	}
	for _, ch := range []string{"absenden", "pruefen", "antragsteller"} {
		p := b.get("/de/antrag/" + hzl + "/" + ch)
		if p.status != 303 || p.header.Get("Location") != receipt {
			t.Errorf("%s after sending: %d → %s, want the receipt %s", ch, p.status, p.header.Get("Location"), receipt)
		}
	}

	s := newBrowser(t, in.base)
	signInCitizen(t, s, "de", "niedrig", "max")
	base := "/de/antrag/" + hzl
	token := s.open(base).csrf(t)
	if p := s.post(base+"/antragsteller", chapterForm(token, "weiter", hzlAnswers["antragsteller"]...)); p.status != 303 {
		t.Fatalf("chapter: %d", p.status)
	}
	// Another device, the same person, from the benefit page again.
	other := newBrowser(t, in.base)
	signInCitizen(t, other, "de", "niedrig", "max")
	p := other.open("/de/antrag/hilfe-zum-lebensunterhalt?ars=053820068068")
	if p.status == 200 && strings.Contains(p.body, "Antrag starten") {
		p = other.open(base + "?ars=053820068068")
	}
	if !strings.HasSuffix(p.path, "/situation") {
		t.Errorf("started again at %s, want the saved draft's next chapter", p.path)
	}
	other.get(base+"/antragsteller").mustContain(t, `value="Müller-Lüdenscheidt"`)
	if n := strings.Count(other.get("/de/konto").body, "?entwurf="); n != 1 {
		t.Errorf("%d drafts in the personal area, want 1", n)
	}
}

// TestEveryUploadFieldNamesItsDocument: a screen reader heard "Datei
// auswählen (freiwillig)" four times; each file field now names its proof.
func TestEveryUploadFieldNamesItsDocument(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	p := b.get(base + "/unterlagen")
	names := regexp.MustCompile(`Datei auswählen<span class="kern-sr-only"> – ([^<]+)</span>`).FindAllStringSubmatch(p.body, -1)
	inputs := strings.Count(p.body, `type="file"`)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n[1]] = true
	}
	if inputs < 2 || len(names) != inputs || len(seen) != inputs {
		t.Errorf("%d file fields, %d named, %d different names", inputs, len(names), len(seen))
	}
}

// TestOwnDetailsCanBeFilledIn: the person's own name, birth date and
// address carry autocomplete tokens (WCAG 1.3.5); others' details do not.
func TestOwnDetailsCanBeFilledIn(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	p := b.open("/de/antrag/" + hzl)
	for name, token := range map[string]string{"person.vorname": "given-name", "person.nachname": "family-name",
		"person.geburtsdatum": "bday", "adresse.strasse": "street-address", "adresse.plz": "postal-code", "adresse.ort": "address-level2"} {
		re := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*autocomplete="` + token + `"`)
		if !re.MatchString(p.body) {
			t.Errorf("%s lacks autocomplete=%q", name, token)
		}
	}
	if regexp.MustCompile(`name="vertretung.name"[^>]*autocomplete=`).MatchString(p.body) {
		t.Error("a representative's name is offered the person's own")
	}
}

// TestAFileLargerThanTheWholeBudget: a 101 MiB file, refused before a byte
// is read, gets the upload chapter with the size message at the proofs
// (it got "Sicherheitsprüfung fehlgeschlagen": not even the form token had
// been read).
func TestAFileLargerThanTheWholeBudget(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	base := "/de/antrag/" + hzl
	token := b.open(base).csrf(t)
	walkTo(t, b, token, "unterlagen")
	var cookies []string
	for _, c := range b.c.Jar.Cookies(mustURL(in.base)) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	// What a browser sends first: the headers of a 101 MiB upload.
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s/unterlagen/hochladen HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nCookie: %s\r\n"+
		"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\n",
		base, strings.TrimPrefix(in.base, "http://"), in.base, strings.Join(cookies, "; "), 101<<20+4096)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "Die Datei ist zu groß") ||
		strings.Contains(string(body), "Sicherheitsprüfung") {
		t.Fatalf("%d\n%s", resp.StatusCode, errorSummary(string(body)))
	}
}
