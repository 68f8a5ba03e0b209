package store_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/application"
	"github.com/sozialplattform/sozialplattform/internal/form"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func newSubmission(owner string, at time.Time) *application.Submission {
	return &application.Submission{ID: uuid.NewString(), LeiKa: "99107012017000", Service: "hilfe-zum-lebensunterhalt", Version: 1,
		OfficeID: "office-1", ARS: "053150000000", Owner: owner, Lang: "de",
		Answers: form.Answers{"person.vorname": "Özgül", "person.nachname": "Müller-Lüdenscheidt", "adresse.strasse": "Heidestraße 17",
			"nothilfe_text": "Zeile 1\nZeile 2 „ß“ <&>", "einkommen.#": "1", "einkommen.0.betrag": "612,40"},
		Uploads:         []string{uuid.NewString(), uuid.NewString()},
		PostkorbConsent: true, PostkorbHandle: "postkorb-äöü-1", Level: "substantial",
		SubmittedAt: at, Status: application.StatusSubmitted}
}

func TestSubmissionRoundTrip(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		// Sub-millisecond parts are dropped; the millisecond is kept.
		at := time.Date(2026, 11, 25, 9, 30, 15, 123_456_789, time.UTC)
		s := newSubmission("owner-hash-1", at)
		if err := db.Hand(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindSubmission(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := *s
		want.SubmittedAt = at.Truncate(time.Millisecond)
		if !got.SubmittedAt.Equal(want.SubmittedAt) {
			t.Fatalf("submitted at %v, want %v", got.SubmittedAt, want.SubmittedAt)
		}
		got.SubmittedAt = want.SubmittedAt // same instant; compare the rest field by field
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("round trip\n got %+v\nwant %+v", *got, want)
		}

		// Without consent, uploads or sign-in.
		a := newSubmission("", at)
		a.PostkorbConsent, a.PostkorbHandle, a.Level, a.Uploads = false, "", "", []string{}
		if err := db.Hand(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err = db.FindSubmission(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.PostkorbConsent || got.PostkorbHandle != "" || got.Owner != "" || got.Level != "" || len(got.Uploads) != 0 ||
			got.Answers["person.nachname"] != "Müller-Lüdenscheidt" {
			t.Fatalf("anonymous submission %+v", got)
		}
		// A nil uploads list reads back as empty, not as an error.
		n := newSubmission("", at)
		n.Uploads = nil
		if err := db.Hand(ctx, n); err != nil {
			t.Fatal(err)
		}
		if got, err := db.FindSubmission(ctx, n.ID); err != nil || len(got.Uploads) != 0 {
			t.Fatalf("nil uploads: %+v %v", got, err)
		}
	})
}

func TestSubmissionHandTwiceKeepsTheFirst(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
		first := newSubmission("owner-hash-2", at)
		if err := db.Hand(ctx, first); err != nil {
			t.Fatal(err)
		}
		second := newSubmission("owner-hash-2", at.Add(time.Minute))
		second.ID = first.ID
		second.Answers = form.Answers{"person.nachname": "Zweiter Versuch"}
		second.Uploads = nil
		second.Status = "delivered"
		if err := db.Hand(ctx, second); err != nil {
			t.Fatalf("handing the same application again failed: %v", err)
		}
		got, err := db.FindSubmission(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Answers["person.nachname"] != "Müller-Lüdenscheidt" || !got.SubmittedAt.Equal(at) || got.Status != application.StatusSubmitted ||
			!reflect.DeepEqual(got.Uploads, first.Uploads) {
			t.Fatalf("the second hand-over replaced the first: %+v", got)
		}
		apps, err := db.ListApplications(ctx, "owner-hash-2", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 1 || !apps[0].SentAt.Equal(at) {
			t.Fatalf("status lines after handing twice: %+v", apps)
		}
	})
}

func TestSubmissionStatusLine(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		at := time.Date(2026, 11, 25, 9, 30, 0, 250_000_000, time.UTC)
		signed := newSubmission("owner-hash-3", at)
		if err := db.Hand(ctx, signed); err != nil {
			t.Fatal(err)
		}
		anon := newSubmission("", at)
		if err := db.Hand(ctx, anon); err != nil {
			t.Fatal(err)
		}
		apps, err := db.ListApplications(ctx, "owner-hash-3", at.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) != 1 {
			t.Fatalf("%d status lines for the signed-in owner: %+v", len(apps), apps)
		}
		a := apps[0]
		if a.ID != signed.ID || a.Owner != "owner-hash-3" || a.Service != "hilfe-zum-lebensunterhalt" || a.Reference != signed.ID ||
			a.Status != application.StatusSubmitted || !a.SentAt.Equal(at) || !a.UpdatedAt.Equal(at) {
			t.Fatalf("status line %+v", a)
		}
		// The anonymous hand-over wrote none: not under "" and not under anyone else.
		if apps, err := db.ListApplications(ctx, "", time.Time{}); err != nil || len(apps) != 0 {
			t.Fatalf("anonymous status lines: %+v %v", apps, err)
		}
		if apps, _ := db.ListApplications(ctx, "owner-hash-other", time.Time{}); len(apps) != 0 {
			t.Fatalf("another owner sees %+v", apps)
		}
		// The anonymous submission itself is recorded.
		if got, err := db.FindSubmission(ctx, anon.ID); err != nil || got.Owner != "" {
			t.Fatalf("anonymous submission: %+v %v", got, err)
		}
	})
}

func TestFindSubmissionUnknown(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		if got, err := db.FindSubmission(ctx, uuid.NewString()); !errors.Is(err, application.ErrNotFound) || got != nil {
			t.Fatalf("unknown id: %+v %v", got, err)
		}
		if _, err := db.FindSubmission(ctx, ""); !errors.Is(err, application.ErrNotFound) {
			t.Fatalf("empty id: %v", err)
		}
	})
}

// The outbox is the delivery the application assistant hands to.
var _ application.Delivery = (*store.DB)(nil)
