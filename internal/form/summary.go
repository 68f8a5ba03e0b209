package form

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// SummaryRow is one answer on the check-your-answers page and in the PDF.
type SummaryRow struct {
	Path  string // instance path; the change link leads to its field
	Label string
	Value string // as people read it, in the reader's language
}

// SummaryChapter groups the rows of a chapter.
type SummaryChapter struct {
	ID, Title  string
	Applicable bool
	Rows       []SummaryRow
}

// Summary lists, chapter by chapter, the answers that count: only visible
// fields of applicable chapters, in the order of the form, with code list
// labels and formatted values in lang (German where a text lacks lang).
func (d *Definition) Summary(answers Answers, lang string, today time.Time) []SummaryChapter {
	return d.summary(answers, lang, today, "")
}

// SummaryOf is the summary of one chapter only.
func (d *Definition) SummaryOf(chapter string, answers Answers, lang string, today time.Time) []SummaryChapter {
	return d.summary(answers, lang, today, chapter)
}

func (d *Definition) summary(answers Answers, lang string, today time.Time, only string) []SummaryChapter {
	work := answers.Clone()
	var out []SummaryChapter
	for _, c := range d.Chapters {
		if only != "" && c.ID != only {
			continue
		}
		st, _ := d.Evaluate(c.ID, work, today)
		sc := SummaryChapter{ID: c.ID, Title: c.Title.In(lang), Applicable: st.Applicable}
		for _, it := range st.Items {
			if !it.Visible || it.Path == "" {
				continue
			}
			f := d.byID[it.Field]
			if f == nil || f.Kind == "group" || f.Kind == "file" {
				continue
			}
			v, ok := st.Values[it.Path]
			if !ok {
				// Not valid (yet): shown as typed.
				v = work[it.Path]
			}
			if v == "" {
				continue
			}
			if !ok {
				sc.Rows = append(sc.Rows, SummaryRow{Path: it.Path, Label: label(it, lang), Value: v})
				continue
			}
			sc.Rows = append(sc.Rows, SummaryRow{Path: it.Path, Label: label(it, lang), Value: d.display(f, v, lang)})
		}
		sc.Rows = byEntry(sc.Rows)
		out = append(out, sc)
	}
	return out
}

// label is an answer's label, with the entry number inside a repeatable group.
func label(it ItemState, lang string) string {
	l := it.Label.In(lang)
	if n := entryNumber(it.Path); n > 0 {
		l += " (" + strconv.Itoa(n) + ")"
	}
	return l
}

// byEntry keeps the answers of one entry of a repeatable group together
// (the first child's name, birth date and school, then the second's),
// where the chapter's items give them field by field (every name, then
// every birth date): a household of four reads person by person. An entry
// stands where its first answer stood; everything else keeps its order.
func byEntry(rows []SummaryRow) []SummaryRow {
	var order []string
	blocks := map[string][]SummaryRow{}
	for i, r := range rows {
		key := entryKey(r.Path)
		if key == "" {
			key = "\x00" + strconv.Itoa(i) // a row of its own
		}
		if _, seen := blocks[key]; !seen {
			order = append(order, key)
		}
		blocks[key] = append(blocks[key], r)
	}
	out := make([]SummaryRow, 0, len(rows))
	for _, k := range order {
		out = append(out, blocks[k]...)
	}
	return out
}

// entryKey is the path of the entry a path belongs to ("haushalt.1" for
// "haushalt.1.vorname"), "" outside repeatable groups.
func entryKey(path string) string {
	parts := strings.Split(path, ".")
	for i, part := range parts {
		if _, err := strconv.Atoi(part); err == nil {
			return strings.Join(parts[:i+1], ".")
		}
	}
	return ""
}

// entryNumber is the 1-based entry of a path inside a repeatable group, 0 if none.
func entryNumber(path string) int {
	for _, part := range strings.Split(path, ".") {
		if n, err := strconv.Atoi(part); err == nil {
			return n + 1
		}
	}
	return 0
}

func (d *Definition) display(f *Field, v, lang string) string {
	switch f.Kind {
	case "choice", "codelist", "multichoice":
		var labels []string
		for _, part := range strings.Split(v, "\n") {
			label := part
			for _, c := range d.CodeLists[f.CodeList] {
				if c.Value == part {
					label = c.Label.In(lang)
				}
			}
			labels = append(labels, label)
		}
		sort.Strings(labels)
		return strings.Join(labels, ", ")
	case "yesno":
		if t, ok := d.Texts[v]; ok {
			return t.In(lang)
		}
	}
	return DisplayValue(f.Kind, v)
}

// In returns the text in lang, German when lang has none.
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	return t["de"]
}
