package geo

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Köln":                      "koln",
		"Koeln":                     "koln",
		"KOLN":                      "koln",
		"Mülheim an der Ruhr":       "mulheim an der ruhr",
		"Muelheim-an-der-Ruhr":      "mulheim an der ruhr",
		"Gießen":                    "giessen",
		"Halle (Saale)":             "halle saale",
		"  Bad   Oeynhausen ":       "bad oynhausen",
		"Soest":                     "sost",
		"Frankfurt/Main":            "frankfurt main",
		"Sankt Augustin":            "sankt augustin",
		"<script>alert(1)</script>": "script alert 1 script",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
