package pdf

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// clean makes any string safe to lay out: invalid UTF-8 becomes U+FFFD,
// every kind of line break becomes "\n", tabs and other spaces become a
// space (runs of spaces collapse to one), and control characters, explicit
// bidi formatting (embeddings, overrides, isolates) and other invisible
// format characters are removed. ZWNJ and ZWJ (Arabic joining) and the
// marks LRM, RLM and ALM stay. The result is in NFC, so a letter and a
// combining accent become the one precomposed letter the font has.
func clean(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			r = '\n'
		case r == 0x85 || r == 0x2028 || r == 0x2029 || r == '\v' || r == '\f':
			r = '\n'
		case r == '\t':
			r = ' '
		}
		switch {
		case r == '\n':
			b.WriteByte('\n')
			space = false
			continue
		case r == ' ' || (unicode.Is(unicode.Zs, r) && r != 0x00A0 && r != 0x202F && r != 0x2007):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case r < 0x20, r >= 0x7F && r < 0xA0:
			continue
		case r == 0x200C || r == 0x200D || r == 0x200E || r == 0x200F || r == 0x061C:
			// joining controls and strong direction marks stay
		case unicode.Is(unicode.Cf, r):
			continue // bidi embeddings and isolates, BOM, soft hyphen, ZWSP …
		case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r), r == 0xFFFE, r == 0xFFFF:
			r = utf8.RuneError
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return out
}

// metaText is clean for PDF metadata (title, creator): one line, and only
// characters of the Basic Multilingual Plane (fpdf writes UTF-16 without
// surrogates).
func metaText(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(clean(s), "\n", " "))
	if len(s) > 1000 {
		s = truncateRunes(s, 1000)
	}
	return strings.Map(func(r rune) rune {
		if r > 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, s)
}

func truncateRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// glyph is one character ready to be drawn: shaped, in a face that has it,
// with its bidi level.
type glyph struct {
	r      rune
	face   face
	w      float64 // advance in 1/1000 of the font size
	level  uint8
	space  bool // a breaking space (dropped at the end of a line)
	brk    bool // a line may break after it (hyphen, slash)
	hidden bool // zero-width control that is not drawn (LRM, ZWJ …)
}

// paragraph is the shaped text of one line of input (split at "\n").
type paragraph struct {
	glyphs []glyph
	rtl    bool // paragraph level 1
}

// shape turns one paragraph of cleaned text into glyphs: bidi levels,
// Arabic contextual forms, a face for every character (Noto Sans Arabic for
// Arabic script, Noto Sans for everything else, U+FFFD for what neither
// has) and widths.
func shape(s string, bold bool) paragraph {
	rs := []rune(s)
	if len(rs) == 0 {
		return paragraph{}
	}
	levels, para := resolveLevels(rs)
	ar := fontMetrics[faceArabic.withBold(bold)]
	sans := fontMetrics[faceSans.withBold(bold)]
	shaped, src := shapeArabic(rs, ar.has)
	gs := make([]glyph, 0, len(shaped))
	prevArabic := false
	for k, r := range shaped {
		g := glyph{r: r, level: levels[src[k]]}
		switch r {
		case 0x200C, 0x200D, 0x200E, 0x200F, 0x061C:
			g.hidden = true
			g.face = faceSans.withBold(bold)
			gs = append(gs, g)
			continue
		case ' ':
			g.space = true
		case '-', '/', 0x2010, 0x2013, 0x2014:
			g.brk = true
		}
		switch {
		case isArabicScript(r) && ar.has(r):
			g.face = faceArabic.withBold(bold)
		case (r == ' ' || r == 0xA0) && prevArabic:
			g.face = faceArabic.withBold(bold) // stay in the Arabic font between Arabic words
		case sans.has(r):
			g.face = faceSans.withBold(bold)
		case ar.has(r):
			g.face = faceArabic.withBold(bold)
		default:
			g.r = utf8.RuneError
			g.face = faceSans.withBold(bold)
		}
		g.w = fontMetrics[g.face].width(g.r)
		prevArabic = g.face.arabic()
		gs = append(gs, g)
	}
	return paragraph{glyphs: gs, rtl: para == 1}
}

