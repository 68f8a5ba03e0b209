package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Limits. They keep a careless or hostile upload from tying up memory and
// time; real lists of centres and counsellors are far below them.
const (
	MaxFileBytes = 5 << 20 // larger input: ErrTooLarge
	MaxRows      = 20000   // more data rows: ErrTooManyRows
	MaxCellRunes = 2000    // longer cell: a RowProblem on that row, not a fatal error

	// maxColumns bounds the header, and with it the size of every row's
	// Values map.
	maxColumns = 1000
	// maxRecordCells is the number of columns Excel and LibreOffice have
	// (A to XFD). A longer row cannot come from a spreadsheet, and parsing
	// it would cost hundreds of megabytes: a 5 MB line of ";" alone is five
	// million cells.
	maxRecordCells = 16384
)

// Sentinel errors; test with errors.Is. ErrNotCSV is returned wrapped with a
// detail that tells staff what the file is and how to save it as CSV.
var (
	ErrTooLarge    = fmt.Errorf("csvio: Die Datei ist größer als %d MB (file larger than %d MB)", MaxFileBytes>>20, MaxFileBytes>>20)
	ErrTooManyRows = fmt.Errorf("csvio: Die Datei hat mehr als %d Datenzeilen (more than %d data rows)", MaxRows, MaxRows)
	ErrNotCSV      = errors.New("csvio: keine CSV-Datei (not a CSV file)")
	ErrNoHeader    = errors.New("csvio: Die Datei ist leer, es fehlt die Kopfzeile mit den Spaltenüberschriften (empty file, no header row)")
)

// Encoding names reported in Table.Encoding.
const (
	encUTF8    = "UTF-8"
	encUTF8BOM = "UTF-8 mit BOM"
	enc1252    = "Windows-1252"
)

// Table is a parsed file.
type Table struct {
	Header    []string // as in the file, trimmed; BOM removed
	Rows      []Row
	Encoding  string // "UTF-8", "UTF-8 mit BOM" or "Windows-1252"
	Delimiter rune   // ';', ',' or '\t'
	// Problems lists rows that were read with a defect or skipped, in
	// line order. An importer should show them to the user before saving.
	Problems []RowProblem
}

// Row is one data row.
type Row struct {
	Line int // 1-based line number in the file where the row starts (header is line 1)
	// Values maps the header name (lower-cased, trimmed) to the cell value
	// (trimmed; internal newlines kept as "\n"). Every header name is present;
	// cells missing at the end of a short row are "". An apostrophe that
	// Writer (or another exporter) put in front of a formula-like value is
	// removed again, so "'+49 221" imports as "+49 221".
	Values map[string]string
	Cells  []string // raw cells in order
}

// RowProblem is a defect in one row that does not stop the import of the
// others. Column is the header name as in the file, or "" when the problem
// concerns the whole row. Msg is plain German for back-office staff.
type RowProblem struct {
	Line   int
	Column string
	Msg    string
}

// ParseError is a quoting error that makes the rest of the file unreadable,
// or one in the header. Line is where the broken row starts.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("csvio: Zeile %d: %s", e.Line, e.Msg) }

// HeaderError is a header row that cannot be used to name the columns
// (duplicate or missing names).
type HeaderError struct {
	Msg string
}

func (e *HeaderError) Error() string { return "csvio: Kopfzeile: " + e.Msg }

