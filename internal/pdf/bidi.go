package pdf

import (
	"sort"
	"unicode/utf8"

	"golang.org/x/text/unicode/bidi"
)

// Bidirectional text after UAX #9. golang.org/x/text/unicode/bidi gives
// each character's bidi class and bracket property; its Paragraph type
// reports runs only as left-to-right or right-to-left, which loses the
// levels that reordering a line needs (a number inside Arabic inside a
// German sentence is level 2). So the implicit rules are resolved here.
// Explicit embeddings, overrides and isolates are not supported: clean
// removes those characters, so every paragraph is one isolating run
// sequence.

// maxBracketDepth is BD16's stack limit.
const maxBracketDepth = 63

// resolveLevels returns the embedding level of every rune of one paragraph
// (no line breaks inside) and the paragraph level: 1 if the first strong
// character is right-to-left (P2, P3), else 0 — a paragraph without letters,
// such as a date or a phone number, reads left to right.
func resolveLevels(rs []rune) (levels []uint8, para uint8) {
	n := len(rs)
	orig := make([]bidi.Class, n)
	t := make([]bidi.Class, n)
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		c := p.Class()
		switch c {
		case bidi.B, bidi.S:
			c = bidi.WS
		case bidi.BN, bidi.Control, bidi.LRO, bidi.RLO, bidi.LRE, bidi.RLE, bidi.PDF,
			bidi.LRI, bidi.RLI, bidi.FSI, bidi.PDI:
			// clean removes explicit formatting; anything left is treated
			// like a mark (it takes the class of what precedes it)
			c = bidi.NSM
		}
		orig[i] = c
		t[i] = c
	}
	for _, c := range t {
		if c == bidi.L {
			break
		}
		if c == bidi.R || c == bidi.AL {
			para = 1
			break
		}
	}
	e := bidi.L // embedding direction
	if para == 1 {
		e = bidi.R
	}
	sos, eos := e, e

	// W1: a mark takes the class of the character before it.
	prev := sos
	for i := range t {
		if t[i] == bidi.NSM {
			t[i] = prev
		}
		prev = t[i]
	}
	// W2: European numbers after Arabic letters are Arabic numbers. W3: AL → R.
	last := sos
	for i, c := range t {
		switch c {
		case bidi.L, bidi.R, bidi.AL:
			last = c
		case bidi.EN:
			if last == bidi.AL {
				t[i] = bidi.AN
			}
		}
	}
	for i, c := range t {
		if c == bidi.AL {
			t[i] = bidi.R
		}
	}
	// W4: one separator between two numbers of the same kind joins them.
	for i := 1; i+1 < n; i++ {
		switch {
		case t[i] == bidi.ES && t[i-1] == bidi.EN && t[i+1] == bidi.EN:
			t[i] = bidi.EN
		case t[i] == bidi.CS && t[i-1] == t[i+1] && (t[i-1] == bidi.EN || t[i-1] == bidi.AN):
			t[i] = t[i-1]
		}
	}
	// W5: terminators (%, €, #) next to a European number belong to it.
	for i := 0; i < n; {
		if t[i] != bidi.ET {
			i++
			continue
		}
		j := i
		for j < n && t[j] == bidi.ET {
			j++
		}
		if (i > 0 && t[i-1] == bidi.EN) || (j < n && t[j] == bidi.EN) {
			for k := i; k < j; k++ {
				t[k] = bidi.EN
			}
		}
		i = j
	}
	// W6: other separators and terminators are neutral.
	for i, c := range t {
		if c == bidi.ES || c == bidi.ET || c == bidi.CS {
			t[i] = bidi.ON
		}
	}
	// W7: European numbers in left-to-right context are left-to-right.
	last = sos
	for i, c := range t {
		switch c {
		case bidi.L, bidi.R:
			last = c
		case bidi.EN:
			if last == bidi.L {
				t[i] = bidi.L
			}
		}
	}
	resolveBrackets(rs, orig, t, e, sos)
	// N1, N2: neutrals between two characters of the same direction take it
	// (numbers count as right-to-left); other neutrals take the embedding
	// direction.
	strong := func(c bidi.Class) bidi.Class {
		if c == bidi.EN || c == bidi.AN {
			return bidi.R
		}
		return c
	}
	for i := 0; i < n; {
		if !isNeutral(t[i]) {
			i++
			continue
		}
		j := i
		for j < n && isNeutral(t[j]) {
			j++
		}
		before, after := sos, eos
		if i > 0 {
			before = strong(t[i-1])
		}
		if j < n {
			after = strong(t[j])
		}
		dir := e
		if before == after {
			dir = before
		}
		for k := i; k < j; k++ {
			t[k] = dir
		}
		i = j
	}
	// I1, I2
	levels = make([]uint8, n)
	for i, c := range t {
		l := para
		if para == 0 {
			switch c {
			case bidi.R:
				l++
			case bidi.AN, bidi.EN:
				l += 2
			}
		} else if c == bidi.L || c == bidi.EN || c == bidi.AN {
			l++
		}
		levels[i] = l
	}
	return levels, para
}

