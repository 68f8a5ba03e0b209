package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// withEmail makes the applicant of sendHzL give an e-mail address.
func withEmail(t *testing.T, addr string) {
	t.Helper()
	was := hzlAnswers["antragsteller"]
	hzlAnswers["antragsteller"] = append(append([]string(nil), was...), "kontakt.email", addr)
	t.Cleanup(func() { hzlAnswers["antragsteller"] = was })
}

// reportText downloads the receipt's processing report and reads it.
func reportText(t *testing.T, b *browser, receipt string) string {
	t.Helper()
	tool := testenv.LookPath(t, "pdftotext")
	p := b.get(receipt + "/verarbeitungsbericht.pdf")
	if p.status != 200 || !strings.HasPrefix(p.body, "%PDF") {
		t.Fatalf("processing report: %d", p.status)
	}
	file := filepath.Join(t.TempDir(), "bericht.pdf")
	if err := os.WriteFile(file, []byte(p.body), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestReceiptFollowsTheDelivery: right after "Absenden" the receipt says
// "eingegangen, wird zugestellt" and that reloading shows the current
// state, and the processing report says so with what is known (never an
// empty section); once the office's side has confirmed, reloading the
// receipt says "zugestellt". The address typed into the form gets one
// confirmation mail in the person's language with the reference number,
// the service, the office and the time, and nothing personal.
func TestReceiptFollowsTheDelivery(t *testing.T) {
	in := start(t, testConfig(t))
	withEmail(t, "erika.quittung@example.org")
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	ref := application.Reference(id)

	before := b.get(receipt)
	before.mustContain(t, "eingegangen, wird zugestellt", "Laden Sie diese Seite neu, um den aktuellen Stand zu sehen",
		"Wir haben eine Bestätigung an die angegebene E-Mail-Adresse geschickt")
	if strings.Contains(before.body, "zugestellt – die zuständige Stelle hat den Antrag erhalten") {
		t.Fatal("delivered before any delivery ran")
	}
	if cc := before.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("receipt Cache-Control %q", cc)
	}
	report := reportText(t, b, receipt)
	for _, want := range []string{"eingegangen, wird zugestellt", "Dieser Bericht zeigt, was bis jetzt bekannt ist", "Zustellversuche", ref} {
		if !strings.Contains(report, want) {
			t.Errorf("report before delivery lacks %q:\n%s", want, report)
		}
	}

	// The mail (the job queue runs it) and then the delivery.
	raw := lastMail(t, in, "erika.quittung@example.org")
	for _, want := range []string{ref, "Hilfe zum Lebensunterhalt", "Antragsnummer"} {
		if !strings.Contains(raw, want) {
			t.Errorf("confirmation mail lacks %q", want)
		}
	}
	for _, secret := range []string{"Erika", "Müller", "Heidestraße", "53840", "DE89", "612"} {
		if strings.Contains(raw, secret) {
			t.Errorf("confirmation mail carries personal data %q", secret)
		}
	}
	if !strings.Contains(raw, "Subject: ") || !strings.Contains(strings.SplitN(raw[strings.Index(raw, "Subject: "):], "\n", 2)[0], ref) {
		t.Error("the subject lacks the reference number")
	}
	_, rec := deliveredBy(t, in, receipt)
	if rec.Status != "confirmed" {
		t.Fatalf("delivery %+v", rec)
	}
	after := b.get(receipt)
	after.mustContain(t, "zugestellt – die zuständige Stelle hat den Antrag erhalten")
	if strings.Contains(after.body, "eingegangen, wird zugestellt") {
		t.Error("the receipt still says 'wird zugestellt' after the office confirmed")
	}
	if report := reportText(t, b, receipt); !strings.Contains(report, "zugestellt und vom Zustelldienst bestätigt") {
		t.Errorf("report after delivery:\n%s", report)
	}
	if strings.Contains(in.logs.String(), "erika.quittung") {
		t.Error("the e-mail address is in the log")
	}
}

// TestReceiptGivesTheSupportHintWhenDeliveryFails: when delivery keeps
// failing, the receipt says the application has not reached the office
// and names the telephone support (the seed: "Sofern die
// Antragsverarbeitung nicht erfolgreich war, erfolgt ein Verweis auf die
// Supporthotline"); one failed attempt is not yet a reason to call.
func TestReceiptGivesTheSupportHintWhenDeliveryFails(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	receipt := sendHzL(t, b)
	id := receipt[strings.LastIndex(receipt, "/")+1:]
	fc := runningStandin(t, in)
	fc.FailNext("POST /token", 503, application.GiveUpAfterAttempts)
	if err := in.Delivery.Deliver(t.Context(), id); err == nil {
		t.Fatal("the first attempt did not fail")
	}
	once := b.get(receipt)
	if strings.Contains(once.body, "Telefonsupport") {
		t.Fatal("support hint after a single failed attempt")
	}
	once.mustContain(t, "eingegangen, wird zugestellt")
	for i := 1; i < application.GiveUpAfterAttempts; i++ {
		if err := in.Delivery.Deliver(t.Context(), id); err == nil {
			t.Fatalf("attempt %d did not fail", i+1)
		}
	}
	failed := b.get(receipt)
	failed.mustContain(t, "Ihr Antrag konnte bisher nicht zugestellt werden", "Telefonsupport", "montags bis freitags von 8 bis 18 Uhr",
		application.Reference(id), `href="/de/hilfe"`)
	if report := reportText(t, b, receipt); !strings.Contains(report, "noch nicht zugestellt") || !strings.Contains(report, "Telefonsupport") {
		t.Errorf("report of a failed delivery:\n%s", report)
	}
	// Delivery goes on; when it succeeds, the receipt says so.
	if err := in.Delivery.Deliver(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	b.get(receipt).mustContain(t, "zugestellt – die zuständige Stelle hat den Antrag erhalten")
}
