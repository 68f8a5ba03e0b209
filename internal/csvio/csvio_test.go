package csvio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustRead(t *testing.T, data string) *Table {
	t.Helper()
	tab, err := Read(strings.NewReader(data))
	if err != nil {
		t.Fatalf("Read(%q): %v", data, err)
	}
	return tab
}

func TestEncodings(t *testing.T) {
	tests := []struct {
		name string
		data string
		enc  string
	}{
		{"utf8 bom", "\xEF\xBB\xBFName;Straße\r\nMüller;Straße 1\r\n", "UTF-8 mit BOM"},
		{"utf8", "Name;Straße\nMüller;Straße 1\n", "UTF-8"},
		// Plain "CSV" from older Excel: ü = 0xFC, ß = 0xDF.
		{"windows-1252", "Name;Stra\xDFe\r\nM\xFCller;Stra\xDFe 1\r\n", "Windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := mustRead(t, tt.data)
			if tab.Encoding != tt.enc {
				t.Errorf("Encoding = %q, want %q", tab.Encoding, tt.enc)
			}
			if got := strings.Join(tab.Header, "|"); got != "Name|Straße" {
				t.Errorf("Header = %q, want Name|Straße (BOM must not stick to the first name)", got)
			}
			if len(tab.Rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(tab.Rows))
			}
			v := tab.Rows[0].Values
			if v["name"] != "Müller" || v["straße"] != "Straße 1" {
				t.Errorf("Values = %q, want Müller / Straße 1", v)
			}
		})
	}
}

func TestWindows1252Euro(t *testing.T) {
	// 0x80 is € in Windows-1252 but a control character in Latin-1; Excel
	// users type it in fee columns.
	tab := mustRead(t, "Angebot;Preis\r\nBeratung;5 \x80\r\n")
	if got := tab.Rows[0].Values["preis"]; got != "5 €" {
		t.Errorf("Preis = %q, want %q", got, "5 €")
	}
}

func TestDelimiters(t *testing.T) {
	tests := []struct {
		data  string
		delim rune
	}{
		{"Name;Ort;PLZ\nMeier;Köln;50667\n", ';'},
		{"Name,Ort,PLZ\nMeier,Köln,50667\n", ','},
		{"Name\tOrt\tPLZ\nMeier\tKöln\t50667\n", '\t'},
		// German Excel writes decimal commas inside ';' files; the header
		// decides, not the data.
		{"Name;Ort;PLZ\n\"Meier, Anna\";Köln;50667\n", ';'},
		// A comma inside a quoted header name is not a separator.
		{"\"Name, Vorname\";Ort;PLZ\nMeier;Köln;50667\n", ';'},
	}
	for _, tt := range tests {
		tab := mustRead(t, tt.data)
		if tab.Delimiter != tt.delim {
			t.Errorf("%q: Delimiter = %q, want %q", tt.data, tab.Delimiter, tt.delim)
			continue
		}
		if len(tab.Header) != 3 || len(tab.Rows) != 1 || tab.Rows[0].Values["plz"] != "50667" {
			t.Errorf("%q: got header %q rows %+v", tt.data, tab.Header, tab.Rows)
		}
	}
}

func TestQuotedCellsAndLineNumbers(t *testing.T) {
	data := "Name;Adresse;Notiz\r\n" + // line 1
		"\"Caritas; Köln\";\"Hauptstr. 1\r\n50667 Köln\";\"Sie sagte \"\"Hallo\"\"\"\r\n" + // lines 2-3
		"Diakonie;Ring 2;\r\n" + // line 4
		"\r\n" + // line 5, empty
		";;\r\n" + // line 6, only separators
		"AWO;\"a\nb\nc\";x\r\n" + // lines 7-9
		"Tafel;Weg 3;y\r\n" // line 10
	tab := mustRead(t, data)
	if len(tab.Problems) != 0 {
		t.Errorf("Problems = %+v, want none", tab.Problems)
	}
	want := []struct {
		line  int
		name  string
		addr  string
		notiz string
	}{
		{2, "Caritas; Köln", "Hauptstr. 1\n50667 Köln", `Sie sagte "Hallo"`},
		{4, "Diakonie", "Ring 2", ""},
		{7, "AWO", "a\nb\nc", "x"},
		{10, "Tafel", "Weg 3", "y"},
	}
	if len(tab.Rows) != len(want) {
		t.Fatalf("got %d rows, want %d (empty lines must be skipped): %+v", len(tab.Rows), len(want), tab.Rows)
	}
	for i, w := range want {
		r := tab.Rows[i]
		if r.Line != w.line || r.Values["name"] != w.name || r.Values["adresse"] != w.addr || r.Values["notiz"] != w.notiz {
			t.Errorf("row %d = line %d %q, want line %d %q %q %q", i, r.Line, r.Values, w.line, w.name, w.addr, w.notiz)
		}
	}
}

