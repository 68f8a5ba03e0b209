package xsozial_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/xsozial"
)

var submitted = time.Date(2026, 11, 25, 9, 30, 15, 0, time.UTC)

func load(t testing.TB, path string) *form.Definition {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := form.Load(f, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func hzl(t testing.TB) *form.Definition {
	return load(t, "../../content/antraege/hilfe-zum-lebensunterhalt.v1.yaml")
}

// full is a complete HzL application as typed: someone applying for
// another person, a household of four (her husband with an income of his
// own, two children, one at school), who rents, has incomes, accounts, a
// car, a gift made years ago, and needs help at once.
func full() form.Answers {
	return form.Answers{
		"antrag_fuer": "andere_person", "vertretung.name": "Jürgen Groß", "vertretung.nachweis": "ja",
		"person.vorname": "Özgül", "person.nachname": "Müller-Lüdenscheidt", "person.geburtsname": "Yılmaz",
		"person.geburtsdatum": "00.08.1964", "person.geburtsort": "İzmir", "person.geschlecht": "weiblich", "person.staatsangehoerigkeit": "ANDERE",
		"person.aufenthaltsstatus": "aufenthaltserlaubnis", "person.aufenthalt_bis": "30.06.2027", "person.in_deutschland_seit": "00.03.1990",
		"person.familienstand": "verheiratet", "person.rvnr": "65 120864 m 123",
		"adresse.strasse": "Heidestraße 17", "adresse.plz": "51147", "adresse.ort": "Köln",
		"kontakt.telefon": "0221 123456", "kontakt.email": "oezguel@example.org",
		"erwerbsfaehig": "nein", "grund": "krankheit", "notlage_seit": "01.11.2026", "rente_beantragt": "nein",
		"schwerbehindert": "ja", "gdb": "60", "merkzeichen": "g", "pflegegrad": "pg2",
		"lebt_allein": "nein", "lebt_mit_partner": "ja",
		"partner.vorname": "Ahmet", "partner.nachname": "Müller-Lüdenscheidt", "partner.geburtsdatum": "00.00.1960", "partner.geschlecht": "maennlich",
		"partner.staatsangehoerigkeit": "DEU", "partner.erwerbsfaehig": "ja", "partner.krankenversicherung": "pflicht", "partner.krankenkasse": "AOK",
		"partner.pflegegrad": "keiner",
		"haushalt.#":         "2", "haushalt.0.vorname": "Elif", "haushalt.0.nachname": "Müller-Lüdenscheidt", "haushalt.0.geburtsdatum": "03.04.2014",
		"haushalt.0.beziehung": "kind", "haushalt.0.ausbildung": "schule", "haushalt.0.but": "schulbedarf\nausfluege",
		"haushalt.1.vorname": "Deniz", "haushalt.1.nachname": "Yılmaz", "haushalt.1.geburtsdatum": "12.01.2008", "haushalt.1.beziehung": "kind",
		"haushalt.1.ausbildung": "ausbildung", "haushalt.1.anderer_elternteil": "Mehmet Yılmaz, Bonner Straße 1, 50677 Köln",
		"hat_unterhaltspflichtige": "ja", "unterhaltspflichtige.#": "1", "unterhaltspflichtige.0.name": "Mehmet Yılmaz",
		"unterhaltspflichtige.0.beziehung": "anderer_elternteil", "unterhaltspflichtige.0.anschrift": "Bonner Straße 1, 50677 Köln",
		"wohnsituation": "miete", "miete.kaltmiete": "450", "miete.nebenkosten": "120,00", "miete.heizkosten": "80,5", "warmwasser": "dezentral",
		"wohnflaeche": "62,5", "einzug": "01.03.2015", "mietrueckstaende": "nein",
		"vermieter.name": "GWG Köln", "vermieter.anschrift": "Domstraße 2, 50668 Köln", "direktzahlung": "ja", "vermieter.iban": "DE89 3704 0044 0532 0130 00",
		"hat_einkommen": "ja", "einkommen.#": "3",
		"einkommen.0.wer": "antragsteller", "einkommen.0.art": "krankengeld", "einkommen.0.zahler": "AOK", "einkommen.0.haeufigkeit": "monatlich", "einkommen.0.betrag": "612,40",
		"einkommen.1.wer": "partner", "einkommen.1.art": "lohn", "einkommen.1.zahler": "Bäckerei Schmitz", "einkommen.1.haeufigkeit": "monatlich",
		"einkommen.1.brutto": "1.450", "einkommen.1.betrag": "1.104,12", "einkommen.1.abzuege": "58",
		"einkommen.2.wer": "andere", "einkommen.2.name": "Elif", "einkommen.2.art": "kindergeld", "einkommen.2.zahler": "Familienkasse",
		"einkommen.2.haeufigkeit": "monatlich", "einkommen.2.betrag": "259",
		"hat_einmalig": "ja", "einmalig.#": "1", "einmalig.0.wer": "partner", "einmalig.0.art": "Steuererstattung", "einmalig.0.betrag": "312,00", "einmalig.0.datum": "00.04.2026",
		"krankenversicherung": "pflicht", "krankenkasse": "AOK Rheinland/Hamburg", "unterhalt_zahlt": "nein",
		"hat_versicherungen": "ja", "versicherungen.#": "1", "versicherungen.0.art": "haftpflicht", "versicherungen.0.beitrag": "5,90", "versicherungen.0.haeufigkeit": "monatlich",
		"hat_schulden": "ja", "schulden.#": "1", "schulden.0.glaeubiger": "Versandhaus", "schulden.0.restschuld": "800", "schulden.0.rate": "25",
		"mehrbedarf": "ernaehrung", "einmalbedarf": "erstausstattung_kleidung",
		"hat_konto": "ja", "konten.#": "2", "konten.0.wer": "antragsteller", "konten.0.bank": "Sparkasse KölnBonn", "konten.0.iban": "DE89 3704 0044 0532 0130 00",
		"konten.0.kontostand": "-120,50", "konten.0.stand_am": "01.12.2026",
		"konten.1.wer": "partner", "konten.1.bank": "Postbank", "konten.1.iban": "DE89 3704 0044 0532 0130 00", "konten.1.kontostand": "310", "konten.1.stand_am": "01.12.2026",
		"hat_vermoegen": "ja", "vermoegen.#": "1", "vermoegen.0.wer": "antragsteller", "vermoegen.0.art": "bargeld", "vermoegen.0.wert": "150",
		"hat_fahrzeug": "ja", "fahrzeuge.#": "1", "fahrzeuge.0.halter": "partner", "fahrzeuge.0.marke": "VW Polo", "fahrzeuge.0.baujahr": "2011", "fahrzeuge.0.wert": "1.500",
		"hat_schenkungen": "ja", "schenkungen.#": "1", "schenkungen.0.empfaenger": "Deniz Yılmaz", "schenkungen.0.gegenstand": "Geld für den Führerschein",
		"schenkungen.0.wert": "2.000", "schenkungen.0.datum": "00.00.2019", "hat_ansprueche": "nein",
		"auszahlung.iban": "DE89 3704 0044 0532 0130 00", "auszahlung.inhaber": "Özgül Müller-Lüdenscheidt",
		"braucht_sofort_hilfe": "ja", "nothilfe": "energie\nessen", "nothilfe_text": "Der Strom ist seit dem 20.11. gesperrt.",
		"richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt", "partner_einverstanden": "bestaetigt",
	}
}

// minimal has only what the form requires.
func minimal() form.Answers {
	return form.Answers{
		"antrag_fuer": "selbst", "person.vorname": "Erika", "person.nachname": "Mustermann", "person.geburtsdatum": "12.08.1964",
		"person.geschlecht": "divers", "person.staatsangehoerigkeit": "DEU", "person.familienstand": "ledig",
		"adresse.strasse": "Heidestraße 17", "adresse.plz": "51147", "adresse.ort": "Köln",
		"erwerbsfaehig": "ja", "notlage_seit": "2026-11-01", "rente_beantragt": "nein", "schwerbehindert": "nein", "pflegegrad": "keiner",
		"lebt_allein": "ja", "hat_unterhaltspflichtige": "nein",
		"wohnsituation": "ohne_wohnung", "hat_einkommen": "nein", "hat_einmalig": "nein", "krankenversicherung": "keine", "unterhalt_zahlt": "nein",
		"hat_versicherungen": "nein", "hat_schulden": "nein",
		"hat_konto": "nein", "hat_vermoegen": "nein", "hat_fahrzeug": "nein", "hat_schenkungen": "nein", "hat_ansprueche": "nein",
		"braucht_sofort_hilfe": "nein", "richtig_vollstaendig": "bestaetigt", "mitwirkung": "bestaetigt",
	}
}

func meta() xsozial.Meta {
	return xsozial.Meta{
		ID: "3f6c1a2e-8b4d-4c1e-9a7f-2d5e6b7c8a90", OfficeID: "sozialamt-koeln", OfficeName: "Sozialamt der Stadt Köln",
		ARS: "053150000000", SubmittedAt: submitted, Lang: "de", PostkorbHandle: "bundid-postkorb-7f3a",
		Uploads: []xsozial.Upload{{ID: "6b0f5c7e-1d2a-4b3c-8e9f-0a1b2c3d4e5f", Slot: "nachweis_miete", Name: "Mietvertrag Müller.pdf",
			MediaType: "application/pdf", Size: 48213, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
	}
}

func anonymous() xsozial.Meta {
	return xsozial.Meta{ID: "0b9d2c4e-5f6a-4b7c-8d9e-1f2a3b4c5d6e", OfficeID: "sozialamt-koeln", ARS: "053150000000",
		SubmittedAt: submitted, Lang: "ls"}
}

func encode(t testing.TB, def *form.Definition, a form.Answers, m xsozial.Meta) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := xsozial.Encode(&b, def, a, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// complete fails the test if the answers leave anything to correct: the
// files below are of applications that could be sent.
func complete(t *testing.T, def *form.Definition, a form.Answers) {
	t.Helper()
	work := form.Answers{}
	for k, v := range a {
		work[k] = v
	}
	for _, c := range def.Chapters {
		if st, _ := def.Evaluate(c.ID, work, submitted); len(st.Problems) > 0 {
			t.Fatalf("chapter %s: %v", c.ID, st.Problems)
		}
	}
}

func xmllint(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		testenv.Missing(t, "xmllint (libxml2-utils)")
	}
	return p
}

// lint runs xmllint on the files, against our schema unless schema is
// false (then only well-formedness is checked).
func lint(t *testing.T, schema bool, files ...[]byte) error {
	t.Helper()
	bin := xmllint(t)
	dir := t.TempDir()
	args := []string{"--noout", "--nonet"}
	if schema {
		xsd := filepath.Join(dir, "antrag.xsd")
		if err := os.WriteFile(xsd, xsozial.Schema(), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--schema", xsd)
	}
	for i, f := range files {
		p := filepath.Join(dir, "f"+strconv.Itoa(i)+".xml")
		if err := os.WriteFile(p, f, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		return errors.New(string(out))
	}
	return nil
}

func TestGoldenHzL(t *testing.T) {
	def := hzl(t)
	a := full()
	complete(t, def, a)
	got := encode(t, def, a, meta())
	testenv.Golden(t, "hzl.xml", got)
	if a["einkommen.0.betrag"] != "612,40" || a["vermoegen.#"] != "1" || a["person.rvnr"] != "65 120864 m 123" {
		t.Fatal("Encode changed the answers")
	}
	// The typed part says what an office reads first.
	var n xsozial.Nachricht
	if err := xml.Unmarshal(got, &n); err != nil {
		t.Fatal(err)
	}
	h := n.Antrag.HzL
	switch {
	case h == nil:
		t.Fatal("no typed part")
	case h.Antragsteller.Familienname != "Müller-Lüdenscheidt" || h.Antragsteller.Geburtsdatum != "1964-08":
		t.Errorf("applicant %+v", h.Antragsteller)
	case len(h.Einkommen.Einkunft) != 3 || h.Einkommen.Einkunft[0].Netto.Wert != "612.40" || h.Einkommen.Einkunft[1].Bezieher.Code != "partner" ||
		h.Einkommen.Einkunft[1].Brutto == nil || h.Einkommen.Einkunft[1].Brutto.Wert != "1450.00" || h.Einkommen.Einkunft[2].BezieherName != "Elif":
		t.Errorf("income per person and source %+v", h.Einkommen)
	case h.Haushalt.Partner == nil || h.Haushalt.Partner.Vorname != "Ahmet" || !h.Haushalt.Partner.ErwerbsfaehigDreiStunden ||
		len(h.Haushalt.Mitglieder) != 2 || len(h.Haushalt.Mitglieder[0].BildungUndTeilhabe) != 2 || len(h.Haushalt.Unterhaltspflichtige) != 1:
		t.Errorf("household of four %+v", h.Haushalt)
	case h.Antragsteller.Rentenversicherungsnummer != "65120864M123" || h.Antragsteller.Aufenthalt == nil || h.Antragsteller.Aufenthalt.InDeutschlandSeit != "1990-03":
		t.Errorf("applicant's numbers and residence %+v", h.Antragsteller)
	case h.Situation.Behinderung == nil || h.Situation.Behinderung.GradDerBehinderung != "60" || h.Situation.Pflegegrad.Code != "pg2":
		t.Errorf("situation %+v", h.Situation)
	case h.Unterkunft.Vermieter == nil || !h.Unterkunft.Vermieter.Direktzahlung || h.Unterkunft.Warmwasser == nil || h.Unterkunft.Warmwasser.Code != "dezentral":
		t.Errorf("housing %+v", h.Unterkunft)
	case len(h.Ausgaben.Versicherungen) != 1 || len(h.Ausgaben.Schulden) != 1 || len(h.Vermoegen.Fahrzeuge) != 1 || len(h.Vermoegen.Schenkungen) != 1:
		t.Errorf("expenses %+v assets %+v", h.Ausgaben, h.Vermoegen)
	case !h.Erklaerungen.RichtigUndVollstaendig || h.Erklaerungen.PartnerEinverstanden == nil:
		t.Errorf("declarations %+v", h.Erklaerungen)
	case h.Vermoegen.Konten[0].Kontostand.Wert != "-120.50" || h.Bank == nil || h.Bank.IBAN != "DE89370400440532013000":
		t.Errorf("accounts %+v %+v", h.Vermoegen, h.Bank)
	case len(h.Nothilfe.Notlagen) != 2 || h.Nothilfe.Notlagen[0].Code != "essen":
		t.Errorf("emergency (in the order of the code list) %+v", h.Nothilfe)
	case n.Kopf.Leser.ARS != "053150000000" || n.Antrag.Leistung.LeiKa != "urn:de:fim:leika:leistung:99107012017000":
		t.Errorf("header %+v %+v", n.Kopf, n.Antrag.Leistung)
	}
	if err := lint(t, true, got); err != nil {
		t.Fatalf("xmllint refuses hzl.xml:\n%s", err)
	}
}

func TestGoldenMinimal(t *testing.T) {
	def := hzl(t)
	a := minimal()
	complete(t, def, a)
	got := encode(t, def, a, anonymous())
	testenv.Golden(t, "hzl-minimal.xml", got)
	if bytes.Contains(got, []byte("<anlagen>")) || bytes.Contains(got, []byte("bundIDPostkorb")) {
		t.Error("an anonymous application without uploads lists uploads or a mailbox")
	}
	if err := lint(t, true, got); err != nil {
		t.Fatalf("xmllint refuses hzl-minimal.xml:\n%s", err)
	}
}

// TestVariants validates the other branches of the HzL mapping.
func TestVariants(t *testing.T) {
	def := hzl(t)
	variants := map[string]form.Answers{
		"eigentum": {"wohnsituation": "eigentum", "warmwasser": "zentral", "eigentum_belastungen": "310,99", "miete.heizkosten": "95", "wohnflaeche": "110", "einzug": "00.00.1999"},
		"untermiete": {"wohnsituation": "untermiete", "warmwasser": "unbekannt", "vermieter.name": "Karl Hauptmieter", "direktzahlung": "nein", "miete.kaltmiete": "1.234,56", "mietrueckstaende": "ja", "antrag_fuer": "vertretung",
			"vertretung.name": "Betreuungsverein Köln e. V."},
		"ohne_iban": {"auszahlung.iban": "", "krankenversicherung": "privat", "krankenkasse": "Beispiel-Versicherung", "kv_beitrag": "210",
			"unterhalt_zahlt": "ja", "unterhalt_betrag": "150", "unterhalt_empfaenger": "Lea Mustermann (Jugendamtsurkunde)", "einmalbedarf": "erstausstattung_kleidung",
			// No bank account at all: an honest answer, not a gap.
			"hat_konto": "nein", "konten.#": "0", "konten.0.bank": "", "konten.0.kontostand": ""},
	}
	var files [][]byte
	for _, name := range []string{"eigentum", "ohne_iban", "untermiete"} {
		a := minimal()
		for k, v := range variants[name] {
			a[k] = v
		}
		complete(t, def, a)
		files = append(files, encode(t, def, a, meta()))
	}
	if !bytes.Contains(files[0], []byte(`<belastungenEigentum waehrung="EUR">310.99</belastungenEigentum>`)) ||
		!bytes.Contains(files[0], []byte(`<datumTeilbekannt>1999</datumTeilbekannt>`)) {
		t.Errorf("eigentum:\n%s", files[0])
	}
	if bytes.Contains(files[1], []byte("<bankverbindung>")) {
		t.Error("a bank connection without an IBAN")
	}
	if !bytes.Contains(files[1], []byte("<bankkonto>false</bankkonto>")) || bytes.Contains(files[1], []byte("<konto>")) {
		t.Errorf("without an account:\n%s", files[1])
	}
	if err := lint(t, true, files...); err != nil {
		t.Fatal(err)
	}
}

// TestGeneric: a form without a typed part gets every answer, typed by
// kind, in the order of the definition.
func TestGeneric(t *testing.T) {
	def := load(t, "testdata/generic.yaml")
	a := form.Answers{
		"name": "Zoë Åström", "beschreibung": "Zwei Zeilen:\nErste & zweite.", "anzahl": "3,5", "miete": "1.234,5",
		"geboren": "00.05.1970", "seit": "2020-02-29", "zustimmung": "nein", "art": "b", "sprachen": "uk\nde", "land": "000",
		"iban": "de89370400440532013000", "telefon": "+49 (221) 123-456", "email": "zoe@example.org", "plz": "01067",
		"kinder.#": "2", "kinder.0.vorname": "Mia", "kinder.0.geburtsdatum": "01.06.2015", "kinder.1.vorname": "Ben",
	}
	complete(t, def, a)
	m := meta()
	m.Uploads[0].Slot = "nachweis"
	got := encode(t, def, a, m)
	testenv.Golden(t, "generic.xml", got)
	if bytes.Contains(got, []byte("hilfeZumLebensunterhalt")) {
		t.Error("a typed HzL part for another service")
	}
	var n xsozial.Nachricht
	if err := xml.Unmarshal(got, &n); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, k := range n.Antrag.Angaben.Kapitel {
		for _, f := range k.Felder {
			paths = append(paths, f.Pfad)
		}
	}
	want := "name beschreibung anzahl miete geboren seit zustimmung art sprachen land " +
		"kinder.0.vorname kinder.0.geburtsdatum kinder.1.vorname iban telefon email plz"
	if strings.Join(paths, " ") != want {
		t.Errorf("order:\n got %s\nwant %s", strings.Join(paths, " "), want)
	}
	if len(n.Antrag.Angaben.Kapitel) != 2 {
		t.Errorf("a chapter without answers is listed: %d chapters", len(n.Antrag.Angaben.Kapitel))
	}
	if err := lint(t, true, got); err != nil {
		t.Fatalf("xmllint refuses generic.xml:\n%s", err)
	}
}

// TestSchemaRejects proves the schema is not permissive: each broken copy
// of a valid file must fail validation.
func TestSchemaRejects(t *testing.T) {
	good := encode(t, hzl(t), full(), meta())
	if err := lint(t, true, good); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, old, new string }{
		{"ARS of 5 digits", "<ars>053150000000</ars>", "<ars>05315</ars>"},
		{"impossible date", "<datum>2026-11-01</datum>", "<datum>2026-02-30</datum>"},
		{"date with a time zone", "<datum>2026-11-01</datum>", "<datum>2026-11-01Z</datum>"},
		{"date with 00 left in", "<datum>2026-11-01</datum>", "<datum>2026-11-00</datum>"},
		{"partial date of month 13", "<geburtsdatum>1964-08</geburtsdatum>", "<geburtsdatum>1964-13</geburtsdatum>"},
		{"LeiKa of 13 digits", "leistung:99107012017000", "leistung:9910701201700"},
		{"cents as an integer", `waehrung="EUR">612.40<`, `waehrung="EUR">61240<`},
		{"three decimals", `waehrung="EUR">612.40<`, `waehrung="EUR">612.405<`},
		{"another currency", `waehrung="EUR">612.40<`, `waehrung="USD">612.40<`},
		{"another code list for Familienstand", "hilfe-zum-lebensunterhalt:familienstand", "hilfe-zum-lebensunterhalt:beziehung"},
		{"code without list version", `listVersionID="1"`, ``},
		{"yes as ja", "<lebtAllein>false</lebtAllein>", "<lebtAllein>ja</lebtAllein>"},
		{"IBAN with spaces", "<iban>DE89370400440532013000</iban>", "<iban>DE89 3704 0044 0532 0130 00</iban>"},
		{"postcode of 4 digits", "<postleitzahl>51147</postleitzahl>", "<postleitzahl>5114</postleitzahl>"},
		{"unknown element", "</antragsnummer>", "</antragsnummer><bemerkung>x</bemerkung>"},
		{"missing surname", "<familienname>Müller-Lüdenscheidt</familienname>", ""},
		{"no answer about an account", "<bankkonto>true</bankkonto>", ""},
		{"two values in a field", "<text>Özgül</text>", "<text>Özgül</text><text>Ö</text>"},
		{"path in upper case", `pfad="person.vorname"`, `pfad="Person.Vorname"`},
		{"short SHA-256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "9f86d081"},
		{"message id no UUID", "<nachrichtenID>", "<nachrichtenID>x"},
		{"local time", "2026-11-25T09:30:15Z", "2026-11-25T10:30:15+01:00"},
		{"the official-looking namespace", xsozial.Namespace, "https://portalverbund.d-nrw.de/efa/XSozial-basis/Version_2_4_0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(c.old)) {
				t.Fatalf("%q is not in the file (the test must edit it)", c.old)
			}
			bad := bytes.Replace(good, []byte(c.old), []byte(c.new), 1)
			if err := lint(t, false, bad); err != nil {
				t.Fatalf("the edit broke well-formedness, not validity:\n%s", err)
			}
			err := lint(t, true, bad)
			if err == nil {
				t.Fatalf("xmllint accepts the file with %s", c.name)
			}
			t.Log(strings.TrimSpace(err.Error()))
		})
	}
}

// TestEscaping: markup characters and control characters in answers and
// names give well-formed, valid XML that decodes to what was meant.
func TestEscaping(t *testing.T) {
	def := hzl(t)
	a := full()
	a["person.vorname"] = `Ann <b>&amp; "Jo" 'X'`
	a["person.nachname"] = `]]> & <!-- -->`
	a["adresse.strasse"] = "Weg\x00 1\x1b\x07\r"
	a["adresse.ort"] = "Köln\u0085"
	a["person.geburtsort"] = "\xff\xfeBonn\ufffe"
	a["nothilfe_text"] = "Zeile 1\r\nZeile 2\tmit Tab"
	a["konten.0.bank"] = `Bank "A" & <B>`
	m := meta()
	m.OfficeName = `Amt <A> & "B"`
	m.PostkorbHandle = "x&y<z>"
	m.Uploads[0].Name = "a\"b'<c>&\x00.pdf"
	got := encode(t, def, a, m)
	var n xsozial.Nachricht
	if err := xml.Unmarshal(got, &n); err != nil {
		t.Fatal(err)
	}
	p, h := n.Antrag, n.Antrag.HzL
	checks := []struct{ got, want string }{
		{h.Antragsteller.Vorname, `Ann <b>&amp; "Jo" 'X'`},
		{h.Antragsteller.Familienname, `]]> & <!-- -->`},
		{h.Antragsteller.Anschrift.StrasseHausnummer, "Weg 1"}, // the form drops control characters
		{h.Antragsteller.Anschrift.Ort, "Köln"},
		{h.Antragsteller.Geburtsort, "\ufffd\ufffdBonn\ufffd"}, // broken UTF-8 and a non-character
		{h.Nothilfe.Beschreibung, "Zeile 1\nZeile 2\tmit Tab"},
		{h.Vermoegen.Konten[0].Bank, `Bank "A" & <B>`},
		{n.Kopf.Leser.Name, `Amt <A> & "B"`},
		{p.BundIDPostkorb, "x&y<z>"},
		{p.Anlagen.Anlage[0].Dateiname, "a\"b'<c>&\ufffd.pdf"}, // NUL is no XML character
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// Encoding what was decoded gives the same bytes.
	var again bytes.Buffer
	again.WriteString(xml.Header)
	enc := xml.NewEncoder(&again)
	enc.Indent("", "  ")
	if err := enc.Encode(n); err != nil {
		t.Fatal(err)
	}
	again.WriteByte('\n')
	if !bytes.Equal(again.Bytes(), got) {
		t.Errorf("the decoded file encodes differently:\n%s", again.Bytes())
	}
	// xmllint is the independent judge of well-formedness and validity.
	if err := lint(t, false, got); err != nil {
		t.Fatalf("not well-formed:\n%s", err)
	}
	if err := lint(t, true, got); err != nil {
		t.Fatalf("not valid:\n%s", err)
	}
}

func TestDeterministic(t *testing.T) {
	def := hzl(t)
	first := encode(t, def, full(), meta())
	for i := 0; i < 20; i++ {
		if got := encode(t, def, full(), meta()); !bytes.Equal(got, first) {
			t.Fatal("two encodings of the same application differ")
		}
	}
	m := meta()
	m.ID = "d4a3c2b1-0000-4000-8000-000000000001"
	var a, b xsozial.Nachricht
	xml.Unmarshal(first, &a)
	xml.Unmarshal(encode(t, def, full(), m), &b)
	if a.Kopf.NachrichtenID == b.Kopf.NachrichtenID || a.Kopf.NachrichtenID == a.Antrag.Antragsnummer {
		t.Error("message ids must differ per application and from the application number")
	}
	if !bytes.HasPrefix(first, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<antragsnachricht xmlns=\""+xsozial.Namespace+"\">")) {
		t.Errorf("head:\n%s", first[:200])
	}
}

// TestRefused: what cannot make a valid file is an error, and nothing is
// written.
func TestRefused(t *testing.T) {
	def := hzl(t)
	cases := map[string]func(a form.Answers, m *xsozial.Meta){
		"ARS of 5 digits":      func(a form.Answers, m *xsozial.Meta) { m.ARS = "05315" },
		"no office":            func(a form.Answers, m *xsozial.Meta) { m.OfficeID = " " },
		"no application id":    func(a form.Answers, m *xsozial.Meta) { m.ID = "" },
		"LeiKa of 13 digits":   func(a form.Answers, m *xsozial.Meta) { m.LeiKa = "9910701201700" },
		"another form version": func(a form.Answers, m *xsozial.Meta) { m.Version = 2 },
		"no time":              func(a form.Answers, m *xsozial.Meta) { m.SubmittedAt = time.Time{} },
		"language":             func(a form.Answers, m *xsozial.Meta) { m.Lang = "de_DE" },
		"upload hash":          func(a form.Answers, m *xsozial.Meta) { m.Uploads[0].SHA256 = "abc" },
		"upload type":          func(a form.Answers, m *xsozial.Meta) { m.Uploads[0].MediaType = "pdf" },
		"upload size":          func(a form.Answers, m *xsozial.Meta) { m.Uploads[0].Size = -1 },
		"no surname":           func(a form.Answers, m *xsozial.Meta) { delete(a, "person.nachname") },
		"invalid birth date":   func(a form.Answers, m *xsozial.Meta) { a["person.geburtsdatum"] = "31.02.1964" },
		"an account promised":  func(a form.Answers, m *xsozial.Meta) { a["konten.#"] = "0" },
		"an income without amount": func(a form.Answers, m *xsozial.Meta) {
			delete(a, "einkommen.1.betrag")
		},
		// An optional answer the form refuses is not silently left out.
		"NaN as a number":       func(a form.Answers, m *xsozial.Meta) { a["wohnflaeche"] = "NaN" },
		"a bad optional e-mail": func(a form.Answers, m *xsozial.Meta) { a["kontakt.email"] = "kein at" },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			a, m := full(), meta()
			change(a, &m)
			var b bytes.Buffer
			err := xsozial.Encode(&b, def, a, m)
			if !errors.Is(err, xsozial.ErrInvalid) || b.Len() > 0 {
				t.Fatalf("err %v, %d bytes written", err, b.Len())
			}
		})
	}
	if err := xsozial.Encode(io.Discard, nil, nil, meta()); !errors.Is(err, xsozial.ErrInvalid) {
		t.Fatal(err)
	}
}

func TestSchemaIsACopy(t *testing.T) {
	s := xsozial.Schema()
	s[0] = 'x'
	if xsozial.Schema()[0] == 'x' {
		t.Fatal("Schema hands out its own bytes")
	}
	if !bytes.Contains(s, []byte(`targetNamespace="`+xsozial.Namespace+`"`)) {
		t.Fatal("the schema's namespace is not Namespace")
	}
}

// FuzzEncode: any strings as answers and names never make Encode panic,
// and what it writes is well-formed XML that decodes into Nachricht.
func FuzzEncode(f *testing.F) {
	f.Add("person.vorname", "Ö<&>\"'", "x")
	f.Add("wohnflaeche", "NaN", "")
	f.Add("einkommen.#", "11", "\x00")
	f.Add("konten.#", "-1", "]]>")
	f.Add("mehrbedarf", "schwanger\nschwanger\nxyz", "\xff")
	f.Add("person.geburtsdatum", "00.00.1900", "\ufffe")
	f.Add("haushalt.0.beziehung", "kind", "\u2028")
	f.Add("x\x00.#", "\xf0\x28\x8c\x28", "a\r\nb")
	def := hzl(f)
	f.Fuzz(func(t *testing.T, key, value, other string) {
		a := full()
		a[key] = value
		a["person.vorname"] = other
		a["nothilfe_text"] = value
		a["konten.0.bank"] = value + other
		m := meta()
		m.OfficeName = other
		m.PostkorbHandle = value
		m.Uploads[0].Name = value
		var b bytes.Buffer
		if err := xsozial.Encode(&b, def, a, m); err != nil {
			if !errors.Is(err, xsozial.ErrInvalid) || b.Len() > 0 {
				t.Fatalf("err %v, %d bytes written", err, b.Len())
			}
			return
		}
		d := xml.NewDecoder(bytes.NewReader(b.Bytes()))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, b.Bytes())
			}
		}
		var n xsozial.Nachricht
		if err := xml.Unmarshal(b.Bytes(), &n); err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	def, a, m := hzl(b), full(), meta()
	for b.Loop() {
		if err := xsozial.Encode(io.Discard, def, a, m); err != nil {
			b.Fatal(err)
		}
	}
}
