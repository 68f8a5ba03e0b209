package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func TestStaffSecondFactor(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		svc := &account.Service{Store: db, Now: time.Now}
		st, err := svc.Create(ctx, "admin@example.org", "A", account.OrgAdmin, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindTOTP(ctx, st.ID); !errors.Is(err, account.ErrNotEnrolled) {
			t.Fatalf("not enrolled: %v", err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		if err := db.EnrolTOTP(ctx, &account.TOTP{StaffID: st.ID, Secret: "SECRET", EnrolledAt: now, LastStep: 100}, []string{"h1", "h2"}); err != nil {
			t.Fatal(err)
		}
		// A second enrolment (another tab, another instance) does not
		// replace the first authenticator.
		if err := db.EnrolTOTP(ctx, &account.TOTP{StaffID: st.ID, Secret: "OTHER", EnrolledAt: now, LastStep: 100}, []string{"h3"}); !errors.Is(err, account.ErrAlreadyEnrolled) {
			t.Fatalf("second enrolment: %v", err)
		}
		got, err := db.FindTOTP(ctx, st.ID)
		if err != nil || got.Secret != "SECRET" || got.LastStep != 100 || !got.EnrolledAt.Equal(now) {
			t.Fatalf("%+v %v", got, err)
		}
		if n, err := db.CountRecoveryCodes(ctx, st.ID); err != nil || n != 2 {
			t.Fatalf("recovery codes after the refused enrolment: %d %v", n, err)
		}

		for _, c := range []struct {
			step int64
			want bool
		}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
			if ok, err := db.AdvanceTOTPStep(ctx, st.ID, c.step); err != nil || ok != c.want {
				t.Fatalf("step %d: %v %v, want %v", c.step, ok, err, c.want)
			}
		}
		// Two instances accepting the same code at once: one wins.
		var wg sync.WaitGroup
		wins := make(chan bool, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.AdvanceTOTPStep(ctx, st.ID, 104)
				if err != nil {
					t.Error(err)
				}
				wins <- ok
			}()
		}
		wg.Wait()
		close(wins)
		n := 0
		for ok := range wins {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("step 104 accepted %d times", n)
		}

		if ok, err := db.UseRecoveryCode(ctx, st.ID, "h1", now); err != nil || !ok {
			t.Fatalf("first use: %v %v", ok, err)
		}
		if ok, _ := db.UseRecoveryCode(ctx, st.ID, "h1", now); ok {
			t.Fatal("a recovery code worked twice")
		}
		if ok, _ := db.UseRecoveryCode(ctx, "someone-else", "h2", now); ok {
			t.Fatal("another person's recovery code worked")
		}
		if n, _ := db.CountRecoveryCodes(ctx, st.ID); n != 1 {
			t.Fatalf("%d unused codes, want 1", n)
		}
		if err := db.ReplaceRecoveryCodes(ctx, st.ID, []string{"n1", "n2", "n3"}); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.UseRecoveryCode(ctx, st.ID, "h2", now); ok {
			t.Fatal("an old recovery code works after regenerating")
		}
		if n, _ := db.CountRecoveryCodes(ctx, st.ID); n != 3 {
			t.Fatalf("%d unused codes after regenerating, want 3", n)
		}
	})
}

// TestSecondFactorService runs the account service's second factor on both
// databases: enrolment, a code once, recovery codes once, lockout.
func TestSecondFactorService(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Now()
		svc := &account.Service{Store: db, Now: func() time.Time { return now }}
		st, err := svc.Create(ctx, "sys@example.org", "S", account.SystemAdmin, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		secret := account.NewSecret()
		_, codes, err := svc.Enrol(ctx, st.ID, secret, account.CodeAt(secret, now))
		if err != nil || len(codes) != account.RecoveryCodeCount {
			t.Fatalf("enrol: %d codes, %v", len(codes), err)
		}
		// The enrolment code's step is used up.
		if _, err := svc.VerifyCode(ctx, st.ID, account.CodeAt(secret, now)); !errors.Is(err, account.ErrInvalidCode) {
			t.Fatalf("enrolment code again: %v", err)
		}
		now = now.Add(account.TOTPPeriod)
		if _, err := svc.VerifyCode(ctx, st.ID, account.CodeAt(secret, now)); err != nil {
			t.Fatalf("next code: %v", err)
		}
		if _, err := svc.VerifyRecoveryCode(ctx, st.ID, codes[3]); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		if _, err := svc.VerifyRecoveryCode(ctx, st.ID, codes[3]); !errors.Is(err, account.ErrInvalidCode) {
			t.Fatalf("recovery code twice: %v", err)
		}
		if n, _ := db.CountRecoveryCodes(ctx, st.ID); n != account.RecoveryCodeCount-1 {
			t.Fatalf("%d codes left", n)
		}
		// The failed recovery attempt above counts: four more lock.
		for i := 2; i < account.MaxFailures; i++ {
			if _, err := svc.VerifyCode(ctx, st.ID, "000000"); !errors.Is(err, account.ErrInvalidCode) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, err := svc.VerifyCode(ctx, st.ID, "000000"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("5th failure: %v", err)
		}
		now = now.Add(account.TOTPPeriod)
		if _, err := svc.VerifyCode(ctx, st.ID, account.CodeAt(secret, now)); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("right code while locked: %v", err)
		}
	})
}