func TestHeaderAndValuesTrimmed(t *testing.T) {
	tab := mustRead(t, " Name ; E-Mail \n  Meier  ;  a@example.org \n")
	if got := strings.Join(tab.Header, "|"); got != "Name|E-Mail" {
		t.Errorf("Header = %q", got)
	}
	r := tab.Rows[0]
	if r.Values["name"] != "Meier" || r.Values["e-mail"] != "a@example.org" {
		t.Errorf("Values = %q", r.Values)
	}
	if r.Cells[0] != "  Meier  " {
		t.Errorf("Cells[0] = %q, want the raw cell", r.Cells[0])
	}
}

func TestShortRowGetsEmptyValues(t *testing.T) {
	tab := mustRead(t, "a;b;c\n1\n")
	v := tab.Rows[0].Values
	if len(v) != 3 || v["a"] != "1" || v["b"] != "" || v["c"] != "" {
		t.Errorf("Values = %q", v)
	}
	if len(tab.Problems) != 0 {
		t.Errorf("Problems = %+v, want none", tab.Problems)
	}
}

func TestTooManyColumns(t *testing.T) {
	tab := mustRead(t, "a;b\n1;2\n1;2;3;4\n5;6;;;\n")
	if len(tab.Rows) != 3 {
		t.Fatalf("got %d rows, want 3 (the faulty row is kept)", len(tab.Rows))
	}
	want := []RowProblem{{Line: 3, Msg: "Zu viele Spalten (4 statt 2)."}}
	if fmt.Sprint(tab.Problems) != fmt.Sprint(want) {
		t.Errorf("Problems = %+v, want %+v (trailing empty cells are not extra columns)", tab.Problems, want)
	}
	if tab.Rows[1].Values["b"] != "2" || len(tab.Rows[1].Cells) != 4 {
		t.Errorf("row 2 = %+v", tab.Rows[1])
	}
}

func TestLongCell(t *testing.T) {
	long := strings.Repeat("ä", MaxCellRunes+1)
	ok := strings.Repeat("ä", MaxCellRunes)
	tab := mustRead(t, "Name;Notiz\nA;"+ok+"\nB;"+long+"\n")
	if len(tab.Rows) != 2 {
		t.Fatalf("got %d rows, want 2", len(tab.Rows))
	}
	if len(tab.Problems) != 1 || tab.Problems[0].Line != 3 || tab.Problems[0].Column != "Notiz" ||
		!strings.Contains(tab.Problems[0].Msg, "zu lang") {
		t.Errorf("Problems = %+v, want one on line 3, column Notiz", tab.Problems)
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		data string
		want []string
	}{
		{"Name;Ort;name\n1;2;3\n", []string{"Doppelte", "„Name“", "Spalten A und C"}},
		{"Name;;Ort\n1;2;3\n", []string{"Spalte B ohne Überschrift"}},
		{strings.Repeat("x;", 20) + "\n", []string{"„x“ (Spalten A, B, C, D, E und 15 weitere)"}},
	}
	for _, tt := range tests {
		_, err := Read(strings.NewReader(tt.data))
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Errorf("%q: err = %v, want *HeaderError", tt.data, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(he.Msg, w) {
				t.Errorf("%q: Msg = %q, want it to mention %q", tt.data, he.Msg, w)
			}
		}
	}
}

