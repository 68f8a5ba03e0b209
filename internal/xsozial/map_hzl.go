package xsozial

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
			Familienname:         v.need("person.nachname"),
			Vorname:              v.need("person.vorname"),
			Geburtsname:          v.opt("person.geburtsname"),
			Geburtsdatum:         v.date("person.geburtsdatum"),
			Geburtsort:           v.opt("person.geburtsort"),
			Staatsangehoerigkeit: v.code("person.staatsangehoerigkeit"),
			Familienstand:        v.code("person.familienstand"),
			Anschrift: HzLAdresse{
				StrasseHausnummer: v.need("adresse.strasse"),
				Postleitzahl:      v.need("adresse.plz"),
				Ort:               v.need("adresse.ort"),
			},
			Telefon: v.opt("kontakt.telefon"),
			Email:   v.opt("kontakt.email"),
		},
		Haushalt: HzLHaushalt{LebtAllein: v.flag("lebt_allein")},
		Unterkunft: HzLUnterkunft{
			Wohnsituation: v.code("wohnsituation"),
			Kaltmiete:     v.money("miete.kaltmiete", false),
			Nebenkosten:   v.money("miete.nebenkosten", false),
			Heizkosten:    v.money("miete.heizkosten", false),
			Belastungen:   v.money("eigentum_belastungen", false),
		},
		Einkommen: HzLEinkommen{Vorhanden: v.flag("hat_einkommen")},
		Vermoegen: HzLVermoegen{Bankkonto: v.flag("hat_konto"), WeiteresVermoegen: v.flag("hat_vermoegen")},
		Nothilfe: HzLNothilfe{
			Erforderlich: v.flag("braucht_sofort_hilfe"),
			Notlagen:     v.codes("nothilfe"),
			Beschreibung: v.opt("nothilfe_text"),
		},
	}
	if name := v.opt("vertretung.name"); name != "" {
		h.Vertretung = &HzLVertretung{Name: name, NachweisVorhanden: v.optFlag("vertretung.nachweis")}
	}
	v.each("haushalt", func(at func(string) string) {
		h.Haushalt.Mitglieder = append(h.Haushalt.Mitglieder, HzLHaushaltsmitglied{
			Familienname: v.need(at("nachname")),
			Vorname:      v.need(at("vorname")),
			Geburtsdatum: v.date(at("geburtsdatum")),
			Beziehung:    v.code(at("beziehung")),
		})
	})
	v.each("einkommen", func(at func(string) string) {
		e := HzLEinkunft{
			Bezieher:        v.need(at("person")),
			Art:             v.code(at("art")),
			ArtBeschreibung: v.opt(at("art_text")),
		}
		if b := v.money(at("betrag"), true); b != nil {
			e.BetragMonatlich = *b
		}
		h.Einkommen.Einkunft = append(h.Einkommen.Einkunft, e)
	})
	v.each("konten", func(at func(string) string) {
		k := HzLKonto{Bank: v.need(at("bank"))}
		if b := v.money(at("kontostand"), true); b != nil {
			k.Kontostand = *b
		}
		h.Vermoegen.Konten = append(h.Vermoegen.Konten, k)
	})
	if h.Vermoegen.Bankkonto != (len(h.Vermoegen.Konten) > 0) {
		v.fail(invalid("konten: an account is named exactly when the person has one"))
	}
	v.each("vermoegen", func(at func(string) string) {
		g := HzLVermoegenswert{Art: v.code(at("art"))}
		if b := v.money(at("wert"), true); b != nil {
			g.Wert = *b
		}
		h.Vermoegen.Gegenstaende = append(h.Vermoegen.Gegenstaende, g)
	})
	if iban := v.opt("auszahlung.iban"); iban != "" {
		h.Bank = &HzLBank{IBAN: iban, Kontoinhaber: v.need("auszahlung.inhaber")}
	}
	a.HzL = h
}
