package xsozial

import "encoding/xml"

// Namespace is the namespace of the application file: ours, not the
// official XSozial-basis one (see the package documentation).
const Namespace = "urn:sozialplattform:xsozial-antrag:1"

// The types below are the vocabulary of antrag.xsd, one Go type per schema
// type, fields in the order of the schema's sequences. Decoding a file with
// encoding/xml into Nachricht gives it back.

// Nachricht is the root element.
type Nachricht struct {
	XMLName xml.Name `xml:"urn:sozialplattform:xsozial-antrag:1 antragsnachricht"`
	Kopf    Kopf     `xml:"nachrichtenkopf"`
	Antrag  Antrag   `xml:"antrag"`
}

// Kopf is the message header.
type Kopf struct {
	NachrichtenID        string `xml:"nachrichtenID"`        // UUID
	Erstellungszeitpunkt string `xml:"erstellungszeitpunkt"` // xs:dateTime in UTC
	Autor                Stelle `xml:"autor"`
	Leser                Stelle `xml:"leser"`
}

// Stelle is the sender or the receiver of a message.
type Stelle struct {
	Behoerdenkennung Behoerdenkennung `xml:"behoerdenkennung"`
	Name             string           `xml:"name,omitempty"`
	ARS              string           `xml:"ars,omitempty"` // the receiver's, 12 digits
}

// Behoerdenkennung identifies a body by a key in a directory.
type Behoerdenkennung struct {
	Verzeichnis string `xml:"verzeichnis"` // URI of the directory the key is from
	Kennung     string `xml:"kennung"`
}

// Antrag is the application, the content of the message.
type Antrag struct {
	Antragsnummer string `xml:"antragsnummer"`
	// Referenz is the short number the person has on the receipt and reads
	// out on the phone (application.Reference of the antragsnummer).
	Referenz         string   `xml:"referenz"`
	Leistung         Leistung `xml:"leistung"`
	Antragszeitpunkt string   `xml:"antragszeitpunkt"` // when "Absenden" was pressed
	Sprache          string   `xml:"sprache"`          // BCP 47 tag of the language the person used
	BundIDPostkorb   string   `xml:"bundIDPostkorb,omitempty"`
	HzL              *HzL     `xml:"hilfeZumLebensunterhalt,omitempty"`
	Angaben          Angaben  `xml:"angaben"`
	Anlagen          *Anlagen `xml:"anlagen,omitempty"`
}

// Leistung names the service applied for and the form used.
type Leistung struct {
	LeiKa           string `xml:"leikaID"` // urn:de:fim:leika:leistung:<14 digits>
	Formular        string `xml:"formular"`
	Formularversion int    `xml:"formularversion"`
}

// Angaben is the generic part: every answer, chapter by chapter.
type Angaben struct {
	Kapitel []Kapitel `xml:"kapitel"`
}

// Kapitel is a chapter of the form with its answers.
type Kapitel struct {
	ID     string `xml:"id,attr"`
	Titel  string `xml:"titel"`
	Felder []Feld `xml:"feld"`
}

// Feld is one answer.
type Feld struct {
	Pfad        string `xml:"pfad,attr"`              // instance path, "einkommen.1.betrag"
	FIM         string `xml:"fim,attr,omitempty"`     // FIM data field id
	Eintrag     int    `xml:"eintrag,attr,omitempty"` // 1-based entry of a repeatable group
	Bezeichnung string `xml:"bezeichnung"`            // German label
	Wert
}

// Wert is a typed value; exactly one field is set.
type Wert struct {
	Text             *string `xml:"text"`
	Zahl             *string `xml:"zahl"`
	Betrag           *Betrag `xml:"betrag"`
	Datum            *string `xml:"datum"`            // YYYY-MM-DD
	DatumTeilbekannt *string `xml:"datumTeilbekannt"` // YYYY-MM or YYYY
	Wahrheitswert    *bool   `xml:"wahrheitswert"`
	Auswahl          []Code  `xml:"auswahl"` // one for a choice, any number for a multiple choice
	IBAN             *string `xml:"iban"`    // without spaces
	Telefon          *string `xml:"telefon"`
	Email            *string `xml:"email"`
	Postleitzahl     *string `xml:"postleitzahl"`
}

// Code is a value from a code list, in the style of the XÖV code type.
type Code struct {
	ListURI       string `xml:"listURI,attr"`
	ListVersionID string `xml:"listVersionID,attr"`
	Code          string `xml:"code"`
	Name          string `xml:"name,omitempty"` // German label
}

// Betrag is an amount of money in euros with two decimals ("612.40").
type Betrag struct {
	Waehrung string `xml:"waehrung,attr"` // always EUR
	Wert     string `xml:",chardata"`
}