func TestTrailingEmptyHeaderCellsIgnored(t *testing.T) {
	// Excel exports columns that were only formatted as empty cells.
	tab := mustRead(t, "Name;Ort;;\nMeier;Köln;;\n")
	if len(tab.Header) != 2 || len(tab.Problems) != 0 || tab.Rows[0].Values["ort"] != "Köln" {
		t.Errorf("got header %q problems %+v rows %+v", tab.Header, tab.Problems, tab.Rows)
	}
}

func TestNoHeader(t *testing.T) {
	for _, data := range []string{"", "\xEF\xBB\xBF", "\xEF\xBB\xBF\xEF\xBB\xBF;\n", "\r\n\r\n", "  \n", ";;;\n;;\n"} {
		if _, err := Read(strings.NewReader(data)); !errors.Is(err, ErrNoHeader) {
			t.Errorf("%q: err = %v, want ErrNoHeader", data, err)
		}
	}
}

func TestHeaderOnly(t *testing.T) {
	tab := mustRead(t, "Name;Ort\r\n")
	if len(tab.Rows) != 0 || len(tab.Header) != 2 {
		t.Errorf("got %+v", tab)
	}
}

func TestBlankLinesBeforeHeader(t *testing.T) {
	tab := mustRead(t, "\n;;\nName;Ort\nMeier;Köln\n")
	if len(tab.Rows) != 1 || tab.Rows[0].Line != 4 {
		t.Errorf("got %+v", tab.Rows)
	}
}

func TestSepLine(t *testing.T) {
	tab := mustRead(t, "sep=,\r\nName;Ort,PLZ\r\nMeier;Köln,50667\r\n")
	if tab.Delimiter != ',' || strings.Join(tab.Header, "|") != "Name;Ort|PLZ" || len(tab.Rows) != 1 || tab.Rows[0].Line != 3 {
		t.Errorf("got delimiter %q header %q rows %+v", tab.Delimiter, tab.Header, tab.Rows)
	}
	if _, err := Read(strings.NewReader("sep=;\r\n")); !errors.Is(err, ErrNoHeader) {
		t.Errorf("sep line only: err = %v, want ErrNoHeader", err)
	}
}

func TestMacLineEnds(t *testing.T) {
	tab := mustRead(t, "Name;Ort\rMeier;Köln\rSchulz;Bonn\r")
	if len(tab.Rows) != 2 || tab.Rows[1].Values["ort"] != "Bonn" || tab.Rows[1].Line != 3 {
		t.Errorf("got %+v", tab.Rows)
	}
}

