// Package application is the application assistant's domain: one person's
// application in progress (an Instance of a form definition), the order in
// which its chapters may be filled, the check of the whole application before
// it is sent, and the hand-over of a finished application to delivery.
//
// Where an instance lives is the web layer's business (the server-side
// session; for signed-in people also a draft); this package decides what a
// person may do with it.
package application

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/form"
)

// MaxInstanceBytes bounds the serialised state of one application: a form
// with all its repeatable groups full stays far below it, and a session or
// draft row never grows without limit.
const MaxInstanceBytes = 256 << 10

// Instance is one application being filled in.
type Instance struct {
	ID      string          `json:"id"` // also the application number on the receipt
	LeiKa   string          `json:"leika"`
	Service string          `json:"service"` // catalogue slug
	Version int             `json:"version"` // of the form definition
	ARS     string          `json:"ars,omitempty"`
	Answers form.Answers    `json:"answers"`
	Done    map[string]bool `json:"done,omitempty"` // chapters that passed "Weiter"
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`

	memoKey uint64
	memo    []ChapterInfo
}

// New starts an application of a definition.
func New(def *form.Definition, service, ars string, now time.Time) *Instance {
	return &Instance{ID: uuid.NewString(), LeiKa: def.LeiKa, Service: service, Version: def.Version, ARS: ars,
		Answers: form.Answers{}, Done: map[string]bool{}, Created: now, Updated: now}
}

// Encode serialises an instance for a session or a draft.
func (in *Instance) Encode() (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	if len(b) > MaxInstanceBytes {
		return "", ErrTooLarge
	}
	return string(b), nil
}

// Decode reads an instance; anything malformed or of another form is refused.
func Decode(s string, def *form.Definition) (*Instance, error) {
	if len(s) > MaxInstanceBytes {
		return nil, ErrTooLarge
	}
	var in Instance
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("application: %w", err)
	}
	if in.LeiKa != def.LeiKa || in.Version != def.Version || uuid.Validate(in.ID) != nil {
		return nil, ErrStale
	}
	if in.Answers == nil {
		in.Answers = form.Answers{}
	}
	if in.Done == nil {
		in.Done = map[string]bool{}
	}
	// Entry counts beyond a group's maximum are not something the pages
	// write; such state was tampered with.
	for k := range in.Answers {
		if group, ok := strings.CutSuffix(k, ".#"); ok {
			f, known := def.FieldByPath(group)
			if !known || f.Kind != "group" || (f.Max != nil && float64(in.Answers.Count(group)) > *f.Max) {
				return nil, ErrStale
			}
		}
	}
	return &in, nil
}

var (
	// ErrTooLarge: the state passed MaxInstanceBytes.
	ErrTooLarge = errors.New("application: too large")
	// ErrStale: saved for another form or version.
	ErrStale = errors.New("application: saved for another form version")
	// ErrNotFound: no such submission.
	ErrNotFound = errors.New("application: not found")
)

// Status of a chapter in the chapter list.
type Status string

const (
	Done          Status = "done"
	Current       Status = "current"
	Open          Status = "open"
	Locked        Status = "locked"
	NotApplicable Status = "na"
)

// ChapterInfo is one entry of the chapter list.
type ChapterInfo struct {
	ID     string
	Title  form.Text
	Status Status
}

// Chapters lists every chapter with its state. Chapters open in order: a
// person may go back to any chapter, and forward up to the first applicable
// chapter that has not passed "Weiter" yet; the ones after it are locked.
// Chapters that do not apply stay in the list, greyed, so that the list does
// not jump when an answer changes.
func (in *Instance) Chapters(def *form.Definition, current string, today time.Time) []ChapterInfo {
	// The list is asked for several times per request (reachable? first
	// open? the list itself) and each time evaluates every chapter; it is
	// kept while answers, ticks and day stay the same.
	key := in.fingerprint(today)
	if in.memo == nil || in.memoKey != key {
		in.memo, in.memoKey = in.chapters(def, today), key
	}
	out := make([]ChapterInfo, len(in.memo))
	copy(out, in.memo)
	for i := range out {
		if out[i].ID == current && out[i].Status != NotApplicable {
			out[i].Status = Current
		}
	}
	return out
}

// fingerprint sums a hash of every answer and tick: independent of map
// order, and cheap next to evaluating ten chapters.
func (in *Instance) fingerprint(today time.Time) uint64 {
	var sum uint64
	h := fnv.New64a()
	var n [8]byte
	add := func(parts ...string) {
		h.Reset()
		for _, p := range parts {
			binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
			h.Write(n[:]) // length-prefixed: no two splits of a string collide
			h.Write([]byte(p))
		}
		sum += h.Sum64()
	}
	for k, v := range in.Answers {
		add("a", k, v)
	}
	for k, v := range in.Done {
		if v {
			add("d", k)
		}
	}
	add("t", today.Format("2006-01-02"))
	return sum
}

func (in *Instance) chapters(def *form.Definition, today time.Time) []ChapterInfo {
	work := in.Answers.Clone()
	reachable := true
	out := make([]ChapterInfo, 0, len(def.Chapters))
	for _, c := range def.Chapters {
		st, _ := def.Evaluate(c.ID, work, today)
		ci := ChapterInfo{ID: c.ID, Title: c.Title}
		switch {
		case !st.Applicable:
			ci.Status = NotApplicable
		case !reachable:
			ci.Status = Locked
		case in.Done[c.ID]:
			ci.Status = Done
		default:
			ci.Status = Open
		}
		if st.Applicable && !in.Done[c.ID] {
			reachable = false
		}
		out = append(out, ci)
	}
	return out
}

// Reachable reports whether a chapter may be shown now.
func (in *Instance) Reachable(def *form.Definition, chapter string, today time.Time) bool {
	for _, c := range in.Chapters(def, "", today) {
		if c.ID == chapter {
			return c.Status != Locked
		}
	}
	return false
}

// FirstOpen is the first applicable chapter not yet done ("" when all are).
func (in *Instance) FirstOpen(def *form.Definition, today time.Time) string {
	for _, c := range in.Chapters(def, "", today) {
		if c.Status == Open {
			return c.ID
		}
	}
	return ""
}

// ReadyToCheck reports whether every applicable chapter before the last is
// done: then the check-your-answers page may be shown.
func (in *Instance) ReadyToCheck(def *form.Definition, today time.Time) bool {
	cs := in.Chapters(def, "", today)
	if len(cs) == 0 {
		return false
	}
	for _, c := range cs[:len(cs)-1] {
		if c.Status != Done && c.Status != NotApplicable {
			return false
		}
	}
	return true
}

// Next is the chapter after from (dir +1) or before it (dir −1), skipping
// chapters that do not apply; "" past either end.
func (in *Instance) Next(def *form.Definition, from string, dir int, today time.Time) string {
	cs := in.Chapters(def, "", today)
	idx := -1
	for i, c := range cs {
		if c.ID == from {
			idx = i
		}
	}
	if idx < 0 {
		return ""
	}
	for i := idx + dir; i >= 0 && i < len(cs); i += dir {
		if cs[i].Status != NotApplicable {
			return cs[i].ID
		}
	}
	return ""
}

// Problem is a validation problem in a chapter.
type Problem = form.ChapterProblem

// Check evaluates every chapter of the application in order, clears what is
// hidden and returns all problems. A chapter that once passed "Weiter" loses
// its tick when a later change makes it invalid (an answer elsewhere made a
// new field required).
func (in *Instance) Check(def *form.Definition, today time.Time) []Problem {
	var out []Problem
	for _, c := range def.Chapters {
		st, _ := def.Evaluate(c.ID, in.Answers, today)
		if !st.Applicable {
			delete(in.Done, c.ID)
			continue
		}
		if len(st.Problems) > 0 {
			delete(in.Done, c.ID)
		}
		for _, p := range st.Problems {
			out = append(out, Problem{Chapter: c.ID, Problem: p})
		}
	}
	return out
}

// Submission is a sent application, kept until delivery has confirmed it.
type Submission struct {
	ID       string // the instance's ID: the application number
	LeiKa    string
	Service  string
	Version  int
	OfficeID string
	ARS      string
	Owner    string // hashed BundID subject, "" without sign-in
	Lang     string // the language the person used
	Answers  form.Answers
	Uploads  []string // upload IDs handed over with it
	// PostkorbHandle is the signed-in person's BundID mailbox: the platform
	// puts their copy of the application and the processing report there
	// (as the seed has it: "bei einem angelegten Postkorb"). The office
	// learns it only with PostkorbConsent (the consent step's checkbox), so
	// that it may answer there.
	PostkorbConsent bool
	PostkorbHandle  string
	Level           string // trust level of the sign-in, "" without
	SubmittedAt     time.Time
	Status          string
}

// OfficePostkorb is the mailbox the office may answer to: only with the
// person's consent.
func (s *Submission) OfficePostkorb() string {
	if !s.PostkorbConsent {
		return ""
	}
	return s.PostkorbHandle
}

// Statuses of a submission.
const (
	StatusSubmitted = "submitted" // recorded, waiting for delivery
)

// Delivery takes a finished application. The first implementation is the
// outbox in the database (the submission is recorded and waits there); the
// delivery issue adds the transports that empty it.
type Delivery interface {
	Hand(ctx context.Context, s *Submission) error
}

// ErrIncomplete is returned by Submit with the problems that remain.
type ErrIncomplete struct{ Problems []Problem }

func (e *ErrIncomplete) Error() string {
	return fmt.Sprintf("application: %d problems remain", len(e.Problems))
}

// Submit checks the whole application once more (a tampered session or a
// changed earlier chapter cannot slip through) and hands it to delivery.
// Handing the same instance twice is the delivery's business to make
// idempotent (the outbox keys by ID).
func Submit(ctx context.Context, d Delivery, def *form.Definition, in *Instance, s Submission, now time.Time) (*Submission, error) {
	if ps := in.Check(def, now); len(ps) > 0 {
		return nil, &ErrIncomplete{Problems: ps}
	}
	s.ID, s.LeiKa, s.Service, s.Version, s.ARS = in.ID, in.LeiKa, in.Service, in.Version, in.ARS
	s.Answers = in.Answers.Clone()
	s.SubmittedAt = now
	s.Status = StatusSubmitted
	if err := d.Hand(ctx, &s); err != nil {
		return nil, err
	}
	return &s, nil
}
