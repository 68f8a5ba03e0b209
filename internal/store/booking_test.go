package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/booking"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func claim(svc string, start, now time.Time, seats int, email, client string) booking.Claim {
	_, ch := booking.NewToken()
	_, xh := booking.NewToken()
	return booking.Claim{Booking: booking.Booking{ID: uuid.NewString(), CentreID: "c1", ServiceID: svc, Start: start, End: start.Add(time.Hour),
		State: booking.Pending, LastName: "L", FirstName: "F", Email: email, Lang: "de", CreatedAt: now, ExpiresAt: now.Add(booking.PendingLifetime)},
		Seats: seats, ConfirmHash: ch, CancelHash: xh, ClientKey: client, MaxPerEmail: 3, MaxPerClient: 5, Now: now}
}

// TestLastSeatUnderContention (issue 17): 200 concurrent claims for a
// slot with one seat left give exactly one booking; everyone else hears
// "just taken". On both engines.
func TestLastSeatUnderContention(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		start := now.Add(48 * time.Hour)
		// Two seats, one taken already.
		if err := db.ClaimSeat(ctx, claim("s1", start, now, 2, "first@example.org", "k0")); err != nil {
			t.Fatal(err)
		}
		const n = 200
		errs := make([]error, n)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				errs[i] = db.ClaimSeat(ctx, claim("s1", start, now, 2, fmt.Sprintf("p%d@example.org", i), fmt.Sprintf("k%d", i+1)))
			}()
		}
		close(gate)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, booking.ErrSlotTaken):
			default:
				t.Fatalf("unexpected: %v", err)
			}
		}
		taken, err := db.Taken(ctx, "s1", start, start.Add(time.Minute), now)
		if err != nil {
			t.Fatal(err)
		}
		if won != 1 || taken[start.UnixMilli()] != 2 {
			t.Fatalf("%d claims won, %d seats held; want 1 and 2", won, taken[start.UnixMilli()])
		}
	})
}

// TestConfirmRacesCancelAndExpiry: for one pending booking a confirmation,
// a cancellation and the hold's expiry race; exactly one wins, the seat
// is held exactly when the winner is the confirmation, and every state
// change is a guarded step.
func TestConfirmRacesCancelAndExpiry(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for round := range 10 {
			now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
			start := now.Add(72*time.Hour + time.Duration(round)*time.Hour)
			c := claim("s2", start, now, 1, fmt.Sprintf("r%d@example.org", round), "kr")
			c.MaxPerClient = 0
			if err := db.ClaimSeat(ctx, c); err != nil {
				t.Fatal(err)
			}
			id := c.Booking.ID
			later := now.Add(time.Hour)
			results := make([]error, 3)
			var wg sync.WaitGroup
			gate := make(chan struct{})
			steps := []func() error{
				func() error {
					_, err := db.Transition(ctx, id, []string{booking.Pending}, booking.Confirmed, booking.Transition{Now: later, ReminderDue: start.Add(-24 * time.Hour)})
					return err
				},
				func() error {
					_, err := db.Transition(ctx, id, []string{booking.Pending, booking.Confirmed}, booking.Cancelled, booking.Transition{Now: later})
					return err
				},
				func() error {
					_, err := db.Transition(ctx, id, []string{booking.Pending}, booking.Expired, booking.Transition{Now: later})
					return err
				},
			}
			for i, f := range steps {
				wg.Add(1)
				go func() { defer wg.Done(); <-gate; results[i] = f() }()
			}
			close(gate)
			wg.Wait()
			b, err := db.FindBooking(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			taken, _ := db.Taken(ctx, "s2", start, start.Add(time.Minute), later)
			held := taken[start.UnixMilli()]
			switch b.State {
			case booking.Confirmed:
				// A cancellation after the confirmation may win too.
				if held != 1 {
					t.Fatalf("round %d: confirmed but %d seats held", round, held)
				}
			case booking.Cancelled, booking.Expired:
				if held != 0 {
					t.Fatalf("round %d: %s but the seat is still held", round, b.State)
				}
			default:
				t.Fatalf("round %d: state %s", round, b.State)
			}
			ok := 0
			for _, err := range results {
				if err == nil {
					ok++
				} else if !errors.Is(err, booking.ErrWrongState) {
					t.Fatal(err)
				}
			}
			if ok < 1 || ok > 2 || ok == 2 && b.State != booking.Cancelled {
				t.Fatalf("round %d: %d steps succeeded ending in %s", round, ok, b.State)
			}
		}
	})
}

