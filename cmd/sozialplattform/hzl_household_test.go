package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/xsozial"
)

// household is the application of a household of four, chapter by
// chapter: Özgül, not able to work, her husband Ahmet with wages of his
// own, his stepdaughter Elif at school, her son Deniz in training whose
// father lives elsewhere. groups says how many entries each repeatable
// group gets. digits turns the Western digits a person types into the ones
// their keyboard gives (Arabic-Indic for the Arabic walk).
type householdChapter struct {
	id     string
	groups map[string]int
	kv     []string
}

func household(digits func(string) string) []householdChapter {
	d := digits
	return []householdChapter{
		{"antragsteller", nil, []string{"antrag_fuer", "selbst", "person.vorname", "Özgül", "person.nachname", "Müller-Lüdenscheidt",
			"person.geburtsdatum", d("00.08.1964"), "person.geschlecht", "weiblich", "person.staatsangehoerigkeit", "ANDERE",
			"person.aufenthaltsstatus", "niederlassung", "person.in_deutschland_seit", d("00.03.1990"), "person.familienstand", "verheiratet",
			"person.rvnr", d("65 120864 Y 123"), "adresse.strasse", "Heidestraße 17", "adresse.plz", d("53840"), "adresse.ort", "Troisdorf",
			"kontakt.telefon", d("02241 123456")}},
		{"situation", nil, []string{"erwerbsfaehig", "nein", "grund", "krankheit", "notlage_seit", d("01.11.2026"), "rente_beantragt", "nein",
			"schwerbehindert", "ja", "gdb", d("60"), "merkzeichen", "g", "pflegegrad", "keiner"}},
		{"haushalt", map[string]int{"haushalt": 2, "unterhaltspflichtige": 1}, []string{"lebt_allein", "nein", "lebt_mit_partner", "ja",
			"partner.vorname", "Ahmet", "partner.nachname", "Müller-Lüdenscheidt", "partner.geburtsdatum", d("03.02.1962"),
			"partner.geschlecht", "maennlich", "partner.staatsangehoerigkeit", "DEU", "partner.erwerbsfaehig", "ja",
			"partner.krankenversicherung", "pflicht", "partner.krankenkasse", "AOK", "partner.pflegegrad", "keiner",
			"haushalt.0.vorname", "Elif", "haushalt.0.nachname", "Müller-Lüdenscheidt", "haushalt.0.geburtsdatum", d("03.04.2014"),
			"haushalt.0.beziehung", "kind", "haushalt.0.ausbildung", "schule", "haushalt.0.but", "schulbedarf", "haushalt.0.but", "mittagessen",
			"haushalt.1.vorname", "Deniz", "haushalt.1.nachname", "Yılmaz", "haushalt.1.geburtsdatum", d("12.01.2008"),
			"haushalt.1.beziehung", "kind", "haushalt.1.ausbildung", "ausbildung", "haushalt.1.anderer_elternteil", "Mehmet Yılmaz, Bonn",
			"hat_unterhaltspflichtige", "ja", "unterhaltspflichtige.0.name", "Mehmet Yılmaz",
			"unterhaltspflichtige.0.beziehung", "anderer_elternteil", "unterhaltspflichtige.0.zahlt", d("150")}},
		{"unterkunft", nil, []string{"wohnsituation", "miete", "miete.kaltmiete", d("450"), "miete.nebenkosten", d("120"),
			"miete.heizkosten", d("80,50"), "warmwasser", "zentral", "wohnflaeche", d("78"), "einzug", d("01.03.2015"), "mietrueckstaende", "nein",
			"vermieter.name", "GWG Troisdorf", "direktzahlung", "nein"}},
		{"einkommen", map[string]int{"einkommen": 3}, []string{"hat_einkommen", "ja",
			"einkommen.0.wer", "partner", "einkommen.0.art", "lohn", "einkommen.0.zahler", "Bäckerei Schmitz", "einkommen.0.haeufigkeit", "monatlich",
			"einkommen.0.brutto", d("1.450"), "einkommen.0.betrag", d("1.104,12"), "einkommen.0.abzuege", d("58"),
			"einkommen.1.wer", "andere", "einkommen.1.name", "Elif", "einkommen.1.art", "kindergeld", "einkommen.1.zahler", "Familienkasse",
			"einkommen.1.haeufigkeit", "monatlich", "einkommen.1.betrag", d("259"),
			"einkommen.2.wer", "andere", "einkommen.2.name", "Deniz", "einkommen.2.art", "ausbildung", "einkommen.2.zahler", "Stadtwerke",
			"einkommen.2.haeufigkeit", "monatlich", "einkommen.2.brutto", d("880"), "einkommen.2.betrag", d("702,30"),
			"hat_einmalig", "nein"}},
		{"ausgaben", nil, []string{"krankenversicherung", "familie", "krankenkasse", "AOK", "unterhalt_zahlt", "nein",
			"hat_versicherungen", "nein", "hat_schulden", "nein"}},
		{"vermoegen", map[string]int{"konten": 1}, []string{"hat_konto", "ja", "konten.0.wer", "partner", "konten.0.bank", "Kreissparkasse Köln",
			"konten.0.iban", d("DE89 3704 0044 0532 0130 00"), "konten.0.kontostand", d("312,77"), "konten.0.stand_am", d("01.12.2026"),
			"hat_vermoegen", "nein", "hat_fahrzeug", "nein", "hat_schenkungen", "nein", "hat_ansprueche", "nein",
			"auszahlung.iban", d("DE89 3704 0044 0532 0130 00"), "auszahlung.inhaber", "Ahmet Müller-Lüdenscheidt"}},
		{"unterlagen", nil, nil},
		{"nothilfe", nil, []string{"braucht_sofort_hilfe", "nein"}},
	}
}

