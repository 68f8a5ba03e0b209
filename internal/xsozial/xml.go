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
// (SGB XII); map_hzl.go fills it.
type HzL struct {
	AntragFuer    Code             `xml:"antragFuer"`
	Vertretung    *HzLVertretung   `xml:"vertretung,omitempty"`
	Antragsteller HzLAntragsteller `xml:"antragsteller"`
	Haushalt      HzLHaushalt      `xml:"haushalt"`
	Unterkunft    HzLUnterkunft    `xml:"unterkunft"`
	Einkommen     HzLEinkommen     `xml:"einkommen"`
	Vermoegen     HzLVermoegen     `xml:"vermoegen"`
	Bank          *HzLBank         `xml:"bankverbindung,omitempty"`
	Nothilfe      HzLNothilfe      `xml:"nothilfe"`
}

// HzLVertretung is the person who applies for someone else.
type HzLVertretung struct {
	Name              string `xml:"name"`
	NachweisVorhanden *bool  `xml:"nachweisVorhanden,omitempty"`
}

// HzLAntragsteller is the person who is to receive the benefit.
type HzLAntragsteller struct {
	Familienname         string     `xml:"familienname"`
	Vorname              string     `xml:"vorname"`
	Geburtsname          string     `xml:"geburtsname,omitempty"`
	Geburtsdatum         string     `xml:"geburtsdatum"` // YYYY-MM-DD, YYYY-MM or YYYY
	Geburtsort           string     `xml:"geburtsort,omitempty"`
	Staatsangehoerigkeit Code       `xml:"staatsangehoerigkeit"`
	Familienstand        Code       `xml:"familienstand"`
	Anschrift            HzLAdresse `xml:"anschrift"`
	Telefon              string     `xml:"telefon,omitempty"`
	Email                string     `xml:"email,omitempty"`
}

// HzLAdresse is the applicant's address. The form asks for street and
// house number in one field; they are passed on as typed, not split.
type HzLAdresse struct {
	StrasseHausnummer string `xml:"strasseHausnummer"`
	Postleitzahl      string `xml:"postleitzahl"`
	Ort               string `xml:"ort"`
}

// HzLHaushalt is who else lives in the household.
type HzLHaushalt struct {
	LebtAllein bool                   `xml:"lebtAllein"`
	Mitglieder []HzLHaushaltsmitglied `xml:"mitglied"`
}

// HzLHaushaltsmitglied is another person in the household.
type HzLHaushaltsmitglied struct {
	Familienname string `xml:"familienname"`
	Vorname      string `xml:"vorname"`
	Geburtsdatum string `xml:"geburtsdatum"`
	Beziehung    Code   `xml:"beziehung"`
}

// HzLUnterkunft is the housing and its monthly costs.
type HzLUnterkunft struct {
	Wohnsituation Code    `xml:"wohnsituation"`
	Kaltmiete     *Betrag `xml:"kaltmiete,omitempty"`
	Nebenkosten   *Betrag `xml:"nebenkosten,omitempty"`
	Heizkosten    *Betrag `xml:"heizkosten,omitempty"`
	Belastungen   *Betrag `xml:"belastungenEigentum,omitempty"`
}

// HzLEinkommen is the household's income.
type HzLEinkommen struct {
	Vorhanden bool          `xml:"vorhanden"`
	Einkunft  []HzLEinkunft `xml:"einkunft"`
}

// HzLEinkunft is one income.
type HzLEinkunft struct {
	Bezieher        string `xml:"bezieher"` // who receives it, as typed
	Art             Code   `xml:"art"`
	ArtBeschreibung string `xml:"artBeschreibung,omitempty"`
	BetragMonatlich Betrag `xml:"betragMonatlichNetto"`
}

// HzLVermoegen is the accounts and other assets.
type HzLVermoegen struct {
	// Bankkonto: the person or the household has an account (one need
	// not, to get help).
	Bankkonto         bool                `xml:"bankkonto"`
	Konten            []HzLKonto          `xml:"konto"`
	WeiteresVermoegen bool                `xml:"weiteresVermoegen"`
	Gegenstaende      []HzLVermoegenswert `xml:"gegenstand"`
}

// HzLKonto is a bank account and its balance.
type HzLKonto struct {
	Bank       string `xml:"bank"`
	Kontostand Betrag `xml:"kontostand"`
}

// HzLVermoegenswert is an asset and its approximate value.
type HzLVermoegenswert struct {
	Art  Code   `xml:"art"`
	Wert Betrag `xml:"wert"`
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
