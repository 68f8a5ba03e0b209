// Package booking is the online appointment booking of counselling centres
// (seed 3.3.1 d/e, 3.3.3 b: "Fall 1"). A person books a slot of a service
// without an account; the booking holds its seat while it waits for the
// confirmation link in the mail (PendingLifetime), then is confirmed,
// reminded once before the appointment, and can be cancelled by the
// person or the centre.
//
// The invariants live in the store, which this package reaches through
// Store: a seat is claimed by an INSERT under a unique key (service, slot
// start in UTC, seat number), never read-then-write, so no concurrency
// can give out more bookings than seats; every state change is a guarded
// update from an expected state. Slots are computed in Europe/Berlin and
// stored in UTC (slots.go).
package booking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/counselling"
	"github.com/sozialplattform/sozialplattform/internal/job"
	"github.com/sozialplattform/sozialplattform/internal/mail"
)

// States of a booking. PENDING → CONFIRMED → CANCELLED | DONE | NO_SHOW;
// PENDING → EXPIRED (no confirmation in time) or CANCELLED.
const (
	Pending   = "PENDING"
	Confirmed = "CONFIRMED"
	Cancelled = "CANCELLED"
	Done      = "DONE"
	NoShow    = "NO_SHOW"
	Expired   = "EXPIRED"
)

// PendingLifetime is how long an unconfirmed booking holds its seat.
const PendingLifetime = 24 * time.Hour

// Retention (seed 3.3.1 e): the person's data of a booking is deleted this
// long after the appointment; an expired pending booking at expiry.
const PersonalDataRetention = 3 * 30 * 24 * time.Hour

// Defaults of a centre's settings.
const (
	DefaultReminderLead       = 24 * time.Hour
	DefaultMaxPendingPerEmail = 3
	DefaultMaxPendingClient   = 5
)

// Limits of what a centre may set and a person may type.
const (
	MaxSeats       = 50
	MaxDuration    = 8 * 60 // minutes
	MaxHorizonDays = 365
	MaxName        = 100
	MaxEmail       = 254
	MaxPhone       = 40
)

// Errors the store and this package answer with.
var (
	ErrNotFound     = errors.New("booking: not found")
	ErrSlotTaken    = errors.New("booking: the slot was just taken")
	ErrSlotInvalid  = errors.New("booking: no such slot")
	ErrTooMany      = errors.New("booking: too many pending bookings")
	ErrWrongState   = errors.New("booking: not in a state that allows this")
	ErrTokenExpired = errors.New("booking: the link has expired")
	ErrForbidden    = errors.New("booking: not allowed")
)

// Service is what a person books: a kind of appointment of one centre.
type Service struct {
	ID       string
	CentreID string
	Name     string
	// Minutes: the appointment, the pause after it before the next slot.
	Duration, Buffer int
	// Seats is how many people a slot takes (a group session takes more
	// than one).
	Seats int
	// MinNotice: how long before a slot it can still be booked; Horizon:
	// how many days ahead slots are offered.
	MinNotice   time.Duration
	HorizonDays int
	// Location is the index of the centre's address where it takes place.
	Location    int
	Counsellors []string // staff IDs who offer it
	Active      bool
}

// Settings are a centre's booking settings.
type Settings struct {
	CentreID string
	// UseOpeningHours: bookable when the centre is open (its public hours
	// and exceptions); otherwise Hours and Exceptions below.
	UseOpeningHours bool
	Hours           counselling.Week
	Exceptions      []counselling.Exception
	ReminderLead    time.Duration
	// MaxPendingPerEmail / PerClient: unconfirmed bookings one address or
	// one client may hold at a time (a bot must not block a calendar).
	MaxPendingPerEmail, MaxPendingPerClient int
}

// Defaults fills in what a centre has not set.
func (s *Settings) Defaults() {
	if s.ReminderLead <= 0 {
		s.ReminderLead = DefaultReminderLead
	}
	if s.MaxPendingPerEmail <= 0 {
		s.MaxPendingPerEmail = DefaultMaxPendingPerEmail
	}
	if s.MaxPendingPerClient <= 0 {
		s.MaxPendingPerClient = DefaultMaxPendingClient
	}
}

