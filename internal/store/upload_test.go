package store_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/retention"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
	"github.com/sozialplattform/sozialplattform/internal/upload"
)

func newUpload(app string, size int64, status upload.Status, created time.Time) *upload.File {
	id := uuid.NewString()
	return &upload.File{ID: id, Application: app, Slot: "nachweis_miete", Name: "Mietvertrag ä.pdf", Type: upload.PDF,
		Size: size, Status: status, SHA256: "ab12", CreatedAt: created, ExpiresAt: created.Add(24 * time.Hour),
		BlobKey: id, KeySalt: []byte{1, 2, 3, 255}}
}

func TestUploads(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		a := newUpload("app-1", 1000, upload.StatusClean, now)
		b := newUpload("app-1", 2000, upload.StatusPending, now.Add(time.Second))
		c := newUpload("app-2", 4000, upload.StatusPending, now.Add(2*time.Second))
		for _, f := range []*upload.File{a, b, c} {
			if err := db.TrashBlob(ctx, f.BlobKey, now.Add(24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := db.AddUpload(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		// Adding a row takes its blob out of the trash.
		if keys, _ := db.TrashedBlobs(ctx, now.Add(48*time.Hour), 10); len(keys) != 0 {
			t.Fatalf("trash: %v", keys)
		}

		got, err := db.FindUpload(ctx, "app-1", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(*got) != fmt.Sprint(*a) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", *got, *a)
		}
		list, _ := db.ListUploads(ctx, "app-1")
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("list: %+v", list)
		}

		// Scoping: another application's id is not found, not deleted.
		if _, err := db.FindUpload(ctx, "app-2", a.ID); !errors.Is(err, upload.ErrNotFound) {
			t.Fatalf("found across applications: %v", err)
		}
		if err := db.DeleteUpload(ctx, "app-2", a.ID); !errors.Is(err, upload.ErrNotFound) {
			t.Fatalf("deleted across applications: %v", err)
		}
		if _, err := db.FindUpload(ctx, "app-1", a.ID); err != nil {
			t.Fatal("file gone after a foreign delete")
		}

		if n, _ := db.UploadedBytes(ctx, "app-1"); n != 3000 {
			t.Fatalf("UploadedBytes = %d", n)
		}
		if n, _ := db.UploadedBytes(ctx, "app-none"); n != 0 {
			t.Fatalf("UploadedBytes of nothing = %d", n)
		}

		pending, _ := db.PendingUploads(ctx, 10)
		if len(pending) != 2 || pending[0].ID != b.ID || pending[1].ID != c.ID {
			t.Fatalf("pending: %+v", pending)
		}
		if one, _ := db.PendingUploads(ctx, 1); len(one) != 1 {
			t.Fatal("limit ignored")
		}
		if err := db.SetUploadStatus(ctx, b.ID, upload.StatusClean); err != nil {
			t.Fatal(err)
		}
		if pending, _ := db.PendingUploads(ctx, 10); len(pending) != 1 || pending[0].ID != c.ID {
			t.Fatalf("pending after clean: %+v", pending)
		}
		if err := db.SetUploadStatus(ctx, "nope", upload.StatusClean); !errors.Is(err, upload.ErrNotFound) {
			t.Fatal(err)
		}

		// Deleting puts the blob in the trash, due now.
		if err := db.DeleteUpload(ctx, "app-1", a.ID); err != nil {
			t.Fatal(err)
		}
		if keys, _ := db.TrashedBlobs(ctx, now, 10); len(keys) != 1 || keys[0] != a.BlobKey {
			t.Fatalf("trash after delete: %v", keys)
		}
		db.ForgetBlob(ctx, a.BlobKey)
		if keys, _ := db.TrashedBlobs(ctx, now, 10); len(keys) != 0 {
			t.Fatalf("trash after forget: %v", keys)
		}

		// Expiry: b expires at now+24h+1s, c a second later; app-2's is
		// extended.
		if err := db.ExtendUploads(ctx, "app-2", now.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.ExpireUploads(ctx, now.Add(24*time.Hour)); n != 0 {
			t.Fatal("expired early")
		}
		if n, err := db.ExpireUploads(ctx, now.Add(24*time.Hour+time.Second)); n != 1 || err != nil {
			t.Fatalf("expired %d, %v", n, err)
		}
		if list, _ := db.ListUploads(ctx, "app-1"); len(list) != 0 {
			t.Fatal("expired row left")
		}
		if keys, _ := db.TrashedBlobs(ctx, now, 10); len(keys) != 1 || keys[0] != b.BlobKey {
			t.Fatalf("trash after expiry: %v", keys)
		}

		// The retention target does the same.
		sw := &retention.Sweeper{Store: db, Rules: retention.Rules, Now: func() time.Time { return now.Add(49 * time.Hour) }, Log: discardLogger()}
		if err := sw.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.ListUploads(ctx, "app-2"); len(list) != 0 {
			t.Fatal("retention left the row")
		}
		keys, _ := db.TrashedBlobs(ctx, now, 10)
		sort.Strings(keys)
		want := []string{b.BlobKey, c.BlobKey}
		sort.Strings(want)
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Fatalf("trash after retention: %v, want %v", keys, want)
		}

		// DeleteApplicationUploads returns the keys it trashed.
		d, e := newUpload("app-3", 1, upload.StatusClean, now), newUpload("app-3", 1, upload.StatusClean, now)
		db.AddUpload(ctx, d)
		db.AddUpload(ctx, e)
		gone, err := db.DeleteApplicationUploads(ctx, "app-3")
		if err != nil || len(gone) != 2 {
			t.Fatalf("DeleteApplicationUploads: %v %v", gone, err)
		}
		if n, _ := db.UploadedBytes(ctx, "app-3"); n != 0 {
			t.Fatal("rows left")
		}

		// A trash entry whose key a row still uses is never handed out.
		f := newUpload("app-4", 1, upload.StatusClean, now)
		db.AddUpload(ctx, f)
		db.TrashBlob(ctx, f.BlobKey, now)
		for _, k := range mustTrash(t, db, now) {
			if k == f.BlobKey {
				t.Fatal("a live blob was offered for deletion")
			}
		}
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustTrash(t *testing.T, db *store.DB, now time.Time) []string {
	keys, err := db.TrashedBlobs(ctx, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestUploadBudget: AddUpload refuses what would pass MaxTotal, also when
// many uploads of one application arrive at the same time.
func TestUploadBudget(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		now := time.Now()
		if err := db.AddUpload(ctx, newUpload("app-1", upload.MaxTotal-10, upload.StatusClean, now)); err != nil {
			t.Fatal(err)
		}
		err := db.AddUpload(ctx, newUpload("app-1", 11, upload.StatusClean, now))
		var be *upload.BudgetError
		if !errors.As(err, &be) || be.Remaining != 10 {
			t.Fatalf("over budget: %v", err)
		}
		if err := db.AddUpload(ctx, newUpload("app-1", 10, upload.StatusClean, now)); err != nil {
			t.Fatalf("exactly full: %v", err)
		}

		// 12 uploads of 10 MB at once: exactly 10 fit.
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.AddUpload(ctx, newUpload("app-2", 10<<20, upload.StatusClean, now))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.As(err, new(*upload.BudgetError)):
					refused++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if ok != 10 || refused != 2 {
			t.Fatalf("kept %d, refused %d", ok, refused)
		}
		if n, _ := db.UploadedBytes(ctx, "app-2"); n != upload.MaxTotal {
			t.Fatalf("used %d", n)
		}
	})
}
