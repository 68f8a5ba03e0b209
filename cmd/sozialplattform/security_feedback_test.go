package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
)

// caughtTo is every caught mail to address, raw with quoted-printable
// soft breaks undone.
func caughtTo(t *testing.T, in *instance, to string) []string {
	t.Helper()
	if _, err := in.Queue.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	mails, err := in.DB.ListCaughtMail(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range mails {
		if strings.Contains(m.Recipients, to) {
			full, err := in.DB.FindCaughtMail(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(full.Raw))
		}
	}
	return out
}

// TestBarrierConfirmationEchoesNothing (issue 16, item 3): the confirmation
// to the address typed into the form carries a fixed text and a reference,
// nothing the sender typed; the operator's copy keeps the description.
func TestBarrierConfirmationEchoesNothing(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	token := b.get("/en/barrierefreiheit").csrf(t)
	phish := "Your account is blocked. Log in at http://phish.example/login now"
	p := b.post("/en/barrierefreiheit", url.Values{"description": {phish}, "email": {"victim@example.org"},
		"page": {"/en/hilfe"}, "csrf_token": {token}})
	if p.status != 303 {
		t.Fatalf("report: %d", p.status)
	}
	victim := caughtTo(t, in, "victim@example.org")
	if len(victim) != 1 {
		t.Fatalf("%d confirmations", len(victim))
	}
	for _, s := range []string{"phish.example", "account is blocked", "Log in at"} {
		if strings.Contains(victim[0], s) {
			t.Errorf("confirmation echoes the sender's text %q", s)
		}
	}
	if !strings.Contains(victim[0], "Thank you for your report") || !strings.Contains(victim[0], "Reference of your report: B-") {
		t.Errorf("confirmation lacks the fixed text or the reference:\n%s", victim[0])
	}
	op := caughtTo(t, in, "betrieb@example.org")
	if len(op) != 1 || !strings.Contains(op[0], "http://phish.example/login") {
		t.Fatalf("operator's copy lacks the description: %d", len(op))
	}
	i := strings.Index(victim[0], "Reference of your report: B-")
	if i < 0 {
		return
	}
	ref := victim[0][i+len("Reference of your report: "):][:12]
	if !strings.Contains(op[0], ref) {
		t.Errorf("operator's copy lacks the reference %s", ref)
	}
}

// TestBarrierReportLimits (issue 16, item 3): at most
// feedback.MaxReportsPerAddress confirmations to one address and
// feedback.MaxReportsPerClient reports from one client; beyond, 429 with a
// message in the reader's language beside the form, everything typed kept,
// and no mail.
func TestBarrierReportLimits(t *testing.T) {
	in := start(t, testConfig(t))
	b := newBrowser(t, in.base)
	token := b.get("/tr/barrierefreiheit").csrf(t)
	report := func(desc, email string) page {
		return b.post("/tr/barrierefreiheit", url.Values{"description": {desc}, "email": {email},
			"page": {"/tr/hilfe"}, "csrf_token": {token}})
	}
	for i := range feedback.MaxReportsPerAddress {
		if p := report("Kontrast zu schwach", "target@example.org"); p.status != 303 {
			t.Fatalf("report %d: %d", i+1, p.status)
		}
	}
	p := report("Kontrast zu schwach <b>nochmal</b>", "target@example.org")
	if p.status != 429 {
		t.Fatalf("report beyond the address limit: %d", p.status)
	}
	p.mustContain(t, "Bu form üzerinden az önce çok fazla bildirim gönderildi", `href="#barrier-description"`,
		`id="barrier-description-error"`, "Kontrast zu schwach &lt;b&gt;nochmal&lt;/b&gt;", `value="target@example.org"`, `value="/tr/hilfe"`)
	if n := len(caughtTo(t, in, "target@example.org")); n != feedback.MaxReportsPerAddress {
		t.Errorf("%d confirmations to one address, want %d", n, feedback.MaxReportsPerAddress)
	}

	// The same client with other addresses (and none): stopped at the
	// client's limit, counting the refused report above.
	for i := feedback.MaxReportsPerAddress + 1; i < feedback.MaxReportsPerClient; i++ {
		if p := report("Schrift zu klein", ""); p.status != 303 {
			t.Fatalf("report %d: %d", i+1, p.status)
		}
	}
	if p := report("Schrift zu klein", "other@example.org"); p.status != 429 {
		t.Fatalf("report beyond the client limit: %d", p.status)
	}
	if n := len(caughtTo(t, in, "other@example.org")); n != 0 {
		t.Errorf("%d mails beyond the client limit", n)
	}
}

// TestFeedbackExportSystemAdminsOnly (issue 16, item 5): a year of
// citizens' comments is for system administrators, not counsellors.
func TestFeedbackExportSystemAdminsOnly(t *testing.T) {
	in := start(t, testConfig(t))
	c := signInOrgStaff(t, in, "counsellor-a@example.org", account.Counsellor, "org-a")
	if p := c.get("/de/intern/feedback.csv"); p.status != 403 || strings.Contains(p.body, "created_at") {
		t.Errorf("counsellor: %d", p.status)
	}
	// Nor is the link offered to whom it would answer 403.
	if p := c.get("/de/intern/"); strings.Contains(p.body, "feedback.csv") {
		t.Error("the counsellor's home links to the feedback export")
	}
	o := signInOrgStaff(t, in, "orgadmin-a@example.org", account.OrgAdmin, "org-a")
	if p := o.get("/de/intern/feedback.csv"); p.status != 403 {
		t.Errorf("organisation admin: %d", p.status)
	}
	b := newBrowser(t, in.base)
	signInStaff(t, in, b, "de")
	b.get("/de/intern/").mustContain(t, "feedback.csv")
	if p := b.get("/de/intern/feedback.csv"); p.status != 200 || !strings.Contains(p.body, "created_at") {
		t.Errorf("system admin: %d", p.status)
	}
}

// TestLimitsCountClientsBehindALoadBalancer: behind a load balancer every
// request comes from the balancer's address; the limits count the client
// it names in X-Forwarded-For, so one person at the limit does not stop
// the next (before, all visitors shared one count and one could lock the
// rest out), and a client that writes its own X-Forwarded-For is still
// counted under the address the balancer saw.
func TestLimitsCountClientsBehindALoadBalancer(t *testing.T) {
	in := start(t, testConfig(t))
	report := func(b *browser) int {
		token := b.get("/de/barrierefreiheit").csrf(t)
		return b.post("/de/barrierefreiheit", url.Values{"description": {"Kontrast zu schwach"}, "page": {"/de/hilfe"}, "csrf_token": {token}}).status
	}
	first := newBrowser(t, in.base)
	for i := range feedback.MaxReportsPerClient {
		// A client varying its own header: the balancer appends what it saw.
		first.forwardedFor = fmt.Sprintf("198.51.100.%d, 203.0.113.7", i)
		if s := report(first); s != 303 {
			t.Fatalf("report %d: %d", i+1, s)
		}
	}
	if s := report(first); s != 429 {
		t.Fatalf("report beyond the client limit: %d", s)
	}
	next := newBrowser(t, in.base)
	next.forwardedFor = "203.0.113.8"
	if s := report(next); s != 303 {
		t.Errorf("the next client behind the same balancer: %d, want 303", s)
	}
}
