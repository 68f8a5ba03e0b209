package account_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func TestPasswordHash(t *testing.T) {
	h, err := account.HashPassword("Kürbis-Suppe 2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the chosen parameters", h)
	}
	if ok, _ := account.CheckPassword(h, "Kürbis-Suppe 2026"); !ok {
		t.Fatal("right password refused")
	}
	if ok, _ := account.CheckPassword(h, "kürbis-suppe 2026"); ok {
		t.Fatal("wrong password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA"} {
		if _, err := account.CheckPassword(bad, "x"); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestThrottleAfterRepeatedFailures(t *testing.T) {
	ctx := context.Background()
	db := testenv.SQLite(t)
	clk := &clock{t: time.Now()}
	svc := &account.Service{Store: db, Now: clk.Now}
	if _, err := svc.Create(ctx, "a@example.org", "A", account.SystemAdmin, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@example.org", "nobody@example.org"} {
		for i := 1; i < account.AccountFreeFailures; i++ {
			if _, err := svc.SignIn(ctx, email, "wrong", "10.0.0.1"); !errors.Is(err, account.ErrInvalidLogin) {
				t.Fatalf("%s failure %d: %v", email, i, err)
			}
		}
		if _, err := svc.SignIn(ctx, email, "wrong", "10.0.0.1"); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("%s failure %d: %v, want throttled", email, account.AccountFreeFailures, err)
		}
	}
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.1"); !errors.Is(err, account.ErrLocked) {
		t.Fatalf("right password from the failing client: %v", err)
	}
	if _, err := svc.SignIn(ctx, "A@Example.org", "a long enough password", "10.0.0.2"); err != nil {
		t.Fatalf("right password from another client: %v", err)
	}
	clk.t = clk.t.Add(account.ThrottleMax + time.Second)
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.1"); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
}

func TestCreateValidates(t *testing.T) {
	svc := &account.Service{Store: testenv.SQLite(t), Now: time.Now}
	for _, c := range []struct{ email, role, pw string }{
		{"not-an-email", "system-admin", "a long enough password"},
		{"a@example.org", "king", "a long enough password"},
		{"a@example.org", "org-admin", "short"},
	} {
		if _, err := svc.Create(context.Background(), c.email, "", account.Role(c.role), c.pw); !errors.Is(err, account.ErrInvalid) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