// fillHousehold fills every chapter but the last with the household's
// answers, the way a person without a script does (entries added with
// "Eintrag hinzufügen"), and returns the form's CSRF token.
func fillHousehold(t *testing.T, b *browser, lang string, digits func(string) string) string {
	t.Helper()
	base := "/" + lang + "/antrag/" + hzl
	token := b.open(base).csrf(t)
	for _, ch := range household(digits) {
		var open []string
		for group, n := range ch.groups {
			for i := 0; i < n; i++ {
				// The group shows once its question is answered; the
				// answers so far travel with each press, as in the page.
				p := b.post(base+"/"+ch.id, chapterForm(token, "hinzufuegen:"+group, append(ch.kv, open...)...))
				if p.status != 303 && p.status != 200 {
					t.Fatalf("%s: adding to %s: %d\n%s", ch.id, group, p.status, errorSummary(p.body))
				}
				open = append(open, "offen", group+"."+itoa(i))
			}
		}
		p := b.post(base+"/"+ch.id, chapterForm(token, "weiter", append(ch.kv, open...)...))
		if p.status != 303 {
			t.Fatalf("chapter %s: %d\n%s", ch.id, p.status, errorSummary(p.body))
		}
	}
	return token
}

// arabicIndic types Western digits as Arabic-Indic ones, as an Arabic
// keyboard does.
func arabicIndic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

