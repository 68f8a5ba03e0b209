package pdf

// Arabic shaping by mapping letters to the Arabic Presentation Forms
// (U+FB50–U+FDFF, U+FE70–U+FEFF), which the embedded Noto Sans Arabic maps
// in its cmap. fpdf draws characters one by one through the cmap and knows
// no OpenType features, so a letter's contextual form (isolated, final,
// initial, medial) and the lam-alef ligatures have to be characters of
// their own. The joining rules are those of Unicode's ArabicShaping.txt
// (joining types R, D, C, T, U); mark positioning (GPOS) is not done, so
// harakat sit at a fixed place over or under their letter.

// arabicForms holds the presentation forms of a letter: isolated, final,
// initial, medial. A right-joining letter (alef, dal, reh, waw …) has only
// the first two.
type arabicForms [4]rune

const (
	formIsolated = iota
	formFinal
	formInitial
	formMedial
)

// right-joining letters: isolated and final form.
func rj(iso rune) arabicForms { return arabicForms{iso, iso + 1} }

// dual-joining letters: four consecutive forms.
func dj(iso rune) arabicForms { return arabicForms{iso, iso + 1, iso + 2, iso + 3} }

var arabicLetters = map[rune]arabicForms{
	0x0621: {0xFE80},                         // hamza (non-joining)
	0x0622: rj(0xFE81),                       // alef with madda above
	0x0623: rj(0xFE83),                       // alef with hamza above
	0x0624: rj(0xFE85),                       // waw with hamza above
	0x0625: rj(0xFE87),                       // alef with hamza below
	0x0626: dj(0xFE89),                       // yeh with hamza above
	0x0627: rj(0xFE8D),                       // alef
	0x0628: dj(0xFE8F),                       // beh
	0x0629: rj(0xFE93),                       // teh marbuta
	0x062A: dj(0xFE95),                       // teh
	0x062B: dj(0xFE99),                       // theh
	0x062C: dj(0xFE9D),                       // jeem
	0x062D: dj(0xFEA1),                       // hah
	0x062E: dj(0xFEA5),                       // khah
	0x062F: rj(0xFEA9),                       // dal
	0x0630: rj(0xFEAB),                       // thal
	0x0631: rj(0xFEAD),                       // reh
	0x0632: rj(0xFEAF),                       // zain
	0x0633: dj(0xFEB1),                       // seen
	0x0634: dj(0xFEB5),                       // sheen
	0x0635: dj(0xFEB9),                       // sad
	0x0636: dj(0xFEBD),                       // dad
	0x0637: dj(0xFEC1),                       // tah
	0x0638: dj(0xFEC5),                       // zah
	0x0639: dj(0xFEC9),                       // ain
	0x063A: dj(0xFECD),                       // ghain
	0x0641: dj(0xFED1),                       // feh
	0x0642: dj(0xFED5),                       // qaf
	0x0643: dj(0xFED9),                       // kaf
	0x0644: dj(0xFEDD),                       // lam
	0x0645: dj(0xFEE1),                       // meem
	0x0646: dj(0xFEE5),                       // noon
	0x0647: dj(0xFEE9),                       // heh
	0x0648: rj(0xFEED),                       // waw
	0x0649: {0xFEEF, 0xFEF0, 0xFBE8, 0xFBE9}, // alef maksura (dual-joining; initial and medial in Forms-A)
	0x064A: dj(0xFEF1),                       // yeh
	0x0671: rj(0xFB50),                       // alef wasla
	0x0679: dj(0xFB66),                       // tteh (Urdu)
	0x067E: dj(0xFB56),                       // peh (Persian)
	0x0686: dj(0xFB7A),                       // tcheh (Persian)
	0x0688: rj(0xFB88),                       // ddal (Urdu)
	0x0691: rj(0xFB8C),                       // rreh (Urdu)
	0x0698: rj(0xFB8A),                       // jeh (Persian)
	0x06A4: dj(0xFB6A),                       // veh
	0x06A9: dj(0xFB8E),                       // keheh (Persian kaf)
	0x06AF: dj(0xFB92),                       // gaf (Persian)
	0x06BA: rj(0xFB9E),                       // noon ghunna (Urdu; only isolated and final exist)
	0x06BE: dj(0xFBAA),                       // heh doachashmee (Urdu)
	0x06C1: dj(0xFBA6),                       // heh goal (Urdu)
	0x06CC: dj(0xFBFC),                       // farsi yeh
	0x06D2: rj(0xFBAE),                       // yeh barree (Urdu)
}

