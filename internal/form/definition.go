package form

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// A Definition is one service's application form in one version, in two
// layers: the data layer (Fields, shaped like FIM XDatenfelder: data fields
// and groups with type, constraints, code lists, cardinality) and the
// presentation layer (Chapters with texts per language, hints, help,
// conditions). It is loaded from YAML and checked strictly; every error
// names its line.
type Definition struct {
	Service   string              `yaml:"service"`
	LeiKa     string              `yaml:"leika"`
	Version   int                 `yaml:"version"`
	CodeLists map[string][]Code   `yaml:"codelists"`
	Fields    []*Field            `yaml:"fields"`
	Chapters  []*Chapter          `yaml:"chapters"`
	Rules     []*Rule             `yaml:"rules"`
	Texts     map[string]Text     `yaml:"texts"`
	byID      map[string]*Field   // all fields, by path
	chapterBy map[string]*Chapter // by id
	triggers  map[string]bool     // fields that conditions read
}

// Text is a text per language code; German is required.
type Text map[string]string

// Code is an entry of a code list.
type Code struct {
	Value string `yaml:"value"`
	Label Text   `yaml:"label"`
}

// Field is a data field or, with Kind "group", a group of fields that may
// repeat (Min/Max).
type Field struct {
	ID        string   `yaml:"id"`
	FIM       string   `yaml:"fim"`
	Kind      string   `yaml:"type"`
	MinLength int      `yaml:"minLength"`
	MaxLength int      `yaml:"maxLength"`
	Min       *float64 `yaml:"min"`
	Max       *float64 `yaml:"max"`
	Pattern   string   `yaml:"pattern"`
	CodeList  string   `yaml:"codelist"`
	Prefill   string   `yaml:"prefill"` // identity attribute, e.g. givenName
	Fields    []*Field `yaml:"fields"`  // for groups
	Line      int      `yaml:"-"`
	pattern   *regexp.Regexp
	path      string
}

// Chapter is a step of the form.
type Chapter struct {
	ID           string  `yaml:"id"`
	Title        Text    `yaml:"title"`
	Help         Text    `yaml:"help"`
	ApplicableIf *Cond   `yaml:"applicableIf"`
	Items        []*Item `yaml:"items"`
	Line         int     `yaml:"-"`
}

// Item places a field (or an info block) in a chapter.
type Item struct {
	ID         string `yaml:"id"` // an info block's, for its translations
	Field      string `yaml:"field"`
	Info       Text   `yaml:"info"`
	Label      Text   `yaml:"label"`
	Hint       Text   `yaml:"hint"`
	Required   bool   `yaml:"required"`
	VisibleIf  *Cond  `yaml:"visibleIf"`
	RequiredIf *Cond  `yaml:"requiredIf"`
	Line       int    `yaml:"-"`
}

// Rule is a cross-field rule: when If holds, Message is shown at Field.
type Rule struct {
	ID      string `yaml:"id"`
	If      *Cond  `yaml:"if"`
	Field   string `yaml:"field"`
	Message Text   `yaml:"message"`
	Line    int    `yaml:"-"`
}

// Cond is a compiled expression with the line it was written on.
type Cond struct {
	*Expr
	Line int
}

// UnmarshalYAML compiles the expression while decoding.
func (c *Cond) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return err
	}
	e, err := Compile(normaliseYAML(v))
	if err != nil {
		return &LineError{Line: n.Line, Msg: "condition: " + err.Error()}
	}
	c.Expr, c.Line = e, n.Line
	return nil
}

// normaliseYAML turns yaml.v3's map[string]interface{} and ints into the
// shapes Compile takes.
func normaliseYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = normaliseYAML(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = normaliseYAML(val)
		}
		return out
	case int:
		return float64(x)
	}
	return v
}

// The line of each record is kept for error messages.
func (f *Field) UnmarshalYAML(n *yaml.Node) error {
	type plain Field
	if err := decodeStrict(n, (*plain)(f)); err != nil {
		return err
	}
	f.Line = n.Line
	return nil
}

// UnmarshalYAML keeps the line.
func (c *Chapter) UnmarshalYAML(n *yaml.Node) error {
	type plain Chapter
	if err := decodeStrict(n, (*plain)(c)); err != nil {
		return err
	}
	c.Line = n.Line
	return nil
}

// UnmarshalYAML keeps the line.
func (it *Item) UnmarshalYAML(n *yaml.Node) error {
	type plain Item
	if err := decodeStrict(n, (*plain)(it)); err != nil {
		return err
	}
	it.Line = n.Line
	return nil
}

