package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/feedback"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/session"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

var ctx = context.Background()

func TestMigrations(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		cur, latest, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur != latest || cur == 0 {
			t.Fatalf("migration version %d, latest %d", cur, latest)
		}
		// Applying again is a no-op.
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRebind(t *testing.T) {
	db := &store.DB{Dialect: store.Postgres}
	got := db.Rebind(`SELECT '?' , a FROM t WHERE a = ? AND b = ?`)
	if want := `SELECT '?' , a FROM t WHERE a = $1 AND b = $2`; got != want {
		t.Fatalf("Rebind = %q, want %q", got, want)
	}
}

func TestSessions(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Now().UTC().Truncate(time.Millisecond)
		r := &session.Record{TokenHash: "h1", Kind: session.Staff, StaffID: "s1", Data: map[string]string{"a": "ä"},
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := db.SaveSession(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindSession(ctx, "h1", now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["a"] != "ä" || got.StaffID != "s1" || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("got %+v", got)
		}
		if _, err := db.FindSession(ctx, "h1", now.Add(2*time.Hour)); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("expired session found: %v", err)
		}
		r.Data["b"] = "x"
		r.ExpiresAt = now.Add(2 * time.Hour)
		if err := db.SaveSession(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindSession(ctx, "h1", now.Add(90*time.Minute)); got == nil || got.Data["b"] != "x" {
			t.Fatal("update not stored")
		}
		if err := db.DeleteStaffSessions(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindSession(ctx, "h1", now); !errors.Is(err, session.ErrNotFound) {
			t.Fatal("session of signed-out staff still there")
		}
	})
}

func TestJobs(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Now()
		j1, _ := job.NewJob("k", map[string]int{"x": 1}, now, job.Unique("u1"))
		if err := db.InsertJob(ctx, j1, now); err != nil {
			t.Fatal(err)
		}
		dup, _ := job.NewJob("k", nil, now, job.Unique("u1"))
		if err := db.InsertJob(ctx, dup, now); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountJobs(ctx, "k", job.Available); n != 1 {
			t.Fatalf("unique key: %d jobs", n)
		}
		later, _ := job.NewJob("k", nil, now, job.At(now.Add(time.Hour)))
		db.InsertJob(ctx, later, now)

		got, err := db.ClaimJob(ctx, "w1", now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != j1.ID || got.Attempts != 1 || string(got.Args) != `{"x":1}` {
			t.Fatalf("claimed %+v", got)
		}
		if _, err := db.ClaimJob(ctx, "w2", now, now.Add(time.Minute)); !errors.Is(err, job.ErrNoJob) {
			t.Fatalf("claimed a running or future job: %v", err)
		}
		// A lease that ran out (crashed worker) makes the job claimable again.
		again, err := db.ClaimJob(ctx, "w2", now.Add(2*time.Minute), now.Add(3*time.Minute))
		if err != nil || again.ID != j1.ID || again.Attempts != 2 {
			t.Fatalf("reclaim: %+v %v", again, err)
		}
		if err := db.CompleteJob(ctx, j1.ID, now); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.CountJobs(ctx, "k", job.Done); n != 1 {
			t.Fatal("job not done")
		}
	})
}

func TestStaff(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		svc := &account.Service{Store: db, Now: time.Now}
		if _, err := svc.Create(ctx, "A@Example.org ", "A", account.SystemAdmin, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, "a@example.org", "B", account.OrgAdmin, "correct horse battery"); !errors.Is(err, account.ErrExists) {
			t.Fatalf("duplicate email: %v", err)
		}
		st, err := db.FindStaffByEmail(ctx, "a@example.org")
		if err != nil || st.Role != account.SystemAdmin {
			t.Fatalf("%+v %v", st, err)
		}
	})
}

func TestMailOutbox(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		j, _ := job.NewJob(mail.JobKind, nil, time.Now())
		id, err := db.EnqueueMail(ctx, mail.Message{To: "x@example.org", Subject: "S", Text: "T", HTML: "<p>T</p>"}, j)
		if err != nil {
			t.Fatal(err)
		}
		e, err := db.FindMail(ctx, id)
		if err != nil || e.Status != mail.Pending || e.Message.To != "x@example.org" {
			t.Fatalf("%+v %v", e, err)
		}
		got, err := db.ClaimJob(ctx, "w", time.Now(), time.Now().Add(time.Minute))
		if err != nil || got.Kind != mail.JobKind || string(got.Args) != `{"outbox_id":"`+id+`"}` {
			t.Fatalf("send job not written with the outbox entry: %+v %v", got, err)
		}
	})
}

func TestRetentionTargets(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		// Every rule's target has a statement, and it runs on this engine.
		for _, r := range retention.Rules {
			if _, err := db.DeleteOlderThan(ctx, r.Target, time.Now()); err != nil {
				t.Errorf("rule %s: %v", r.Name, err)
			}
		}
	})
}

func TestFeedback(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		e, errs := feedback.NewEntry("/de/hilfe?x=1", "de", "4", "=HYPERLINK(\"x\")", time.Now())
		if errs != nil {
			t.Fatal(errs)
		}
		if err := db.CreateFeedback(ctx, e); err != nil {
			t.Fatal(err)
		}
		var got []feedback.Entry
		db.ListFeedback(ctx, time.Now().Add(-time.Hour), func(e feedback.Entry) error { got = append(got, e); return nil })
		if len(got) != 1 || got[0].Page != "/de/hilfe" || got[0].Rating != 4 {
			t.Fatalf("%+v", got)
		}
	})
}

func TestSecretIsSharedAndStable(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		a, err := db.Secret(ctx, "csrf")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := db.Secret(ctx, "csrf")
		if len(a) != 32 || string(a) != string(b) {
			t.Fatal("secret changed between calls")
		}
	})
}