// Anlagen lists the uploaded proofs; the files travel beside the XML.
type Anlagen struct {
	Anlage []Anlage `xml:"anlage"`
}

// Anlage is one uploaded file.
type Anlage struct {
	ID          string `xml:"id"`
	Feld        string `xml:"feld"`                  // the upload field's path
	Bezeichnung string `xml:"bezeichnung,omitempty"` // its German label
	Dateiname   string `xml:"dateiname"`
	Medientyp   string `xml:"medientyp"`
	Groesse     int64  `xml:"groesse"` // bytes
	SHA256      string `xml:"sha256"`  // hex of the file's bytes
}

// HzL is the typed part of an application for Hilfe zum Lebensunterhalt
// (SGB XII); map_hzl.go fills it. It carries every chapter of the form
// (docs/forms/hzl.md names the law or office practice behind each part).
type HzL struct {
	AntragFuer    Code             `xml:"antragFuer"`
	Vertretung    *HzLVertretung   `xml:"vertretung,omitempty"`
	Antragsteller HzLAntragsteller `xml:"antragsteller"`
	Situation     HzLSituation     `xml:"situation"`
	Haushalt      HzLHaushalt      `xml:"haushalt"`
	Unterkunft    HzLUnterkunft    `xml:"unterkunft"`
	Einkommen     HzLEinkommen     `xml:"einkommen"`
	Ausgaben      HzLAusgaben      `xml:"ausgaben"`
	Vermoegen     HzLVermoegen     `xml:"vermoegen"`
	Bank          *HzLBank         `xml:"bankverbindung,omitempty"`
	Nothilfe      HzLNothilfe      `xml:"nothilfe"`
	Erklaerungen  HzLErklaerungen  `xml:"erklaerungen"`
}

// HzLVertretung is the person who applies for someone else.
type HzLVertretung struct {
	Name              string `xml:"name"`
	NachweisVorhanden *bool  `xml:"nachweisVorhanden,omitempty"`
}

// HzLAntragsteller is the person who is to receive the benefit.
type HzLAntragsteller struct {
	Familienname              string         `xml:"familienname"`
	Vorname                   string         `xml:"vorname"`
	Geburtsname               string         `xml:"geburtsname,omitempty"`
	Geburtsdatum              string         `xml:"geburtsdatum"` // YYYY-MM-DD, YYYY-MM or YYYY
	Geburtsort                string         `xml:"geburtsort,omitempty"`
	Geschlecht                Code           `xml:"geschlecht"`
	Staatsangehoerigkeit      Code           `xml:"staatsangehoerigkeit"`
	Aufenthalt                *HzLAufenthalt `xml:"aufenthalt,omitempty"`
	Familienstand             Code           `xml:"familienstand"`
	Rentenversicherungsnummer string         `xml:"rentenversicherungsnummer,omitempty"`
	Anschrift                 HzLAdresse     `xml:"anschrift"`
	Telefon                   string         `xml:"telefon,omitempty"`
	Email                     string         `xml:"email,omitempty"`
}

// HzLAufenthalt is the right of residence of a person who is not German.
type HzLAufenthalt struct {
	Status            Code   `xml:"status"`
	GueltigBis        string `xml:"gueltigBis,omitempty"`
	InDeutschlandSeit string `xml:"inDeutschlandSeit"`
}

// HzLAdresse is the applicant's address. The form asks for street and
// house number in one field; they are passed on as typed, not split.
type HzLAdresse struct {
	StrasseHausnummer string `xml:"strasseHausnummer"`
	Postleitzahl      string `xml:"postleitzahl"`
	Ort               string `xml:"ort"`
}

// HzLSituation is why help is needed: capacity to work, the reason, since
// when, a pension, a disability and a care grade.
type HzLSituation struct {
	ErwerbsfaehigDreiStunden  bool            `xml:"erwerbsfaehigDreiStunden"`
	Grund                     *Code           `xml:"grund,omitempty"`
	GrundBeschreibung         string          `xml:"grundBeschreibung,omitempty"`
	NotlageSeit               string          `xml:"notlageSeit"`
	RenteBeantragtOderBezogen bool            `xml:"renteBeantragtOderBezogen"`
	Behinderung               *HzLBehinderung `xml:"behinderung,omitempty"`
	Pflegegrad                Code            `xml:"pflegegrad"`
}

// HzLBehinderung is a recognised disability.
type HzLBehinderung struct {
	GradDerBehinderung string `xml:"gradDerBehinderung"`
	Merkzeichen        []Code `xml:"merkzeichen"`
}

// HzLHaushalt is who lives in the household and who outside it may owe
// maintenance.
type HzLHaushalt struct {
	LebtAllein           bool                       `xml:"lebtAllein"`
	Partner              *HzLPartner                `xml:"partner,omitempty"`
	Mitglieder           []HzLHaushaltsmitglied     `xml:"mitglied"`
	Unterhaltspflichtige []HzLUnterhaltspflichtiger `xml:"unterhaltspflichtiger"`
}

