package job_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/store"
	"github.com/sozialplattform/sozialplattform/internal/testenv"
)

var ctx = context.Background()

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newQueue(db *store.DB, clk *clock) *job.Queue {
	q := job.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	q.Now = clk.Now
	return q
}

func TestRetryThenSucceed(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Now()}
		q := newQueue(db, clk)
		calls := 0
		q.Register("flaky", func(ctx context.Context, j *job.Job) error {
			calls++
			if calls < 3 {
				return fmt.Errorf("attempt %d failed", calls)
			}
			return nil
		})
		if err := q.Enqueue(ctx, "flaky", nil); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			q.Drain(ctx)
			clk.t = clk.t.Add(time.Hour) // beyond any backoff
		}
		if calls != 3 {
			t.Fatalf("handler ran %d times, want 3", calls)
		}
		if n, _ := db.CountJobs(ctx, "flaky", job.Done); n != 1 {
			t.Fatal("job not done after success")
		}
	})
}

func TestGiveUpAfterMaxAttemptsAndOnPermanentError(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Now()}
		q := newQueue(db, clk)
		q.Register("broken", func(context.Context, *job.Job) error { return errors.New("always") })
		q.Register("bad-args", func(context.Context, *job.Job) error { return fmt.Errorf("%w: bad", job.ErrPermanent) })
		q.Register("panics", func(context.Context, *job.Job) error { panic("boom") })
		q.Enqueue(ctx, "broken", nil, job.MaxAttempts(2))
		q.Enqueue(ctx, "bad-args", nil)
		q.Enqueue(ctx, "panics", nil, job.MaxAttempts(1))
		q.Enqueue(ctx, "unknown-kind", nil)
		for i := 0; i < 3; i++ {
			if _, err := q.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			clk.t = clk.t.Add(2 * time.Hour)
		}
		for _, k := range []string{"broken", "bad-args", "panics", "unknown-kind"} {
			if n, _ := db.CountJobs(ctx, k, job.Failed); n != 1 {
				t.Errorf("%s: not failed", k)
			}
		}
	})
}

func TestPeriodicJobOncePerSlotAcrossInstances(t *testing.T) {
	testenv.Both(t, func(t *testing.T, db *store.DB) {
		clk := &clock{t: time.Date(2026, 11, 24, 10, 0, 1, 0, time.UTC)}
		runs := 0
		var qs []*job.Queue
		for i := 0; i < 2; i++ { // two instances on one database
			q := newQueue(db, clk)
			q.Register("sweep", func(context.Context, *job.Job) error { runs++; return nil })
			q.Every("sweep", 15*time.Minute)
			qs = append(qs, q)
		}
		for _, q := range qs {
			q.Drain(ctx)
		}
		if runs != 1 {
			t.Fatalf("ran %d times in one slot", runs)
		}
		clk.t = clk.t.Add(15 * time.Minute)
		for _, q := range qs {
			q.Drain(ctx)
		}
		if runs != 2 {
			t.Fatalf("ran %d times in two slots", runs)
		}
	})
}

func TestRunStopsWithContext(t *testing.T) {
	db := testenv.SQLite(t)
	clk := &clock{t: time.Now()}
	q := newQueue(db, clk)
	done := make(chan struct{})
	q.Register("one", func(context.Context, *job.Job) error { close(done); return nil })
	q.Enqueue(ctx, "one", nil)
	c, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { q.Run(c); close(stopped) }()
	<-done
	cancel()
	<-stopped
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	if job.Backoff(1) >= job.Backoff(5) {
		t.Fatal("backoff does not grow")
	}
	if d := job.Backoff(40); d > time.Hour+6*time.Minute {
		t.Fatalf("backoff not capped: %s", d)
	}
}
