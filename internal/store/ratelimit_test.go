package store_test

import (
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// TestHitLimitIsAtomic: concurrent hits on one key (as from several
// instances) each get their own count, 1..n; another window or key starts
// at 1, and windows older than the expiry are forgotten.
func TestHitLimitIsAtomic(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		w := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		const n = 20
		counts := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := db.HitLimit(ctx, "k", w, w.Add(-time.Hour))
				if err != nil {
					t.Error(err)
				}
				counts[i] = c
			}()
		}
		wg.Wait()
		sort.Ints(counts)
		for i, c := range counts {
			if c != i+1 {
				t.Fatalf("counts %v: not 1..%d", counts, n)
			}
		}
		if c, err := db.HitLimit(ctx, "k", w.Add(time.Hour), w.Add(-time.Hour)); err != nil || c != 1 {
			t.Fatalf("next window: %d %v", c, err)
		}
		if c, err := db.HitLimit(ctx, "other", w, w.Add(-time.Hour)); err != nil || c != 1 {
			t.Fatalf("other key: %d %v", c, err)
		}
		// The first window expires: counting it again starts afresh.
		if c, err := db.HitLimit(ctx, "k", w, w.Add(time.Minute)); err != nil || c != 1 {
			t.Fatalf("expired window: %d %v", c, err)
		}
	})
}
