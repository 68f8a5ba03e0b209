package mail

import (
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
)

// TestCustomMail: a centre's own text goes out as typed with the footer;
// in HTML it is escaped, keeps its lines and links web addresses only.
func TestCustomMail(t *testing.T) {
	c := &Composer{Catalog: i18n.MustLoad(), BaseURL: "https://sp.example"}
	ar, _ := i18n.Lookup("ar")
	m, err := c.Custom(ar, "a@example.org", "Ihr Termin\nBcc: x", "Hallo <b>Lina</b>,\nbitte hier bestätigen:\nhttps://sp.example/ar/termin/bestaetigen/abc\n\nMehr unter https://sp.example/info.\n\nGruß")
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Ihr Termin Bcc: x" || !strings.Contains(m.Text, "Hallo <b>Lina</b>") || !strings.Contains(m.Text, "-- ") {
		t.Errorf("text: %q %q", m.Subject, m.Text)
	}
	for _, want := range []string{`dir="rtl"`, "Hallo &lt;b&gt;Lina&lt;/b&gt;,<br>", `<a href="https://sp.example/ar/termin/bestaetigen/abc"`, `<a href="https://sp.example/info" style="word-break: break-all;">https://sp.example/info</a>.`, "<p>Gruß</p>"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if strings.Contains(m.HTML, "<b>") {
		t.Error("HTML not escaped")
	}
}
