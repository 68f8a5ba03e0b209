package pdf

import (
	"fmt"
	"strconv"
	"strings"
)

// Page geometry and type scale, in millimetres and points.
const (
	pageW      = 210.0
	pageH      = 297.0
	marginX    = 20.0
	marginTop  = 20.0
	footerBase = pageH - 12 // baseline of the footer's last line
	contentW   = pageW - 2*marginX
	gutter     = 5.0
	labelShare = 0.4 // of the content width, for the label column

	sizeTitle    = 18.0
	sizeSubtitle = 12.0
	sizeHeading  = 13.0
	sizeText     = 10.0
	sizeMeta     = 10.0
	sizeFooter   = 8.0
	leading      = 1.45 // line height / font size
	footerLines  = 3    // longer footers are cut
)

var (
	colorText   = [3]uint8{0, 0, 0}
	colorLabel  = [3]uint8{64, 64, 64}
	colorMuted  = [3]uint8{90, 90, 90}
	colorRule   = [3]uint8{200, 200, 200}
	colorStrong = [3]uint8{40, 40, 40}
)

type opKind uint8

const (
	opText opKind = iota
	opRule
)

// op is one drawing operation. Inside a band, y is relative to the band's
// top; on a page it is absolute. For text, y is the baseline; for a rule,
// size is the line width and the rule runs from x to x2.
type op struct {
	kind     opKind
	face     face
	size     float64
	color    [3]uint8
	x, y, x2 float64
	text     string
	notAtTop bool // a divider that is left out at the top of a page
}

// band is an unbreakable horizontal strip: one line of text, or one line
// of a label/value row with both columns.
type band struct {
	h   float64
	ops []op
}

// block is a sequence of bands that the pagination may break between.
type block struct {
	bands    []band
	before   float64 // space above, dropped at the top of a page
	keep     bool    // start on a new page rather than break, if it fits on one
	withNext bool    // never the last thing on a page (headings)
	orphans  int     // at least this many bands before a page break
	widows   int     // and after it
}

func (b *block) height() float64 { return bandsHeight(b.bands) }

func bandsHeight(bs []band) float64 {
	h := 0.0
	for _, b := range bs {
		h += b.h
	}
	return h
}

type page struct{ ops []op }

// style of a text box.
type style struct {
	bold  bool
	size  float64
	color [3]uint8
}

func (s style) lineHeight() float64 { return s.size * leading * ptToMM }

// baseline is the distance from the top of a line box to the baseline
// (Noto Sans: ascender 1.069 em, descender 0.293 em, centred in the box).
func (s style) baseline() float64 {
	em := s.size * ptToMM
	return (s.lineHeight()-1.362*em)/2 + 1.069*em
}

type layouter struct {
	rtl  bool
	used [numFaces]bool
}

// textOps lays out s in a box of the given width at x and returns one slice
// of ops per line (baseline relative to the line's top), aligned to the
// right in right-to-left documents (the other way round with alignEnd).
func (l *layouter) textOps(s string, st style, x, width float64, alignEnd ...bool) [][]op {
	lines := layoutText(s, st.bold, st.size, width)
	out := make([][]op, len(lines))
	right := l.rtl
	if len(alignEnd) > 0 && alignEnd[0] {
		right = !right
	}
	for i, tl := range lines {
		left := x
		if right {
			left = x + width - tl.width
		}
		for _, r := range tl.runs {
			l.used[r.face] = true
			out[i] = append(out[i], op{kind: opText, face: r.face, size: st.size, color: st.color,
				x: left + r.x, y: st.baseline(), text: r.text})
		}
	}
	return out
}

// textBlock is a paragraph: one band per line.
func (l *layouter) textBlock(s string, st style, before float64) block {
	b := block{before: before, orphans: 2, widows: 2}
	for _, ops := range l.textOps(s, st, marginX, contentW) {
		b.bands = append(b.bands, band{h: st.lineHeight(), ops: ops})
	}
	return b
}

