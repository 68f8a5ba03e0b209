package pdf_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/pdf"
)

// FuzzRender puts arbitrary strings into every text of a document: Render
// must not fail or panic, and must write a PDF.
func FuzzRender(f *testing.F) {
	for _, s := range [][4]string{
		{"de", "Antrag auf Bürgergeld", "Familienname", "Müller-Lüdenscheidt"},
		{"ar", "طلب الحصول على إعانة", "الاسم", "Ali Özdemir 12، (3 و 5) «لا»"},
		{"ar", "\u202Eevil\u202C", "\u2067x\u2069", "\x00\x01\x1b[31m\r\n\t\u0085\u2028"},
		{"tr", strings.Repeat("Ş", 500), strings.Repeat("ı", 300), strings.Repeat("İğ ", 200)},
		{"uk", "ґ\u0301\u0308\u0308", "\xff\xfe\xc3", "\uFFFE\uFFFF\U0010FFFF\uD7FF"},
		{"ar", "\u064E\u064E", "ل", "لا ل\u064Eا ـلاـ \u200C\u200D\u200E\u200F\u061C"},
		{"x) /JS", "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((", "]]]]", "(ب a)"},
		{"", "", "", ""},
		{"ls", "😀 漢字 \U0001F1E9\U0001F1EA", "\uFEFF\u00AD\u200B", strings.Repeat("x", 5000)},
		{"de", "\\ ( ) \\) %PDF endstream", "\r", "a\rb\r\rc"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, lang, title, label, value string) {
		d := pdf.Document{
			Lang:     lang,
			Title:    title,
			Subtitle: value,
			Meta:     []pdf.Field{{Label: label, Value: value}, {Label: value, Value: label}},
			Sections: []pdf.Section{
				{Heading: title, Note: label, Fields: []pdf.Field{{Label: label, Value: value}, {Label: title, Value: ""}},
					Paragraphs: []string{value, title + " " + value}},
				{Heading: value},
			},
			Footer:    label,
			PageLabel: func(p, n int) string { return fmt.Sprintf("%s %d %d", label, p, n) },
			Creator:   title,
		}
		var buf bytes.Buffer
		if err := pdf.Render(&buf, d); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(buf.Bytes()), []byte("%%EOF")) {
			t.Fatalf("not a PDF: %.40q", buf.Bytes())
		}
	})
}

// BenchmarkRender renders a typical application: 10 sections, 120 fields.
func BenchmarkRender(b *testing.B) {
	d := sampleTypical()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := pdf.Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

// BenchmarkRenderArabic is the same application in Arabic.
func BenchmarkRenderArabic(b *testing.B) {
	d := sampleTypical()
	d.Lang = "ar"
	for i := range d.Sections {
		for k := range d.Sections[i].Fields {
			d.Sections[i].Fields[k] = pdf.Field{Label: fmt.Sprintf("عدد أفراد الأسرة %d", k), Value: "Ali Özdemir، شارع الملك 12، كولونيا 50939"}
		}
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := pdf.Render(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}