// UnmarshalYAML keeps the line.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	type plain Rule
	if err := decodeStrict(n, (*plain)(r)); err != nil {
		return err
	}
	r.Line = n.Line
	return nil
}

// decodeStrict refuses keys the schema does not know (a typo must not
// silently drop a condition).
func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind != yaml.MappingNode {
		return &LineError{Line: n.Line, Msg: "expected a mapping"}
	}
	known := yamlKeys(v)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known[k.Value] {
			return &LineError{Line: k.Line, Msg: fmt.Sprintf("unknown key %q", k.Value)}
		}
	}
	return n.Decode(v)
}

// keysCache is keyed by reflect.Type: the local "plain" types share a name.
var (
	keysMu    sync.Mutex
	keysCache = map[reflect.Type]map[string]bool{}
)

func yamlKeys(v any) map[string]bool {
	rt := reflectType(v)
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keysCache[rt]; ok {
		return k
	}
	k := map[string]bool{}
	for i := 0; i < rt.NumField(); i++ {
		tag := rt.Field(i).Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			k[name] = true
		}
	}
	keysCache[rt] = k
	return k
}

// LineError is a problem at a line of a definition file.
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Errors collects all problems of a file, sorted by line.
type Errors []*LineError

func (e Errors) Error() string {
	var b strings.Builder
	for i, x := range e {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(x.Error())
	}
	return b.String()
}

// MaxDefinitionBytes bounds a definition file.
const MaxDefinitionBytes = 2 << 20

var idRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`)

// Load reads and checks a definition; name is used in messages.
func Load(r io.Reader, name string) (*Definition, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxDefinitionBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxDefinitionBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxDefinitionBytes)
	}
	if bytes.Contains(src, []byte("&")) && bytes.Contains(src, []byte("*")) {
		// YAML anchors and aliases can expand exponentially; definitions
		// have no use for them.
		if hasAlias(src) {
			return nil, fmt.Errorf("%s: YAML anchors and aliases are not allowed", name)
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty", name)
	}
	d := &Definition{}
	type plain Definition
	if err := decodeStrict(root.Content[0], (*plain)(d)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if errs := d.check(); len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return nil, fmt.Errorf("%s:\n%w", name, errs)
	}
	return d, nil
}

func hasAlias(src []byte) bool {
	var root yaml.Node
	if yaml.Unmarshal(src, &root) != nil {
		return false
	}
	var walk func(*yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			return true
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(&root)
}

func (d *Definition) check() Errors {
	var errs Errors
	add := func(line int, format string, args ...any) {
		errs = append(errs, &LineError{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if d.Service == "" || len(d.LeiKa) != 14 || d.Version < 1 {
		add(1, "service, a 14-digit leika and a version ≥ 1 are required")
	}
	if len(d.Chapters) == 0 {
		add(1, "a form needs at least one chapter")
	}
	d.byID = map[string]*Field{}
	var walk func(fs []*Field, prefix string)
	walk = func(fs []*Field, prefix string) {
		for _, f := range fs {
			if f == nil {
				add(1, "an empty field entry")
				continue
			}
			if !idRe.MatchString(f.ID) {
				add(f.Line, "field id %q: lower-case words joined by dots", f.ID)
				continue
			}
			f.path = prefix + f.ID
			if _, dup := d.byID[f.path]; dup {
				add(f.Line, "field %q defined twice", f.path)
			}
			d.byID[f.path] = f
			k, ok := Kinds[f.Kind]
			switch {
			case f.Kind == "group":
				if len(f.Fields) == 0 {
					add(f.Line, "group %q has no fields", f.path)
				}
				walk(f.Fields, f.path+".")
			case !ok:
				add(f.Line, "field %q: unknown type %q", f.path, f.Kind)
			case len(f.Fields) > 0:
				add(f.Line, "field %q: only groups have fields", f.path)
			default:
				if k.NeedsCodeList && d.CodeLists[f.CodeList] == nil {
					add(f.Line, "field %q: code list %q is not defined", f.path, f.CodeList)
				}
			}
			if f.Pattern != "" {
				re, err := regexp.Compile("^(?:" + f.Pattern + ")$")
				if err != nil {
					add(f.Line, "field %q: pattern: %v", f.path, err)
				}
				f.pattern = re
			}
			if f.MaxLength < 0 || f.MinLength < 0 || (f.MaxLength > 0 && f.MinLength > f.MaxLength) {
				add(f.Line, "field %q: minLength/maxLength out of order", f.path)
			}
			if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
				add(f.Line, "field %q: min above max", f.path)
			}
		}
	}
	walk(d.Fields, "")
	d.triggers = map[string]bool{}
	checkCond := func(c *Cond, where string) {
		if c == nil || c.Expr == nil {
			return
		}
		for _, v := range c.Vars() {
			if where != "rule" && !strings.HasPrefix(where, "rule ") {
				d.triggers[v] = true
			}
			if _, ok := d.byID[v]; !ok {
				add(c.Line, "%s reads %q, which is no field", where, v)
			}
		}
	}
	d.chapterBy = map[string]*Chapter{}
	placed := map[string]bool{}
	for _, c := range d.Chapters {
		if c == nil {
			add(1, "an empty chapter entry")
			continue
		}
		if !idRe.MatchString(c.ID) {
			add(c.Line, "chapter id %q: lower-case word", c.ID)
		}
		if d.chapterBy[c.ID] != nil {
			add(c.Line, "chapter %q defined twice", c.ID)
		}
		d.chapterBy[c.ID] = c
		if c.Title["de"] == "" {
			add(c.Line, "chapter %q has no German title", c.ID)
		}
		checkCond(c.ApplicableIf, "applicableIf of chapter "+c.ID)
		infos := map[string]bool{}
		for _, it := range c.Items {
			if it == nil {
				add(c.Line, "an empty item in chapter %q", c.ID)
				continue
			}
			switch {
			case it.Field == "" && it.Info["de"] == "":
				add(it.Line, "an item needs a field or a German info text")
			case it.Field == "":
				// Its translations are found by chapter and id.
				if !idRe.MatchString(it.ID) || strings.Contains(it.ID, ".") || infos[it.ID] {
					add(it.Line, "an info block needs an id of its own in chapter %q", c.ID)
				}
				infos[it.ID] = true
			case it.Field != "":
				f, ok := d.byID[it.Field]
				if !ok {
					add(it.Line, "item places %q, which is no field", it.Field)
					break
				}
				if placed[it.Field] {
					add(it.Line, "field %q placed twice", it.Field)
				}
				placed[it.Field] = true
				if it.Label["de"] == "" && f.Kind != "group" {
					add(it.Line, "field %q has no German label", it.Field)
				}
			}
			checkCond(it.VisibleIf, "visibleIf")
			checkCond(it.RequiredIf, "requiredIf")
		}
	}
	for _, r := range d.Rules {
		if r == nil {
			add(1, "an empty rule entry")
			continue
		}
		if r.If == nil || r.If.Expr == nil || r.Message["de"] == "" {
			add(r.Line, "a rule needs an if and a German message")
		}
		checkCond(r.If, "rule "+r.ID)
		if r.Field != "" {
			if _, ok := d.byID[r.Field]; !ok {
				add(r.Line, "rule %q points at %q, which is no field", r.ID, r.Field)
			}
		}
	}
	return errs
}

// autocompleteTokens are the HTML autocomplete tokens of the prefill
// sources: the person's own details, which browsers may fill in.
var autocompleteTokens = map[string]string{
	"givenName": "given-name", "surname": "family-name", "birthDate": "bday",
	"street": "street-address", "postcode": "postal-code", "locality": "address-level2", "email": "email",
}

// Autocomplete is the HTML autocomplete token of a field that asks for the
// person's own detail ("" for every other field: a partner's name is not
// the person's).
func (f *Field) Autocomplete() string { return autocompleteTokens[f.Prefill] }

// FieldByPath returns a field of the definition.
func (d *Definition) FieldByPath(p string) (*Field, bool) { f, ok := d.byID[p]; return f, ok }

// PrefillFields lists, in the order of the definition, the fields outside
// repeatable groups that name a prefill source.
func (d *Definition) PrefillFields() []string {
	var out []string
	var walk func(fs []*Field)
	walk = func(fs []*Field) {
		for _, f := range fs {
			if f.Kind == "group" {
				if f.Max == nil || *f.Max <= 1 {
					walk(f.Fields)
				}
				continue
			}
			if f.Prefill != "" {
				out = append(out, f.path)
			}
		}
	}
	walk(d.Fields)
	return out
}

// Triggers reports whether what shows or is required elsewhere depends on
// this field (visibleIf, requiredIf, applicableIf read it).
func (d *Definition) Triggers(field string) bool { return d.triggers[field] }

// Chapter returns a chapter by id.
func (d *Definition) Chapter(id string) (*Chapter, bool) { c, ok := d.chapterBy[id]; return c, ok }
