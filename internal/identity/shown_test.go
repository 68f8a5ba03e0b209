package identity_test

import (
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// TestBirthDateAndNationalityAsPeopleReadThem: BundID's ISO birth date is
// written the German way and its nationality code becomes the form's
// category and a word in the reader's language.
func TestBirthDateAndNationalityAsPeopleReadThem(t *testing.T) {
	for in, want := range map[string]string{"1964-08-12": "12.08.1964", "1964-08-12T00:00:00Z": "12.08.1964",
		"19640812": "12.08.1964", "1964-08-00": "00.08.1964", "12.08.1964": "12.08.1964", "": ""} {
		if got := (&identity.Identity{BirthDate: in}).ShownBirthDate(); got != want {
			t.Errorf("birth date %q shown as %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct{ code, category, de, en string }{
		{"D", "DEU", "Deutschland", "Germany"}, {"DEU", "DEU", "Deutschland", "Germany"}, {"de", "DEU", "Deutschland", "Germany"},
		{"POL", "EU", "Polen", "Poland"}, {"AT", "EU", "Österreich", "Austria"}, {"TR", "ANDERE", "Türkei", "Turkey"},
		{"SYR", "ANDERE", "Syrien", "Syria"}, {"XXA", "STAATENLOS", "XXA", "XXA"}, {"", "", "", ""}, {"??", "", "??", "??"},
	} {
		id := &identity.Identity{Nationality: c.code}
		if got := id.NationalityCategory(); got != c.category {
			t.Errorf("nationality %q: category %q, want %q", c.code, got, c.category)
		}
		if got := id.NationalityName("de"); got != c.de {
			t.Errorf("nationality %q in German: %q, want %q", c.code, got, c.de)
		}
		if got := id.NationalityName("en"); got != c.en {
			t.Errorf("nationality %q in English: %q, want %q", c.code, got, c.en)
		}
	}
}
