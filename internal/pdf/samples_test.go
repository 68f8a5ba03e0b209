package pdf_test

import (
	"fmt"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// Sample documents, one per language, for the golden files, the PNG check
// and the benchmark.

var created = time.Date(2025, 3, 12, 14, 5, 0, 0, time.UTC)

func seiteVon(p, n int) string { return fmt.Sprintf("Seite %d von %d", p, n) }

func sampleGerman() pdf.Document {
	return pdf.Document{
		Lang:     "de",
		Title:    "Antrag auf Bürgergeld",
		Subtitle: "Aktueller Stand des Antrags",
		Meta: []pdf.Field{
			{"Antragsnummer", "BG-2025-000123"},
			{"Zeitpunkt", "12.03.2025, 14:05 Uhr"},
			{"Stelle", "Jobcenter Köln, Luxemburger Straße 121, 50939 Köln"},
		},
		Sections: []pdf.Section{
			{Heading: "Angaben zur Person", Fields: []pdf.Field{
				{"Familienname", "Müller-Lüdenscheidt"},
				{"Vorname", "Jürgen"},
				{"Geburtsdatum", "03.07.1968"},
				{"Anschrift", "Große Straße 5\n50667 Köln"},
				{"Staatsangehörigkeit", "deutsch"},
				{"Telefon", ""},
			}},
			{Heading: "Einkommen und Vermögen", Note: "Dieser Abschnitt trifft nicht zu."},
			{Heading: "Kosten der Unterkunft", Fields: []pdf.Field{
				{"Monatliche Grundmiete", "485,00 €"},
				{"Nebenkosten einschließlich Heizung und Warmwasser, wie im Mietvertrag angegeben", "120,50 €"},
				{"Vermieterin", "Gemeinnützige Wohnungsbaugesellschaft Köln-Süd mbH"},
			}},
			{Heading: "Bemerkungen", Paragraphs: []string{
				"Ich beantrage Leistungen zur Sicherung des Lebensunterhalts ab dem 1. April 2025. Die Unterlagen zur Miete und zu den Heizkosten reiche ich nach, sobald die Abrechnung der Hausverwaltung vorliegt.",
				"Straßenbahnhaltestelle, Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung, Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft.",
			}},
		},
		Footer:    "Sozialplattform NRW – elektronisch erstellt, ohne Unterschrift gültig.",
		PageLabel: seiteVon,
		Creator:   "Sozialplattform",
		Created:   created,
	}
}

func samplePolish() pdf.Document {
	return pdf.Document{
		Lang:  "pl",
		Title: "Wniosek o zasiłek mieszkaniowy",
		Meta:  []pdf.Field{{"Numer wniosku", "WG-2025-004711"}, {"Data", "12.03.2025"}},
		Sections: []pdf.Section{
			{Heading: "Dane osobowe", Fields: []pdf.Field{
				{"Imię i nazwisko", "Łukasz Wójcik"},
				{"Adres", "ul. Żółkiewskiego 12\n80-001 Gdańsk"},
				{"Uwagi", "Zażółć gęślą jaźń. Źdźbło, łąka, świętość, ĄĘŁŃÓŚŹŻ."},
			}},
		},
		Footer:    "Sozialplattform NRW",
		PageLabel: func(p, n int) string { return fmt.Sprintf("Strona %d z %d", p, n) },
		Created:   created,
	}
}

func sampleTurkish() pdf.Document {
	return pdf.Document{
		Lang:  "tr",
		Title: "Çocuk parası başvurusu",
		Meta:  []pdf.Field{{"Başvuru numarası", "KG-2025-000042"}},
		Sections: []pdf.Section{
			{Heading: "Kişisel bilgiler", Fields: []pdf.Field{
				{"Adı soyadı", "Ali Özdemir"},
				{"Doğum yeri", "Iğdır"},
				{"Adres", "İstiklal Caddesi 7, Şişli, İstanbul"},
				{"Not", "ğüşıöç İĞÜŞÖÇ – ışık, eğlence, şoför"},
			}},
		},
		Footer:    "Sozialplattform NRW",
		PageLabel: func(p, n int) string { return fmt.Sprintf("Sayfa %d / %d", p, n) },
		Created:   created,
	}
}

func sampleUkrainian() pdf.Document {
	return pdf.Document{
		Lang:  "uk",
		Title: "Заява на отримання допомоги",
		Meta:  []pdf.Field{{"Номер заяви", "BG-2025-000777"}},
		Sections: []pdf.Section{
			{Heading: "Особисті дані", Fields: []pdf.Field{
				{"Ім’я та прізвище", "Олександр Ґудзь"},
				{"Місто", "Київ, вулиця Хрещатик 22"},
				{"Примітка", "Їжак, єнот, ґанок, інжир — ЇЄҐІ."},
			}},
		},
		Footer:    "Sozialplattform NRW",
		PageLabel: func(p, n int) string { return fmt.Sprintf("Сторінка %d з %d", p, n) },
		Created:   created,
	}
}

func sampleRussian() pdf.Document {
	return pdf.Document{
		Lang:  "ru",
		Title: "Заявление на получение пособия",
		Meta:  []pdf.Field{{"Номер заявления", "BG-2025-000888"}},
		Sections: []pdf.Section{
			{Heading: "Личные данные", Fields: []pdf.Field{
				{"Фамилия", "Иванова"},
				{"Имя", "Наталья"},
				{"Примечание", "Съешь же ещё этих мягких французских булок, да выпей чаю. Ёлка, объём."},
			}},
		},
		Footer:    "Sozialplattform NRW",
		PageLabel: func(p, n int) string { return fmt.Sprintf("Страница %d из %d", p, n) },
		Created:   created,
	}
}

func sampleArabic() pdf.Document {
	return pdf.Document{
		Lang:     "ar",
		Title:    "طلب الحصول على إعانة المواطن",
		Subtitle: "الحالة الحالية للطلب",
		Meta: []pdf.Field{
			{"رقم الطلب", "BG-2025-000123"},
			{"التاريخ", "12.03.2025"},
			{"الجهة", "Jobcenter Köln"},
		},
		Sections: []pdf.Section{
			{Heading: "البيانات الشخصية", Fields: []pdf.Field{
				{"الاسم", "Ali Özdemir"},
				{"العنوان", "شارع الملك 12، كولونيا 50939"},
				{"رقم الهاتف", "+49 221 123456"},
				{"الحالة الاجتماعية", "متزوج ولديه طفلان (3 و 5 سنوات)"},
				{"ملاحظة", ""},
			}},
			{Heading: "السكن", Note: "هذا القسم لا ينطبق."},
			{Heading: "ملاحظات", Paragraphs: []string{
				"السلام عليكم. يرجى إرسال المستندات إلى Jobcenter Köln قبل 31.03.2025، مع ذكر رقم الطلب BG-2025-000123 في كل رسالة.",
			}},
		},
		Footer:    "منصة الخدمات الاجتماعية NRW",
		PageLabel: func(p, n int) string { return fmt.Sprintf("الصفحة %d من %d", p, n) },
		Created:   created,
	}
}

// sampleLong is a document of many rows over several pages.
func sampleLong() pdf.Document {
	d := pdf.Document{
		Lang:      "de",
		Title:     "Verarbeitungsbericht",
		Meta:      []pdf.Field{{"Antragsnummer", "BG-2025-000123"}, {"Erstellt", "12.03.2025, 14:05 Uhr"}},
		Footer:    "Sozialplattform NRW – Verarbeitungsbericht BG-2025-000123",
		PageLabel: seiteVon,
		Created:   created,
	}
	for s := 1; s <= 6; s++ {
		sec := pdf.Section{Heading: fmt.Sprintf("Abschnitt %d: Verarbeitungsschritte", s)}
		for i := 1; i <= 20; i++ {
			v := fmt.Sprintf("Schritt %d.%d abgeschlossen", s, i)
			if i%7 == 0 {
				v += "\nPrüfung durch die Sachbearbeitung: ohne Beanstandung, Unterlagen vollständig übermittelt und gespeichert."
			}
			sec.Fields = append(sec.Fields, pdf.Field{fmt.Sprintf("Eintrag %d.%d", s, i), v})
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}

// sampleTypical is a typical application for the benchmark: 10 sections,
// 120 fields.
func sampleTypical() pdf.Document {
	d := sampleGerman()
	d.Sections = nil
	for s := 1; s <= 10; s++ {
		sec := pdf.Section{Heading: fmt.Sprintf("Abschnitt %d", s)}
		for i := 1; i <= 12; i++ {
			sec.Fields = append(sec.Fields, pdf.Field{
				fmt.Sprintf("Angabe %d.%d zur Größe des Haushalts", s, i),
				fmt.Sprintf("Wert %d.%d: Müller-Lüdenscheidt, Große Straße %d, 50667 Köln", s, i, i),
			})
		}
		d.Sections = append(d.Sections, sec)
	}
	return d
}
