package form

import (
	"strconv"
	"strings"
	"time"
)

// Answers holds what a person entered, by instance path: "antragsteller.vorname",
// and inside repeatable groups "einkommen.0.betrag"; "einkommen.#" is the
// number of entries of a group.
type Answers map[string]string

// Count is the number of entries of a repeatable group.
func (a Answers) Count(group string) int {
	n, _ := strconv.Atoi(a[group+".#"])
	if n < 0 {
		return 0
	}
	return n
}

// scope resolves a field path in the context of one entry of a group:
// "einkommen.art" inside entry 1 reads "einkommen.1.art".
type scope struct {
	def     *Definition
	answers Answers
	group   string // "" or the group's field path
	index   int
}

// Value is what a condition sees of a field: the answer normalised by its
// kind (cents, ISO dates), so that comparisons work whatever way it was
// typed. Answers themselves stay as the person typed them: a value must
// never be parsed twice ("612,40" → 61240 cents → 6124000).
func (s scope) Count(group string) int { return s.answers.Count(group) }

func (s scope) Value(path string) (any, bool) {
	field := path
	if s.group != "" && strings.HasPrefix(path, s.group+".") {
		path = s.group + "." + strconv.Itoa(s.index) + strings.TrimPrefix(path, s.group)
	}
	v, ok := s.answers[path]
	if f := s.def.field(field); f != nil && v != "" && f.Kind != "multichoice" {
		if k, known := Kinds[f.Kind]; known {
			if nv, bad := k.Parse(f, s.def.CodeLists[f.CodeList], v); bad == "" {
				v = nv
			}
		}
	}
	if strings.Contains(v, "\n") { // multiple choice
		parts := strings.Split(v, "\n")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, ok
	}
	return v, ok
}

// Problem is a validation message for a field instance.
type Problem struct {
	Path string // instance path, e.g. "einkommen.1.betrag"
	Key  string // message key, or "" when Text is set
	Text Text   // a rule's own message
}

// ItemState is an item as shown now.
type ItemState struct {
	*Item
	Path     string // instance path of the field ("" for info blocks)
	Visible  bool
	Required bool
}

// ChapterState is a chapter evaluated against the answers.
type ChapterState struct {
	*Chapter
	Applicable bool
	Items      []ItemState
	Problems   []Problem
	// Values are the valid visible answers normalised by their kind
	// (money in cents, dates as YYYY-MM-DD); the answers keep what was typed.
	Values map[string]string
}

// Evaluate decides, for one chapter, what is applicable, visible and
// required, and validates what is visible. Hidden fields are cleared from
// answers (and therefore never validated or sent).
func (d *Definition) Evaluate(chapterID string, answers Answers, today time.Time) (*ChapterState, bool) {
	c, ok := d.chapterBy[chapterID]
	if !ok {
		return nil, false
	}
	st := &ChapterState{Chapter: c, Applicable: true, Values: map[string]string{}}
	if c.ApplicableIf != nil && c.ApplicableIf.Expr != nil {
		st.Applicable = Truthy(c.ApplicableIf.Eval(scope{def: d, answers: answers}, today))
	}
	if !st.Applicable {
		for _, it := range c.Items {
			d.clear(it.Field, answers)
		}
		return st, true
	}
	for _, it := range c.Items {
		if it.Field == "" {
			st.Items = append(st.Items, ItemState{Item: it, Visible: cond(it.VisibleIf, scope{def: d, answers: answers}, today, true)})
			continue
		}
		f := d.byID[it.Field]
		group := d.groupOf(it.Field)
		instances := []scope{{answers: answers}}
		if group != "" && f.Kind != "group" {
			instances = nil
			for i := 0; i < d.entries(group, answers); i++ {
				instances = append(instances, scope{def: d, answers: answers, group: group, index: i})
			}
		}
		for _, sc := range instances {
			path := instancePath(it.Field, sc)
			visible := cond(it.VisibleIf, sc, today, true)
			required := it.Required || cond(it.RequiredIf, sc, today, false)
			st.Items = append(st.Items, ItemState{Item: it, Path: path, Visible: visible, Required: required && visible})
			if !visible {
				d.clear(path, answers)
				continue
			}
			if f.Kind == "group" {
				// A visible repeatable group needs at least its minimum of entries.
				if f.Min != nil && float64(answers.Count(path)) < *f.Min {
					st.Problems = append(st.Problems, Problem{Path: path, Key: "form.error.min_entries"})
				}
				continue
			}
			if f.Kind == "file" {
				continue
			}
			raw := answers[path]
			if strings.TrimSpace(raw) == "" {
				if required {
					st.Problems = append(st.Problems, Problem{Path: path, Key: "form.error.required"})
				}
				continue
			}
			v, bad := Kinds[f.Kind].Parse(f, d.CodeLists[f.CodeList], raw)
			if bad != "" {
				st.Problems = append(st.Problems, Problem{Path: path, Key: bad})
				continue
			}
			st.Values[path] = v
		}
	}
	// Cross-field rules that point into this chapter.
	for _, r := range d.Rules {
		if r.If == nil || r.If.Expr == nil || !d.inChapter(c, r.Field) {
			continue
		}
		if has(st.Problems, r.Field) {
			continue // one message per field at a time
		}
		if Truthy(r.If.Eval(scope{def: d, answers: answers}, today)) {
			st.Problems = append(st.Problems, Problem{Path: r.Field, Text: r.Message})
		}
	}
	return st, true
}

