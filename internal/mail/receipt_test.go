package mail_test

import (
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// TestApplicationReceiptSaysOnlyTheReference: the confirmation of a sent
// application names the reference number in its subject and body, the
// service, the office and the time, in every language, and nothing else.
func TestApplicationReceiptSaysOnlyTheReference(t *testing.T) {
	c := &mail.Composer{Catalog: i18n.MustLoad(), BaseURL: "https://x.example"}
	data := mail.ApplicationReceipt{Reference: "29QG-1TYK-E5VG", Service: "Hilfe zum Lebensunterhalt", Office: "Sozialamt Troisdorf", Time: "02.12.2026 10:30"}
	for _, l := range i18n.Languages {
		m, err := c.Compose(l, "application_receipt", "a@example.org", data)
		if err != nil {
			t.Fatal(l.Code, err)
		}
		if !strings.Contains(m.Subject, "29QG-1TYK-E5VG") || strings.Contains(m.Subject, "{") || strings.Contains(m.Subject, "mail.") {
			t.Errorf("%s: subject %q", l.Code, m.Subject)
		}
		for _, body := range []string{m.Text, m.HTML} {
			for _, want := range []string{data.Reference, data.Service, data.Office, data.Time} {
				if !strings.Contains(body, want) {
					t.Errorf("%s: body lacks %q", l.Code, want)
				}
			}
			if strings.Contains(body, "mail.application_receipt") || strings.Contains(body, "form.receipt.") {
				t.Errorf("%s: untranslated key in %q", l.Code, body)
			}
		}
	}
}
