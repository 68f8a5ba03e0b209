// Package retention is the single, declarative list of deletion deadlines and
// the sweeper that enforces them. Every rule says what is deleted, after how
// long, and why. Later features add their rules to Rules.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Target names a set of records the store knows how to delete by age.
type Target string

const (
	ExpiredSessions Target = "sessions.expired"
	SentMail        Target = "mail_outbox.sent"
	FailedMail      Target = "mail_outbox.failed"
	CaughtMail      Target = "caught_mail"
	FinishedJobs    Target = "jobs.finished"
	Feedback        Target = "feedback"
	BarrierReports  Target = "barrier_reports"
	RetentionRuns   Target = "retention_runs"
	SAMLRequests    Target = "saml_requests.expired"
	SAMLAssertions  Target = "saml_assertions.expired"
	Drafts          Target = "drafts.expired"
	AppStatus       Target = "application_status"
	SAMLSessions    Target = "saml_sessions.expired"
	// Uploads: expired uploaded proofs. The store deletes their rows (and
	// with them the files' key salts, so the encrypted files cannot be read
	// any more) and hands the files to the upload service's trash, which
	// deletes them (upload.Service.SweepExpired).
	Uploads Target = "uploads.expired"
	// DeliveredSubmissions: sent applications whose delivery was confirmed.
	DeliveredSubmissions Target = "submissions.delivered"
	// ConfirmedDeliveries: delivery records (transport, hashes; no answers).
	ConfirmedDeliveries Target = "deliveries.confirmed"
	// Access requests of counselling centres: unconfirmed ones when their
	// link has expired, decided ones some time after the decision.
	UnconfirmedRequests Target = "access_requests.unconfirmed"
	DecidedRequests     Target = "access_requests.decided"
	// Used or expired single-use links of staff.
	StaffTokens Target = "staff_tokens.spent"
	// Appointment bookings: unconfirmed ones when their hold expires, all
	// (the person's name, address, phone) some time after the appointment.
	ExpiredBookings Target = "bookings.expired"
	PastBookings    Target = "bookings.past"
)

// Rule is one deletion deadline.
type Rule struct {
	Name   string        // stable identifier, also the i18n key suffix
	Target Target        // what the store deletes
	After  time.Duration // age at which a record is deleted (0: as soon as it expired)
	Source string        // where the deadline comes from (seed section or law)
}

