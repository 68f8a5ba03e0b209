// Package job is the durable job queue: jobs are rows in the platform's own
// database, claimed by whichever instance's worker is free, retried with
// exponential backoff, and unique by key. Periodic jobs are enqueued once per
// time slot with a unique key, so several instances never run the same slot
// twice.
//
// Why not River: it needs its own migrations per driver and its SQLite driver
// is marked early testing; the queue the platform needs is small, and owning it
// lets tests run jobs deterministically (Drain) without sleeping.
package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// State of a job.
const (
	Available = "available"
	Running   = "running"
	Done      = "done"
	Failed    = "failed"
)

// ErrNoJob means no job is ready to run.
var ErrNoJob = errors.New("no job ready")

// Job is one unit of background work.
type Job struct {
	ID          string
	Kind        string
	UniqueKey   string // empty: not unique
	Args        json.RawMessage
	State       string
	Attempts    int
	MaxAttempts int
	RunAt       time.Time
	LastError   string
}

// Store persists jobs.
type Store interface {
	// InsertJob adds a job; a job whose unique key exists already is ignored.
	InsertJob(ctx context.Context, j Job, now time.Time) error
	// ClaimJob takes the oldest ready job (or one whose lease ran out) for
	// worker until leaseUntil, counting the attempt. ErrNoJob if none.
	ClaimJob(ctx context.Context, worker string, now, leaseUntil time.Time) (*Job, error)
	CompleteJob(ctx context.Context, id string, now time.Time) error
	RetryJob(ctx context.Context, id string, runAt time.Time, lastErr string) error
	FailJob(ctx context.Context, id string, now time.Time, lastErr string) error
}

// Handler runs a job. Handlers must be idempotent: a job may run again after a
// crash between its work and its completion being recorded.
type Handler func(ctx context.Context, j *Job) error

// Periodic is a job kind enqueued at a fixed interval.
type Periodic struct {
	Kind     string
	Interval time.Duration
}

// Queue runs jobs.
type Queue struct {
	Store  Store
	Log    *slog.Logger
	Now    func() time.Time
	Poll   time.Duration // how often an idle worker looks for work
	Lease  time.Duration // how long a claimed job is reserved
	Worker string        // this instance's worker name

	mu       sync.RWMutex
	handlers map[string]Handler
	periodic []Periodic
	// OnResult, if set, is told the outcome of every job (for metrics).
	OnResult func(kind, outcome string)
}

// New returns a queue with sensible defaults.
func New(s Store, log *slog.Logger) *Queue {
	return &Queue{Store: s, Log: log, Now: time.Now, Poll: time.Second, Lease: 5 * time.Minute,
		Worker: "worker-" + uuid.NewString()[:8], handlers: map[string]Handler{}}
}

// Register sets the handler for a kind.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
}

// Every enqueues kind once per interval.
func (q *Queue) Every(kind string, interval time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.periodic = append(q.periodic, Periodic{Kind: kind, Interval: interval})
	sort.Slice(q.periodic, func(i, j int) bool { return q.periodic[i].Kind < q.periodic[j].Kind })
}

// Option adjusts a job at enqueue time.
type Option func(*Job)

// Unique makes the job unique by key: enqueueing the same key again is a no-op.
func Unique(key string) Option { return func(j *Job) { j.UniqueKey = key } }

// At delays the job.
func At(t time.Time) Option { return func(j *Job) { j.RunAt = t } }

// MaxAttempts sets how often the job is tried.
func MaxAttempts(n int) Option { return func(j *Job) { j.MaxAttempts = n } }

// Enqueue adds a job of kind with args encoded as JSON.
func (q *Queue) Enqueue(ctx context.Context, kind string, args any, opts ...Option) error {
	j, err := NewJob(kind, args, q.Now(), opts...)
	if err != nil {
		return err
	}
	return q.Store.InsertJob(ctx, j, q.Now())
}