// TestHzLHouseholdOfFourReachesTheOffice: a household of four (partner with
// income, two children, one at school) is applied for from the first
// chapter to the office's decrypted XML, in German and in Arabic with
// Arabic-Indic digits, the way a person without a script does it (entries
// added with "Eintrag hinzufügen"). The office gets every person and every
// amount, typed, with German labels whatever the person's language.
func TestHzLHouseholdOfFourReachesTheOffice(t *testing.T) {
	for _, c := range []struct {
		lang   string
		digits func(string) string
	}{{"de", func(s string) string { return s }}, {"ar", arabicIndic}} {
		t.Run(c.lang, func(t *testing.T) {
			in := start(t, testConfig(t))
			b := newBrowser(t, in.base)
			base := "/" + c.lang + "/antrag/" + hzl
			token := fillHousehold(t, b, c.lang, c.digits)
			check := b.get(base + "/pruefen")
			// Every person of the household is on the check page, and an
			// amount typed with Arabic-Indic digits means the same amount.
			check.mustContain(t, "Ahmet", "Elif", "Deniz", "1.104,12")
			p := b.post(base+"/absenden", chapterForm(token, "absenden", "richtig_vollstaendig", "bestaetigt", "mitwirkung", "bestaetigt",
				"partner_einverstanden", "bestaetigt", "nutzungsbedingungen", "ja"))
			if p.status != 303 {
				t.Fatalf("send: %d\n%s", p.status, errorSummary(p.body))
			}
			receipt := p.header.Get("Location")
			// The person's own copy is in their language.
			if status, pdfBytes := b.getBytes(receipt + "/antrag.pdf"); status != 200 || !strings.Contains(pdfText(t, pdfBytes), map[string]string{"de": "Haushalt", "ar": "الدخل"}[c.lang]) {
				t.Errorf("the person's PDF (%d) is not in %s", status, c.lang)
			}
			_, rec := deliveredBy(t, in, receipt)
			got, err := in.FITConnectStandin().Collect(rec.Destination, in.FITConnectStandin().DestinationKey(rec.Destination))
			if err != nil || len(got) != 1 {
				t.Fatalf("the office collected %d submissions: %v", len(got), err)
			}
			var n xsozial.Nachricht
			if err := xml.Unmarshal(got[0].Data, &n); err != nil {
				t.Fatal(err)
			}
			h := n.Antrag.HzL
			switch {
			case h == nil:
				t.Fatal("no typed part")
			case h.Haushalt.Partner == nil || h.Haushalt.Partner.Vorname != "Ahmet" || h.Haushalt.Partner.Geburtsdatum != "1962-02-03":
				t.Errorf("partner %+v", h.Haushalt.Partner)
			case len(h.Haushalt.Mitglieder) != 2 || h.Haushalt.Mitglieder[0].Ausbildung == nil || h.Haushalt.Mitglieder[0].Ausbildung.Code != "schule" ||
				len(h.Haushalt.Mitglieder[0].BildungUndTeilhabe) != 2 || h.Haushalt.Mitglieder[1].AndererElternteil == "":
				t.Errorf("children %+v", h.Haushalt.Mitglieder)
			case len(h.Haushalt.Unterhaltspflichtige) != 1 || h.Haushalt.Unterhaltspflichtige[0].ZahltMonatlich == nil ||
				h.Haushalt.Unterhaltspflichtige[0].ZahltMonatlich.Wert != "150.00":
				t.Errorf("liable for maintenance %+v", h.Haushalt.Unterhaltspflichtige)
			case len(h.Einkommen.Einkunft) != 3 || h.Einkommen.Einkunft[0].Bezieher.Code != "partner" || h.Einkommen.Einkunft[0].Brutto == nil ||
				h.Einkommen.Einkunft[0].Brutto.Wert != "1450.00" || h.Einkommen.Einkunft[0].Netto.Wert != "1104.12" ||
				h.Einkommen.Einkunft[2].BezieherName != "Deniz":
				t.Errorf("income per person and source %+v", h.Einkommen.Einkunft)
			case h.Unterkunft.Kaltmiete == nil || h.Unterkunft.Kaltmiete.Wert != "450.00" || h.Unterkunft.Heizkosten.Wert != "80.50":
				t.Errorf("housing %+v", h.Unterkunft)
			case len(h.Vermoegen.Konten) != 1 || h.Vermoegen.Konten[0].Inhaber.Code != "partner" || h.Vermoegen.Konten[0].IBAN != "DE89370400440532013000":
				t.Errorf("accounts %+v", h.Vermoegen.Konten)
			case h.Antragsteller.Rentenversicherungsnummer != "65120864Y123" || h.Antragsteller.Aufenthalt == nil:
				t.Errorf("applicant %+v", h.Antragsteller)
			case h.Erklaerungen.PartnerEinverstanden == nil || !h.Erklaerungen.Mitwirkungspflichten:
				t.Errorf("declarations %+v", h.Erklaerungen)
			}
			// The office reads German, whatever the person's language.
			data := string(got[0].Data)
			for _, want := range []string{"<bezeichnung>Kaltmiete im Monat</bezeichnung>", "<titel>Haushalt</titel>"} {
				if !strings.Contains(data, want) {
					t.Errorf("the office's file lacks %s", want)
				}
			}
		})
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

// pdfText is the text of a PDF as pdftotext reads it, with Arabic
// presentation forms folded to letters (NFKC) and each line also reversed:
// right-to-left runs are drawn, and so read back, in visual order.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	tool := testenv.LookPath(t, "pdftotext")
	file := filepath.Join(t.TempDir(), "antrag.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := norm.NFKC.String(string(out))
	var rev []string
	for _, line := range strings.Split(text, "\n") {
		r := []rune(line)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		rev = append(rev, string(r))
	}
	return text + "\n" + strings.Join(rev, "\n")
}
