package pdf

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustFonts(t testing.TB) {
	t.Helper()
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
}

func hexRunes(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "%04X ", r)
	}
	return strings.TrimSpace(b.String())
}

func TestShapeArabic(t *testing.T) {
	mustFonts(t)
	has := fontMetrics[faceArabic].has
	for _, c := range []struct{ in, want string }{
		{"مرحبا", "\uFEE3\uFEAE\uFEA3\uFE92\uFE8E"}, // initial, final, initial, medial, final
		{"سلام", "\uFEB3\uFEFC\uFEE1"},              // lam-alef (final) ligature
		{"لا", "\uFEFB"},                            // lam-alef isolated
		{"الاسم", "\uFE8D\uFEFB\uFEB3\uFEE2"},       // alef does not join forward
		{"ب", "\uFE8F"},                             // isolated
		{"بـ", "\uFE91\u0640"},                      // tatweel joins
		{"ب\u200Cب", "\uFE8F\u200C\uFE8F"},          // ZWNJ breaks the join
		{"بَب", "\uFE91\u064E\uFE90"},               // marks are transparent
		{"لَا", "\uFEFB\u064E"},                     // mark between lam and alef
		{"پدر", "\uFB58\uFEAA\uFEAD"},               // Persian peh; reh after dal isolated
		{"على", "\uFECB\uFEE0\uFEF0"},               // alef maksura final
		{"Ali بيت", "Ali \uFE91\uFEF4\uFE96"},       // Latin untouched
		{"ة ء", "\uFE93 \uFE80"},                    // teh marbuta, hamza
		{"كتب 12", "\uFEDB\uFE98\uFE90 12"},         // digits do not join
		{"\u064Eب", "\u064E\uFE8F"},                 // mark at the start
		{"ل", "\uFEDD"},                             // lone lam
		{"فلا", "\uFED3\uFEFC"},                     // feh + lam-alef final
		{"ى", "\uFEEF"},                             // alef maksura isolated
		{"يى", "\uFEF3\uFEF0"},                      // yeh initial, alef maksura final
		{"ـىـ", "\u0640\uFBE9\u0640"},               // alef maksura medial (Forms-A)
	} {
		out, src := shapeArabic([]rune(c.in), has)
		if got := string(out); got != c.want {
			t.Errorf("shape(%q) = %s, want %s", c.in, hexRunes(got), hexRunes(c.want))
		}
		if len(src) != len(out) {
			t.Errorf("shape(%q): %d sources for %d runes", c.in, len(src), len(out))
		}
	}
}

// Every presentation form in the table is in the embedded Arabic fonts.
func TestArabicFormsInFont(t *testing.T) {
	mustFonts(t)
	for _, fc := range []face{faceArabic, faceArabicBold} {
		for base, forms := range arabicLetters {
			for _, r := range forms {
				if r != 0 && !fontMetrics[fc].has(r) {
					t.Errorf("%s%s lacks U+%04X (form of U+%04X)", fc.family(), fc.style(), r, base)
				}
			}
			if !fontMetrics[fc].has(base) {
				t.Errorf("%s lacks U+%04X", fc.family(), base)
			}
		}
		for _, lig := range lamAlef {
			if !fontMetrics[fc].has(lig) || !fontMetrics[fc].has(lig+1) {
				t.Errorf("%s lacks lam-alef U+%04X", fc.family(), lig)
			}
		}
	}
}

func TestFontCoverage(t *testing.T) {
	mustFonts(t)
	for _, fc := range []face{faceSans, faceSansBold} {
		for _, r := range "AZaz09äöüÄÖÜßẞłŁąęśćźżńóĄĘŚĆŹŻŃÓşŞğĞıİçÇ€–—„“”‚‘’…№ёЁйЙіІїЇєЄґҐщЩъЪыЫэЭюЮяЯəǎệ" {
			if !fontMetrics[fc].has(r) {
				t.Errorf("%s%s lacks %q", fc.family(), fc.style(), r)
			}
		}
	}
}

// visual lays out s as one line (no shaping) and returns its characters
// from left to right, brackets mirrored in right-to-left runs.
func visual(s string) (string, bool) {
	rs := []rune(s)
	levels, para := resolveLevels(rs)
	var b strings.Builder
	for _, i := range visualOrder(levels) {
		r := rs[i]
		if levels[i]%2 == 1 {
			r = mirror(r)
		}
		b.WriteRune(r)
	}
	return b.String(), para == 1
}

func reverse(s string) string {
	rs := []rune(s)
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return string(rs)
}