// NewJob builds a job row; stores use it when they enqueue inside their own
// transaction.
func NewJob(kind string, args any, now time.Time, opts ...Option) (Job, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return Job{}, fmt.Errorf("job %s: encode args: %w", kind, err)
	}
	j := Job{ID: uuid.NewString(), Kind: kind, Args: raw, State: Available, MaxAttempts: 10, RunAt: now}
	for _, o := range opts {
		o(&j)
	}
	return j, nil
}

// SchedulePeriodic enqueues the current slot of every periodic job.
func (q *Queue) SchedulePeriodic(ctx context.Context) error {
	q.mu.RLock()
	periodic := append([]Periodic(nil), q.periodic...)
	q.mu.RUnlock()
	now := q.Now()
	for _, p := range periodic {
		slot := now.UnixMilli() / p.Interval.Milliseconds()
		key := p.Kind + ":" + strconv.FormatInt(slot, 10)
		if err := q.Enqueue(ctx, p.Kind, struct{}{}, Unique(key), MaxAttempts(3)); err != nil {
			return err
		}
	}
	return nil
}

// RunOne claims and runs one ready job. It returns ErrNoJob when there is none.
func (q *Queue) RunOne(ctx context.Context) error {
	now := q.Now()
	j, err := q.Store.ClaimJob(ctx, q.Worker, now, now.Add(q.Lease))
	if err != nil {
		return err
	}
	q.mu.RLock()
	h := q.handlers[j.Kind]
	q.mu.RUnlock()
	if h == nil {
		return q.finish(ctx, j, fmt.Errorf("no handler for job kind %q", j.Kind), true)
	}
	runErr := safeRun(ctx, h, j)
	return q.finish(ctx, j, runErr, false)
}

func safeRun(ctx context.Context, h Handler, j *Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, j)
}

func (q *Queue) finish(ctx context.Context, j *Job, runErr error, final bool) error {
	now := q.Now()
	if runErr == nil {
		q.report(j.Kind, "done")
		return q.Store.CompleteJob(ctx, j.ID, now)
	}
	msg := runErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if final || j.Attempts >= j.MaxAttempts || errors.Is(runErr, ErrPermanent) {
		q.Log.Error("job failed permanently", "job_id", j.ID, "kind", j.Kind, "attempts", j.Attempts, "error", msg)
		q.report(j.Kind, "failed")
		return q.Store.FailJob(ctx, j.ID, now, msg)
	}
	next := now.Add(Backoff(j.Attempts))
	q.Log.Warn("job will be retried", "job_id", j.ID, "kind", j.Kind, "attempts", j.Attempts, "retry_at", next, "error", msg)
	q.report(j.Kind, "retry")
	return q.Store.RetryJob(ctx, j.ID, next, msg)
}

func (q *Queue) report(kind, outcome string) {
	if q.OnResult != nil {
		q.OnResult(kind, outcome)
	}
}

// ErrPermanent wrapped into a handler's error stops retries.
var ErrPermanent = errors.New("permanent failure")

// Backoff is the delay before attempt n+1: exponential from 2 s, capped at one
// hour, with jitter so that many failed jobs do not retry in lockstep.
func Backoff(attempt int) time.Duration {
	d := 2 * time.Second << min(attempt, 11)
	if d > time.Hour {
		d = time.Hour
	}
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// Drain runs ready jobs until none is left and returns how many ran. Tests use
// it instead of waiting for the background loop.
func (q *Queue) Drain(ctx context.Context) (int, error) {
	if err := q.SchedulePeriodic(ctx); err != nil {
		return 0, err
	}
	n := 0
	for {
		err := q.RunOne(ctx)
		if errors.Is(err, ErrNoJob) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// Run works until ctx ends: it schedules periodic jobs and runs ready ones,
// polling when idle.
func (q *Queue) Run(ctx context.Context) {
	t := time.NewTicker(q.Poll)
	defer t.Stop()
	for {
		if err := q.SchedulePeriodic(ctx); err != nil && ctx.Err() == nil {
			q.Log.Error("schedule periodic jobs", "error", err)
		}
		for ctx.Err() == nil {
			err := q.RunOne(ctx)
			if errors.Is(err, ErrNoJob) {
				break
			}
			if err != nil {
				if ctx.Err() == nil {
					q.Log.Error("run job", "error", err)
				}
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
