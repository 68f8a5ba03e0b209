package account_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/store"
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
	svc := &account.Service{Store: db, Now: clk.Now, DeviceKey: []byte("test device key, 32 bytes long..")}
	if _, err := svc.Create(ctx, "a@example.org", "A", account.SystemAdmin, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	// The owner signed in on this computer before: a device cookie.
	device := svc.DeviceToken("a@example.org")
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.9", device); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@example.org", "nobody@example.org"} {
		for i := 1; i < account.AccountFreeFailures; i++ {
			if _, err := svc.SignIn(ctx, email, "wrong", "10.0.0.1", ""); !errors.Is(err, account.ErrInvalidLogin) {
				t.Fatalf("%s failure %d: %v", email, i, err)
			}
		}
		if _, err := svc.SignIn(ctx, email, "wrong", "10.0.0.1", ""); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("%s failure %d: %v, want throttled", email, account.AccountFreeFailures, err)
		}
	}
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.1", ""); !errors.Is(err, account.ErrLocked) {
		t.Fatalf("right password from the failing client: %v", err)
	}
	// A throttled account is throttled for every browser without its
	// device cookie, from any address ...
	if _, err := svc.SignIn(ctx, "A@Example.org", "a long enough password", "10.0.0.2", ""); !errors.Is(err, account.ErrLocked) {
		t.Fatalf("right password from another client without a device cookie: %v", err)
	}
	// ... a forged or foreign cookie changes nothing ...
	for _, forged := range []string{"x.y", device + "x", svc.DeviceToken("nobody@example.org"), strings.Repeat("a", 300)} {
		if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.2", forged); !errors.Is(err, account.ErrLocked) {
			t.Fatalf("forged device cookie %q: %v", forged, err)
		}
	}
	// ... and the owner's own computer still gets in.
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.3", device); err != nil {
		t.Fatalf("the owner with the device cookie: %v", err)
	}
	clk.t = clk.t.Add(account.ThrottleMax + time.Second)
	if _, err := svc.SignIn(ctx, "a@example.org", "a long enough password", "10.0.0.1", ""); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
}

// TestGuessesFromManyAddressesAreBounded (ASVS 2.2.1, found by the
// security map): an attacker with a fresh address for every guess gets
// far fewer than 100 password checks an hour against one account; every
// other attempt is refused without a check.
func TestGuessesFromManyAddressesAreBounded(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	db := &countingStore{DB: testenv.SQLite(t)}
	svc := &account.Service{Store: db, Now: clk.Now, DeviceKey: []byte("test device key, 32 bytes long..")}
	if _, err := svc.Create(ctx, "a@example.org", "A", account.SystemAdmin, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	for i := range 3600 { // one guess a second for an hour, each from a new address
		_, err := svc.SignIn(ctx, "a@example.org", "wrong", fmt.Sprintf("2001:db8::%x", i), "")
		if err == nil || !errors.Is(err, account.ErrLocked) && !errors.Is(err, account.ErrInvalidLogin) {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(time.Second)
	}
	// Every checked password is one recorded failure per counter.
	if checked := db.failures / 3; checked > 30 {
		t.Fatalf("%d passwords checked in an hour from fresh addresses, want a handful (ASVS: at most 100)", checked)
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

// TestOneIPv6NetworkIsOneClient: the addresses of one /64 share the
// per-client budget (one subscriber can take a new one for every guess).
func TestOneIPv6NetworkIsOneClient(t *testing.T) {
	ctx := context.Background()
	svc := &account.Service{Store: testenv.SQLite(t), Now: time.Now}
	var last error
	for i := range account.ClientFreeFailures + 2 {
		// A different account each time: only the client counter can stop it.
		_, last = svc.SignIn(ctx, fmt.Sprintf("u%d@example.org", i), "wrong", fmt.Sprintf("2001:db8:1:2::%x", i+1), "")
	}
	if !errors.Is(last, account.ErrLocked) {
		t.Fatalf("after %d failures from one /64: %v, want throttled", account.ClientFreeFailures+2, last)
	}
	if _, err := svc.SignIn(ctx, "other@example.org", "wrong", "2001:db8:1:3::1", ""); !errors.Is(err, account.ErrInvalidLogin) {
		t.Fatalf("the next /64: %v", err)
	}
}

// countingStore counts the failures recorded, that is the passwords
// actually checked and found wrong.
type countingStore struct {
	*store.DB
	failures int
}

func (c *countingStore) RecordThrottleFailure(ctx context.Context, key string, now, forgetBefore time.Time) (int, error) {
	c.failures++
	return c.DB.RecordThrottleFailure(ctx, key, now, forgetBefore)
}
