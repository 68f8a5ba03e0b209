package upload

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SniffLen is how many leading bytes Put reads before it decides on the type.
const SniffLen = 512

// Type is an allowed file type, recognised by content.
type Type string

const (
	PNG  Type = "png"
	JPEG Type = "jpeg" // .jpg and .jpeg
	PDF  Type = "pdf"
	HEIC Type = "heic"
)

// MediaType is the type's MIME type, for delivery and downloads.
func (t Type) MediaType() string {
	switch t {
	case PNG:
		return "image/png"
	case JPEG:
		return "image/jpeg"
	case PDF:
		return "application/pdf"
	case HEIC:
		return "image/heic"
	}
	return "application/octet-stream"
}

// Ext is the usual file name extension without the dot.
func (t Type) Ext() string {
	if t == JPEG {
		return "jpg"
	}
	return string(t)
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pdfMagic  = []byte("%PDF-")
)

// heicBrands are the ISO-BMFF brands that say the file holds HEVC-coded
// HEIF images or sequences (ISO/IEC 23008-12 Annex B). The structural brands
// mif1 and msf1 are not enough on their own: AVIF (avif, avis), JPEG-in-HEIF
// and VVC-in-HEIF files carry them too, and we accept HEIC only. So a file is
// HEIC when its major brand or one of its compatible brands is listed here;
// iPhones write major "heic" with compatible "mif1", "heic".
var heicBrands = map[string]bool{
	"heic": true, "heix": true, "heim": true, "heis": true, "hevc": true, "hevx": true,
}

// Sniff recognises an allowed type from the first bytes of a file (give it at
// least SniffLen bytes when the file has them). It looks at content only: the
// file name and the browser's Content-Type never matter.
//
//   - PNG: the 8-byte PNG signature.
//   - JPEG: SOI followed by the first marker's 0xFF (FF D8 FF).
//   - PDF: "%PDF-" at offset 0 (readers accept it within the first KB; we are
//     stricter, as browsers' sniffing is).
//   - HEIC: an ISO-BMFF 'ftyp' box at offset 0 whose major or a compatible
//     brand is a HEVC brand (see heicBrands).
func Sniff(head []byte) (Type, bool) {
	switch {
	case bytes.HasPrefix(head, pngMagic):
		return PNG, true
	case bytes.HasPrefix(head, jpegMagic):
		return JPEG, true
	case bytes.HasPrefix(head, pdfMagic):
		return PDF, true
	case isHEIC(head):
		return HEIC, true
	}
	return "", false
}

func isHEIC(head []byte) bool {
	if len(head) < 16 || string(head[4:8]) != "ftyp" {
		return false
	}
	size := binary.BigEndian.Uint32(head[:4])
	// 0 (box runs to the end of the file) and 1 (64-bit size follows) are
	// legal in ISO-BMFF but no HEIC writer uses them for ftyp; a brand list
	// is a multiple of four bytes.
	if size < 16 || size > 4096 || (size-16)%4 != 0 {
		return false
	}
	if heicBrands[string(head[8:12])] {
		return true
	}
	end := min(int(size), len(head))
	for i := 16; i+4 <= end; i += 4 {
		if heicBrands[string(head[i:i+4])] {
			return true
		}
	}
	return false
}

// MaxNameLen is the longest file name kept, in characters.
const MaxNameLen = 200

// CleanName makes a browser-supplied file name safe to show: only the last
// path element, valid UTF-8 without control or bidirectional formatting
// characters, trimmed, at most MaxNameLen characters (keeping a short
// extension when it has to cut). The result may be empty. It is for display
// only; nothing is ever stored under this name.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\u200c' || r == '\u200d': // joiners shape Persian text and emoji
			return r
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	if utf8.RuneCountInString(name) <= MaxNameLen {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 10 {
		ext = name[i:]
	}
	r := []rune(strings.TrimSuffix(name, ext))
	keep := MaxNameLen - utf8.RuneCountInString(ext) - 1
	return strings.TrimSpace(string(r[:keep])) + "…" + ext
}
