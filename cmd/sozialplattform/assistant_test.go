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
