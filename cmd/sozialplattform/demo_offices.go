package main

import (
	"strings"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/content"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/office"
)

// Demo offices for all of North Rhine-Westphalia: in every Kreis and
// kreisfreie Stadt a Sozialamt, a Jobcenter and an Amt für Wohnen; the two
// Landschaftsverbände for Soziale Entschädigung; the Familienkasse for the
// Land. Names follow the real structure; addresses, phone numbers and mail
// addresses are invented and every page shows them as demo data.
//
// The routing shows all three cases: most offices receive applications
// electronically (Fall 1); the Sozialamt of Bielefeld has its own online
// service (Fall 2); Kreis Steinfurt and Kreis Höxter have no electronic
// route (Fall 3).

var demoNotConnected = map[string]bool{"05566": true, "05762": true}

const demoOwnOnlineService = "05711" // Bielefeld

// demoNamespace makes the demo destination ids stable across installs.
var demoNamespace = uuid.MustParse("6f1c5a62-4f0e-4d0a-9a57-5d3c1e0b7a10")

func demoDocument(places *geo.Directory, cat *content.Catalogue) *office.Document {
	doc := &office.Document{Format: office.FormatV1, Demo: true,
		Source: "Demodaten der Sozialplattform (erfunden, nicht für echte Anfragen)"}
	addOffice := func(id, name, postcode, city string) {
		var o office.DocOffice
		o.ID, o.Name = id, name
		o.Address.Street, o.Address.Postcode, o.Address.City = "Musterstraße 1", postcode, city
		o.Contact.Phone = "0000 00000-0"
		o.Contact.Email = strings.SplitN(id, "-", 2)[0] + "@" + strings.SplitN(id, "-", 2)[1] + ".demo.invalid"
		o.OpeningHours = "Mo–Fr 8–12 Uhr, Do 14–17 Uhr"
		doc.Offices = append(doc.Offices, o)
	}
	respond := func(leika, ars, officeID, dest, xta, online string) {
		doc.Responsibilities = append(doc.Responsibilities, office.DocResponsibility{
			LeiKa: leika, ARS: ars, Office: officeID, Destination: dest, XTA: xta, Online: online})
	}
	dest := func(id string) string { return uuid.NewSHA1(demoNamespace, []byte(id)).String() }

	// Landschaftsverbände: Rheinland (Regierungsbezirke Düsseldorf, Köln),
	// Westfalen-Lippe (Münster, Detmold, Arnsberg).
	addOffice("lvr-soziale-entschaedigung", "Landschaftsverband Rheinland – Soziale Entschädigung", "50679", "Köln")
	addOffice("lwl-soziale-entschaedigung", "Landschaftsverband Westfalen-Lippe – Soziale Entschädigung", "48147", "Münster")
	addOffice("familienkasse-nrw", "Familienkasse Nordrhein-Westfalen", "40474", "Düsseldorf")
	rb := map[string]string{"051": "lvr-soziale-entschaedigung", "053": "lvr-soziale-entschaedigung",
		"055": "lwl-soziale-entschaedigung", "057": "lwl-soziale-entschaedigung", "059": "lwl-soziale-entschaedigung"}

	for _, k := range places.Kreise("05") {
		seat := places.LargestMunicipality(k.AGS)
		if seat == nil {
			continue
		}
		name := strings.TrimSuffix(strings.SplitN(k.Name, ",", 2)[0], " ")
		slug := demoSlug(name)
		postcode := seat.Postcodes[0]
		ids := map[string]string{
			"sozialamt":       "sozialamt-" + slug,
			"jobcenter":       "jobcenter-" + slug,
			"wohnungsamt":     "wohnen-" + slug,
			"wohngeldstelle":  "wohnen-" + slug,
			"beratungsstelle": "sozialamt-" + slug,
		}
		addOffice(ids["sozialamt"], "Sozialamt "+name, postcode, seat.Name)
		addOffice(ids["jobcenter"], "Jobcenter "+name, postcode, seat.Name)
		addOffice(ids["wohnungsamt"], "Amt für Wohnen "+name, postcode, seat.Name)
		area := k.AGS + "0000000"
		for _, svc := range cat.Services {
			for _, l := range svc.LeiKa {
				kind := svc.Office
				switch l.ID {
				case "99107042068001", "99107032017007": // Mietrückstände and BuT for Bürgergeld: SGB II
					kind = "jobcenter"
				}
				if kind == "versorgungsamt" || kind == "familienkasse" {
					continue // recorded once per Regierungsbezirk or Land below
				}
				id, ok := ids[kind]
				if !ok {
					continue
				}
				var d, x, online string
				switch {
				case svc.Kind == content.KindExternal:
					online = svc.ExternalURL
				case svc.Kind == content.KindCounselling:
				case demoNotConnected[k.AGS]:
				case kind == "sozialamt" && k.AGS == demoOwnOnlineService:
					online = "https://www.bielefeld.de/"
				case kind == "jobcenter":
					x = "demo:xta:jobcenter:" + k.AGS
				default:
					d = dest(id)
				}
				respond(l.ID, area, id, d, x, online)
			}
		}
	}
	for _, svc := range cat.Services {
		for _, l := range svc.LeiKa {
			switch svc.Office {
			case "versorgungsamt":
				for _, code := range []string{"051", "053", "055", "057", "059"} {
					respond(l.ID, code+"000000000", rb[code], dest(rb[code]), "", "")
				}
			case "familienkasse":
				respond(l.ID, "050000000000", "familienkasse-nrw", "", "", svc.ExternalURL)
			}
		}
	}
	return doc
}

func demoSlug(name string) string {
	r := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", " ", "-", ".", "", "(", "", ")", "")
	return strings.Trim(r.Replace(strings.ToLower(name)), "-")
}