// row is a label/value pair in two columns (label on the left, or on the
// right in right-to-left documents), one band per line. Both columns use
// the same line height, so a page break between bands never cuts a line.
func (l *layouter) row(f Field, label, value style, divider bool) block {
	const pad = 1.3
	labelW := contentW*labelShare - gutter
	valueW := contentW - contentW*labelShare
	labelX, valueX := marginX, marginX+contentW*labelShare
	if l.rtl {
		labelX, valueX = marginX+valueW+gutter, marginX
	}
	lv := clean(f.Value)
	if strings.TrimSpace(lv) == "" {
		lv = "–"
	}
	ll := l.textOps(clean(f.Label), label, labelX, labelW)
	vl := l.textOps(lv, value, valueX, valueW)
	n := max(len(ll), len(vl))
	lh := max(label.lineHeight(), value.lineHeight())
	b := block{keep: true, orphans: 2, widows: 2}
	for i := 0; i < n; i++ {
		bd := band{h: lh}
		dy := 0.0
		if i == 0 {
			bd.h += pad
			dy = pad
			if divider {
				bd.ops = append(bd.ops, op{kind: opRule, size: 0.2, color: colorRule,
					x: marginX, x2: marginX + contentW, y: 0, notAtTop: true})
			}
		}
		if i == n-1 {
			bd.h += pad
		}
		for _, cols := range [2][][]op{ll, vl} {
			if i < len(cols) {
				for _, o := range cols[i] {
					o.y += dy
					bd.ops = append(bd.ops, o)
				}
			}
		}
		b.bands = append(b.bands, bd)
	}
	return b
}

func ruleBlock(before, after float64, color [3]uint8, width float64) block {
	return block{before: before, bands: []band{{h: after, ops: []op{{kind: opRule, size: width, color: color,
		x: marginX, x2: marginX + contentW, y: 0, notAtTop: true}}}}}
}

// layout turns the document into pages of drawing operations.
func layout(d Document) ([]page, [numFaces]bool, error) {
	l := &layouter{rtl: rtlLanguages[primaryLang(d.Lang)]}
	var blocks []block

	title := style{bold: true, size: sizeTitle, color: colorText}
	sub := style{size: sizeSubtitle, color: colorMuted}
	if t := clean(d.Title); strings.TrimSpace(t) != "" {
		b := l.textBlock(t, title, 0)
		b.keep, b.withNext = true, true
		blocks = append(blocks, b)
	}
	if s := clean(d.Subtitle); strings.TrimSpace(s) != "" {
		b := l.textBlock(s, sub, 1)
		b.keep, b.withNext = true, true
		blocks = append(blocks, b)
	}
	if len(d.Meta) > 0 {
		ml := style{size: sizeMeta, color: colorLabel}
		mv := style{bold: true, size: sizeMeta, color: colorText}
		for i, f := range d.Meta {
			b := l.row(f, ml, mv, false)
			if i == 0 {
				b.before = 4
			}
			blocks = append(blocks, b)
		}
		blocks = append(blocks, ruleBlock(2, 1, colorMuted, 0.35))
	}

	heading := style{bold: true, size: sizeHeading, color: colorStrong}
	note := style{size: sizeText, color: colorMuted}
	label := style{size: sizeText, color: colorLabel}
	value := style{size: sizeText, color: colorText}
	text := style{size: sizeText, color: colorText}
	for _, s := range d.Sections {
		hb := block{before: 7, keep: true, withNext: true}
		if h := clean(s.Heading); strings.TrimSpace(h) != "" {
			for _, ops := range l.textOps(h, heading, marginX, contentW) {
				hb.bands = append(hb.bands, band{h: heading.lineHeight(), ops: ops})
			}
			last := &hb.bands[len(hb.bands)-1]
			last.h += 1.5
			last.ops = append(last.ops, op{kind: opRule, size: 0.3, color: colorMuted,
				x: marginX, x2: marginX + contentW, y: heading.lineHeight() + 0.6})
		}
		if n := clean(s.Note); strings.TrimSpace(n) != "" {
			if len(hb.bands) > 0 {
				hb.bands = append(hb.bands, band{h: 1.5})
			}
			for _, ops := range l.textOps(n, note, marginX, contentW) {
				hb.bands = append(hb.bands, band{h: note.lineHeight(), ops: ops})
			}
		}
		if len(hb.bands) > 0 {
			blocks = append(blocks, hb)
		} else {
			blocks = append(blocks, block{before: 4, bands: []band{{h: 0}}})
		}
		for i, f := range s.Fields {
			b := l.row(f, label, value, i > 0)
			if i == 0 {
				b.before = 1
			}
			blocks = append(blocks, b)
		}
		for _, p := range s.Paragraphs {
			if p := clean(p); strings.TrimSpace(p) != "" {
				blocks = append(blocks, l.textBlock(p, text, 2))
			}
		}
	}

	// The footer: its text on one side, the page label on the other.
	fs := style{size: sizeFooter, color: colorMuted}
	labelW := contentW * 0.3
	footW := contentW - labelW - gutter
	footX, labelX := marginX, marginX+contentW-labelW
	if l.rtl {
		footX, labelX = marginX+labelW+gutter, marginX
	}
	foot := l.textOps(clean(d.Footer), fs, footX, footW)
	if len(foot) > footerLines {
		foot = foot[:footerLines]
	}
	if len(foot) == 1 && len(foot[0]) == 0 {
		foot = nil
	}
	footTop := footerBase - fs.baseline() - float64(max(len(foot), 1)-1)*fs.lineHeight()
	bottom := footTop - 6

	pages := paginate(blocks, marginTop, bottom)
	if len(pages) > MaxPages {
		return nil, l.used, fmt.Errorf("%w: more than %d pages", ErrTooLarge, MaxPages)
	}
	for i := range pages {
		pg := &pages[i]
		pg.ops = append(pg.ops, op{kind: opRule, size: 0.2, color: colorRule,
			x: marginX, x2: marginX + contentW, y: footTop - 3})
		for k, ops := range foot {
			for _, o := range ops {
				o.y += footTop + float64(k)*fs.lineHeight()
				pg.ops = append(pg.ops, o)
			}
		}
		pl := pageLabel(d.PageLabel, i+1, len(pages))
		if lines := l.textOps(clean(pl), fs, labelX, labelW, true); len(lines) > 0 {
			for _, o := range lines[0] {
				o.y += footTop
				pg.ops = append(pg.ops, o)
			}
		}
	}
	return pages, l.used, nil
}