// lamAlef maps the alef that follows a lam to the ligature's isolated form
// (the final form is the next code point).
var lamAlef = map[rune]rune{
	0x0622: 0xFEF5,
	0x0623: 0xFEF7,
	0x0625: 0xFEF9,
	0x0627: 0xFEFB,
}

type joining uint8

const (
	joinNone        joining = iota // U: does not join (also every non-Arabic character)
	joinRight                      // R: joins the letter before it only
	joinDual                       // D: joins both sides
	joinCausing                    // C: tatweel, ZWJ
	joinTransparent                // T: marks; skipped when looking for neighbours
)

func joiningType(r rune) joining {
	if f, ok := arabicLetters[r]; ok {
		switch {
		case f[formInitial] != 0:
			return joinDual
		case f[formFinal] != 0:
			return joinRight
		default:
			return joinNone
		}
	}
	switch {
	case r == 0x0640 || r == 0x200D: // tatweel, zero width joiner
		return joinCausing
	case r >= 0x0610 && r <= 0x061A, r >= 0x064B && r <= 0x065F, r == 0x0670,
		r >= 0x06D6 && r <= 0x06DC, r >= 0x06DF && r <= 0x06E4,
		r >= 0x06E7 && r <= 0x06E8, r >= 0x06EA && r <= 0x06ED:
		return joinTransparent
	}
	return joinNone
}

// isArabicScript reports whether r needs the Arabic font.
func isArabicScript(r rune) bool {
	return (r >= 0x0600 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) ||
		(r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r < 0xFEFF)
}

// shapeArabic replaces the Arabic letters of one paragraph (logical order)
// by their contextual presentation forms and lam + alef by the ligature.
// src reports for every output rune the input index it came from, so the
// caller can carry bidi levels over; a lam-alef ligature keeps the lam's.
// has tells whether the font has a form; letters whose form is missing stay
// as they are.
func shapeArabic(in []rune, has func(rune) bool) (out []rune, src []int) {
	out = make([]rune, 0, len(in))
	src = make([]int, 0, len(in))
	jt := make([]joining, len(in))
	arabic := false
	for i, r := range in {
		jt[i] = joiningType(r)
		if jt[i] != joinNone {
			arabic = true
		}
	}
	if !arabic {
		for i, r := range in {
			out = append(out, r)
			src = append(src, i)
		}
		return out, src
	}
	// prev and next non-transparent neighbours
	prevJoins := func(i int) bool { // does the character before i join towards i?
		for k := i - 1; k >= 0; k-- {
			if jt[k] == joinTransparent {
				continue
			}
			return jt[k] == joinDual || jt[k] == joinCausing
		}
		return false
	}
	nextIdx := func(i int) int {
		for k := i + 1; k < len(in); k++ {
			if jt[k] != joinTransparent {
				return k
			}
		}
		return -1
	}
	for i := 0; i < len(in); i++ {
		r := in[i]
		forms, ok := arabicLetters[r]
		if !ok {
			out = append(out, r)
			src = append(src, i)
			continue
		}
		joinsPrev := (jt[i] == joinRight || jt[i] == joinDual) && prevJoins(i)
		n := nextIdx(i)
		if lig, ok := lamAlef[at(in, n)]; ok && r == 0x0644 {
			if joinsPrev {
				lig++ // final form of the ligature
			}
			if has(lig) {
				out = append(out, lig)
				src = append(src, i)
				// marks between lam and alef follow the ligature
				for k := i + 1; k < n; k++ {
					out = append(out, in[k])
					src = append(src, k)
				}
				i = n // the alef is part of the ligature
				continue
			}
		}
		joinsNext := jt[i] == joinDual && n >= 0 &&
			(jt[n] == joinRight || jt[n] == joinDual || jt[n] == joinCausing)
		form := formIsolated
		switch {
		case joinsPrev && joinsNext:
			form = formMedial
		case joinsPrev:
			form = formFinal
		case joinsNext:
			form = formInitial
		}
		g := forms[form]
		if g == 0 || !has(g) {
			// fall back to a form that exists: medial → final, initial → isolated
			switch form {
			case formMedial:
				g = forms[formFinal]
			case formInitial:
				g = forms[formIsolated]
			}
			if g == 0 || !has(g) {
				g = r
			}
		}
		out = append(out, g)
		src = append(src, i)
	}
	return out, src
}

// at returns rs[i], or 0 outside the slice.
func at(rs []rune, i int) rune {
	if i < 0 || i >= len(rs) {
		return 0
	}
	return rs[i]
}