// HzLPartner is the spouse or partner, the second person of the
// Einsatzgemeinschaft.
type HzLPartner struct {
	Familienname              string `xml:"familienname"`
	Vorname                   string `xml:"vorname"`
	Geburtsname               string `xml:"geburtsname,omitempty"`
	Geburtsdatum              string `xml:"geburtsdatum"`
	Geschlecht                Code   `xml:"geschlecht"`
	Staatsangehoerigkeit      Code   `xml:"staatsangehoerigkeit"`
	Rentenversicherungsnummer string `xml:"rentenversicherungsnummer,omitempty"`
	ErwerbsfaehigDreiStunden  bool   `xml:"erwerbsfaehigDreiStunden"`
	Krankenversicherung       Code   `xml:"krankenversicherung"`
	Krankenkasse              string `xml:"krankenkasse,omitempty"`
	Pflegegrad                Code   `xml:"pflegegrad"`
}

// HzLHaushaltsmitglied is another person in the household.
type HzLHaushaltsmitglied struct {
	Familienname       string `xml:"familienname"`
	Vorname            string `xml:"vorname"`
	Geburtsdatum       string `xml:"geburtsdatum"`
	Beziehung          Code   `xml:"beziehung"`
	Ausbildung         *Code  `xml:"ausbildung,omitempty"`
	BildungUndTeilhabe []Code `xml:"bildungUndTeilhabe"`
	AndererElternteil  string `xml:"andererElternteil,omitempty"`
}

// HzLUnterhaltspflichtiger is a relative outside the household who pays
// or may owe maintenance.
type HzLUnterhaltspflichtiger struct {
	Name           string  `xml:"name"`
	Beziehung      Code    `xml:"beziehung"`
	Anschrift      string  `xml:"anschrift,omitempty"`
	ZahltMonatlich *Betrag `xml:"zahltMonatlich,omitempty"`
}

// HzLUnterkunft is the housing, its monthly costs and the landlord.
type HzLUnterkunft struct {
	Wohnsituation    Code          `xml:"wohnsituation"`
	Kaltmiete        *Betrag       `xml:"kaltmiete,omitempty"`
	Nebenkosten      *Betrag       `xml:"nebenkosten,omitempty"`
	Heizkosten       *Betrag       `xml:"heizkosten,omitempty"`
	Warmwasser       *Code         `xml:"warmwasser,omitempty"`
	Belastungen      *Betrag       `xml:"belastungenEigentum,omitempty"`
	Wohnflaeche      string        `xml:"wohnflaeche,omitempty"` // square metres
	Einzug           string        `xml:"einzug,omitempty"`
	Mietrueckstaende *bool         `xml:"mietrueckstaende,omitempty"`
	Vermieter        *HzLVermieter `xml:"vermieter,omitempty"`
}

// HzLVermieter is the landlord, and whether the rent is to be paid to them
// directly (§ 35 SGB XII).
type HzLVermieter struct {
	Name          string `xml:"name"`
	Anschrift     string `xml:"anschrift,omitempty"`
	Direktzahlung bool   `xml:"direktzahlung"`
	IBAN          string `xml:"iban,omitempty"`
}

// HzLEinkommen is the household's income, regular and one-off.
type HzLEinkommen struct {
	Vorhanden          bool                   `xml:"vorhanden"`
	Einkunft           []HzLEinkunft          `xml:"einkunft"`
	EinmaligeVorhanden bool                   `xml:"einmaligeEinnahmenVorhanden"`
	Einmalig           []HzLEinmaligeEinnahme `xml:"einmaligeEinnahme"`
}

// HzLEinkunft is one income of one person from one source.
type HzLEinkunft struct {
	Bezieher         Code    `xml:"bezieher"`
	BezieherName     string  `xml:"bezieherName,omitempty"`
	Art              Code    `xml:"art"`
	ArtBeschreibung  string  `xml:"artBeschreibung,omitempty"`
	Zahler           string  `xml:"zahler"`
	Haeufigkeit      Code    `xml:"haeufigkeit"`
	Brutto           *Betrag `xml:"brutto,omitempty"`
	Netto            Betrag  `xml:"netto"`
	AbzuegeMonatlich *Betrag `xml:"abzuegeMonatlich,omitempty"`
}

// HzLEinmaligeEinnahme is a one-off receipt or gift.
type HzLEinmaligeEinnahme struct {
	Bezieher     Code   `xml:"bezieher"`
	BezieherName string `xml:"bezieherName,omitempty"`
	Art          string `xml:"art"`
	Betrag       Betrag `xml:"betrag"`
	Datum        string `xml:"datum"`
}