func isNeutral(c bidi.Class) bool {
	return c == bidi.ON || c == bidi.WS || c == bidi.B || c == bidi.S || c == bidi.NSM
}

// resolveBrackets applies N0: a pair of brackets takes the direction of
// the text inside it (BD16 pairs them with a stack of 63).
func resolveBrackets(rs []rune, orig, t []bidi.Class, e, sos bidi.Class) {
	type open struct {
		pos   int
		close rune
	}
	var stack []open
	var pairs [][2]int
scan:
	for i, r := range rs {
		if t[i] != bidi.ON {
			continue
		}
		p, _ := bidi.LookupRune(r)
		if !p.IsBracket() {
			continue
		}
		if p.IsOpeningBracket() {
			if len(stack) == maxBracketDepth {
				break scan
			}
			stack = append(stack, open{i, mirror(r)})
			continue
		}
		for k := len(stack) - 1; k >= 0; k-- {
			if stack[k].close == r {
				pairs = append(pairs, [2]int{stack[k].pos, i})
				stack = stack[:k]
				break
			}
		}
	}
	if len(pairs) == 0 {
		return
	}
	sort.Slice(pairs, func(a, b int) bool { return pairs[a][0] < pairs[b][0] })
	dirOf := func(c bidi.Class) bidi.Class {
		switch c {
		case bidi.L:
			return bidi.L
		case bidi.R, bidi.AL, bidi.EN, bidi.AN:
			return bidi.R
		}
		return bidi.ON
	}
	opp := bidi.R
	if e == bidi.R {
		opp = bidi.L
	}
	for _, pr := range pairs {
		o, c := pr[0], pr[1]
		foundE, foundOpp := false, false
		for k := o + 1; k < c; k++ {
			switch dirOf(t[k]) {
			case e:
				foundE = true
			case opp:
				foundOpp = true
			}
		}
		var dir bidi.Class
		switch {
		case foundE:
			dir = e
		case foundOpp:
			ctx := sos
			for k := o - 1; k >= 0; k-- {
				if d := dirOf(t[k]); d != bidi.ON {
					ctx = d
					break
				}
			}
			dir = e
			if ctx == opp {
				dir = opp
			}
		default:
			continue
		}
		for _, b := range [2]int{o, c} {
			t[b] = dir
			for k := b + 1; k < len(t) && orig[k] == bidi.NSM; k++ {
				t[k] = dir
			}
		}
	}
}

// mirrorOnly are characters with Bidi_Mirrored that are not paired brackets.
var mirrorOnly = map[rune]rune{
	'<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹',
	'≤': '≥', '≥': '≤', '∕': '⧵',
}

// mirror returns the mirrored glyph of r for right-to-left runs (L4).
func mirror(r rune) rune {
	if m, ok := mirrorOnly[r]; ok {
		return m
	}
	switch r {
	case '(':
		return ')'
	case ')':
		return '('
	case '[':
		return ']'
	case ']':
		return '['
	case '{':
		return '}'
	case '}':
		return '{'
	}
	if p, _ := bidi.LookupRune(r); p.IsBracket() {
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		m, _ := utf8.DecodeRune(bidi.AppendReverse(nil, buf[:n]))
		return m
	}
	return r
}

// visualOrder returns the indexes of a line's characters from left to
// right (L2: from the highest level down to the lowest odd level, reverse
// every run at that level or higher).
func visualOrder(levels []uint8) []int {
	idx := make([]int, len(levels))
	var hi, lowOdd uint8 = 0, 255
	for i, l := range levels {
		idx[i] = i
		if l > hi {
			hi = l
		}
		if l%2 == 1 && l < lowOdd {
			lowOdd = l
		}
	}
	if lowOdd == 255 {
		return idx
	}
	for lvl := hi; lvl >= lowOdd && lvl > 0; lvl-- {
		for i := 0; i < len(idx); {
			if levels[idx[i]] < lvl {
				i++
				continue
			}
			j := i
			for j < len(idx) && levels[idx[j]] >= lvl {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				idx[a], idx[b] = idx[b], idx[a]
			}
			i = j
		}
	}
	return idx
}