// ptToMM converts a length in points to millimetres.
const ptToMM = 25.4 / 72

// wrap breaks a paragraph into lines no wider than width (mm) at the given
// font size (pt): at spaces, after hyphens and slashes, and inside a word
// only when the word alone is wider than the line. Spaces at the end of a
// line are dropped.
func wrap(p paragraph, size, width float64) [][]glyph {
	scale := size * ptToMM / 1000
	gs := p.glyphs
	var lines [][]glyph
	for len(gs) > 0 {
		// skip spaces at the start of a line
		for len(gs) > 0 && gs[0].space {
			gs = gs[1:]
		}
		if len(gs) == 0 {
			break
		}
		w := 0.0
		lastBreak := -1 // index after which the line may end
		end := len(gs)
	fill:
		for i, g := range gs {
			if g.space {
				lastBreak = i
			}
			if !g.space && w+g.w*scale > width && i > 0 {
				switch {
				case lastBreak >= 0:
					end = lastBreak + 1
				default:
					end = i // break inside a word that is too long
				}
				break fill
			}
			w += g.w * scale
			if g.brk && i > 0 && i+1 < len(gs) && breakAfter(gs[i-1].r, g.r, gs[i+1].r) {
				lastBreak = i
			}
		}
		line := gs[:end]
		gs = gs[end:]
		for len(line) > 0 && line[len(line)-1].space {
			line = line[:len(line)-1]
		}
		lines = append(lines, line)
	}
	return lines
}

// breakAfter reports whether a line may end after the hyphen or slash cur:
// "Müller-|Lüdenscheidt", "und/|oder", but not "BG-2025" or "-5".
func breakAfter(prev, cur, next rune) bool {
	if cur == '/' {
		return (unicode.IsLetter(prev) || unicode.IsDigit(prev)) && (unicode.IsLetter(next) || unicode.IsDigit(next))
	}
	return unicode.IsLetter(prev) && unicode.IsLetter(next)
}

// run is a piece of a line in one face, in visual order, placed at x (mm,
// from the line's left edge).
type run struct {
	face face
	x    float64
	text string
}

// textLine is one laid-out line.
type textLine struct {
	runs  []run
	width float64 // mm
}

// order puts a line's glyphs in visual order (mirroring brackets in
// right-to-left runs) and groups them into runs of one face.
func order(line []glyph, size float64) textLine {
	scale := size * ptToMM / 1000
	levels := make([]uint8, len(line))
	for i, g := range line {
		levels[i] = g.level
	}
	var tl textLine
	var b strings.Builder
	cur := face(255)
	start := 0.0
	x := 0.0
	flush := func() {
		if b.Len() > 0 {
			tl.runs = append(tl.runs, run{face: cur, x: start, text: b.String()})
			b.Reset()
		}
	}
	for _, i := range visualOrder(levels) {
		g := line[i]
		if g.hidden {
			continue
		}
		if g.face != cur {
			flush()
			cur = g.face
			start = x
		}
		r := g.r
		if g.level%2 == 1 {
			if m := mirror(r); m != r && fontMetrics[g.face].has(m) {
				r = m
			}
		}
		b.WriteRune(r)
		x += g.w * scale
	}
	flush()
	tl.width = x
	return tl
}

// layoutText lays out a cleaned string (which may contain "\n") for the
// given box width; an empty paragraph gives an empty line.
func layoutText(s string, bold bool, size, width float64) []textLine {
	var out []textLine
	for _, ps := range strings.Split(s, "\n") {
		p := shape(ps, bold)
		lines := wrap(p, size, width)
		if len(lines) == 0 {
			out = append(out, textLine{})
			continue
		}
		for _, l := range lines {
			out = append(out, order(l, size))
		}
	}
	return out
}