// HzLAusgaben is insurance, maintenance paid, debts and additional needs.
type HzLAusgaben struct {
	Krankenversicherung     Code              `xml:"krankenversicherung"`
	Krankenkasse            string            `xml:"krankenkasse,omitempty"`
	KVBeitragMonatlich      *Betrag           `xml:"kvBeitragMonatlich,omitempty"`
	UnterhaltGezahlt        *HzLUnterhalt     `xml:"unterhaltGezahlt,omitempty"`
	VersicherungenVorhanden bool              `xml:"versicherungenVorhanden"`
	Versicherungen          []HzLVersicherung `xml:"versicherung"`
	SchuldenVorhanden       bool              `xml:"schuldenVorhanden"`
	Schulden                []HzLSchuld       `xml:"schuld"`
	Mehrbedarf              []Code            `xml:"mehrbedarf"`
	Einmalbedarf            []Code            `xml:"einmalbedarf"`
}

// HzLUnterhalt is maintenance the person pays.
type HzLUnterhalt struct {
	BetragMonatlich Betrag `xml:"betragMonatlich"`
	Empfaenger      string `xml:"empfaenger"`
}

// HzLVersicherung is an insurance policy or retirement savings contract.
type HzLVersicherung struct {
	Art         Code   `xml:"art"`
	Beitrag     Betrag `xml:"beitrag"`
	Haeufigkeit Code   `xml:"haeufigkeit"`
}

// HzLSchuld is a debt paid off in instalments.
type HzLSchuld struct {
	Glaeubiger    string  `xml:"glaeubiger"`
	Restschuld    Betrag  `xml:"restschuld"`
	RateMonatlich *Betrag `xml:"rateMonatlich,omitempty"`
}

// HzLVermoegen is the accounts, other assets, vehicles, gifts of the last
// ten years and claims against others.
type HzLVermoegen struct {
	// Bankkonto: the person or the household has an account (one need
	// not, to get help).
	Bankkonto            bool                `xml:"bankkonto"`
	Konten               []HzLKonto          `xml:"konto"`
	WeiteresVermoegen    bool                `xml:"weiteresVermoegen"`
	Gegenstaende         []HzLVermoegenswert `xml:"gegenstand"`
	FahrzeugVorhanden    bool                `xml:"fahrzeugVorhanden"`
	Fahrzeuge            []HzLFahrzeug       `xml:"fahrzeug"`
	SchenkungenVorhanden bool                `xml:"schenkungenVorhanden"`
	Schenkungen          []HzLSchenkung      `xml:"schenkung"`
	AnspruecheVorhanden  bool                `xml:"anspruecheVorhanden"`
	Ansprueche           string              `xml:"ansprueche,omitempty"`
}

// HzLKonto is a bank account, its owner and its balance on a date.
type HzLKonto struct {
	Inhaber    Code   `xml:"inhaber"`
	Bank       string `xml:"bank"`
	IBAN       string `xml:"iban"`
	Kontostand Betrag `xml:"kontostand"`
	Stichtag   string `xml:"stichtag"`
}

// HzLVermoegenswert is an asset, its owner and its approximate value.
type HzLVermoegenswert struct {
	Inhaber Code   `xml:"inhaber"`
	Art     Code   `xml:"art"`
	Wert    Betrag `xml:"wert"`
}

// HzLFahrzeug is a motor vehicle.
type HzLFahrzeug struct {
	Halter      Code   `xml:"halter"`
	Bezeichnung string `xml:"bezeichnung"`
	Baujahr     string `xml:"baujahr"`
	Wert        Betrag `xml:"wert"`
}

// HzLSchenkung is a gift or transfer of the last ten years (§ 528 BGB).
type HzLSchenkung struct {
	Empfaenger string `xml:"empfaenger"`
	Gegenstand string `xml:"gegenstand"`
	Wert       Betrag `xml:"wert"`
	Datum      string `xml:"datum"`
}

// HzLBank is where the benefit is to be paid.
type HzLBank struct {
	IBAN         string `xml:"iban"`
	Kontoinhaber string `xml:"kontoinhaber"`
}

// HzLNothilfe says whether help is needed at once, and why.
type HzLNothilfe struct {
	Erforderlich bool   `xml:"erforderlich"`
	Notlagen     []Code `xml:"notlage"`
	Beschreibung string `xml:"beschreibung,omitempty"`
}

// HzLErklaerungen are the declarations the person confirmed before sending.
type HzLErklaerungen struct {
	RichtigUndVollstaendig bool  `xml:"richtigUndVollstaendig"`
	Mitwirkungspflichten   bool  `xml:"mitwirkungspflichten"`
	PartnerEinverstanden   *bool `xml:"partnerEinverstanden,omitempty"`
}