// Read parses r. It reads at most MaxFileBytes+1 bytes.
//
// The result is nil with an error for a file that is not a usable table as
// a whole (see the sentinel errors, *ParseError, *HeaderError). Defects of
// single rows are in Table.Problems instead.
func Read(r io.Reader) (*Table, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("csvio: Datei konnte nicht gelesen werden: %w", err)
	}
	if len(raw) > MaxFileBytes {
		return nil, ErrTooLarge
	}
	if detail := sniffBinary(raw); detail != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotCSV, detail)
	}
	text, enc := decode(raw)
	if detail := sniffMarkup(text); detail != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotCSV, detail)
	}
	// "CSV (Macintosh)" from older Mac Excel ends lines with a bare CR,
	// which encoding/csv does not treat as a line end.
	if !strings.Contains(text, "\n") {
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	text, sep := cutSepLine(text)
	delim, err := detectDelimiter(text)
	if sep != 0 && !errors.Is(err, ErrNoHeader) {
		delim, err = sep, nil
	}
	if err != nil {
		return nil, err
	}

	if err := checkWidth(text, delim); err != nil {
		return nil, err
	}

	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false

	t := &Table{Encoding: enc, Delimiter: delim}
	var keys []string // lower-cased header names; nil until the header is read
	dataRows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("csvio: %w", err)
			}
			// A broken quote confined to one line leaves the reader at the
			// next line, so the other rows are still trustworthy. One that
			// spans lines has swallowed rows into a cell; importing what
			// follows would silently lose them.
			if keys == nil || (errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line) {
				return nil, &ParseError{Line: pe.StartLine, Msg: quoteMsg(pe, keys == nil)}
			}
			dataRows++
			if dataRows > MaxRows {
				return nil, ErrTooManyRows
			}
			t.Problems = append(t.Problems, RowProblem{Line: pe.StartLine, Msg: quoteMsg(pe, false)})
			continue
		}
		if allEmpty(rec) {
			// Excel writes ";;;" for rows that were only formatted.
			continue
		}
		line, _ := cr.FieldPos(0)
		if keys == nil {
			t.Header, keys, err = parseHeader(rec)
			if err != nil {
				return nil, err
			}
			continue
		}
		dataRows++
		if dataRows > MaxRows {
			return nil, ErrTooManyRows
		}
		t.Rows = append(t.Rows, makeRow(t, rec, line, keys))
	}
	if keys == nil {
		return nil, ErrNoHeader
	}
	return t, nil
}

func makeRow(t *Table, rec []string, line int, keys []string) Row {
	// Cells left empty at the end are Excel's doing (a column once
	// formatted), not data, so they do not count as extra columns.
	n := len(rec)
	for n > 0 && strings.TrimSpace(rec[n-1]) == "" {
		n--
	}
	if n > len(keys) {
		t.Problems = append(t.Problems, RowProblem{
			Line: line,
			Msg:  fmt.Sprintf("Zu viele Spalten (%d statt %d).", n, len(keys)),
		})
	}
	values := make(map[string]string, len(keys))
	for i, k := range keys {
		v := ""
		if i < len(rec) {
			v = cleanValue(rec[i])
		}
		if c := utf8.RuneCountInString(v); c > MaxCellRunes {
			t.Problems = append(t.Problems, RowProblem{
				Line:   line,
				Column: t.Header[i],
				Msg:    fmt.Sprintf("Der Text in der Spalte „%s“ ist zu lang (%d statt höchstens %d Zeichen).", t.Header[i], c, MaxCellRunes),
			})
		}
		values[k] = v
	}
	return Row{Line: line, Values: values, Cells: rec}
}

// cleanValue trims a cell and undoes the formula guard of SafeCell, so that
// an exported list can be edited and imported again without apostrophes
// piling up in front of phone numbers and negative amounts.
func cleanValue(s string) string {
	if strings.HasPrefix(s, "'") && needsApostrophe(s[1:]) {
		s = s[1:]
	}
	return strings.TrimSpace(s)
}

func allEmpty(rec []string) bool {
	for _, c := range rec {
		if cleanValue(c) != "" {
			return false
		}
	}
	return true
}

