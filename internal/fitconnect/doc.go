// Package fitconnect is the sender side of FIT-Connect: it finds a
// destination through the Routing API, fetches and checks the destination's
// encryption key, and sends a submission (data, metadata and attachments, each
// a compact JWE) through the Submission API, v2 by default or v1. It reads the
// case's event log and checks every Security Event Token.
//
// The client never retries by itself. Every failure is returned as an error
// that IsTemporary classifies (network, timeouts, 5xx and 429 are temporary;
// other 4xx and every failed check are permanent), so the caller's job queue
// decides about backoff. Send records each finished step in a SendState that
// the caller persists; calling Send again with the saved state resumes
// without creating a second submission or uploading a recorded attachment
// twice.
//
// Crypto: RSA-OAEP-256 + A256GCM (compact JWE, kid and cty in the protected
// header) for everything sent; PS512 for the signatures checked (routing's
// destinationSignature and the service's SETs). Destination keys must be RSA
// with at least 4096 bits and carry an x5c chain to Config.Roots. There is no
// OCSP or CRL check yet (production needs one for the DOI-CA; see
// docs/decisions.md).
//
// Data and metadata are encrypted with go-jose. Attachments (up to
// MaxAttachmentSize) are encrypted by StreamJWE while the request body is
// sent: a small compact-JWE writer over crypto/rsa and a streaming AES-GCM
// of our own (gcm.go, checked against crypto/cipher), so an attachment of
// any size costs a few KiB of memory instead of about 4.7 times its size
// with go-jose (docs/decisions.md has the figures).
package fitconnect
