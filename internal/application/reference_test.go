package application

import (
	"regexp"
	"testing"

	"github.com/google/uuid"
)

func TestReferenceIsShortStableAndReadable(t *testing.T) {
	const id = "c0ffee00-0000-4000-8000-000000000001"
	ref := Reference(id)
	if ref != Reference(id) {
		t.Fatal("not stable")
	}
	shape := regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	seen := map[string]bool{}
	for range 100000 {
		r := Reference(uuid.NewString())
		if !shape.MatchString(r) {
			t.Fatalf("%q: not three groups of Crockford letters", r)
		}
		if seen[r] {
			t.Fatalf("%q twice in 100,000", r)
		}
		seen[r] = true
	}
}
