package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestRightPasswordDoesNotResetCodeFailures: otherwise someone who knows
// an administrator's password could guess codes without end, signing in
// again after every four.
func TestRightPasswordDoesNotResetCodeFailures(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	svc := &account.Service{Store: testenv.SQLite(t), Now: clk.Now}
	st, err := svc.Create(ctx, "admin@example.org", "A", account.OrgAdmin, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	secret := account.NewSecret()
	if _, _, err := svc.Enrol(ctx, st.ID, secret, account.CodeAt(secret, clk.t)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < account.MaxFailures; i++ {
		if _, err := svc.Authenticate(ctx, "admin@example.org", "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.VerifyCode(ctx, st.ID, "wrong"); !errors.Is(err, account.ErrInvalidCode) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := svc.Authenticate(ctx, "admin@example.org", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.VerifyRecoveryCode(ctx, st.ID, "aaaa-aaaa-aa"); !errors.Is(err, account.ErrLocked) {
		t.Fatalf("5th failure: %v, want locked", err)
	}
	if _, err := svc.Authenticate(ctx, "admin@example.org", "a long enough password"); !errors.Is(err, account.ErrLocked) {
		t.Fatalf("password during the lock: %v", err)
	}
	// A counsellor has no second factor: the password completes the sign-in.
	c, err := svc.Create(ctx, "c@example.org", "C", account.Counsellor, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Authenticate(ctx, "c@example.org", "a long enough password"); err != nil || got.ID != c.ID || got.LastLoginAt.IsZero() {
		t.Fatalf("counsellor: %+v %v", got, err)
	}
	if _, err := svc.Enrolled(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
}