// Booking is one person's appointment.
type Booking struct {
	ID        string
	CentreID  string
	ServiceID string
	Start     time.Time // UTC
	End       time.Time
	Seat      int
	State     string
	// The person (a pseudonym is fine): deleted by retention.
	LastName, FirstName, Email, Phone string
	Lang                              string // for mails
	CreatedAt                         time.Time
	ExpiresAt                         time.Time // a pending booking's hold
	ConfirmedAt                       time.Time
	CancelledAt                       time.Time
	CancelReason                      string
	ReminderDue                       time.Time
	ReminderSent                      time.Time
	// Sequence counts the changes that calendar files carry (ICS SEQUENCE).
	Sequence int
}

// Token purposes: one purpose each.
const (
	PurposeConfirm = "confirm"
	PurposeCancel  = "cancel"
)

// NewToken returns a 256-bit token for a link and the hash the store keeps.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, TokenHash(token)
}

// TokenHash is what the store keeps of a token.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ValidTokenShape refuses what cannot be a token before any look-up.
func ValidTokenShape(t string) bool {
	if len(t) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// Request is what a person sends to book.
type Request struct {
	CentreID, ServiceID string
	Start               time.Time
	LastName, FirstName string
	Email, Phone        string
	Lang                string
	Client              string // the client address, for the pending limit
}

// Claim is what the store needs to claim a seat and record a booking in
// one transaction.
type Claim struct {
	Booking      Booking
	Seats        int
	ConfirmHash  string
	CancelHash   string
	ClientKey    string // a hash of the client address
	OrgID        string // the centre's organisation, for the audit log
	MaxPerEmail  int
	MaxPerClient int
	Now          time.Time
}

// Store keeps services, settings, bookings and tokens.
type Store interface {
	Services(ctx context.Context, centreID string) ([]Service, error)
	SaveService(ctx context.Context, s Service) error
	BookingSettings(ctx context.Context, centreID string) (Settings, error)
	SaveBookingSettings(ctx context.Context, s Settings) error
	// Taken counts the seats held per slot start (UTC) of a service in
	// [from, to), pending holds that expired before now not counted.
	Taken(ctx context.Context, serviceID string, from, to, now time.Time) (map[int64]int, error)
	// ClaimSeat claims a free seat of the slot and records the booking as
	// PENDING with its tokens, atomically: ErrSlotTaken when every seat is
	// held, ErrTooMany when the address or client holds too many pending.
	ClaimSeat(ctx context.Context, c Claim) error
	FindBooking(ctx context.Context, id string) (*Booking, error)
	// BookingByToken finds the booking of an unexpired token of purpose.
	BookingByToken(ctx context.Context, hash, purpose string, now time.Time) (*Booking, error)
	// Transition moves a booking from one of from to to (a guarded
	// update), releasing its seat for CANCELLED and EXPIRED; ErrWrongState
	// when it is in none of from.
	Transition(ctx context.Context, id string, from []string, to string, t Transition) (*Booking, error)
	// Bookings lists a centre's bookings with a start in [from, to).
	Bookings(ctx context.Context, centreID string, from, to time.Time) ([]Booking, error)
	// DueReminders lists confirmed bookings whose reminder is due.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]Booking, error)
	// MarkReminded marks the reminder sent, stores a new cancel token and
	// queues the mail, in one step, unless it was sent already (false).
	MarkReminded(ctx context.Context, id string, now time.Time, cancelHash string, m mail.Message, j job.Job) (bool, error)
}

// Transition carries what a state change records.
type Transition struct {
	Now         time.Time
	Reason      string    // a cancellation's reason
	ReminderDue time.Time // set on confirmation
	UseToken    string    // a confirm token hash used up by this change
	// The audit entry: who (a staff ID, "" for the person) of which
	// organisation; it records the booking's ID and the states, nothing
	// about the person.
	By, OrgID string
}

// CalendarUID is a booking's UID in every calendar file the platform
// sends about it (invitation, confirmation, cancellation by the person or
// the centre), so calendar programs update one entry: the booking's ID at
// the platform's host.
func CalendarUID(bookingID, baseURL string) string {
	host := "sozialplattform"
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return bookingID + "@" + host
}
