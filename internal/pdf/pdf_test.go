package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/sozialplattform/sozialplattform/internal/pdf"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

var samples = []struct {
	name string
	doc  func() pdf.Document
}{
	{"de", sampleGerman},
	{"pl", samplePolish},
	{"tr", sampleTurkish},
	{"uk", sampleUkrainian},
	{"ru", sampleRussian},
	{"ar", sampleArabic},
	{"long", sampleLong},
}

func render(t testing.TB, d pdf.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pdf.Render(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writePDF renders d into a temporary file and returns its path.
func writePDF(t *testing.T, d pdf.Document) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, render(t, d), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Missing(t, name+" (poppler-utils)")
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

// readable turns what pdftotext extracts into the text a person reads.
// pdftotext returns Arabic in logical order, but as the presentation forms
// we draw (U+FB50–U+FDFF, U+FE70–U+FEFF: ﻃﻠﺐ for طلب, one ﻻ for لا), and
// marks right-to-left and left-to-right stretches with the embedding
// controls U+202A–U+202C. We apply NFKC to the presentation forms (only
// them: NFKC would also rewrite "…" or "№") and drop those controls.
func readable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x202A && r <= 0x202E:
		case (r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFE):
			b.WriteString(norm.NFKC.String(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestGolden compares the text of each sample, as pdftotext -layout reads
// it, with testdata/<lang>.txt (go test -update rewrites them).
func TestGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			p := writePDF(t, s.doc())
			txt := readable(run(t, "pdftotext", "-layout", "-enc", "UTF-8", p, "-"))
			testenv.Golden(t, s.name+".txt", []byte(txt))
		})
	}
}

// TestArabicLogicalText checks that the Arabic document's text comes back
// in logical order: Arabic words, and Latin names and numbers inside them.
// pdftotext rebuilds the order of a right-to-left line from the glyph
// positions, and it does so word by word: a number glued to Arabic
// punctuation comes back with the punctuation on the wrong side ("12،"
// reads " ،12"), and brackets come back mirrored (we draw the mirrored
// glyph, which is what a reader sees). So phrases with those are checked
// as the words around them.
func TestArabicLogicalText(t *testing.T) {
	p := writePDF(t, sampleArabic())
	raw := run(t, "pdftotext", "-enc", "UTF-8", p, "-")
	if !strings.ContainsRune(raw, 0xFEDF) || !strings.ContainsRune(raw, 0xFEFB) {
		t.Errorf("expected presentation forms (initial lam, lam-alef) in the raw text; got:\n%s", raw)
	}
	txt := readable(raw)
	for _, want := range []string{
		"طلب الحصول على إعانة المواطن",
		"الحالة الحالية للطلب",
		"رقم الطلب",
		"BG-2025-000123",
		"12.03.2025",
		"Jobcenter Köln",
		"البيانات الشخصية",
		"Ali Özdemir",
		"شارع الملك",
		"كولونيا 50939",
		"+49 221 123456",
		"الحالة الاجتماعية",
		"متزوج ولديه طفلان",
		"سنوات",
		"هذا القسم لا ينطبق.",
		"السلام عليكم",
		"يرجى إرسال المستندات إلى",
		"31.03.2025",
		"مع ذكر رقم الطلب",
		"منصة الخدمات الاجتماعية NRW",
		"الصفحة",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("missing %q in:\n%s", want, txt)
		}
	}
}

// TestFontsEmbedded: every font is embedded; Arabic uses Noto Sans Arabic,
// and a German document carries no Arabic font.
func TestFontsEmbedded(t *testing.T) {
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			out := run(t, "pdffonts", writePDF(t, s.doc()))
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) < 3 {
				t.Fatalf("no fonts:\n%s", out)
			}
			arabic := false
			for _, l := range lines[2:] {
				f := strings.Fields(l)
				// name type... encoding emb sub uni object ID
				if len(f) < 7 || f[len(f)-5] != "yes" {
					t.Errorf("font not embedded: %s", l)
				}
				if !strings.Contains(f[3], "Identity-H") && !strings.Contains(l, "Identity-H") {
					t.Errorf("font not a CID font: %s", l)
				}
				if strings.Contains(strings.ToLower(f[0]), "arabic") {
					arabic = true
				}
			}
			if want := s.name == "ar"; arabic != want {
				t.Errorf("Arabic font used: %v, want %v\n%s", arabic, want, out)
			}
		})
	}
}

// TestPNG renders the German and the Arabic sample to PNG for a person to
// look at: SOZ_PDF_PNG=/tmp/pdf go test -run TestPNG ./internal/pdf/
func TestPNG(t *testing.T) {
	dir := os.Getenv("SOZ_PDF_PNG")
	if dir == "" {
		t.Skip("set SOZ_PDF_PNG=DIR to write PNGs of the samples")
	}
	for _, s := range samples {
		p := writePDF(t, s.doc())
		run(t, "pdftoppm", "-png", "-r", "60", p, filepath.Join(dir, s.name))
		if err := os.WriteFile(filepath.Join(dir, s.name+".pdf"), render(t, s.doc()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s/*.png", dir)
}

func TestDeterministic(t *testing.T) {
	for _, s := range samples {
		a, b := render(t, s.doc()), render(t, s.doc())
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ", s.name)
		}
		if !bytes.Contains(a, []byte("/CreationDate (D:20250312140500)")) {
			t.Errorf("%s: creation date missing", s.name)
		}
	}
	// Without Created the dates are left out, and the file stays valid.
	d := sampleGerman()
	d.Created = time.Time{}
	a, b := render(t, d), render(t, d)
	if !bytes.Equal(a, b) {
		t.Error("without Created: two renderings differ")
	}
	if bytes.Contains(a, []byte("/CreationDate")) || bytes.Contains(a, []byte("/ModDate")) {
		t.Error("without Created the PDF still has a date")
	}
	p := filepath.Join(t.TempDir(), "nodate.pdf")
	if err := os.WriteFile(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	info := run(t, "pdfinfo", p)
	if strings.Contains(info, "CreationDate") || !strings.Contains(info, "Pages:           1") {
		t.Errorf("pdfinfo:\n%s", info)
	}
}

// TestPageFooters: every page of the long document carries the footer and
// its own page label, and rows never continue past the footer rule.
func TestPageFooters(t *testing.T) {
	d := sampleLong()
	p := writePDF(t, d)
	info := run(t, "pdfinfo", p)
	if !strings.Contains(info, "Pages:           5") {
		t.Fatalf("want 5 pages:\n%s", info)
	}
	seen := 0
	for n := 1; n <= 5; n++ {
		page := run(t, "pdftotext", "-layout", "-enc", "UTF-8", "-f", strconv.Itoa(n), "-l", strconv.Itoa(n), p, "-")
		lines := strings.Split(strings.TrimRight(page, "\n\f"), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, d.Footer) || !strings.HasSuffix(last, fmt.Sprintf("Seite %d von 5", n)) {
			t.Errorf("page %d ends with %q", n, last)
		}
		seen += strings.Count(page, "Eintrag ")
	}
	if seen != 120 {
		t.Errorf("%d rows over all pages, want 120", seen)
	}
}
