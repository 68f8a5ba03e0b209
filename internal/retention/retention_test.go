package retention_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/sozialplattform/sozialplattform/internal/booking"
	"io"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/delivery"
	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/identity"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return n
}

// TestEveryRuleDeletesAtItsDeadline fills every table a rule covers, moves
// the clock to just before and just after each deadline and checks that the
// sweeper keeps, then deletes.
func TestEveryRuleDeletesAtItsDeadline(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		now := start
		db.Now = func() time.Time { return now }
		sw := &retention.Sweeper{Store: db, Rules: retention.Rules, Now: db.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

		// One record per rule, created at start.
		db.SaveSession(ctx, &session.Record{TokenHash: "t", Kind: session.Visitor, Data: map[string]string{},
			CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(24 * time.Hour)})
		j, _ := job.NewJob(mail.JobKind, nil, start)
		sentID, _ := db.EnqueueMail(ctx, mail.Message{To: "a@example.org"}, j)
		db.MarkMailSent(ctx, sentID, start)
		j2, _ := job.NewJob(mail.JobKind, nil, start)
		failedID, _ := db.EnqueueMail(ctx, mail.Message{To: "b@example.org"}, j2)
		db.MarkMailAttempt(ctx, failedID, mail.Failed, "x")
		db.SaveCaughtMail(ctx, mail.Caught{ReceivedAt: start})
		// One finished job; the other stays open and must never be swept.
		cj, err := db.ClaimJob(ctx, "w", start, start.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		db.CompleteJob(ctx, cj.ID, start)
		fe, _ := feedback.NewEntry("/de/", "de", "5", "", start)
		db.CreateFeedback(ctx, fe)
		br, _ := feedback.NewBarrierReport("/de/", "de", "Kontrast", "", start)
		db.CreateBarrierReport(ctx, br)
		if err := db.SaveAuthnRequest(ctx, "id-1", identity.LevelNiedrig, "/de/", start.Add(30*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RememberAssertion(ctx, "a-1", start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.RememberSAMLSession(ctx, "k", "citizen:x", start.Add(8*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ds := &draft.Service{Store: db, Now: db.Now}
		if err := ds.Save(ctx, &draft.Draft{ID: "d-1", Owner: "citizen:x", Service: "hilfe-zum-lebensunterhalt", Data: "{}"}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddUpload(ctx, &upload.File{ID: "u-1", Application: "d-1", Slot: "nachweis", Name: "a.pdf", Type: upload.PDF,
			Size: 10, Status: upload.StatusClean, BlobKey: "u-1", KeySalt: []byte{1}, CreatedAt: start, ExpiresAt: start.Add(upload.DefaultLifetime)}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO application_status (id, owner, service, reference, status, sent_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			"s-1", "citizen:x", "hilfe-zum-lebensunterhalt", "SP-1", "sent", store.Millis(start), store.Millis(start)); err != nil {
			t.Fatal(err)
		}

		// A delivered application (kept for its receipt) and its confirmed delivery.
		if err := db.Hand(ctx, &application.Submission{ID: "s-2", LeiKa: "99107012017000", Service: "hilfe-zum-lebensunterhalt", Version: 1,
			Status: application.StatusSubmitted, SubmittedAt: start}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ClaimDelivery(ctx, "s-2", start, start.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmDelivery(ctx, &delivery.Record{SubmissionID: "s-2", Status: delivery.StatusConfirmed}, start); err != nil {
			t.Fatal(err)
		}

		// Access requests of centres: one never confirmed, one decided;
		// and a set-password link never used.
		for _, r := range []struct {
			id, status    string
			expires, decd int64
		}{{"r-1", "unconfirmed", store.Millis(start.Add(72 * time.Hour)), 0}, {"r-2", "approved", store.Millis(start.Add(72 * time.Hour)), store.Millis(start)}} {
			if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO access_requests (id, centre_name, traeger, contact_name, email, phone, message,
				token_hash, token_expires, status, created_at, decided_at) VALUES (?, 'S', 'T', 'N', 'e@example.org', '', '', ?, ?, ?, ?, ?)`),
				r.id, "h-"+r.id, r.expires, r.status, store.Millis(start), r.decd); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateToken(ctx, "tok", "staff-1", "set-password", start.Add(72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Two appointment bookings: one never confirmed (its hold ends 24 h
		// after start), one confirmed for an appointment at start.
		for i, st := range []time.Time{start.Add(48 * time.Hour), start} {
			_, ch := booking.NewToken()
			_, xh := booking.NewToken()
			b := booking.Booking{ID: fmt.Sprintf("b-%d", i), CentreID: "c", ServiceID: "s", Start: st, End: st.Add(time.Hour), State: booking.Pending,
				LastName: "L", FirstName: "F", Email: fmt.Sprintf("p%d@example.org", i), Lang: "de", CreatedAt: start.Add(-time.Hour),
				ExpiresAt: start.Add(24 * time.Hour)}
			if i == 1 {
				b.ExpiresAt = st
			}
			if err := db.ClaimSeat(ctx, booking.Claim{Booking: b, Seats: 1, ConfirmHash: ch, CancelHash: xh, ClientKey: "k", Now: start.Add(-time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if i == 1 {
				if _, err := db.Transition(ctx, b.ID, []string{booking.Pending}, booking.Confirmed, booking.Transition{Now: start.Add(-time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}
		}

		tables := map[string]string{"sessions": "sessions", "mail_sent": "mail_outbox", "mail_failed": "mail_outbox",
			"caught_mail": "caught_mail", "jobs": "jobs", "feedback": "feedback", "barrier_reports": "barrier_reports",
			"saml_requests": "saml_requests", "saml_assertions": "saml_assertions", "drafts": "drafts", "application_status": "application_status",
			"saml_sessions": "saml_sessions", "uploads": "uploads", "submissions_delivered": "submissions",
			"deliveries_confirmed": "deliveries", "access_requests_unconfirmed": "access_requests",
			"access_requests_decided": "access_requests", "staff_tokens": "staff_tokens",
			"bookings_unconfirmed": "bookings", "bookings_past": "bookings"}
		// Rules that delete at a record's own expiry: when that is.
		expiry := map[string]time.Duration{"sessions": 24 * time.Hour, "saml_requests": 30 * time.Minute,
			"saml_assertions": time.Hour, "drafts": draft.Lifetime, "saml_sessions": 8 * time.Hour,
			"uploads": upload.DefaultLifetime, "access_requests_unconfirmed": 72 * time.Hour, "staff_tokens": 72 * time.Hour,
			"bookings_unconfirmed": 24 * time.Hour}
		// Group rules by deadline (several rules may share one), then check each
		// group: nothing goes a minute early, exactly its records go a minute late.
		groups := map[time.Duration][]retention.Rule{}
		var order []time.Duration
		for _, r := range retention.Rules {
			if r.Name == "retention_runs" {
				continue
			}
			if _, ok := tables[r.Name]; !ok {
				t.Fatalf("rule %s has no check in this test: add one", r.Name)
			}
			d := r.After
			if e, ok := expiry[r.Name]; ok {
				d = e
			}
			if groups[d] == nil {
				order = append(order, d)
			}
			groups[d] = append(groups[d], r)
		}
		sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
		snapshot := func() map[string]int {
			m := map[string]int{}
			for _, tb := range tables {
				m[tb] = count(t, db, tb)
			}
			return m
		}
		for _, d := range order {
			now = start.Add(d - time.Minute)
			before := snapshot()
			if err := sw.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Errorf("deadline %s: deleted early: %v → %v", d, before, got)
			}
			now = start.Add(d + time.Minute)
			if err := sw.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			want := before
			for _, r := range groups[d] {
				want[tables[r.Name]]--
			}
			if got := snapshot(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("deadline %s (%v): got %v, want %v", d, groups[d], got, want)
			}
		}
		runs, err := db.LastRetentionRuns(ctx)
		if err != nil || len(runs) != len(retention.Rules) {
			t.Fatalf("runs recorded: %d, %v", len(runs), err)
		}
	})
}

func TestRulesAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range retention.Rules {
		if r.Name == "" || r.Target == "" || r.Source == "" || seen[r.Name] {
			t.Errorf("incomplete or duplicate rule %+v", r)
		}
		seen[r.Name] = true
	}
}
