package web_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// The web layer's rooms, checked with go list: what each package imports,
// directly and through others, against the map in docs/architecture.md.

const module = "github.com/sozialplattform/sozialplattform"

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// ownPackages lists every package of the module with its imports.
func ownPackages(t *testing.T) map[string]listed {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func own(deps []string) []string {
	var out []string
	for _, d := range deps {
		if strings.HasPrefix(d, module+"/") {
			out = append(out, strings.TrimPrefix(d, module+"/"))
		}
	}
	sort.Strings(out)
	return out
}

// isArea reports whether a package is one of the web layer's areas.
func isArea(p string) bool { return strings.HasPrefix(p, "internal/web/") }

// isStandIn reports whether a package stands in for an outside system.
func isStandIn(p string) bool {
	return strings.HasSuffix(p, "/standin") || strings.HasSuffix(p, "/testidp")
}

func TestWebLayerImports(t *testing.T) {
	pkgs := ownPackages(t)
	// The kit may lean on the infrastructure it serves, nothing else of ours.
	kitMay := map[string]bool{"internal/i18n": true, "internal/session": true}
	var areas []string
	for path, p := range pkgs {
		rel := strings.TrimPrefix(path, module+"/")
		deps := own(p.Deps)
		switch {
		case rel == "internal/web":
			for _, d := range deps {
				if !kitMay[d] {
					t.Errorf("the web kit depends on %s: it knows no domain package (give the kit a function or an option instead)", d)
				}
			}
		case isArea(rel):
			areas = append(areas, rel)
			for _, d := range deps {
				if isArea(d) {
					t.Errorf("area %s depends on area %s: areas share only the kit and the domain packages", rel, d)
				}
				if isStandIn(d) && rel != "internal/web/devpages" {
					t.Errorf("production area %s depends on the stand-in %s", rel, d)
				}
			}
		case strings.HasPrefix(rel, "cmd/"):
		default:
			// Domain packages and adapters: never the web layer; the store
			// only for the store itself and the test databases.
			for _, d := range own(p.Imports) {
				if d == "internal/web" || isArea(d) {
					t.Errorf("%s imports the web layer (%s)", rel, d)
				}
				if d == "internal/store" && rel != "internal/testenv" {
					t.Errorf("%s imports the store: declare the small interface it needs instead", rel)
				}
			}
		}
		// Only cmd wires areas together.
		if !strings.HasPrefix(rel, "cmd/") {
			for _, d := range own(p.Imports) {
				if isArea(d) && !strings.HasPrefix(rel, "internal/web/") {
					t.Errorf("%s imports the area %s: only cmd mounts areas", rel, d)
				}
			}
		}
	}
	sort.Strings(areas)
	want := []string{"internal/web/api", "internal/web/apply", "internal/web/backoffice", "internal/web/citizen",
		"internal/web/counsel", "internal/web/devpages", "internal/web/info"}
	if strings.Join(areas, " ") != strings.Join(want, " ") {
		t.Errorf("areas are %v, want %v (a new area belongs in this list and in docs/architecture.md)", areas, want)
	}
}
