package form

import (
	"encoding/json"
	"testing"
	"time"
)

func mustExpr(t testing.TB, src string) *Expr {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	e, err := Compile(v)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return e
}

func TestOperators(t *testing.T) {
	today := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	vars := MapVars{"a": "ja", "n": "3", "born": "1990-05-01", "moved": "2026-12-01", "kinds": []any{"lohn", "rente"}, "empty": ""}
	for src, want := range map[string]any{
		`{"==": [{"var": "a"}, "ja"]}`:                  true,
		`{"!=": [{"var": "a"}, "ja"]}`:                  false,
		`{"==": [{"var": "n"}, 3]}`:                     true, // text answers compare as numbers
		`{"<": [{"var": "n"}, 10]}`:                     true,
		`{"<=": [3, {"var": "n"}]}`:                     true,
		`{">": [{"var": "n"}, 3]}`:                      false,
		`{">=": [{"var": "n"}, 3]}`:                     true,
		`{"<": [{"var": "born"}, {"today": 0}]}`:        true,
		`{">": [{"var": "moved"}, {"today": 0}]}`:       true, // a date in the future
		`{"<=": [{"var": "born"}, {"today": -6570}]}`:   true, // at least 18 years old
		`{"in": ["rente", {"var": "kinds"}]}`:           true,
		`{"in": ["kindergeld", {"var": "kinds"}]}`:      false,
		`{"in": ["ja", ["ja", "nein"]]}`:                true,
		`{"in": ["lo", "hello"]}`:                       true,
		`{"and": [true, {"==": [{"var": "a"}, "ja"]}]}`: true,
		`{"and": [true, false]}`:                        false,
		`{"or": [false, {"var": "a"}]}`:                 true,
		`{"not": {"var": "empty"}}`:                     true,
		`{"not": [{"var": "missing"}]}`:                 true,
		`{"<": [{"var": "missing"}, 5]}`:                false, // missing never compares
		`{">": [{"var": "a"}, 5]}`:                      false, // unlike values never compare
		`{"today": 1}`:                                  "2026-11-26",
		`{"==": [[1, 2], [1, 2]]}`:                      true,
	} {
		if got := mustExpr(t, src).Eval(vars, today); got != want {
			t.Errorf("%s = %v, want %v", src, got, want)
		}
	}
}

func TestCompileRefuses(t *testing.T) {
	for _, src := range []string{
		`{"eval": "x"}`, `{"==": [1]}`, `{"==": [1, 2], "!=": [1, 2]}`, `{"var": 3}`, `{"var": ""}`,
		`{"today": 1.5}`, `{"today": "x"}`, `{"and": []}`, `{"<": [1, 2, 3]}`,
	} {
		var v any
		json.Unmarshal([]byte(src), &v)
		if _, err := Compile(v); err == nil {
			t.Errorf("%s accepted", src)
		}
	}
	deep := `1`
	for i := 0; i < MaxExprDepth+2; i++ {
		deep = `{"not": ` + deep + `}`
	}
	var v any
	json.Unmarshal([]byte(deep), &v)
	if _, err := Compile(v); err == nil {
		t.Error("too deep accepted")
	}
}

func TestVarsListsFieldPaths(t *testing.T) {
	e := mustExpr(t, `{"and": [{"==": [{"var": "b"}, 1]}, {"in": [{"var": "a"}, ["x"]]}, {"var": "b"}]}`)
	if got := e.Vars(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("%v", got)
	}
}

func FuzzExpr(f *testing.F) {
	for _, s := range []string{`{"==": [{"var": "a"}, "ja"]}`, `{"and": [true, {"not": false}]}`, `{"in": ["x", "xyz"]}`, `{"today": -3}`, `[1, "a", null]`} {
		f.Add(s)
	}
	vars := MapVars{"a": "ja", "n": "3"}
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		var v any
		if json.Unmarshal([]byte(src), &v) != nil {
			return
		}
		e, err := Compile(v)
		if err != nil {
			return
		}
		_ = e.Eval(vars, today) // must not panic
		_ = e.Vars()
	})
}