// Rules is the list the sweeper enforces and the public page shows. Texts for
// what and why are in the message catalogues under retention.<Name>.what/.why.
var Rules = []Rule{
	{Name: "sessions", Target: ExpiredSessions, After: 0,
		Source: "Seed 3.3.1 Datenschutz: Sitzungscookie spätestens 24 h (Portal) bzw. 1 h (Self-Service) nach der letzten Interaktion"},
	{Name: "mail_sent", Target: SentMail, After: 7 * 24 * time.Hour,
		Source: "Art. 5 Abs. 1 lit. c, e DSGVO (Datenminimierung, Speicherbegrenzung)"},
	{Name: "mail_failed", Target: FailedMail, After: 30 * 24 * time.Hour,
		Source: "Art. 5 Abs. 1 lit. e DSGVO; Zeit für die Fehleranalyse durch den Betrieb"},
	{Name: "caught_mail", Target: CaughtMail, After: 7 * 24 * time.Hour,
		Source: "Entwicklungsbetrieb: abgefangene Test-Mails"},
	{Name: "jobs", Target: FinishedJobs, After: 30 * 24 * time.Hour,
		Source: "Betriebsprotokoll ohne personenbezogene Daten; Art. 5 Abs. 1 lit. e DSGVO"},
	{Name: "feedback", Target: Feedback, After: 365 * 24 * time.Hour,
		Source: "Nationale Feedback-Komponente (Seed 3.1 c); Freitext kann unbeabsichtigt personenbezogene Daten enthalten"},
	{Name: "barrier_reports", Target: BarrierReports, After: 365 * 24 * time.Hour,
		Source: "§ 7 BITV 2.0 Feedback-Mechanismus; Nachweis der Bearbeitung"},
	{Name: "saml_requests", Target: SAMLRequests, After: 0,
		Source: "Begonnene Anmeldungen mit der BundID: nur bis zum Ablauf (30 Minuten) nötig; keine personenbezogenen Daten"},
	{Name: "saml_assertions", Target: SAMLAssertions, After: 0,
		Source: "Schutz vor wiederverwendeten Anmeldebestätigungen bis zu deren Ablauf; nur Kennungen"},
	{Name: "saml_sessions", Target: SAMLSessions, After: 0,
		Source: "Zuordnung einer BundID-Sitzung zu Sitzungen der Plattform für die Abmeldung; nur gehashte Kennungen, bis zum Ende der Sitzung"},
	{Name: "drafts", Target: Drafts, After: 0,
		Source: "Seed 3.2.1 c: Zwischenspeicherung 24 Stunden nach der letzten Bearbeitung"},
	{Name: "uploads", Target: Uploads, After: 0,
		Source: "Seed 3.2.1 d: hochgeladene Nachweise nur bis zum Versand bzw. zum Ablauf des Entwurfs (24 Stunden nach dem Hochladen oder der letzten Bearbeitung)"},
	{Name: "submissions_delivered", Target: DeliveredSubmissions, After: time.Hour,
		Source: "Seed 3.2.1 d: mit dem Absenden wird der Antrag von der Sozialplattform gelöscht; Antrag und Verarbeitungsbericht stehen nur kurze Zeit (eine Stunde) zum Herunterladen bereit"},
	{Name: "deliveries_confirmed", Target: ConfirmedDeliveries, After: 30 * 24 * time.Hour,
		Source: "Nachweis der Zustellung (Transportweg, Empfänger, Prüfsummen, keine Antragsdaten) so lange wie die Statusanzeige im persönlichen Bereich"},
	{Name: "application_status", Target: AppStatus, After: 30 * 24 * time.Hour,
		Source: "Statusanzeige gesendeter Anträge im persönlichen Bereich für 30 Tage; Art. 5 Abs. 1 lit. e DSGVO"},
	{Name: "access_requests_unconfirmed", Target: UnconfirmedRequests, After: 0,
		Source: "Zugangsanfragen von Beratungsstellen ohne bestätigte E-Mail-Adresse: gelöscht, wenn der Bestätigungslink abläuft (72 Stunden)"},
	{Name: "access_requests_decided", Target: DecidedRequests, After: 90 * 24 * time.Hour,
		Source: "Entschiedene Zugangsanfragen: Nachweis der Prüfung durch die Systemadministration für 90 Tage; Art. 5 Abs. 1 lit. e DSGVO"},
	{Name: "staff_tokens", Target: StaffTokens, After: 0,
		Source: "Einmal-Links zum Setzen des Passworts: gelöscht, sobald benutzt oder abgelaufen (72 Stunden)"},
	{Name: "bookings_unconfirmed", Target: ExpiredBookings, After: 0,
		Source: "Seed 3.3.1 e: nicht bestätigte Terminbuchungen werden mit dem Ablauf des Bestätigungslinks (24 Stunden) gelöscht"},
	{Name: "bookings_past", Target: PastBookings, After: 90 * 24 * time.Hour,
		Source: "Seed 3.3.1 e: personenbezogene Daten einer Terminbuchung werden drei Monate nach dem Termin gelöscht"},
	{Name: "retention_runs", Target: RetentionRuns, After: 90 * 24 * time.Hour,
		Source: "Nachweis der Löschläufe, ohne personenbezogene Daten"},
}

// Store deletes records of a target older than cutoff and records runs.
type Store interface {
	DeleteOlderThan(ctx context.Context, t Target, cutoff time.Time) (int64, error)
	RecordRetentionRun(ctx context.Context, rule string, deleted int64, at time.Time) error
	LastRetentionRuns(ctx context.Context) (map[string]Run, error)
}

// Run is the last sweep of one rule.
type Run struct {
	Deleted int64
	At      time.Time
}

// JobKind is the periodic sweep job.
const JobKind = "retention_sweep"

// Interval between sweeps.
const Interval = 15 * time.Minute

// Sweeper enforces Rules.
type Sweeper struct {
	Store Store
	Rules []Rule
	Now   func() time.Time
	Log   *slog.Logger
}

// Sweep deletes everything past its deadline. It is idempotent.
func (s *Sweeper) Sweep(ctx context.Context) error {
	now := s.Now()
	for _, r := range s.Rules {
		n, err := s.Store.DeleteOlderThan(ctx, r.Target, now.Add(-r.After))
		if err != nil {
			return fmt.Errorf("retention rule %s: %w", r.Name, err)
		}
		if err := s.Store.RecordRetentionRun(ctx, r.Name, n, now); err != nil {
			return err
		}
		if n > 0 {
			s.Log.Info("retention sweep deleted records", "rule", r.Name, "deleted", n)
		}
	}
	return nil
}
