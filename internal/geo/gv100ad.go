package geo

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Municipality is one record of the official Gemeindeverzeichnis.
type Municipality struct {
	AGS, ARS, Name string
}

// ParseGV100AD reads the Gemeindeverzeichnis of the Statistisches Bundesamt
// in its fixed-width text format GV100AD (file GV100AD_DDMMYYYY.txt from
// destatis.de). Only records of Satzart 60 (Gemeinde) are used:
//
//	columns  1–2   Satzart "60"
//	columns  3–10  Gebietsstand YYYYMMDD
//	columns 11–18  AGS: Land (2), Regierungsbezirk (1), Kreis (2), Gemeinde (3)
//	columns 19–22  Gemeindeverband
//	columns 23–72  name
//
// The ARS is AGS[0:5] + Gemeindeverband + AGS[5:8]. The files come in
// ISO 8859-1 or UTF-8; both are read. At most maxRecords Gemeinden are read,
// so a wrong file cannot exhaust memory (Germany has about 11,000).
func ParseGV100AD(r io.Reader) ([]Municipality, error) {
	const maxRecords = 20000
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 4096)
	var out []Municipality
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) < 2 || string(b[:2]) != "60" {
			continue
		}
		s := toUTF8(b)
		if utf8.RuneCountInString(s) < 72 {
			return nil, fmt.Errorf("gv100ad: line %d: Satzart 60 is shorter than 72 characters", line)
		}
		rs := []rune(s)
		ags, verband := string(rs[10:18]), string(rs[18:22])
		if !digits(ags) || !digits(verband) {
			return nil, fmt.Errorf("gv100ad: line %d: key %q/%q is not numeric", line, ags, verband)
		}
		out = append(out, Municipality{AGS: ags, ARS: ags[:5] + verband + ags[5:], Name: strings.TrimSpace(string(rs[22:72]))})
		if len(out) > maxRecords {
			return nil, fmt.Errorf("gv100ad: more than %d municipalities; is this the right file?", maxRecords)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gv100ad: line %d: %w", line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("gv100ad: no municipality records (Satzart 60) found")
	}
	return out, nil
}

func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c) // ISO 8859-1 maps byte to code point
	}
	return string(rs)
}