func parseHeader(rec []string) (header, keys []string, err error) {
	header = make([]string, len(rec))
	for i, c := range rec {
		header[i] = cleanValue(c)
	}
	// A second BOM (some tools add one to a file that already has it)
	// would otherwise become part of the first column name.
	header[0] = strings.TrimSpace(strings.TrimLeft(header[0], "\uFEFF"))
	n := len(header)
	for n > 0 && header[n-1] == "" {
		n--
	}
	header = header[:n]
	if n == 0 {
		return nil, nil, ErrNoHeader // the row held nothing but BOMs
	}
	if n > maxColumns {
		return nil, nil, &HeaderError{Msg: fmt.Sprintf("Die Kopfzeile hat %d Spalten, höchstens %d sind möglich.", n, maxColumns)}
	}

	var unnamed []string
	for i, h := range header {
		if h == "" {
			unnamed = append(unnamed, columnName(i))
		}
		if c := utf8.RuneCountInString(h); c > MaxCellRunes {
			return nil, nil, &HeaderError{Msg: fmt.Sprintf("Die Überschrift der Spalte %s ist zu lang (%d Zeichen). Ist die erste Zeile wirklich die Kopfzeile?", columnName(i), c)}
		}
	}
	if len(unnamed) > 0 {
		return nil, nil, &HeaderError{Msg: fmt.Sprintf("%s ohne Überschrift. Bitte jeder Spalte in der ersten Zeile einen Namen geben.", plural(unnamed, "Spalte", "Spalten"))}
	}

	keys = make([]string, n)
	cols := make(map[string][]string, n) // key -> column letters
	var order []string
	for i, h := range header {
		k := strings.ToLower(h)
		keys[i] = k
		if len(cols[k]) == 1 {
			order = append(order, k)
		}
		cols[k] = append(cols[k], columnName(i))
	}
	if len(order) > 0 {
		more := ""
		if len(order) > 5 {
			more = fmt.Sprintf(" und %d weitere", len(order)-5)
			order = order[:5]
		}
		parts := make([]string, len(order))
		for i, k := range order {
			first := header[indexOf(keys, k)]
			parts[i] = fmt.Sprintf("„%s“ (%s)", first, plural(cols[k], "Spalte", "Spalten"))
		}
		return nil, nil, &HeaderError{Msg: "Doppelte Spaltenüberschrift: " + strings.Join(parts, ", ") + more + ". Jede Überschrift darf nur einmal vorkommen."}
	}
	return header, keys, nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// plural renders "Spalte C" or "Spalten A, C und F". Long lists are cut,
// since a message listing hundreds of columns helps nobody.
func plural(items []string, one, many string) string {
	const show = 5
	switch {
	case len(items) == 1:
		return one + " " + items[0]
	case len(items) > show+1:
		return fmt.Sprintf("%s %s und %d weitere", many, strings.Join(items[:show], ", "), len(items)-show)
	}
	return many + " " + strings.Join(items[:len(items)-1], ", ") + " und " + items[len(items)-1]
}

// columnName gives the column letter that Excel and LibreOffice show, which
// staff find faster than a number.
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

func quoteMsg(pe *csv.ParseError, header bool) string {
	where := "Die Zeile wurde übersprungen."
	if header {
		where = "Die Kopfzeile ist nicht lesbar."
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return "Ein Anführungszeichen (\") steht mitten in einer Zelle. Anführungszeichen im Text müssen verdoppelt und die Zelle in Anführungszeichen gesetzt werden. " + where
	case pe.StartLine != pe.Line:
		return fmt.Sprintf("Ein Anführungszeichen (\") wird nicht richtig geschlossen (bemerkt in Zeile %d). Ab hier ist die Datei nicht lesbar.", pe.Line)
	default:
		return "Ein Anführungszeichen (\") wird nicht richtig geschlossen, oder nach dem schließenden Anführungszeichen folgt kein Trennzeichen. " + where
	}
}

// decode turns the file into valid UTF-8. Without a BOM, bytes that are not
// valid UTF-8 mean the file was saved as plain "CSV" by Excel, which writes
// the Windows code page; guessing anything else (Latin-1, Mac Roman) would
// be wrong more often for German offices.
func decode(raw []byte) (string, string) {
	if rest, ok := bytes.CutPrefix(raw, []byte("\xEF\xBB\xBF")); ok {
		return string(bytes.ToValidUTF8(rest, []byte("\uFFFD"))), encUTF8BOM
	}
	if utf8.Valid(raw) {
		return string(raw), encUTF8
	}
	// Byte by byte rather than through a transform.Transformer: every byte
	// maps to one rune, and a grown-once builder keeps a 5 MB file from
	// costing many times its size in reallocations.
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/4)
	for _, c := range raw {
		if c < utf8.RuneSelf {
			b.WriteByte(c)
		} else {
			b.WriteRune(charmap.Windows1252.DecodeByte(c))
		}
	}
	return b.String(), enc1252
}

