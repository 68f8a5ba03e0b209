package application_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestApplicationPDFText: the PDF of a whole HzL application reads, through
// pdftotext, as the golden text: title, number, time, office, every chapter
// with its answers as people write them, and the uploaded file's name. In
// German and in English.
func TestApplicationPDFText(t *testing.T) {
	tool := testenv.LookPath(t, "pdftotext")
	f, err := os.Open(filepath.Join(testenv.RepoRoot(t), "content", "antraege", "hilfe-zum-lebensunterhalt.v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := form.Load(f, "hzl")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	answers := form.Answers{"antrag_fuer": "selbst", "person.vorname": "Erika", "person.nachname": "Müller-Lüdenscheidt", "person.geburtsdatum": "00.08.1964",
		"person.geschlecht": "weiblich", "person.staatsangehoerigkeit": "DEU", "person.familienstand": "ledig", "adresse.strasse": "Heidestraße 17", "adresse.plz": "53840",
		"adresse.ort": "Troisdorf", "erwerbsfaehig": "nein", "grund": "krankheit", "notlage_seit": "01.11.2026", "rente_beantragt": "nein", "schwerbehindert": "nein", "pflegegrad": "keiner",
		"lebt_allein": "ja", "hat_unterhaltspflichtige": "nein", "wohnsituation": "miete", "miete.kaltmiete": "450", "miete.nebenkosten": "120", "miete.heizkosten": "80",
		"einzug": "01.03.2015", "mietrueckstaende": "nein", "warmwasser": "zentral", "vermieter.name": "GWG Köln", "direktzahlung": "nein", "hat_einkommen": "ja", "hat_einmalig": "nein",
		"einkommen.#": "2", "einkommen.0.wer": "antragsteller", "einkommen.0.zahler": "AOK", "einkommen.0.haeufigkeit": "monatlich", "einkommen.0.art": "krankengeld", "einkommen.0.betrag": "612,40",
		"einkommen.1.wer": "antragsteller", "einkommen.1.zahler": "AOK", "einkommen.1.haeufigkeit": "monatlich", "einkommen.1.art": "sonstiges", "einkommen.1.art_text": "Nebenkostenerstattung", "einkommen.1.betrag": "1.020",
		"krankenversicherung": "pflicht", "krankenkasse": "AOK", "unterhalt_zahlt": "nein", "hat_versicherungen": "nein", "hat_schulden": "nein",
		"hat_konto": "ja", "konten.#": "1", "konten.0.wer": "antragsteller", "konten.0.bank": "Sparkasse", "konten.0.iban": "DE89 3704 0044 0532 0130 00", "konten.0.stand_am": "01.12.2026", "konten.0.kontostand": "-120,50", "hat_vermoegen": "nein", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein",
		"auszahlung.iban": "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber": "Erika Müller-Lüdenscheidt",
		"braucht_sofort_hilfe": "nein", "richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt"}
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	texts := map[string]application.DocumentTexts{
		"de": {Title: "Antrag: Hilfe zum Lebensunterhalt", Number: "Antragsnummer", Time: "Zeitpunkt", Office: "Zuständige Stelle",
			Status: "Stand", StatusValue: "eingegangen, wird zugestellt", NotApplicable: "trifft nicht zu", Files: "Datei", Footer: "Sozialplattform"},
		"en": {Title: "Application: Subsistence assistance", Number: "Application number", Time: "Time", Office: "Responsible office",
			Status: "Status", StatusValue: "received, being delivered", NotApplicable: "does not apply", Files: "File", Footer: "Sozialplattform"},
	}
	for lang, tx := range texts {
		doc := application.Document(def, answers, lang, tx, "7d1f0b0e-3c1a-4a5e-9d4f-2b8c6e0a1f23", "Sozialamt Rhein-Sieg-Kreis (Demo)",
			at, []application.FileName{{Slot: "nachweis_miete", Name: "mietvertrag.pdf"}}, "unterlagen")
		var buf bytes.Buffer
		if err := pdf.Render(&buf, doc); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "antrag.pdf")
		if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{"Müller-Lüdenscheidt", "612,40", "1.020,00", "-120,50", "00.08.1964", "mietvertrag.pdf", application.Reference("7d1f0b0e-3c1a-4a5e-9d4f-2b8c6e0a1f23")} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF text lacks %q", lang, want)
			}
		}
		testenv.Golden(t, "antrag-hzl-"+lang+".txt", out)
	}
}

// TestProcessingReportPDFText: the processing report reads, through
// pdftotext, as the golden text: number, time, office, transport, route,
// reference, attempts and the checksum of every part, with the status; in
// German and in English, with the platform's own words.
func TestProcessingReportPDFText(t *testing.T) {
	tool := testenv.LookPath(t, "pdftotext")
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	sub := &application.Submission{ID: "7d1f0b0e-3c1a-4a5e-9d4f-2b8c6e0a1f23", SubmittedAt: at}
	d := &application.ReportDelivery{Status: "confirmed", Transport: "fitconnect", Destination: "0b5a2e7c-1f3d-4e8a-9c6b-7d2f1a0e3b54",
		Reference: "5c9e1d2a-7b3f-4a6e-8d0c-1e2f3a4b5c6d", Attempts: 2, Updated: at.Add(3 * time.Minute),
		Hashes: map[string]string{"antrag.xml (SHA-512)": strings.Repeat("ab", 64), "mietvertrag.pdf (SHA-512)": strings.Repeat("cd", 64)}}
	for _, code := range []string{"de", "en"} {
		lang, _ := i18n.Lookup(code)
		tr := catalog.For(lang)
		var buf bytes.Buffer
		if err := pdf.Render(&buf, application.Report(sub, code, tr.T, "Hilfe zum Lebensunterhalt", "Sozialamt Rhein-Sieg-Kreis (Demo)", d)); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "bericht.pdf")
		if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"FIT-Connect", "5c9e1d2a", "mietvertrag.pdf (SHA-512)", strings.Repeat("cd", 20)} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: the report lacks %q", code, want)
			}
		}
		testenv.Golden(t, "verarbeitungsbericht-"+code+".txt", out)
	}
}