func has(ps []Problem, path string) bool {
	for _, p := range ps {
		if p.Path == path {
			return true
		}
	}
	return false
}

func (d *Definition) inChapter(c *Chapter, field string) bool {
	for _, it := range c.Items {
		if it.Field == field {
			return true
		}
	}
	return false
}

// field is nil-safe: a scope without a definition reads raw answers.
func (d *Definition) field(path string) *Field {
	if d == nil {
		return nil
	}
	return d.byID[path]
}

// Normalised evaluates every chapter (clearing what is hidden) and returns
// the valid answers normalised by their kinds: what outputs such as the
// XML file are made of.
func (d *Definition) Normalised(answers Answers, today time.Time) Answers {
	out, _ := d.Validate(answers, today)
	return out
}

// ChapterProblem is a validation problem and the chapter it is in.
type ChapterProblem struct {
	Chapter string
	Problem
}

// Validate evaluates every chapter in order on answers (clearing what is
// hidden) and returns the valid answers normalised by their kinds together
// with every problem, so a whole application is checked and converted in
// one pass.
func (d *Definition) Validate(answers Answers, today time.Time) (Answers, []ChapterProblem) {
	out := Answers{}
	var problems []ChapterProblem
	for _, c := range d.Chapters {
		st, _ := d.Evaluate(c.ID, answers, today)
		for k, v := range st.Values {
			out[k] = v
		}
		for _, p := range st.Problems {
			problems = append(problems, ChapterProblem{Chapter: c.ID, Problem: p})
		}
	}
	for k, v := range answers {
		if strings.HasSuffix(k, ".#") {
			out[k] = v
		}
	}
	return out, problems
}

// Clone copies the answers (evaluation clears hidden fields in place).
func (a Answers) Clone() Answers {
	b := make(Answers, len(a))
	for k, v := range a {
		b[k] = v
	}
	return b
}

// UploadChapter is the chapter that holds the form's upload boxes ("" if
// it has none).
func (d *Definition) UploadChapter() string {
	for _, c := range d.Chapters {
		for _, it := range c.Items {
			if f, ok := d.byID[it.Field]; ok && f.Kind == "file" {
				return c.ID
			}
		}
	}
	return ""
}

func cond(c *Cond, sc scope, today time.Time, dflt bool) bool {
	if c == nil || c.Expr == nil {
		return dflt
	}
	return Truthy(c.Eval(sc, today))
}

// entries is the number of entries of a repeatable group, never more than
// its maximum: a tampered count cannot make an evaluation run away.
func (d *Definition) entries(group string, answers Answers) int {
	n := answers.Count(group)
	if f := d.byID[group]; f != nil && f.Max != nil && float64(n) > *f.Max {
		n = int(*f.Max)
	}
	return n
}

// groupOf is the repeatable group a field path lies in ("" if none).
func (d *Definition) groupOf(path string) string {
	for p := path; strings.Contains(p, "."); {
		p = p[:strings.LastIndex(p, ".")]
		if f, ok := d.byID[p]; ok && f.Kind == "group" && f.Max != nil && *f.Max > 1 {
			return p
		}
	}
	return ""
}

func instancePath(field string, sc scope) string {
	if sc.group == "" {
		return field
	}
	return sc.group + "." + strconv.Itoa(sc.index) + strings.TrimPrefix(field, sc.group)
}

// clear removes a field's answers (all instances of a group's field).
func (d *Definition) clear(path string, answers Answers) {
	if path == "" {
		return
	}
	delete(answers, path)
	if f, ok := d.byID[path]; ok && f.Kind == "group" {
		for k := range answers {
			if strings.HasPrefix(k, path+".") {
				delete(answers, k)
			}
		}
	}
}

// AddEntry appends an entry to a repeatable group, up to its maximum.
func (d *Definition) AddEntry(group string, answers Answers) bool {
	f, ok := d.byID[group]
	if !ok || f.Kind != "group" {
		return false
	}
	n := answers.Count(group)
	if f.Max != nil && float64(n) >= *f.Max {
		return false
	}
	answers[group+".#"] = strconv.Itoa(n + 1)
	return true
}

// RemoveEntry removes entry i of a group and closes the gap.
func (d *Definition) RemoveEntry(group string, i int, answers Answers) bool {
	n := answers.Count(group)
	if i < 0 || i >= n {
		return false
	}
	prefix := group + "."
	moved := Answers{}
	for k, v := range answers {
		if !strings.HasPrefix(k, prefix) || k == group+".#" {
			continue
		}
		rest := strings.TrimPrefix(k, prefix)
		idxStr, tail, _ := strings.Cut(rest, ".")
		idx, err := strconv.Atoi(idxStr)
		if err != nil {
			continue
		}
		delete(answers, k)
		switch {
		case idx < i:
			moved[k] = v
		case idx > i:
			moved[prefix+strconv.Itoa(idx-1)+"."+tail] = v
		}
	}
	for k, v := range moved {
		answers[k] = v
	}
	answers[group+".#"] = strconv.Itoa(n - 1)
	return true
}