const saveAsCSV = "Bitte in Excel „Speichern unter → CSV UTF-8“ wählen. (In Excel, choose “Save As → CSV UTF-8”.)"

var signatures = []struct {
	prefix string
	detail string
}{
	{"%PDF", "Die Datei ist ein PDF-Dokument, keine CSV-Datei. (This is a PDF document, not a CSV file.) " + saveAsCSV},
	{"PK\x03\x04", "Die Datei ist eine Excel-Arbeitsmappe (.xlsx), keine CSV-Datei. (This is an Excel workbook (.xlsx), not a CSV file.) " + saveAsCSV},
	{"\xD0\xCF\x11\xE0", "Die Datei ist eine alte Excel-Arbeitsmappe (.xls), keine CSV-Datei. (This is an old Excel workbook (.xls), not a CSV file.) " + saveAsCSV},
	{"\x89PNG\r\n\x1A\n", "Die Datei ist ein Bild (PNG), keine CSV-Datei. (This is an image (PNG), not a CSV file.) " + saveAsCSV},
	{"\xFF\xD8\xFF", "Die Datei ist ein Bild (JPEG), keine CSV-Datei. (This is an image (JPEG), not a CSV file.) " + saveAsCSV},
	// Excel's "Unicode-Text" is UTF-16; it is offered right next to the CSV
	// formats and easily picked by mistake.
	{"\xFF\xFE", "Die Datei ist als „Unicode-Text“ (UTF-16) gespeichert, keine CSV-Datei. (The file is saved as “Unicode Text” (UTF-16), not as CSV.) " + saveAsCSV},
	{"\xFE\xFF", "Die Datei ist als „Unicode-Text“ (UTF-16) gespeichert, keine CSV-Datei. (The file is saved as “Unicode Text” (UTF-16), not as CSV.) " + saveAsCSV},
}

const odsDetail = "Die Datei ist eine LibreOffice-Tabelle (.ods), keine CSV-Datei. Bitte in LibreOffice „Datei → Speichern unter → Text CSV (.csv)“ mit Zeichensatz „Unicode (UTF-8)“ wählen. (This is a LibreOffice spreadsheet (.ods), not a CSV file. In LibreOffice, choose “File → Save As → Text CSV (.csv)” with character set “Unicode (UTF-8)”.)"

// sniffBinary returns a user-facing detail if raw is not text at all.
func sniffBinary(raw []byte) string {
	for _, s := range signatures {
		if bytes.HasPrefix(raw, []byte(s.prefix)) {
			// An .ods is a ZIP too; its first entry names the type in
			// plain text, and the advice for LibreOffice differs.
			if s.prefix == "PK\x03\x04" && bytes.Contains(raw[:min(len(raw), 200)], []byte("application/vnd.oasis.opendocument.spreadsheet")) {
				return odsDetail
			}
			return s.detail
		}
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		return "Die Datei enthält Binärdaten und ist keine CSV-Datei. (The file contains binary data and is not a CSV file.) " + saveAsCSV
	}
	return ""
}

