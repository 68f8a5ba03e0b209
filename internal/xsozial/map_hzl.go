package xsozial

import "strings"

// The typed part for Hilfe zum Lebensunterhalt: which answer of
// content/antraege/hilfe-zum-lebensunterhalt.v1.yaml goes into which named
// element. This is the whole mapping table of the service; everything else
// in the file comes from the definition itself (encode.go). The code lists
// are the form's own (listRef); Staatsangehörigkeit in particular is the
// form's coarse list, not the Destatis key, until the form asks for the
// country.

// hzlLeiKa is the LeiKa ID of the HzL definition.
const hzlLeiKa = "99107012017000"

func mapHzL(v *values, a *Antrag) {
	h := &HzL{
		AntragFuer: v.code("antrag_fuer"),
		Antragsteller: HzLAntragsteller{
			Familienname:              v.need("person.nachname"),
			Vorname:                   v.need("person.vorname"),
			Geburtsname:               v.opt("person.geburtsname"),
			Geburtsdatum:              v.date("person.geburtsdatum"),
			Geburtsort:                v.opt("person.geburtsort"),
			Geschlecht:                v.code("person.geschlecht"),
			Staatsangehoerigkeit:      v.code("person.staatsangehoerigkeit"),
			Familienstand:             v.code("person.familienstand"),
			Rentenversicherungsnummer: rvnr(v.opt("person.rvnr")),
			Anschrift: HzLAdresse{
				StrasseHausnummer: v.need("adresse.strasse"),
				Postleitzahl:      v.need("adresse.plz"),
				Ort:               v.need("adresse.ort"),
			},
			Telefon: v.opt("kontakt.telefon"),
			Email:   v.opt("kontakt.email"),
		},
		Situation: HzLSituation{
			ErwerbsfaehigDreiStunden:  v.flag("erwerbsfaehig"),
			Grund:                     v.optCode("grund"),
			GrundBeschreibung:         v.opt("grund_text"),
			NotlageSeit:               v.date("notlage_seit"),
			RenteBeantragtOderBezogen: v.flag("rente_beantragt"),
			Pflegegrad:                v.code("pflegegrad"),
		},
		Haushalt: HzLHaushalt{LebtAllein: v.flag("lebt_allein")},
		Unterkunft: HzLUnterkunft{
			Wohnsituation:    v.code("wohnsituation"),
			Kaltmiete:        v.money("miete.kaltmiete", false),
			Nebenkosten:      v.money("miete.nebenkosten", false),
			Heizkosten:       v.money("miete.heizkosten", false),
			Warmwasser:       v.optCode("warmwasser"),
			Belastungen:      v.money("eigentum_belastungen", false),
			Wohnflaeche:      v.opt("wohnflaeche"),
			Einzug:           v.optDate("einzug"),
			Mietrueckstaende: v.optFlag("mietrueckstaende"),
		},
		Einkommen: HzLEinkommen{Vorhanden: v.flag("hat_einkommen"), EinmaligeVorhanden: v.flag("hat_einmalig")},
		Ausgaben: HzLAusgaben{
			Krankenversicherung:     v.code("krankenversicherung"),
			Krankenkasse:            v.opt("krankenkasse"),
			KVBeitragMonatlich:      v.money("kv_beitrag", false),
			VersicherungenVorhanden: v.flag("hat_versicherungen"),
			SchuldenVorhanden:       v.flag("hat_schulden"),
			Mehrbedarf:              v.codes("mehrbedarf"),
			Einmalbedarf:            v.codes("einmalbedarf"),
		},
		Vermoegen: HzLVermoegen{
			Bankkonto: v.flag("hat_konto"), WeiteresVermoegen: v.flag("hat_vermoegen"),
			FahrzeugVorhanden: v.flag("hat_fahrzeug"), SchenkungenVorhanden: v.flag("hat_schenkungen"),
			AnspruecheVorhanden: v.flag("hat_ansprueche"), Ansprueche: v.opt("ansprueche_text"),
		},
		Nothilfe: HzLNothilfe{
			Erforderlich: v.flag("braucht_sofort_hilfe"),
			Notlagen:     v.codes("nothilfe"),
			Beschreibung: v.opt("nothilfe_text"),
		},
		Erklaerungen: HzLErklaerungen{
			RichtigUndVollstaendig: v.confirmed("richtig_vollstaendig"),
			Mitwirkungspflichten:   v.confirmed("mitwirkung"),
		},
	}
	if name := v.opt("vertretung.name"); name != "" {
		h.Vertretung = &HzLVertretung{Name: name, NachweisVorhanden: v.optFlag("vertretung.nachweis")}
	}
	if status := v.optCode("person.aufenthaltsstatus"); status != nil {
		h.Antragsteller.Aufenthalt = &HzLAufenthalt{Status: *status, GueltigBis: v.optDate("person.aufenthalt_bis"),
			InDeutschlandSeit: v.date("person.in_deutschland_seit")}
	}
	if gdb := v.opt("gdb"); gdb != "" {
		h.Situation.Behinderung = &HzLBehinderung{GradDerBehinderung: gdb, Merkzeichen: v.codes("merkzeichen")}
	}
	if v.n["lebt_mit_partner"] != "" && v.flag("lebt_mit_partner") {
		h.Haushalt.Partner = &HzLPartner{
			Familienname:              v.need("partner.nachname"),
			Vorname:                   v.need("partner.vorname"),
			Geburtsname:               v.opt("partner.geburtsname"),
			Geburtsdatum:              v.date("partner.geburtsdatum"),
			Geschlecht:                v.code("partner.geschlecht"),
			Staatsangehoerigkeit:      v.code("partner.staatsangehoerigkeit"),
			Rentenversicherungsnummer: rvnr(v.opt("partner.rvnr")),
			ErwerbsfaehigDreiStunden:  v.flag("partner.erwerbsfaehig"),
			Krankenversicherung:       v.code("partner.krankenversicherung"),
			Krankenkasse:              v.opt("partner.krankenkasse"),
			Pflegegrad:                v.code("partner.pflegegrad"),
		}
		b := true
		h.Erklaerungen.PartnerEinverstanden = &b
		if !v.confirmed("partner_einverstanden") {
			v.fail(invalid("partner_einverstanden: a partner's agreement is confirmed before sending"))
		}
	}
	v.each("haushalt", func(at func(string) string) {
		h.Haushalt.Mitglieder = append(h.Haushalt.Mitglieder, HzLHaushaltsmitglied{
			Familienname:       v.need(at("nachname")),
			Vorname:            v.need(at("vorname")),
			Geburtsdatum:       v.date(at("geburtsdatum")),
			Beziehung:          v.code(at("beziehung")),
			Ausbildung:         v.optCode(at("ausbildung")),
			BildungUndTeilhabe: v.codes(at("but")),
			AndererElternteil:  v.opt(at("anderer_elternteil")),
		})
	})
	v.each("unterhaltspflichtige", func(at func(string) string) {
		h.Haushalt.Unterhaltspflichtige = append(h.Haushalt.Unterhaltspflichtige, HzLUnterhaltspflichtiger{
			Name:           v.need(at("name")),
			Beziehung:      v.code(at("beziehung")),
			Anschrift:      v.opt(at("anschrift")),
			ZahltMonatlich: v.money(at("zahlt"), false),
		})
	})
	if name := v.opt("vermieter.name"); name != "" {
		h.Unterkunft.Vermieter = &HzLVermieter{Name: name, Anschrift: v.opt("vermieter.anschrift"),
			Direktzahlung: v.flag("direktzahlung"), IBAN: v.opt("vermieter.iban")}
	}
	v.each("einkommen", func(at func(string) string) {
		e := HzLEinkunft{
			Bezieher:         v.code(at("wer")),
			BezieherName:     v.opt(at("name")),
			Art:              v.code(at("art")),
			ArtBeschreibung:  v.opt(at("art_text")),
			Zahler:           v.need(at("zahler")),
			Haeufigkeit:      v.code(at("haeufigkeit")),
			Brutto:           v.money(at("brutto"), false),
			Netto:            v.amount(at("betrag")),
			AbzuegeMonatlich: v.money(at("abzuege"), false),
		}
		h.Einkommen.Einkunft = append(h.Einkommen.Einkunft, e)
	})
	v.each("einmalig", func(at func(string) string) {
		h.Einkommen.Einmalig = append(h.Einkommen.Einmalig, HzLEinmaligeEinnahme{
			Bezieher: v.code(at("wer")), BezieherName: v.opt(at("name")), Art: v.need(at("art")),
			Betrag: v.amount(at("betrag")), Datum: v.date(at("datum")),
		})
	})
	if b := v.money("unterhalt_betrag", false); b != nil {
		h.Ausgaben.UnterhaltGezahlt = &HzLUnterhalt{BetragMonatlich: *b, Empfaenger: v.need("unterhalt_empfaenger")}
	}
	v.each("versicherungen", func(at func(string) string) {
		h.Ausgaben.Versicherungen = append(h.Ausgaben.Versicherungen, HzLVersicherung{
			Art: v.code(at("art")), Beitrag: v.amount(at("beitrag")), Haeufigkeit: v.code(at("haeufigkeit")),
		})
	})
	v.each("schulden", func(at func(string) string) {
		h.Ausgaben.Schulden = append(h.Ausgaben.Schulden, HzLSchuld{
			Glaeubiger: v.need(at("glaeubiger")), Restschuld: v.amount(at("restschuld")), RateMonatlich: v.money(at("rate"), false),
		})
	})
	v.each("konten", func(at func(string) string) {
		h.Vermoegen.Konten = append(h.Vermoegen.Konten, HzLKonto{
			Inhaber: v.code(at("wer")), Bank: v.need(at("bank")), IBAN: v.need(at("iban")),
			Kontostand: v.amount(at("kontostand")), Stichtag: v.date(at("stand_am")),
		})
	})
	if h.Vermoegen.Bankkonto != (len(h.Vermoegen.Konten) > 0) {
		v.fail(invalid("konten: an account is named exactly when the person has one"))
	}
	v.each("vermoegen", func(at func(string) string) {
		h.Vermoegen.Gegenstaende = append(h.Vermoegen.Gegenstaende, HzLVermoegenswert{
			Inhaber: v.code(at("wer")), Art: v.code(at("art")), Wert: v.amount(at("wert")),
		})
	})
	v.each("fahrzeuge", func(at func(string) string) {
		h.Vermoegen.Fahrzeuge = append(h.Vermoegen.Fahrzeuge, HzLFahrzeug{
			Halter: v.code(at("halter")), Bezeichnung: v.need(at("marke")), Baujahr: v.need(at("baujahr")), Wert: v.amount(at("wert")),
		})
	})
	v.each("schenkungen", func(at func(string) string) {
		h.Vermoegen.Schenkungen = append(h.Vermoegen.Schenkungen, HzLSchenkung{
			Empfaenger: v.need(at("empfaenger")), Gegenstand: v.need(at("gegenstand")), Wert: v.amount(at("wert")), Datum: v.date(at("datum")),
		})
	})
	if iban := v.opt("auszahlung.iban"); iban != "" {
		h.Bank = &HzLBank{IBAN: iban, Kontoinhaber: v.need("auszahlung.inhaber")}
	}
	if !h.Erklaerungen.RichtigUndVollstaendig || !h.Erklaerungen.Mitwirkungspflichten {
		v.fail(invalid("erklaerungen: every declaration is confirmed before sending"))
	}
	a.HzL = h
}

// rvnr is a pension insurance number without the spaces people type
// ("65 120864 M 123" → "65120864M123"), its letter upper-case.
func rvnr(s string) string { return strings.ToUpper(strings.ReplaceAll(s, " ", "")) }
