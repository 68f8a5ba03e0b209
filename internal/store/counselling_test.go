package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/account"
	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/geo"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestCentresAcrossOrganisations: on both databases, the editor lets each
// organisation administrator read and change only their own centres, keeps
// the organisation of a centre on every change, moves the directory's
// version with every write, and logs who changed which fields.
func TestCentresAcrossOrganisations(t *testing.T) {
	places, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		for _, id := range []string{"a", "b"} {
			if err := db.CreateOrganisation(ctx, counselling.Organisation{ID: id, Name: "Org " + id, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		ed := &counselling.Editor{Store: db, Places: places, Now: func() time.Time { return now }}
		tick := func() { now = now.Add(time.Second) }
		adminA := counselling.Actor{ID: "u-a", Role: counselling.RoleOrgAdmin, OrgID: "a"}
		adminB := counselling.Actor{ID: "u-b", Role: counselling.RoleOrgAdmin, OrgID: "b"}
		counsellor := counselling.Actor{ID: "u-c", Role: counselling.RoleCounsellor, OrgID: "a"}
		v0, _ := db.CentresVersion(ctx)
		c := &counselling.Centre{OrgID: "b", Name: "Beratung Köln", Types: []string{"sucht"}, Traeger: "T",
			Locations: []counselling.Location{{Street: "Weg 1", Postcode: "50667", City: "Köln"}}}
		if err := ed.Save(ctx, adminA, c); err != nil {
			t.Fatal(err)
		}
		if c.OrgID != "a" || c.Locations[0].Lat == 0 {
			t.Fatalf("saved %+v", c)
		}
		if v1, _ := db.CentresVersion(ctx); v1 <= v0 {
			t.Fatal("version did not move")
		}
		if _, err := ed.Get(ctx, adminB, c.ID); !errors.Is(err, counselling.ErrForbidden) {
			t.Fatalf("B reads A's centre: %v", err)
		}
		stolen := *c
		stolen.Name = "Übernommen"
		if err := ed.Save(ctx, adminB, &stolen); !errors.Is(err, counselling.ErrForbidden) {
			t.Fatalf("B changes A's centre: %v", err)
		}
		if err := ed.Delete(ctx, adminB, c.ID); !errors.Is(err, counselling.ErrForbidden) {
			t.Fatalf("B deletes A's centre: %v", err)
		}
		if _, err := ed.Centres(ctx, counsellor); !errors.Is(err, counselling.ErrForbidden) {
			t.Fatalf("a counsellor lists centres: %v", err)
		}
		if list, _ := ed.Centres(ctx, adminB); len(list) != 0 {
			t.Fatalf("B lists %d centres", len(list))
		}
		c.Phone = "0221 1234567"
		tick()
		if err := ed.Save(ctx, adminA, c); err != nil {
			t.Fatal(err)
		}
		log, err := ed.AuditLog(ctx, adminA, 10)
		if err != nil || len(log) != 2 || log[0].Action != "update" || len(log[0].Fields) != 1 || log[0].Fields[0] != "telefon" {
			t.Fatalf("audit log: %+v %v", log, err)
		}
		if other, _ := ed.AuditLog(ctx, adminB, 10); len(other) != 0 {
			t.Fatal("B sees A's log")
		}
		got, err := db.FindCentre(ctx, c.ID)
		if err != nil || got.Phone != c.Phone || got.Slug != c.Slug || got.OrgID != "a" {
			t.Fatalf("stored %+v %v", got, err)
		}
	})
}

// TestTokensAreSingleUse: invitation links on both databases: found while
// valid, used once, not after expiry.
func TestTokensAreSingleUse(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
		clock := now
		svc := &account.Service{Store: db, Tokens: db, Now: func() time.Time { return clock }}
		sys := &account.Staff{ID: "sys", Role: account.SystemAdmin}
		if err := db.CreateOrganisation(ctx, counselling.Organisation{ID: "o", Name: "O", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		st, token, err := svc.Invite(ctx, sys, "neu@example.org", "Neu", account.OrgAdmin, "o")
		if err != nil || st.OrgID != "o" {
			t.Fatal(st, err)
		}
		if _, err := svc.Authenticate(ctx, "neu@example.org", ""); err == nil {
			t.Fatal("an invited account signs in without a password")
		}
		if _, err := svc.InvitedStaff(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetPasswordWithToken(ctx, token, "ein langes passwort"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetPasswordWithToken(ctx, token, "noch ein passwort!"); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("second use: %v", err)
		}
		_, late, _ := svc.Invite(ctx, sys, "spaet@example.org", "Spät", account.Counsellor, "o")
		clock = now.Add(account.InvitationLifetime + time.Minute)
		if _, err := svc.InvitedStaff(ctx, late); !errors.Is(err, account.ErrTokenInvalid) {
			t.Fatalf("expired link: %v", err)
		}
		other := &account.Staff{ID: "x", Role: account.OrgAdmin, OrgID: "anders"}
		if _, _, err := svc.Invite(ctx, other, "x@example.org", "X", account.Counsellor, "o"); !errors.Is(err, account.ErrForbidden) {
			t.Fatalf("invite into another organisation: %v", err)
		}
	})
}