func TestBidi(t *testing.T) {
	const a, b = "ابت", "ثجح" // two Arabic words; visually reversed
	ra, rb := reverse(a), reverse(b)
	for _, c := range []struct {
		in, want string
		rtl      bool
	}{
		{"abc def", "abc def", false},
		{a, ra, true},
		{a + " " + b, rb + " " + ra, true},
		{a + " 123", "123 " + ra, true},
		{"Ali " + a, "Ali " + ra, false},
		{a + " Ali Özdemir", "Ali Özdemir " + ra, true},
		{a + " (Ali) " + b, rb + " (Ali) " + ra, true},
		{a + " Ali (Köln)", "Ali (Köln) " + ra, true},
		{a + " (" + b + ")", "(" + rb + ") " + ra, true},
		{"abc " + a + " 123 " + b + " def", "abc " + rb + " 123 " + ra + " def", false},
		{"12.03.2025", "12.03.2025", false},
		{"+49 221 123456", "+49 221 123456", false},
		// W2: European digits after an Arabic letter are Arabic numbers, and
		// "%" terminates only European ones, so it goes to the left, as
		// Arabic readers expect
		{a + " 12.5%", "%12.5 " + ra, true},
		{"12.5% " + a, ra + " 12.5%", true},
		{a + " ١٢٣", "١٢٣ " + ra, true},
		{a + " 12، " + b, rb + " ،12 " + ra, true},
		{"BG-2025-000123 " + a, "BG-2025-000123 " + ra, false},
		{a + " BG-2025-000123", "BG-2025-000123 " + ra, true},
		{"«" + a + "»", "«" + ra + "»", true},
		{"", "", false},
		{"((((", "((((", false},
	} {
		got, rtl := visual(c.in)
		if got != c.want || rtl != c.rtl {
			t.Errorf("visual(%q) = %q rtl=%v, want %q rtl=%v", c.in, got, rtl, c.want, c.rtl)
		}
	}
}

