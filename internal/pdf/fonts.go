package pdf

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// The fonts are subsets of Debian's fonts-noto-core made by fonts/build.sh
// (SIL Open Font License, fonts/OFL.txt).
var (
	//go:embed fonts/NotoSans-Regular.ttf
	ttfSansRegular []byte
	//go:embed fonts/NotoSans-Bold.ttf
	ttfSansBold []byte
	//go:embed fonts/NotoSansArabic-Regular.ttf
	ttfArabicRegular []byte
	//go:embed fonts/NotoSansArabic-Bold.ttf
	ttfArabicBold []byte
)

// face is one of the four embedded fonts.
type face uint8

const (
	faceSans face = iota
	faceSansBold
	faceArabic
	faceArabicBold
	numFaces
)

// family is the fpdf family name of a face; fpdf names the embedded font
// "utf8" + family (+ "b" for bold), which is what pdffonts shows.
func (f face) family() string {
	if f.arabic() {
		return "NotoSansArabic"
	}
	return "NotoSans"
}

func (f face) style() string {
	if f.bold() {
		return "B"
	}
	return ""
}

func (f face) bold() bool   { return f == faceSansBold || f == faceArabicBold }
func (f face) arabic() bool { return f == faceArabic || f == faceArabicBold }

// withBold returns the face of the same script in the given weight.
func (f face) withBold(b bool) face {
	switch {
	case f.arabic() && b:
		return faceArabicBold
	case f.arabic():
		return faceArabic
	case b:
		return faceSansBold
	default:
		return faceSans
	}
}

// metrics is what layout needs from a TrueType font: which characters it
// has and how wide they are, in thousandths of the font size (the unit
// fpdf uses, so our measurements and fpdf's drawing agree).
type metrics struct {
	advance map[rune]uint16
}

func (m *metrics) has(r rune) bool {
	_, ok := m.advance[r]
	return ok
}

// width returns the advance of r in 1/1000 em; 0 for characters the font lacks.
func (m *metrics) width(r rune) float64 { return float64(m.advance[r]) }

var (
	fontOnce    sync.Once
	fontMetrics [numFaces]*metrics
	fontErr     error
)

func fontData(f face) []byte {
	switch f {
	case faceSansBold:
		return ttfSansBold
	case faceArabic:
		return ttfArabicRegular
	case faceArabicBold:
		return ttfArabicBold
	default:
		return ttfSansRegular
	}
}

// loadFonts parses the embedded fonts once.
func loadFonts() error {
	fontOnce.Do(func() {
		for f := face(0); f < numFaces; f++ {
			m, err := parseMetrics(fontData(f))
			if err != nil {
				fontErr = fmt.Errorf("pdf: font %s%s: %w", f.family(), f.style(), err)
				return
			}
			fontMetrics[f] = m
		}
	})
	return fontErr
}

var errFont = errors.New("malformed TrueType font")

// parseMetrics reads the tables head, hhea, hmtx and cmap (formats 4 and
// 12) of a TrueType font.
func parseMetrics(b []byte) (*metrics, error) {
	if len(b) < 12 {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	tables := map[string][]byte{}
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(b) {
			return nil, errFont
		}
		tag := string(b[rec : rec+4])
		off := int(binary.BigEndian.Uint32(b[rec+8:]))
		ln := int(binary.BigEndian.Uint32(b[rec+12:]))
		if off < 0 || ln < 0 || off+ln > len(b) {
			return nil, errFont
		}
		tables[tag] = b[off : off+ln]
	}
	head, hhea, hmtx, cmap := tables["head"], tables["hhea"], tables["hmtx"], tables["cmap"]
	if len(head) < 54 || len(hhea) < 36 || cmap == nil {
		return nil, errFont
	}
	upm := float64(binary.BigEndian.Uint16(head[18:]))
	if upm == 0 {
		return nil, errFont
	}
	numHM := int(binary.BigEndian.Uint16(hhea[34:]))
	if numHM == 0 || len(hmtx) < 4*numHM {
		return nil, errFont
	}
	adv := func(gid int) uint16 {
		if gid >= numHM {
			gid = numHM - 1
		}
		a := float64(binary.BigEndian.Uint16(hmtx[4*gid:]))
		return uint16(a*1000/upm + 0.5)
	}
	glyphs, err := parseCmap(cmap)
	if err != nil {
		return nil, err
	}
	m := &metrics{advance: make(map[rune]uint16, len(glyphs))}
	for r, gid := range glyphs {
		if gid != 0 {
			m.advance[r] = adv(gid)
		}
	}
	return m, nil
}

// parseCmap returns rune → glyph id from the best Unicode subtable.
func parseCmap(c []byte) (map[rune]int, error) {
	if len(c) < 4 {
		return nil, errFont
	}
	n := int(binary.BigEndian.Uint16(c[2:]))
	var f4, f12 []byte
	for i := 0; i < n; i++ {
		rec := 4 + 8*i
		if rec+8 > len(c) {
			return nil, errFont
		}
		pid := binary.BigEndian.Uint16(c[rec:])
		eid := binary.BigEndian.Uint16(c[rec+2:])
		off := int(binary.BigEndian.Uint32(c[rec+4:]))
		if off+4 > len(c) || !(pid == 0 || (pid == 3 && (eid == 1 || eid == 10))) {
			continue
		}
		switch binary.BigEndian.Uint16(c[off:]) {
		case 4:
			f4 = c[off:]
		case 12:
			f12 = c[off:]
		}
	}
	out := map[rune]int{}
	switch {
	case f12 != nil:
		if len(f12) < 16 {
			return nil, errFont
		}
		groups := int(binary.BigEndian.Uint32(f12[12:]))
		if groups < 0 || 16+12*groups > len(f12) {
			return nil, errFont
		}
		for g := 0; g < groups; g++ {
			p := f12[16+12*g:]
			start := binary.BigEndian.Uint32(p)
			end := binary.BigEndian.Uint32(p[4:])
			gid := binary.BigEndian.Uint32(p[8:])
			if end < start || end > 0x10FFFF {
				return nil, errFont
			}
			for r := start; r <= end; r++ {
				out[rune(r)] = int(gid + r - start)
			}
		}
	case f4 != nil:
		if len(f4) < 14 {
			return nil, errFont
		}
		segs := int(binary.BigEndian.Uint16(f4[6:])) / 2
		if 16+8*segs > len(f4) {
			return nil, errFont
		}
		ends := f4[14:]
		starts := f4[16+2*segs:]
		deltas := f4[16+4*segs:]
		ranges := f4[16+6*segs:]
		for s := 0; s < segs; s++ {
			end := int(binary.BigEndian.Uint16(ends[2*s:]))
			start := int(binary.BigEndian.Uint16(starts[2*s:]))
			delta := int(binary.BigEndian.Uint16(deltas[2*s:]))
			ro := int(binary.BigEndian.Uint16(ranges[2*s:]))
			for r := start; r <= end && r != 0xFFFF; r++ {
				var gid int
				if ro == 0 {
					gid = (r + delta) & 0xFFFF
				} else {
					p := 16 + 6*segs + 2*s + ro + 2*(r-start)
					if p+2 > len(f4) {
						return nil, errFont
					}
					gid = int(binary.BigEndian.Uint16(f4[p:]))
					if gid != 0 {
						gid = (gid + delta) & 0xFFFF
					}
				}
				out[rune(r)] = gid
			}
		}
	default:
		return nil, errors.New("no Unicode cmap")
	}
	return out, nil
}
