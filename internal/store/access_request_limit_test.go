package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

// Issue 16, item 7: parallel requests for one address may not pass the
// limit (four used to make four rows against a limit of three).
func TestAccessRequestLimitParallel(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		o := &counselling.Onboarding{Store: db, Now: time.Now}
		const n = 8
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = o.Request(context.Background(), &counselling.AccessRequest{CentreName: fmt.Sprintf("Stelle %d", i),
					Traeger: "Träger", ContactName: "Kim", Email: "Kim@Example.org"}, "")
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var ve *counselling.ValidationError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &ve):
			default:
				t.Fatal(err)
			}
		}
		var rows int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM access_requests`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if ok != counselling.MaxRequestsPerAddress || rows != counselling.MaxRequestsPerAddress {
			t.Fatalf("%d accepted, %d rows; want %d", ok, rows, counselling.MaxRequestsPerAddress)
		}
	})
}