func TestNotCSV(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"pdf", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", "PDF"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml", "CSV UTF-8"},
		{"ods", "PK\x03\x04\x14\x00\x00\x08\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "LibreOffice"},
		{"xls", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", ".xls"},
		{"png", "\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR", "PNG"},
		{"jpeg", "\xFF\xD8\xFF\xE0\x00\x10JFIF", "JPEG"},
		{"utf16", "\xFF\xFEN\x00a\x00m\x00e\x00\t\x00O\x00r\x00t\x00", "UTF-16"},
		{"binary", "Name;Ort\n\x01\x02\x00\x9A\xFF;x\n", "Binärdaten"},
		{"html", "<!DOCTYPE html><html><body><table><tr><td>a;b</td></tr></table>", "HTML"},
		{"no delimiter", "Liebe Kolleginnen und Kollegen\nanbei die Liste\n", "Trennzeichen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Read(strings.NewReader(tt.data))
			if !errors.Is(err, ErrNotCSV) || tab != nil {
				t.Fatalf("err = %v, want ErrNotCSV", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestXLSXMessage(t *testing.T) {
	_, err := Read(strings.NewReader("PK\x03\x04\x14\x00\x06\x00"))
	want := "Die Datei ist eine Excel-Arbeitsmappe (.xlsx), keine CSV-Datei."
	if !errors.Is(err, ErrNotCSV) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "„Speichern unter → CSV UTF-8“") {
		t.Errorf("err = %q, want the friendly xlsx message", err)
	}
}

func TestQuoteErrors(t *testing.T) {
	t.Run("stray quote in one row", func(t *testing.T) {
		tab := mustRead(t, "Name;Ort\nMeier;Köln\nSchulz \"Tom\";Bonn\nLange;Berlin\n")
		if len(tab.Rows) != 2 || tab.Rows[1].Values["name"] != "Lange" || tab.Rows[1].Line != 4 {
			t.Errorf("rows = %+v, want Meier and Lange", tab.Rows)
		}
		if len(tab.Problems) != 1 || tab.Problems[0].Line != 3 {
			t.Errorf("Problems = %+v, want one on line 3", tab.Problems)
		}
	})
	t.Run("unclosed quote swallowing rows", func(t *testing.T) {
		_, err := Read(strings.NewReader("Name;Ort\nMeier;\"Köln\nSchulz;Bonn\nLange;\"Berlin\"x\n"))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 || !strings.Contains(pe.Error(), "Zeile 2") {
			t.Errorf("err = %v, want *ParseError on line 2", err)
		}
	})
	t.Run("unclosed quote at the end", func(t *testing.T) {
		_, err := Read(strings.NewReader("Name;Ort\nMeier;\"Köln\nSchulz;Bonn\n"))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 2 {
			t.Errorf("err = %v, want *ParseError on line 2", err)
		}
	})
	t.Run("in the header", func(t *testing.T) {
		_, err := Read(strings.NewReader("Name;\"Ort\nMeier;Köln\n"))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 1 {
			t.Errorf("err = %v, want *ParseError on line 1", err)
		}
	})
}

func TestTooLarge(t *testing.T) {
	data := "a;b\n" + strings.Repeat("x", MaxFileBytes+1-4)
	if _, err := Read(strings.NewReader(data)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	// Exactly at the limit is fine.
	row := strings.Repeat("y", 1022) + ";z\n" // 1025 bytes
	ok := "a;b\n" + strings.Repeat(row, (MaxFileBytes-4)/len(row))
	ok += strings.Repeat("w", MaxFileBytes-len(ok))
	if len(ok) != MaxFileBytes {
		t.Fatalf("test data is %d bytes", len(ok))
	}
	if _, err := Read(strings.NewReader(ok)); err != nil {
		t.Errorf("%d bytes: %v", len(ok), err)
	}
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

func TestReadStopsAtLimit(t *testing.T) {
	cr := &countingReader{}
	if _, err := Read(cr); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	if cr.n != MaxFileBytes+1 {
		t.Errorf("read %d bytes, want %d", cr.n, MaxFileBytes+1)
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Read(io.MultiReader(strings.NewReader("a;b\n"), &failingReader{boom}))
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want it to wrap the reader's error", err)
	}
}

type failingReader struct{ err error }

func (f *failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestTooManyRows(t *testing.T) {
	rows := func(n int) string {
		return "a;b\n" + strings.Repeat("1;2\n\n", n) // empty lines do not count
	}
	tab, err := Read(strings.NewReader(rows(MaxRows)))
	if err != nil || len(tab.Rows) != MaxRows {
		t.Fatalf("MaxRows rows: err = %v", err)
	}
	if _, err := Read(strings.NewReader(rows(MaxRows + 1))); !errors.Is(err, ErrTooManyRows) {
		t.Errorf("err = %v, want ErrTooManyRows", err)
	}
}

func TestTooManyHeaderColumns(t *testing.T) {
	var b strings.Builder
	for i := range maxColumns + 1 {
		fmt.Fprintf(&b, "c%d;", i)
	}
	_, err := Read(strings.NewReader(b.String() + "\n"))
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Errorf("err = %v, want *HeaderError", err)
	}
}

func TestRowWiderThanASpreadsheet(t *testing.T) {
	row := func(cells int) string { return "x" + strings.Repeat(";x", cells-1) + "\n" }
	tab := mustRead(t, "a;b\n"+row(maxRecordCells))
	if len(tab.Rows) != 1 || len(tab.Problems) != 1 {
		t.Errorf("%d cells: rows %d problems %+v", maxRecordCells, len(tab.Rows), tab.Problems)
	}
	_, err := Read(strings.NewReader("a;b\n1;2\n" + row(maxRecordCells+1)))
	if !errors.Is(err, ErrNotCSV) || !strings.Contains(err.Error(), "Zeile 3") {
		t.Errorf("err = %v, want ErrNotCSV naming line 3", err)
	}
	// Separators inside quotes are text, not cells.
	quoted := "\"" + strings.Repeat(";", maxRecordCells+1) + "\""
	tab = mustRead(t, "a;b\n"+quoted+";2\n")
	if len(tab.Rows) != 1 || tab.Rows[0].Values["b"] != "2" {
		t.Errorf("quoted separators: rows %+v", tab.Rows)
	}
}

func TestSafeCell(t *testing.T) {
	tests := map[string]string{
		"=SUM(A1)":            "'=SUM(A1)",
		"+49 221":             "'+49 221",
		"-5":                  "'-5",
		"@x":                  "'@x",
		"\t=1":                "'\t=1",
		"\r=1":                "'\n=1",
		"  =HYPERLINK(\"x\")": "'  =HYPERLINK(\"x\")",
		"'=1":                 "''=1",
		"Köln":                "Köln",
		"a=b":                 "a=b",
		"O'Brien":             "O'Brien",
		"'s Gravenhage":       "'s Gravenhage",
		"":                    "",
		"bad \xFF byte":       "bad \uFFFD byte",
		"Zeile 1\r\nZeile 2":  "Zeile 1\nZeile 2",
	}
	for in, want := range tests {
		if got := SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriterOutput(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, rec := range [][]string{
		{"Name", "Ort", "Telefon"},
		{"=SUM(A1)", "Köln; Mitte", "+49 221"},
		{"Anna \"Ani\"", "Zeile 1\nZeile 2", "-5"},
	} {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\xEF\xBB\xBF" +
		"Name;Ort;Telefon\r\n" +
		"'=SUM(A1);\"Köln; Mitte\";'+49 221\r\n" +
		"\"Anna \"\"Ani\"\"\";\"Zeile 1\r\nZeile 2\";'-5\r\n"
	if got := buf.String(); got != want {
		t.Errorf("output\n%q\nwant\n%q", got, want)
	}
}

func TestWriterEmptyExportHasBOM(t *testing.T) {
	var buf bytes.Buffer
	if err := NewWriter(&buf).Flush(); err != nil || buf.String() != "\xEF\xBB\xBF" {
		t.Errorf("got %q, %v", buf.String(), err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	header := []string{"Name", "Adresse", "Telefon", "Notiz"}
	rows := [][]string{
		{"Müller", "Straße 1; 50667 Köln", "+49 221 123", "=SUM(A1)"},
		{"Anna \"Ani\" Schulz", "Zeile 1\nZeile 2", "-5", "@home"},
		{"O'Brien", "\t=1", "'=1", "€ 5,50"},
		{"", "", "", "nur Notiz"},
	}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	_ = w.Write(header)
	for _, r := range rows {
		_ = w.Write(r)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	tab, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Encoding != "UTF-8 mit BOM" || tab.Delimiter != ';' || len(tab.Problems) != 0 {
		t.Errorf("Encoding %q Delimiter %q Problems %+v", tab.Encoding, tab.Delimiter, tab.Problems)
	}
	if len(tab.Rows) != len(rows) {
		t.Fatalf("got %d rows, want %d", len(tab.Rows), len(rows))
	}
	for i, r := range rows {
		for j, h := range header {
			if got, want := tab.Rows[i].Values[strings.ToLower(h)], strings.TrimSpace(r[j]); got != want {
				t.Errorf("row %d %s = %q, want %q", i, h, got, want)
			}
		}
	}
}

type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	f.n--
	return len(p), nil
}

func TestWriterReportsFirstError(t *testing.T) {
	disk := errors.New("disk full")
	w := NewWriter(&failAfter{n: 1, err: disk})
	for range 10000 { // more than csv.Writer buffers
		_ = w.Write([]string{"a", "b"})
	}
	if err := w.Flush(); !errors.Is(err, disk) {
		t.Errorf("Flush = %v, want %v", err, disk)
	}
	if err := NewWriter(&failAfter{err: disk}).Write([]string{"a"}); !errors.Is(err, disk) {
		t.Errorf("Write with failing BOM = %v, want %v", err, disk)
	}
}

// checkTable asserts what every caller relies on.
func checkTable(t *testing.T, tab *Table) {
	t.Helper()
	keys := map[string]bool{}
	for _, h := range tab.Header {
		keys[strings.ToLower(h)] = true
	}
	if len(keys) != len(tab.Header) {
		t.Fatalf("duplicate header names accepted: %q", tab.Header)
	}
	switch tab.Encoding {
	case "UTF-8", "UTF-8 mit BOM", "Windows-1252":
	default:
		t.Fatalf("Encoding = %q", tab.Encoding)
	}
	switch tab.Delimiter {
	case ';', ',', '\t':
	default:
		t.Fatalf("Delimiter = %q", tab.Delimiter)
	}
	last := 1
	for _, r := range tab.Rows {
		if r.Line <= last {
			t.Fatalf("row line %d after %d", r.Line, last)
		}
		last = r.Line
		if len(r.Values) != len(keys) {
			t.Fatalf("row %d has %d values for %d columns", r.Line, len(r.Values), len(keys))
		}
		for k, v := range r.Values {
			if !keys[k] {
				t.Fatalf("row %d has key %q not in header %q", r.Line, k, tab.Header)
			}
			if !utf8.ValidString(v) {
				t.Fatalf("row %d: invalid UTF-8 %q", r.Line, v)
			}
		}
	}
	for _, p := range tab.Problems {
		if p.Line < 1 || p.Msg == "" {
			t.Fatalf("bad problem %+v", p)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"",
		"\xEF\xBB\xBFName;Ort\r\nMüller;Köln\r\n",
		"Name;Stra\xDFe\r\nM\xFCller;x\r\n",
		"a,b\n\"x\ny\",\"\"\"\"\n",
		"a\tb\n1\t2\t3\n",
		"a;b\n\"unclosed\n",
		"a;b;a\n",
		"a;;b\n",
		"a;b\rc;d\r",
		"\"a;b\n",
		"a;b\n1;\"2\"x\n3;4\n",
		"%PDF-1.4",
		"PK\x03\x04",
		";;;\n\n",
		"'=x;'+y\n'-1;'@2\n",
		"sep=\t\r\na\tb\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Read(bytes.NewReader(data))
		if err != nil {
			var pe *ParseError
			var he *HeaderError
			if tab != nil {
				t.Fatalf("table and error %v", err)
			}
			if !errors.Is(err, ErrNotCSV) && !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrTooManyRows) &&
				!errors.As(err, &pe) && !errors.As(err, &he) {
				t.Fatalf("unexpected error kind %T: %v", err, err)
			}
			return
		}
		checkTable(t, tab)
	})
}

// FuzzWriterRoundTrip checks that whatever staff type into a field comes
// back unchanged (apart from trimming and CRLF→LF) after export and import.
func FuzzWriterRoundTrip(f *testing.F) {
	for _, s := range [][2]string{
		{"=1", "+2"}, {"'=1", "''-1"}, {"\r=1", "\r\n@"}, {"\r", " "}, {" '=1", "a\rb"}, {"\"", ";"}, {`\.`, "\t"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsRune(a+b, 0) {
			t.Skip("NUL marks a file as binary")
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		_ = w.Write([]string{"A", "B"})
		_ = w.Write([]string{a, b})
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		tab, err := Read(&buf)
		if err != nil {
			t.Fatalf("Read: %v\n%q", err, buf.String())
		}
		checkTable(t, tab)
		norm := func(s string) string {
			s = strings.ToValidUTF8(s, "\uFFFD")
			s = strings.ReplaceAll(s, "\r\n", "\n")
			return strings.TrimSpace(strings.ReplaceAll(s, "\r", "\n"))
		}
		wa, wb := norm(a), norm(b)
		if wa == "" && wb == "" {
			if len(tab.Rows) != 0 {
				t.Fatalf("empty row came back: %+v", tab.Rows)
			}
			return
		}
		if len(tab.Rows) != 1 {
			t.Fatalf("got %d rows\n%q", len(tab.Rows), buf.String())
		}
		if got := tab.Rows[0].Values; got["a"] != wa || got["b"] != wb {
			t.Fatalf("round trip (%q, %q) -> %q, want (%q, %q)", a, b, got, wa, wb)
		}
	})
}