// TestHoldsExpireAndLimits: a hold that ran out frees its seat for the
// next claim (and the old booking is EXPIRED, no longer confirmable); one
// address holds at most MaxPerEmail pending bookings.
func TestHoldsExpireAndLimits(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		start := now.Add(5 * 24 * time.Hour)
		old := claim("s3", start, now, 1, "a@example.org", "ka")
		if err := db.ClaimSeat(ctx, old); err != nil {
			t.Fatal(err)
		}
		if err := db.ClaimSeat(ctx, claim("s3", start, now.Add(time.Hour), 1, "b@example.org", "kb")); !errors.Is(err, booking.ErrSlotTaken) {
			t.Fatalf("while held: %v", err)
		}
		after := now.Add(booking.PendingLifetime + time.Minute)
		if err := db.ClaimSeat(ctx, claim("s3", start, after, 1, "b@example.org", "kb")); err != nil {
			t.Fatalf("after the hold ran out: %v", err)
		}
		if b, _ := db.FindBooking(ctx, old.Booking.ID); b.State != booking.Expired {
			t.Fatalf("the old booking is %s", b.State)
		}
		if _, err := db.Transition(ctx, old.Booking.ID, []string{booking.Pending}, booking.Confirmed, booking.Transition{Now: after}); !errors.Is(err, booking.ErrWrongState) {
			t.Fatalf("confirming an expired booking: %v", err)
		}
		for i := range 3 {
			if err := db.ClaimSeat(ctx, claim("s4", start.Add(time.Duration(i)*time.Hour), now, 1, "same@example.org", fmt.Sprintf("c%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ClaimSeat(ctx, claim("s4", start.Add(9*time.Hour), now, 1, "SAME@example.org", "c9")); !errors.Is(err, booking.ErrTooMany) {
			t.Fatalf("a fourth pending booking for one address: %v", err)
		}
	})
}

// TestReminderExactlyOnce: several instances reach the same due reminder
// at once; exactly one marks it and queues its mail, in the same
// transaction (so a crash between the two cannot lose or double it).
func TestReminderExactlyOnce(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
		start := now.Add(30 * time.Hour)
		c := claim("s5", start, now, 1, "rem@example.org", "kx")
		if err := db.ClaimSeat(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Transition(ctx, c.Booking.ID, []string{booking.Pending}, booking.Confirmed,
			booking.Transition{Now: now, ReminderDue: start.Add(-24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		later := start.Add(-23 * time.Hour)
		due, err := db.DueReminders(ctx, later, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		const n = 8
		sent := make([]bool, n)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				_, hash := booking.NewToken()
				j, _ := job.NewJob(mail.JobKind, mail.JobArgs{}, later)
				ok, err := db.MarkReminded(ctx, c.Booking.ID, later, hash, mail.Message{To: "rem@example.org", Subject: "Erinnerung"}, j)
				if err != nil {
					t.Error(err)
				}
				sent[i] = ok
			}()
		}
		close(gate)
		wg.Wait()
		k := 0
		for _, ok := range sent {
			if ok {
				k++
			}
		}
		var mails int
		if err := db.QueryRowContext(ctx, db.Rebind(`SELECT COUNT(*) FROM mail_outbox WHERE recipient = ?`), "rem@example.org").Scan(&mails); err != nil {
			t.Fatal(err)
		}
		if k != 1 || mails != 1 {
			t.Fatalf("%d instances sent the reminder, %d mails queued; want 1 and 1", k, mails)
		}
		if due, _ := db.DueReminders(ctx, later.Add(time.Hour), 10); len(due) != 0 {
			t.Fatalf("still due after sending: %d", len(due))
		}
	})
}

// TestBookingReadyMovesTheVersion: a change of the set of centres with
// working booking moves the centres' version (the finder follows); the
// same set again does not.
func TestBookingReadyMovesTheVersion(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v0, _ := db.CentresVersion(ctx)
		if err := db.SetBookingReady(ctx, []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		v1, _ := db.CentresVersion(ctx)
		if err := db.SetBookingReady(ctx, []string{"b", "a"}); err != nil {
			t.Fatal(err)
		}
		v2, _ := db.CentresVersion(ctx)
		ready, _ := db.BookingReady(ctx)
		if v1 == v0 || v2 != v1 || !ready["a"] || !ready["b"] || len(ready) != 2 {
			t.Fatalf("versions %d %d %d, ready %v", v0, v1, v2, ready)
		}
	})
}
