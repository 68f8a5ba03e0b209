package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// BenchmarkClaimSeat: bookings a second with contention on one slot (one
// seat: every claim after the first is refused) and spread over many
// slots, against one rate-limit upsert (store.HitLimit) of the same run;
// on SQLite and PostgreSQL.
func BenchmarkClaimSeat(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = testenv.SQLite(b)
			} else {
				db = testenv.Postgres(b)
			}
			ctx := context.Background()
			now := time.Date(2026, 5, 4, 8, 0, 0, 0, time.UTC)
			var n atomic.Int64
			b.Run("baseline-upsert", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := db.HitLimit(ctx, fmt.Sprintf("k%d", n.Add(1)), now, now.Add(-time.Hour)); err != nil {
							b.Error(err)
						}
					}
				})
			})
			b.Run("one-slot", func(b *testing.B) {
				start := now.Add(48 * time.Hour)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						c := claim("bench-one", start, now, 1, fmt.Sprintf("o%d@example.org", i), fmt.Sprintf("o%d", i))
						_ = db.ClaimSeat(ctx, c) // taken after the first: the refusal is the work
					}
				})
			})
			b.Run("spread", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := n.Add(1)
						c := claim("bench-spread", now.Add(time.Duration(i)*time.Hour), now, 1, fmt.Sprintf("s%d@example.org", i), fmt.Sprintf("s%d", i))
						if err := db.ClaimSeat(ctx, c); err != nil {
							b.Error(err)
						}
					}
				})
			})
		})
	}
}
