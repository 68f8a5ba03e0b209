// Package xta is a client for XTA 2 (XÖV transport adapter, the web service
// interface of an XTA server in the manner of XTA 2 Version 3/4, web service
// 2.1.1), our second transport beside FIT-Connect. The platform talks SOAP
// 1.2 over mutual TLS to an XTA server; that server speaks OSCI-Transport
// 1.2 to the intermediary and the office, so no OSCI is implemented here.
//
// NOT TESTED AGAINST A REAL XTA SERVER. We have neither the official WSDL
// nor the XSDs. The messages are modelled after the published XTA 2
// concepts (three ports, the operation names, the sending sequence, the
// author/reader identifiers, message meta data, a generic content container,
// the fault names) and tested only against our own stand-in
// (internal/xta/standin), which was written from the same understanding.
// The element names below the operation elements, the WS-Addressing action
// URIs, the namespace of the meta data and the report's status values are
// ours; expect to change them when the official schemas are vendored (see
// docs/decisions.md).
//
// Sending is checkAccountActive → lookupService → createMessageId →
// sendMessage → getTransportReport (CheckAccountActive, LookupService,
// CreateMessageID, SendMessage, GetTransportReport, or all in one resumable
// Send). Receiving is getStatusList → getMessage → close on the msgBox port.
//
// The wire format:
//   - SOAP 1.2 envelopes, Content-Type application/soap+xml with the action
//     parameter; WS-Addressing 1.0 headers Action, MessageID, To and ReplyTo
//     (anonymous) on every request.
//   - Operation elements in the XTA namespace http://xoev.de/transport/xta/211
//     (NamespaceXTA); the author identifier and the message meta data in our
//     own namespace NamespaceMeta, because the real ones are OSCI 2 message
//     meta data whose schema we do not have.
//   - Content inline as base64 in the SOAP body (no MTOM), written while the
//     request streams, so a part costs a 32 KiB buffer, not its size.
//
// Safety: every response body is bounded (MaxResponseBytes, MaxMessageBytes),
// XML with a DOCTYPE (or any other <!...> directive) is refused before
// anything is decoded, so no entity is ever expanded, and only UTF-8 is
// accepted.
//
// Errors: SOAP faults become *Fault (test with errors.Is against
// ErrPermissionDenied, ErrInvalidMessageID, ErrTechnicalProblem,
// ErrParameterInvalid); everything else that fails on the way is an *Error.
// IsTemporary says whether trying again later can help: network errors,
// timeouts, HTTP 5xx, 408 and 429, XTAWSTechnicalProblem faults and other
// Receiver faults are temporary; TLS certificate problems, other faults and
// local errors are not. The client never retries by itself.
//
// DVDV is replaced by a Directory: a table from (organisation key, service)
// to the reader's identifier, endpoint and certificate.
package xta
