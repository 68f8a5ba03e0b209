// Package form is the application assistant's engine: form definitions as
// data (fields, chapters, conditions), evaluated and validated only in Go.
package form

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Expr is a condition in a small, safe JSON-logic subset:
//
//	{"==": [a, b]}  {"!=": [a, b]}  {"<": [a, b]}  {"<=": …}  {">": …}  {">=": …}
//	{"and": [x, y, …]}  {"or": [x, y, …]}  {"not": x}
//	{"in": [needle, haystack]}   haystack: a list, or a string (substring)
//	{"var": "field.path"}        the answer of a field ("" / false / 0 if none)
//	{"today": n}                 today's date plus n days, as YYYY-MM-DD
//	literals: strings, numbers, booleans, null, lists
//
// Expressions are parsed once when a definition loads (Compile) and then
// evaluated without allocation-heavy reflection; depth and size are bounded,
// so a definition cannot make evaluation slow.
type Expr struct {
	op   string
	args []*Expr
	lit  any    // literal value for op == "lit"
	name string // field path for op == "var"
	days int    // offset for op == "today"
}

// Limits on expressions.
const (
	MaxExprDepth = 32
	MaxExprNodes = 512
)

var ops = map[string]int{ // operator -> number of arguments (-1: 1 or more)
	"==": 2, "!=": 2, "<": 2, "<=": 2, ">": 2, ">=": 2,
	"and": -1, "or": -1, "not": 1, "in": 2, "var": 1, "today": 1, "count": 1,
}

// Compile turns decoded JSON/YAML data (map[string]any, []any, string,
// float64, int, bool, nil) into an expression.
func Compile(v any) (*Expr, error) {
	n := 0
	return compile(v, 0, &n)
}

func compile(v any, depth int, n *int) (*Expr, error) {
	*n++
	if depth > MaxExprDepth {
		return nil, errors.New("expression nested too deeply")
	}
	if *n > MaxExprNodes {
		return nil, errors.New("expression too large")
	}
	switch x := v.(type) {
	case nil, bool, string:
		return &Expr{op: "lit", lit: x}, nil
	case int:
		return &Expr{op: "lit", lit: float64(x)}, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errors.New("number out of range")
		}
		return &Expr{op: "lit", lit: x}, nil
	case []any:
		e := &Expr{op: "list"}
		for _, it := range x {
			c, err := compile(it, depth+1, n)
			if err != nil {
				return nil, err
			}
			e.args = append(e.args, c)
		}
		return e, nil
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("an operation has exactly one operator, got %d keys", len(x))
		}
		for op, arg := range x {
			want, ok := ops[op]
			if !ok {
				return nil, fmt.Errorf("unknown operator %q", op)
			}
			switch op {
			case "var", "count":
				s, ok := arg.(string)
				if !ok || s == "" || len(s) > 200 {
					return nil, fmt.Errorf("%q takes a field path", op)
				}
				return &Expr{op: op, name: s}, nil
			case "today":
				var d float64
				switch a := arg.(type) {
				case int:
					d = float64(a)
				case float64:
					d = a
				default:
					return nil, errors.New(`"today" takes a number of days`)
				}
				if d != math.Trunc(d) || math.Abs(d) > 200*366 {
					return nil, errors.New(`"today" takes whole days within 200 years`)
				}
				return &Expr{op: "today", days: int(d)}, nil
			}
			list, ok := arg.([]any)
			if !ok {
				list = []any{arg}
			}
			if (want > 0 && len(list) != want) || (want < 0 && len(list) == 0) {
				return nil, fmt.Errorf("%q takes %d arguments, got %d", op, want, len(list))
			}
			e := &Expr{op: op}
			for _, it := range list {
				c, err := compile(it, depth+1, n)
				if err != nil {
					return nil, err
				}
				e.args = append(e.args, c)
			}
			return e, nil
		}
	}
	return nil, fmt.Errorf("unsupported value %T in an expression", v)
}

// Counter answers "count": how many entries a repeatable group has. Vars
// that are no Counter count nothing.
type Counter interface {
	Count(group string) int
}

// Vars answers "var" lookups: the current answers of a form.
type Vars interface {
	Value(path string) (any, bool)
}

// MapVars is Vars over a plain map.
type MapVars map[string]any

// Value implements Vars.
func (m MapVars) Value(p string) (any, bool) { v, ok := m[p]; return v, ok }

// Eval evaluates the expression; today is the date "today" counts from.
func (e *Expr) Eval(vars Vars, today time.Time) any {
	switch e.op {
	case "lit":
		return e.lit
	case "list":
		out := make([]any, len(e.args))
		for i, a := range e.args {
			out[i] = a.Eval(vars, today)
		}
		return out
	case "var":
		if vars == nil {
			return nil
		}
		v, _ := vars.Value(e.name)
		return normalise(v)
	case "today":
		return today.AddDate(0, 0, e.days).Format("2006-01-02")
	case "count":
		if c, ok := vars.(Counter); ok {
			return float64(c.Count(e.name))
		}
		return float64(0)
	case "and":
		for _, a := range e.args {
			if !Truthy(a.Eval(vars, today)) {
				return false
			}
		}
		return true
	case "or":
		for _, a := range e.args {
			if Truthy(a.Eval(vars, today)) {
				return true
			}
		}
		return false
	case "not":
		return !Truthy(e.args[0].Eval(vars, today))
	case "in":
		needle, hay := e.args[0].Eval(vars, today), e.args[1].Eval(vars, today)
		switch h := hay.(type) {
		case []any:
			for _, it := range h {
				if equal(needle, it) {
					return true
				}
			}
			return false
		case string:
			s, ok := needle.(string)
			return ok && s != "" && strings.Contains(h, s)
		}
		return false
	}
	a, b := e.args[0].Eval(vars, today), e.args[1].Eval(vars, today)
	switch e.op {
	case "==":
		return equal(a, b)
	case "!=":
		return !equal(a, b)
	}
	c, ok := compare(a, b)
	if !ok {
		return false // comparing unlike or missing values is never true
	}
	switch e.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// Truthy: false, nil, "", 0 and empty lists are false.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	case []any:
		return len(x) > 0
	}
	return true
}

func normalise(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

func equal(a, b any) bool {
	if fa, ok := num(a); ok {
		if fb, ok := num(b); ok {
			return fa == fb
		}
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// num reads numbers, and strings that are plain decimal numbers (answers of
// number fields arrive as text).
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		if x == "" || len(x) > 30 {
			return 0, false
		}
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func compare(a, b any) (int, bool) {
	if fa, ok := num(a); ok {
		if fb, ok := num(b); ok {
			switch {
			case fa < fb:
				return -1, true
			case fa > fb:
				return 1, true
			}
			return 0, true
		}
	}
	sa, ok1 := a.(string)
	sb, ok2 := b.(string)
	if ok1 && ok2 && sa != "" && sb != "" {
		// Dates are YYYY-MM-DD and compare as text.
		return strings.Compare(sa, sb), true
	}
	return 0, false
}

// Vars lists the field paths the expression reads (for checking a
// definition: every variable must name a field).
func (e *Expr) Vars() []string {
	seen := map[string]bool{}
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x.op == "var" || x.op == "count" {
			seen[x.name] = true
		}
		for _, a := range x.args {
			walk(a)
		}
	}
	walk(e)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
