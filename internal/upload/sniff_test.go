package upload_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	return img
}

func pngFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfFile is a valid one-page PDF with a correct cross-reference table.
func pdfFile() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
		"<< /Length 0 >>\nstream\n\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func zipFile(t testing.TB) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("a.pdf")
	w.Write(pdfFile())
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifFile(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ftyp builds an ISO-BMFF file start with the given brands.
func ftyp(major string, compatible ...string) []byte {
	b := make([]byte, 16, 16+4*len(compatible)+16)
	binary.BigEndian.PutUint32(b, uint32(16+4*len(compatible)))
	copy(b[4:], "ftyp")
	copy(b[8:], major)
	for _, c := range compatible {
		b = append(b, c...)
	}
	return append(b, "\x00\x00\x00\x08meta"...)
}

func readTestdata(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniff(t *testing.T) {
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 600)...)
	cases := []struct {
		name string
		head []byte
		want upload.Type // "" means refused
	}{
		{"png", pngFile(t), upload.PNG},
		{"jpeg", jpegFile(t), upload.JPEG},
		{"pdf", pdfFile(), upload.PDF},
		{"heic (real, heif-enc)", readTestdata(t, "tiny.heic"), upload.HEIC},
		{"heic major", ftyp("heic", "mif1", "heic"), upload.HEIC},
		{"heix", ftyp("heix", "mif1"), upload.HEIC},
		{"hevc sequence", ftyp("msf1", "msf1", "hevc"), upload.HEIC},
		{"mif1 with heic compatible", ftyp("mif1", "mif1", "heic"), upload.HEIC},
		{"heim", ftyp("mif1", "heim"), upload.HEIC},
		{"heis", ftyp("heis"), upload.HEIC},
		{"hevx", ftyp("msf1", "hevx"), upload.HEIC},
		{"avif (real, heif-enc)", readTestdata(t, "tiny.avif"), ""},
		{"mif1 only", ftyp("mif1", "mif1", "miaf"), ""},
		{"msf1 only", ftyp("msf1", "msf1"), ""},
		{"avis", ftyp("avis", "msf1", "avis"), ""},
		{"mp4", ftyp("isom", "isom", "mp41"), ""},
		{"ftyp with size 1", append([]byte("\x00\x00\x00\x01ftypheic"), make([]byte, 16)...), ""},
		{"ftyp too short", []byte("\x00\x00\x00\x0cftypheic"), ""},
		{"text", []byte("Mietvertrag von Frau Muster\n"), ""},
		{"eicar", testenv.EICAR, ""},
		{"zip", zipFile(t), ""},
		{"exe", exe, ""},
		{"gif", gifFile(t), ""},
		{"html", []byte("<!DOCTYPE html><html>%PDF-1.4"), ""},
		{"pdf not at start", []byte(" %PDF-1.4\n"), ""},
		{"empty", nil, ""},
		{"png cut", []byte("\x89PNG\r\n"), ""},
	}
	for _, c := range cases {
		got, ok := upload.Sniff(c.head)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("%s: Sniff = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

// TestSniffIgnoresNames: Sniff only ever sees content, so the type of a PDF
// called "foto.png" is PDF; Put stores the cleaned name for display only.
func TestSniffIgnoresNames(t *testing.T) {
	svc, _ := newService(t, testenv.SQLite(t), nil)
	f, err := svc.Put(ctx, "app-1", "nachweis_miete", "foto.png", bytes.NewReader(pdfFile()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != upload.PDF || f.Name != "foto.png" {
		t.Fatalf("got type %q name %q", f.Type, f.Name)
	}
	if _, err := svc.Put(ctx, "app-1", "nachweis_miete", "scan.pdf", strings.NewReader("plain text, not a PDF")); err != upload.ErrType {
		t.Fatalf("text called .pdf: %v", err)
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("ä", 300) + ".pdf"
	cases := map[string]string{
		"Mietvertrag.pdf":                      "Mietvertrag.pdf",
		`C:\Users\Frau Muster\Kontoauszug.pdf`: "Kontoauszug.pdf",
		"../../etc/passwd":                     "passwd",
		"a\x00b\x1fc\x7f.png":                  "abc.png",
		"rechnung\u202egnp.exe":                "rechnunggnp.exe",
		"  tab\tname.jpg  ":                    "tab name.jpg",
		"..":                                   "",
		"dir/":                                 "",
		"bad\xffutf8.pdf":                      "badutf8.pdf",
		"نامه\u200cها.pdf":                     "نامه\u200cها.pdf",
	}
	for in, want := range cases {
		if got := upload.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	got := upload.CleanName(long)
	if n := utf8.RuneCountInString(got); n != upload.MaxNameLen || !strings.HasSuffix(got, "….pdf") {
		t.Errorf("long name: %d characters, %q…", n, got[len(got)-12:])
	}
}

func FuzzSniff(f *testing.F) {
	f.Add(pngFile(f))
	f.Add(jpegFile(f))
	f.Add(pdfFile())
	f.Add(readTestdata(f, "tiny.heic"))
	f.Add(readTestdata(f, "tiny.avif"))
	f.Add(ftyp("mif1", "heic"))
	f.Add([]byte("\xff\xff\xff\xffftypheic"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, ok := upload.Sniff(b)
		if ok != (typ != "") {
			t.Fatalf("Sniff = %q, %v", typ, ok)
		}
		upload.CleanName(string(b))
	})
}