// sniffMarkup catches text formats that would otherwise parse as a one-row
// table of tag soup: Excel's "Webseite" and "XML-Kalkulationstabelle 2003",
// and Word documents saved as RTF.
func sniffMarkup(text string) string {
	head := strings.ToLower(strings.TrimSpace(text[:min(len(text), 64)]))
	head = strings.TrimLeft(head, "\uFEFF")
	switch {
	case strings.HasPrefix(head, "<?xml"), strings.HasPrefix(head, "<!doctype html"), strings.HasPrefix(head, "<html"):
		return "Die Datei ist eine HTML- oder XML-Datei, keine CSV-Datei. (This is an HTML or XML file, not a CSV file.) " + saveAsCSV
	case strings.HasPrefix(head, `{\rtf`):
		return "Die Datei ist ein Textdokument (RTF), keine CSV-Datei. (This is an RTF document, not a CSV file.) " + saveAsCSV
	}
	return ""
}

// cutSepLine handles the line "sep=;" that some exporters put first and
// that Excel obeys: it names the separator and is not the header. The line
// is blanked rather than removed so that line numbers stay those of the file.
func cutSepLine(text string) (string, rune) {
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimSuffix(first, "\r")
	if len(first) == len("sep=;") && strings.EqualFold(first[:4], "sep=") {
		switch c := rune(first[4]); c {
		case ';', ',', '\t':
			return "\n" + rest, c
		}
	}
	return text, 0
}

// detectDelimiter picks the separator the header line uses most often,
// outside quotes. Blank lines and lines of separators only (";;;") before the
// header are passed over, as the parser skips them too.
func detectDelimiter(text string) (rune, error) {
	counts, content, open := headerCounts(text, true)
	if open {
		// An unclosed quote in the header would make the quote-aware count
		// run to the end of the file. Count the plain first line instead and
		// let the parser report the quote with its line number.
		counts, content, _ = headerCounts(text, false)
	}
	if !content {
		return 0, ErrNoHeader
	}
	delims := [3]rune{';', ',', '\t'}
	best := -1
	for i, c := range counts {
		if c > 0 && (best < 0 || c > counts[best]) {
			best = i
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("%w: %s", ErrNotCSV, "In der ersten Zeile steht kein Trennzeichen (Semikolon, Komma oder Tabulator), die Datei ist also keine Tabelle. (The first line contains no separator – semicolon, comma or tab – so this is not a table.) "+saveAsCSV)
	}
	return delims[best], nil
}

// headerCounts counts ';', ',' and '\t' in the first line with content.
// open reports that the text ended inside quotes.
func headerCounts(text string, quotes bool) (counts [3]int, content, open bool) {
	inQuotes := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '"' && quotes:
			// A "" escape toggles twice, which is what it should do.
			inQuotes = !inQuotes
		case inQuotes:
			if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				content = true
			}
		case c == '\n':
			if content {
				return counts, true, false
			}
			counts = [3]int{}
		case c == ';':
			counts[0]++
		case c == ',':
			counts[1]++
		case c == '\t':
			counts[2]++
		case c == ' ' || c == '\r' || c == '"':
		default:
			content = true
		}
	}
	return counts, content, inQuotes
}

// checkWidth rejects a file with a row wider than maxRecordCells before
// encoding/csv builds that row in memory. It follows the quoting rules of
// encoding/csv closely enough to count cells; where a row has a quoting error
// the count may be a little off, which only matters far above the limit.
func checkWidth(text string, delim rune) error {
	d := byte(delim)
	line, recLine, cells := 1, 1, 1
	inQuotes, fieldStart := false, true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if inQuotes {
			switch {
			case c == '"' && i+1 < len(text) && text[i+1] == '"':
				i++
			case c == '"':
				inQuotes = false
			case c == '\n':
				line++
			}
			continue
		}
		switch c {
		case d:
			cells++
			if cells > maxRecordCells {
				return fmt.Errorf("%w: Zeile %d hat mehr als %d Zellen, mehr Spalten, als Excel und LibreOffice kennen. (Line %d has more than %d cells, more columns than a spreadsheet has.)",
					ErrNotCSV, recLine, maxRecordCells, recLine, maxRecordCells)
			}
			fieldStart = true
			continue
		case '\n':
			line++
			recLine, cells = line, 1
			fieldStart = true
			continue
		case '"':
			inQuotes = fieldStart
		}
		fieldStart = false
	}
	return nil
}
