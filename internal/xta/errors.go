package xta

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Fault kinds: the XTA exceptions a fault's subcode or detail names.
const (
	FaultPermissionDenied      = "PermissionDenied"
	FaultInvalidMessageID      = "InvalidMessageID"
	FaultTechnicalProblem      = "XTAWSTechnicalProblem"
	FaultParameterIsNotValid   = "ParameterIsNotValid"
	FaultMessageSchemaViolated = "MessageSchemaViolation"
)

// Sentinels to test a *Fault with errors.Is.
var (
	ErrPermissionDenied = errors.New("xta: permission denied")
	ErrInvalidMessageID = errors.New("xta: invalid message id")
	ErrTechnicalProblem = errors.New("xta: technical problem of the XTA server")
	ErrParameterInvalid = errors.New("xta: parameter is not valid")
)

// Errors of the sending sequence.
var (
	ErrAccountInactive    = errors.New("xta: our account is not active")
	ErrServiceUnavailable = errors.New("xta: the reader does not accept this service")
	ErrNotInDirectory     = errors.New("xta: no directory entry for this organisation and service")
	ErrInvalidMessage     = errors.New("xta: invalid message")
)

// Fault is a SOAP 1.2 fault the server answered with.
type Fault struct {
	Op         string // the operation that failed
	Code       string // local name of the SOAP code: "Sender" or "Receiver"
	Kind       string // the XTA exception (Fault* constants), or the subcode's local name
	Reason     string
	ErrorCode  string // the detail's error code, if any
	HTTPStatus int
	// Temporary: an XTAWSTechnicalProblem, or a Receiver fault of no known
	// permanent kind.
	Temporary bool
}

func (f *Fault) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "xta: %s: fault %s", f.Op, f.Code)
	if f.Kind != "" {
		b.WriteString("/" + f.Kind)
	}
	if f.ErrorCode != "" {
		b.WriteString(" (" + f.ErrorCode + ")")
	}
	if f.Reason != "" {
		b.WriteString(": " + f.Reason)
	}
	return b.String()
}

// Is matches the sentinels ErrPermissionDenied, ErrInvalidMessageID,
// ErrTechnicalProblem and ErrParameterInvalid.
func (f *Fault) Is(target error) bool {
	switch target {
	case ErrPermissionDenied:
		return f.Kind == FaultPermissionDenied
	case ErrInvalidMessageID:
		return f.Kind == FaultInvalidMessageID
	case ErrTechnicalProblem:
		return f.Kind == FaultTechnicalProblem
	case ErrParameterInvalid:
		return f.Kind == FaultParameterIsNotValid
	}
	return false
}

// Error is a failure on the way: the network, TLS, an HTTP status without a
// SOAP fault, or a response we could not read.
type Error struct {
	Op        string
	Status    int // HTTP status, 0 if none was received
	Temporary bool
	Err       error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("xta: %s: HTTP %d: %v", e.Op, e.Status, e.Err)
	}
	return fmt.Sprintf("xta: %s: %v", e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTemporary reports whether trying again later may succeed: network
// errors, timeouts and a cancelled context, HTTP 5xx, 408 and 429, and
// faults that are temporary (XTAWSTechnicalProblem, other Receiver faults).
// TLS certificate problems (ours refused, theirs not trusted), Sender
// faults, malformed or oversized answers and local errors (a part that
// cannot be opened or has the wrong size, an invalid message) are not.
func IsTemporary(err error) bool {
	var f *Fault
	if errors.As(err, &f) {
		return f.Temporary
	}
	var e *Error
	return errors.As(err, &e) && e.Temporary
}

// classify wraps a failure of http.Client.Do.
func classify(op string, err error) error {
	return &Error{Op: op, Temporary: transient(err), Err: err}
}

// transient: a network or timeout error, and not a certificate problem.
func transient(err error) bool {
	var (
		unknownCA  x509.UnknownAuthorityError
		invalid    x509.CertificateInvalidError
		hostname   x509.HostnameError
		verify     *tls.CertificateVerificationError
		alert      tls.AlertError
		recordHdr  tls.RecordHeaderError
		errTimeout interface{ Timeout() bool }
	)
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &invalid), errors.As(err, &hostname),
		errors.As(err, &verify), errors.As(err, &alert), errors.As(err, &recordHdr):
		return false
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrDoctype):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	case errors.As(err, &errTimeout) && errTimeout.Timeout():
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" {
		// A TLS alert from the server: it refused our certificate.
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) || oe != nil {
		return true
	}
	// Connection closed or reset by the peer while reading or writing.
	s := err.Error()
	for _, m := range []string{"EOF", "connection reset", "broken pipe", "server closed", "connection refused", "use of closed network connection"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