func TestClean(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a\x00b\x1bc\x7fd\u0085e", "abcd\ne"},
		{"x\u202Ey\u2066z\u2069\u202C", "xyz"},
		{"so\u00ADft\uFEFF\u200Bhy", "softhy"},
		{"a\r\nb\rc\u2028d", "a\nb\nc\nd"},
		{"a\t\t b\u3000c", "a b c"},
		{"u\u0308ber", "über"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"\uE000private", "\uFFFDprivate"},
		{"ب\u200Cب \u200E", "ب\u200Cب \u200E"},
		{"non\u00A0breaking", "non\u00A0breaking"},
	} {
		if got := clean(c.in); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUncoveredBecomesReplacement(t *testing.T) {
	mustFonts(t)
	p := shape("a漢😀b", false)
	var got []rune
	for _, g := range p.glyphs {
		got = append(got, g.r)
	}
	if string(got) != "a\uFFFD\uFFFDb" {
		t.Errorf("got %q", string(got))
	}
}

// A word wider than the box is broken inside; nothing is lost.
func TestWrapLongWord(t *testing.T) {
	mustFonts(t)
	word := strings.Repeat("Donaudampfschifffahrt", 20)
	for _, width := range []float64{10, 50, 100} {
		lines := layoutText(word, false, 10, width)
		if len(lines) < 2 {
			t.Fatalf("width %v: %d lines", width, len(lines))
		}
		var all strings.Builder
		for _, l := range lines {
			if l.width > width+1e-9 {
				t.Errorf("width %v: line %.2f mm wide", width, l.width)
			}
			for _, r := range l.runs {
				all.WriteString(r.text)
			}
		}
		if all.String() != word {
			t.Errorf("width %v: text changed", width)
		}
	}
	// A box narrower than one letter still makes progress.
	if lines := layoutText("WWW", false, 10, 0.1); len(lines) != 3 {
		t.Errorf("tiny box: %d lines", len(lines))
	}
}

func TestWrapBreaksAtSpacesAndHyphens(t *testing.T) {
	mustFonts(t)
	lines := layoutText("Müller-Lüdenscheidt wohnt in der Großen Straße", false, 10, 30)
	var got []string
	for _, l := range lines {
		var b strings.Builder
		for _, r := range l.runs {
			b.WriteString(r.text)
		}
		got = append(got, b.String())
	}
	want := []string{"Müller-", "Lüdenscheidt", "wohnt in der", "Großen Straße"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("lines %q, want %q", got, want)
	}
	// no break after the hyphens of a number or a sign
	for _, s := range []string{"BG-2025-000123", "-5", "x-1", "a/"} {
		w := layoutText(s, false, 10, 1000)[0].width
		var got []string
		for _, l := range layoutText(s+" "+s, false, 10, w+0.5) {
			var b strings.Builder
			for _, r := range l.runs {
				b.WriteString(r.text)
			}
			got = append(got, b.String())
		}
		if len(got) != 2 || got[0] != s || got[1] != s {
			t.Errorf("%q: lines %q", s+" "+s, got)
		}
	}
}

// An Arabic paragraph wrapped over several lines reads right to left on
// each line: the first words of the text are on the first line.
func TestWrapArabic(t *testing.T) {
	mustFonts(t)
	text := strings.Repeat("كلمة عربية ", 20) + "Ali"
	lines := layoutText(text, false, 10, 50)
	if len(lines) < 3 {
		t.Fatalf("%d lines", len(lines))
	}
	last := lines[len(lines)-1]
	if r := last.runs[len(last.runs)-1]; r.face != faceSans || r.text != "Ali" {
		// the paragraph is right-to-left, so "Ali" at its end sits at the left end
		// of the last line: the first run in visual order
		if r0 := last.runs[0]; r0.text != "Ali" {
			t.Errorf("last line runs %+v", last.runs)
		}
	}
}

func TestEmptyValueIsDash(t *testing.T) {
	mustFonts(t)
	l := &layouter{}
	b := l.row(Field{Label: "Telefon", Value: " \n "}, style{size: 10}, style{size: 10}, false)
	found := false
	for _, bd := range b.bands {
		for _, o := range bd.ops {
			if o.kind == opText && o.text == "–" {
				found = true
			}
		}
	}
	if !found {
		t.Error("no dash for an empty value")
	}
}

func bandsOf(n int, h float64) []band {
	bs := make([]band, n)
	for i := range bs {
		bs[i] = band{h: h, ops: []op{{kind: opText, text: fmt.Sprint(i)}}}
	}
	return bs
}

func TestPaginate(t *testing.T) {
	const top, bottom = 0.0, 100.0
	heading := func(name string) block {
		return block{bands: []band{{h: 8, ops: []op{{kind: opText, text: name}}}}, keep: true, withNext: true, before: 5}
	}
	row := func(name string, lines int) block {
		bs := bandsOf(lines, 5)
		bs[0].ops[0].text = name
		return block{bands: bs, keep: true, orphans: 2, widows: 2}
	}
	t.Run("heading moves with its first row", func(t *testing.T) {
		blocks := []block{row("filler", 16), heading("H"), row("R", 2)} // 80 + 5 + 8 + 10 > 100
		pages := paginate(blocks, top, bottom)
		if len(pages) != 2 || pages[1].ops[0].text != "H" || pages[1].ops[0].y != 0 {
			t.Fatalf("pages %+v", pages)
		}
	})
	t.Run("heading stays when the row fits", func(t *testing.T) {
		blocks := []block{row("filler", 15), heading("H"), row("R", 2)} // 75 + 5 + 8 + 10 = 98
		if pages := paginate(blocks, top, bottom); len(pages) != 1 {
			t.Fatalf("%d pages", len(pages))
		}
	})
	t.Run("a row that does not fit moves whole", func(t *testing.T) {
		blocks := []block{row("filler", 18), row("R", 4)}
		pages := paginate(blocks, top, bottom)
		if len(pages) != 2 || len(pages[1].ops) != 4 || pages[1].ops[0].text != "R" {
			t.Fatalf("pages %+v", pages)
		}
	})
	t.Run("a row taller than a page breaks between lines", func(t *testing.T) {
		blocks := []block{row("filler", 5), row("R", 50)} // 250 mm
		pages := paginate(blocks, top, bottom)
		total := 0
		for i, p := range pages {
			for _, o := range p.ops {
				if o.y < top || o.y+5 > bottom+1e-9 {
					t.Errorf("page %d: op at %.1f outside the page", i, o.y)
				}
			}
			total += len(p.ops)
		}
		if total != 55 {
			t.Errorf("%d lines placed, want 55", total)
		}
		if len(pages) != 3 {
			t.Errorf("%d pages, want 3", len(pages))
		}
	})
	t.Run("paragraph keeps two lines together", func(t *testing.T) {
		para := block{bands: bandsOf(10, 5), orphans: 2, widows: 2}
		blocks := []block{row("filler", 19), para} // room for one line only
		pages := paginate(blocks, top, bottom)
		if len(pages) != 2 || len(pages[0].ops) != 19 {
			t.Fatalf("page 1 has %d ops, want the filler only", len(pages[0].ops))
		}
		para2 := block{bands: bandsOf(10, 5), orphans: 2, widows: 2}
		pages = paginate([]block{row("filler", 11), para2}, top, bottom) // 9 lines fit, 1 would be a widow
		if len(pages) != 2 || len(pages[1].ops) != 2 {
			t.Fatalf("page 2 has %d ops, want 2", len(pages[1].ops))
		}
	})
	t.Run("divider left out at the top of a page", func(t *testing.T) {
		r := row("R", 2)
		r.bands[0].ops = append(r.bands[0].ops, op{kind: opRule, notAtTop: true})
		pages := paginate([]block{row("filler", 19), r}, top, bottom)
		for _, o := range pages[1].ops {
			if o.kind == opRule {
				t.Error("divider drawn at the top of a page")
			}
		}
	})
}

// Every text run of a rendered document stays inside the page's content
// box, in both directions.
func TestLayoutInsideBox(t *testing.T) {
	mustFonts(t)
	long := strings.Repeat("Grundstücksverkehrsgenehmigungszuständigkeit", 5)
	for _, lang := range []string{"de", "ar"} {
		d := Document{Lang: lang, Title: long + " " + long, Footer: long, Meta: []Field{{long, long}}}
		for s := 0; s < 5; s++ {
			sec := Section{Heading: long, Note: long, Paragraphs: []string{long + " كلمة " + long}}
			for i := 0; i < 30; i++ {
				sec.Fields = append(sec.Fields, Field{long, "كلمة عربية " + long + "\n" + long})
			}
			d.Sections = append(d.Sections, sec)
		}
		pages, _, err := layout(d)
		if err != nil {
			t.Fatal(err)
		}
		for pi, p := range pages {
			for _, o := range p.ops {
				if o.kind != opText {
					continue
				}
				w := 0.0
				for _, r := range o.text {
					w += fontMetrics[o.face].width(r) * o.size * ptToMM / 1000
				}
				if o.x < marginX-1e-6 || o.x+w > pageW-marginX+1e-6 || o.y < marginTop || o.y > pageH-10 {
					t.Errorf("%s page %d: %q at x=%.1f..%.1f y=%.1f outside the box", lang, pi+1, o.text, o.x, o.x+w, o.y)
				}
			}
		}
	}
}

func TestLimits(t *testing.T) {
	many := Document{Sections: []Section{{Fields: make([]Field, MaxFields+1)}}}
	if err := Render(io.Discard, many); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many fields: %v", err)
	}
	big := Document{Sections: []Section{{Paragraphs: []string{strings.Repeat("x", MaxTextBytes+1)}}}}
	if err := Render(io.Discard, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too much text: %v", err)
	}
	secs := Document{Sections: make([]Section, MaxSections+1)}
	if err := Render(io.Discard, secs); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many sections: %v", err)
	}
	// within the text limit but more than MaxPages pages
	pages := Document{Sections: []Section{{Paragraphs: []string{strings.Repeat("x\n", 60000)}}}}
	if err := Render(io.Discard, pages); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too many pages: %v", err)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"de": "de", "ls": "de", "ar": "ar", "pt_BR": "pt-BR", "": "", "de) /JS": "", strings.Repeat("a", 40): ""} {
		if got := pdfLang(in); got != want {
			t.Errorf("pdfLang(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]bool{"ar": true, "AR-eg": true, "fa": true, "de": false, "ls": false} {
		if got := rtlLanguages[primaryLang(in)]; got != want {
			t.Errorf("rtl(%q) = %v", in, got)
		}
	}
}

