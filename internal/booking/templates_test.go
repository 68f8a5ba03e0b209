package booking

import (
	"strings"
	"testing"
)

// TestTemplates: a centre's wording needs a subject, a text, only known
// placeholders and, where the mail must carry one, the link; values fill
// in as plain text and never break the subject line; a kind worded in
// one language must be worded in all.
func TestTemplates(t *testing.T) {
	ok := Template{CentreID: "c", Lang: "de", Kind: MailConfirm, Subject: "Ihr Termin am {datum}", Body: "Hallo {vorname},\nbitte bestätigen: {link}"}
	if p := ok.Validate(); len(p) != 0 {
		t.Fatalf("valid template refused: %v", p)
	}
	for name, bad := range map[string]Template{
		"no link":    {Lang: "de", Kind: MailConfirm, Subject: "S", Body: "ohne Link"},
		"unknown":    {Lang: "de", Kind: MailConfirmed, Subject: "S", Body: "{kontonummer}"},
		"no subject": {Lang: "de", Kind: MailConfirmed, Body: "x"},
		"bad lang":   {Lang: "xx", Kind: MailConfirmed, Subject: "S", Body: "x"},
		"long":       {Lang: "de", Kind: MailConfirmed, Subject: "S", Body: strings.Repeat("x", MaxTemplateBody+1)},
	} {
		if p := bad.Validate(); len(p) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	subj, body := ok.Render(map[string]string{"datum": "09.12.2026\nBcc: x@example.org", "vorname": "<b>Lina</b>", "link": "https://x/y"})
	if strings.Contains(subj, "\n") || !strings.Contains(body, "<b>Lina</b>") || !strings.Contains(body, "https://x/y") {
		t.Errorf("rendered %q / %q", subj, body)
	}
	missing := MissingTemplates([]Template{ok, {Lang: "en", Kind: MailConfirm}})
	if len(missing[MailConfirm]) != 6 || len(missing[MailReminder]) != 0 {
		t.Errorf("missing %v", missing)
	}
}

// TestEmailNeedsADomain: "ali@beispiel" parses as an address, but no mail
// can arrive there; the confirmation link would never reach the person.
func TestEmailNeedsADomain(t *testing.T) {
	for email, ok := range map[string]bool{"ali@beispiel": false, "ali@beispiel.de": true, "ali@.de": false, "ali@beispiel.": false} {
		r := Request{LastName: "A", FirstName: "B", Email: email}
		if got := len(r.Validate()) == 0; got != ok {
			t.Errorf("%q: valid %v, want %v", email, got, ok)
		}
	}
}
