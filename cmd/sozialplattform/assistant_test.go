package main

import (
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
	token := b.get(base).csrf(t)
	walkTo(t, b, token, "unterkunft")
	answers := []string{"wohnsituation", "miete", "miete.kaltmiete", "450", "miete.nebenkosten", "١٢٠", "miete.heizkosten", "80",
		"einzug", "01.03.2015", "mietrueckstaende", "nein"}
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
	p := b.get(base + "?ars=053820068068")
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