func TestMetaText(t *testing.T) {
	if got := metaText(" A\nB\x00 😀 "); got != "A B \uFFFD" || !utf8.ValidString(got) {
		t.Errorf("metaText = %q", got)
	}
}

// FuzzText drives the text pipeline (clean, bidi, shaping, wrapping,
// reordering) without the PDF writer, which makes it fast enough to fuzz
// deeply: no panic, every character drawn is in the font that draws it,
// and no line is wider than its box unless it holds a single character.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"Müller-Lüdenscheidt", "Ali Özdemir في كولونيا 12، (3 و 5)", "لَا ل\u064Eا ـلاـ",
		"\u202Ex\u2066y", "((((([[[{{{", "abc ابت 123 ثجح def", "\u064E\u0670ب\u200Dب\u200Cب",
		strings.Repeat("كلمة", 50), "a\u0308\u0301\u0327", "\xff\xfe",
	} {
		f.Add(s, uint8(50))
	}
	f.Fuzz(func(t *testing.T, s string, w uint8) {
		mustFonts(t)
		width := float64(w%120) + 0.5
		for _, bold := range []bool{false, true} {
			for _, l := range layoutText(clean(s), bold, 10, width) {
				n := 0
				for _, r := range l.runs {
					for _, c := range r.text {
						n++
						if !fontMetrics[r.face].has(c) {
							t.Fatalf("U+%04X drawn in %s%s, which lacks it", c, r.face.family(), r.face.style())
						}
					}
				}
				if n > 1 && l.width > width+1e-9 {
					t.Fatalf("line of %d characters is %.2f mm wide, box %.2f", n, l.width, width)
				}
			}
		}
	})
}