func pageLabel(fn func(page, total int) string, p, total int) string {
	if fn != nil {
		if s := fn(p, total); s != "" {
			return truncateRunes(s, 200)
		}
	}
	return strconv.Itoa(p) + " / " + strconv.Itoa(total)
}

// paginate places blocks on pages between top and bottom: a block that
// does not fit moves to the next page if it is marked keep and fits on
// one; otherwise it breaks between bands, leaving at least orphans bands
// before and widows bands after the break. A block marked withNext moves
// along with the beginning of the block after it.
func paginate(blocks []block, top, bottom float64) []page {
	pages := []page{{}}
	y := top
	fresh := true
	full := bottom - top
	newPage := func() {
		pages = append(pages, page{})
		y = top
		fresh = true
	}
	place := func(bs []band) {
		pg := &pages[len(pages)-1]
		for _, b := range bs {
			for _, o := range b.ops {
				if o.notAtTop && fresh {
					continue
				}
				o.y += y
				pg.ops = append(pg.ops, o)
			}
			y += b.h
			fresh = false
		}
	}
	// start is how much of a block must stay together at its beginning.
	start := func(b *block) float64 {
		if b.keep && b.height() <= full {
			return b.before + b.height()
		}
		n := min(max(b.orphans, 1), len(b.bands))
		return b.before + bandsHeight(b.bands[:n])
	}
	for i := range blocks {
		b := &blocks[i]
		bands := b.bands
		first := true
		for len(bands) > 0 {
			before := 0.0
			if first && !fresh {
				before = b.before
			}
			h := bandsHeight(bands)
			next := 0.0
			if b.withNext {
				for k := i + 1; k < len(blocks); k++ {
					// headings in a row (empty sections) travel together
					next += start(&blocks[k])
					if !blocks[k].withNext {
						break
					}
				}
			}
			avail := bottom - y
			if before+h+next <= avail {
				y += before
				place(bands)
				break
			}
			if (b.keep || b.withNext) && !fresh && h+next <= full {
				newPage()
				continue
			}
			// break the block: as many bands as fit
			k := 0
			for room := avail - before; k < len(bands) && bands[k].h <= room; k++ {
				room -= bands[k].h
			}
			if first && k < b.orphans && !fresh {
				newPage()
				continue
			}
			if len(bands)-k < b.widows && len(bands) > b.widows {
				k = len(bands) - b.widows
			}
			if k < 1 || (first && k < b.orphans) {
				if !fresh {
					newPage()
					continue
				}
				k = max(k, 1)
			}
			if k >= len(bands) {
				y += before
				place(bands)
				break
			}
			y += before
			place(bands[:k])
			bands = bands[k:]
			first = false
			newPage()
		}
	}
	return pages
}
