package draft_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/draft"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

func TestDraftsLiveTwentyFourHoursAfterTheLastChange(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
		s := &draft.Service{Store: db, Now: func() time.Time { return now }}
		d := &draft.Draft{ID: "d1", Owner: "citizen:a", Service: "hilfe-zum-lebensunterhalt", Data: `{"step":1}`}
		if err := s.Save(ctx, d); err != nil {
			t.Fatal(err)
		}
		now = now.Add(20 * time.Hour)
		d.Data = `{"step":2}`
		if err := s.Save(ctx, d); err != nil { // a change moves the deadline
			t.Fatal(err)
		}
		now = now.Add(23 * time.Hour)
		ds, err := s.List(ctx, "citizen:a")
		if err != nil || len(ds) != 1 || ds[0].Data != `{"step":2}` || !ds[0].ExpiresAt.Equal(ds[0].UpdatedAt.Add(draft.Lifetime)) {
			t.Fatalf("%+v %v", ds, err)
		}
		now = now.Add(2 * time.Hour)
		if ds, _ := s.List(ctx, "citizen:a"); len(ds) != 0 {
			t.Fatalf("expired draft listed: %+v", ds)
		}
	})
}

func TestDraftsBelongToTheirOwner(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &draft.Service{Store: db, Now: time.Now}
		if err := s.Save(ctx, &draft.Draft{ID: "d1", Owner: "citizen:a", Service: "x", Data: "a"}); err != nil {
			t.Fatal(err)
		}
		// Someone else cannot overwrite it by reusing the id…
		if err := s.Save(ctx, &draft.Draft{ID: "d1", Owner: "citizen:b", Service: "x", Data: "b"}); err != nil {
			t.Fatal(err)
		}
		if ds, _ := s.List(ctx, "citizen:a"); len(ds) != 1 || ds[0].Data != "a" {
			t.Fatalf("draft overwritten by another owner: %+v", ds)
		}
		// …nor delete it.
		if err := s.Delete(ctx, "citizen:b", "d1"); !errors.Is(err, draft.ErrNotFound) {
			t.Fatalf("delete by another owner: %v", err)
		}
		if err := s.Delete(ctx, "citizen:a", "d1"); err != nil {
			t.Fatal(err)
		}
	})
}
