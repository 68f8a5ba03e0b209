package application_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/i18n"
	"github.com/sozialplattform/sozialplattform/internal/pdf"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// pdfText renders a document and reads it back with pdftotext.
func pdfText(t *testing.T, doc pdf.Document) string {
	t.Helper()
	tool := testenv.LookPath(t, "pdftotext")
	var buf bytes.Buffer
	if err := pdf.Render(&buf, doc); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestProcessingReportWhileDelivering: before delivery has started, and
// while it is under way, the processing report says "wird zugestellt" with
// what is known (office, route not yet decided, attempts) and that a later
// download says more; no empty section, and the document's title is not
// repeated as a section heading. A delivery that failed finally says to
// call the support.
func TestProcessingReportWhileDelivering(t *testing.T) {
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	de, _ := i18n.Lookup("de")
	tr := catalog.For(de)
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	sub := &application.Submission{ID: "7d1f0b0e-3c1a-4a5e-9d4f-2b8c6e0a1f23", SubmittedAt: at}

	notStarted := pdfText(t, application.Report(sub, "de", tr.T, "Hilfe zum Lebensunterhalt", "Sozialamt Troisdorf", nil))
	for _, want := range []string{"eingegangen, wird zugestellt", "Sozialamt Troisdorf", "Übertragungsweg", "wird bei der Zustellung festgelegt",
		"Zustellversuche", "Dieser Bericht zeigt, was bis jetzt bekannt ist", application.Reference(sub.ID)} {
		if !strings.Contains(notStarted, want) {
			t.Errorf("report before delivery lacks %q:\n%s", want, notStarted)
		}
	}
	if n := strings.Count(notStarted, "Verarbeitungsbericht"); n != 1 {
		t.Errorf("'Verarbeitungsbericht' %d times, want once (the title):\n%s", n, notStarted)
	}
	if n := strings.Count(notStarted, "Stand"); n != 1 {
		t.Errorf("'Stand' %d times, want once:\n%s", n, notStarted)
	}

	sent := pdfText(t, application.Report(sub, "de", tr.T, "Hilfe zum Lebensunterhalt", "Sozialamt Troisdorf",
		&application.ReportDelivery{Status: "sent", Transport: "xta", Destination: "dvdv:05382068", Reference: "msg-1", Attempts: 1, Updated: at.Add(time.Minute)}))
	for _, want := range []string{"übergeben, Bestätigung steht aus", "XTA 2 / OSCI", "dvdv:05382068", "msg-1", "10:31", "laden Sie den Bericht dann noch einmal herunter"} {
		if !strings.Contains(sent, want) {
			t.Errorf("report while waiting for confirmation lacks %q:\n%s", want, sent)
		}
	}

	failed := pdfText(t, application.Report(sub, "de", tr.T, "Hilfe zum Lebensunterhalt", "Sozialamt Troisdorf",
		&application.ReportDelivery{Status: "pending", Attempts: 5, Failed: true}))
	for _, want := range []string{"noch nicht zugestellt", "Telefonsupport", "montags bis freitags von 8 bis 18 Uhr"} {
		if !strings.Contains(failed, want) {
			t.Errorf("report of a failed delivery lacks %q:\n%s", want, failed)
		}
	}
}

// TestDeliveryFailsFinallyOnlyAfterTrying: one failed attempt is not yet a
// failure to tell a person about; five are, and so is half an hour of
// failing; a confirmed delivery or one whose last attempt went well never.
func TestDeliveryFailsFinallyOnlyAfterTrying(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		status, lastErr string
		attempts        int
		after           time.Duration
		want            bool
	}{
		{"pending", "routing: bad signature", 1, time.Minute, false},
		{"pending", "routing: bad signature", 5, 10 * time.Minute, true},
		{"pending", "status 503", 2, 31 * time.Minute, true},
		{"sent", "", 9, time.Hour, false},
		{"confirmed", "", 9, time.Hour, false},
	} {
		if got := application.DeliveryFailedFor(c.status, c.lastErr, c.attempts, at, at.Add(c.after)); got != c.want {
			t.Errorf("%+v: failed %v, want %v", c, got, c.want)
		}
	}
}

// TestDraftPDFSaysItsStateOnce: the PDF of an application in progress
// named its state twice, as a subtitle and in the row "Stand"; now once.
func TestDraftPDFSaysItsStateOnce(t *testing.T) {
	f, err := os.Open(filepath.Join(testenv.RepoRoot(t), "content", "antraege", "hilfe-zum-lebensunterhalt.v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := form.Load(f, "hzl")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"de", "ls", "en"} {
		lang, _ := i18n.Lookup(code)
		tr := catalog.For(lang)
		for _, sent := range []bool{false, true} {
			text := pdfText(t, application.Document(def, form.Answers{"antrag_fuer": "selbst"}, code, application.Texts(tr.T, "Hilfe zum Lebensunterhalt", sent),
				"7d1f0b0e-3c1a-4a5e-9d4f-2b8c6e0a1f23", "Sozialamt Troisdorf", time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC), nil, "unterlagen"))
			label, state := tr.T("form.receipt.status"), tr.T("pdf.status.draft")
			if sent {
				state = tr.T("form.receipt.status.submitted")
			}
			if n := strings.Count(text, label); n != 1 {
				t.Errorf("%s (sent %v): %q %d times, want once:\n%s", code, sent, label, n, text)
			}
			if !strings.Contains(text, state) {
				t.Errorf("%s (sent %v): the state %q is missing", code, sent, state)
			}
			if !sent && strings.Contains(text, tr.T("pdf.draft")) {
				t.Errorf("%s: the draft's state is said twice (subtitle %q and the row %q)", code, tr.T("pdf.draft"), label)
			}
		}
	}
}
