package csvio

import (
	"encoding/csv"
	"io"
	"strings"
)

// Writer writes CSV that Excel opens correctly and that cannot run formulas.
//
// Excel decides the encoding and the separator of a double-clicked CSV file
// from the system locale, unless the file starts with a UTF-8 byte order
// mark; German Excel then splits on ';'. So Writer emits UTF-8 with BOM, ';'
// as delimiter and CRLF line ends, and quotes a cell only when it contains
// ';', '"', a line break or leading space.
//
// Formula injection (OWASP "CSV Injection"): spreadsheet programs evaluate a
// cell that starts with = + - or @ as a formula, which can run commands
// (DDE) or send data elsewhere (HYPERLINK, WEBSERVICE) on the machine of
// whoever opens the export. Names and notes in the lists are typed by the
// public and by partner offices, so every cell goes through SafeCell: a cell
// whose first character, after leading spaces, is = + - @ TAB, CR or LF gets
// a leading apostrophe ' and is shown as text. The apostrophe stays visible
// in the cell; Read removes it again on import. Blank cells are left alone:
// they cannot hold a formula.
type Writer struct {
	out     io.Writer
	csv     *csv.Writer
	started bool
	err     error
}

// NewWriter returns a Writer that writes to w. Call Flush at the end.
func NewWriter(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	cw.UseCRLF = true
	return &Writer{out: w, csv: cw}
}

// Write writes one row. After an error every further call returns it.
func (w *Writer) Write(cells []string) error {
	if !w.start() {
		return w.err
	}
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = SafeCell(c)
	}
	if err := w.csv.Write(safe); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes buffered rows and returns the first error of any Write or
// Flush. An export with no rows still gets its BOM, so that it is not
// mistaken for a legacy file when rows are appended by hand.
func (w *Writer) Flush() error {
	if !w.start() {
		return w.err
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// start writes the BOM once, before anything else. It is written to the
// destination directly: csv.Writer has not buffered anything yet.
func (w *Writer) start() bool {
	if w.err != nil {
		return false
	}
	if !w.started {
		w.started = true
		if _, err := io.WriteString(w.out, "\uFEFF"); err != nil {
			w.err = err
			return false
		}
	}
	return true
}

// SafeCell returns the cell as Writer writes it (exported for tests and for
// other exporters): valid UTF-8, line breaks as "\n" (Writer turns them into
// CRLF inside the quoted cell), and a leading apostrophe if a spreadsheet
// program could take the cell for a formula (see Writer).
func SafeCell(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	// A bare CR would be dropped by encoding/csv; as "\n" it stays a line
	// break, and the check below sees what the spreadsheet will see.
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if needsApostrophe(s) {
		return "'" + s
	}
	return s
}

// needsApostrophe reports whether s starts, after spaces, with a character
// that makes a spreadsheet program read a formula or start a new cell.
//
// A value that already starts with an apostrophe followed by such a
// character counts too. Otherwise "'=1" typed by a user would be written
// unchanged and come back from Read as "=1"; with it, Read(Write(v)) gives
// back every v exactly (trimmed).
func needsApostrophe(s string) bool {
	if strings.TrimSpace(s) == "" {
		return false
	}
	for {
		t := strings.TrimLeft(s, " ")
		if t == "" {
			return false
		}
		switch t[0] {
		case '=', '+', '-', '@', '\t', '\r', '\n':
			return true
		}
		if s[0] != '\'' {
			return false
		}
		s = s[1:]
	}
}
