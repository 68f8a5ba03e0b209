// Package upload keeps the proofs a person uploads for an application
// (chapter "Unterlagen", seed 3.2.1 d): PNG, JPEG, PDF or HEIC recognised by
// content, at most MaxTotal bytes per application, every file scanned by
// ClamAV while it is being stored, and stored encrypted with a key of its own.
//
// A file is read exactly once, as a stream: Put sniffs its first bytes, then
// passes every chunk to a SHA-256, to the encrypting blob writer and, through
// a pipe, to the scanner, which reads concurrently. Memory stays at a few
// 64 KiB buffers whatever the size.
//
// Bookkeeping of blobs: before a blob is written its key is put in the
// store's trash with a due time (Lifetime ahead); adding the file's row takes
// it out again in the same transaction. Deleting a row (by the person, for an
// expired file, for a whole application, by the retention sweeper) moves its
// key back into the trash, due at once. SweepExpired deletes the blobs of due
// trash entries. So no blob is ever unaccounted for, even after a crash, and
// since a file's key salt lives only in its row, a blob whose row is gone can
// no longer be decrypted even before SweepExpired removes it.
package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// MaxTotal is the most an application's uploads may add up to.
const MaxTotal int64 = 100 << 20

// DefaultLifetime is how long an upload lives without delivery, like a draft.
const DefaultLifetime = 24 * time.Hour

// Background jobs the platform runs for uploads (wired in cmd).
const (
	RescanJobKind  = "upload_rescan"
	RescanInterval = 5 * time.Minute
	SweepJobKind   = "upload_sweep"
	SweepInterval  = 15 * time.Minute
)

// Status of a stored file.
type Status string

const (
	StatusClean     Status = "clean"     // the scanner found nothing
	StatusPending   Status = "pending"   // held: the scanner was unreachable or gave up; Rescan tries again
	StatusUnscanned Status = "unscanned" // no scanner configured (development only)
)

// File is one uploaded proof.
type File struct {
	ID          string // UUID
	Application string // the application (form instance) it belongs to
	Slot        string // which proof, e.g. the field path "nachweis_miete"
	Name        string // the original name, cleaned (CleanName); for display only
	Type        Type
	Size        int64
	Status      Status
	SHA256      string // hex of the plaintext, for the delivery report
	CreatedAt   time.Time
	ExpiresAt   time.Time // the sweeper deletes the file after this

	// Kept by the store for Service; not for display.
	BlobKey string // where Blobs keeps the encrypted bytes
	KeySalt []byte // HKDF salt of the file's key (crypt.go); only in the row
}

// ErrType: the content is none of the allowed types.
var ErrType = errors.New("upload: file type not allowed")

// ErrInfected: the scanner found malware. Put returns an *InfectedError that
// matches it with errors.Is.
var ErrInfected = errors.New("upload: malware found")

// ErrEmpty: the file has no bytes.
var ErrEmpty = errors.New("upload: file is empty")

// ErrNotFound: no such file in this application.
var ErrNotFound = errors.New("upload: not found")

// InfectedError names the signature the scanner found.
type InfectedError struct{ Signature string }

func (e *InfectedError) Error() string        { return "upload: malware found (" + e.Signature + ")" }
func (e *InfectedError) Is(target error) bool { return target == ErrInfected }

// BudgetError: the file would take the application past MaxTotal. Remaining
// is what the application still had before this file.
type BudgetError struct{ Remaining int64 }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("upload: more than %d bytes in total; %d bytes remain", MaxTotal, e.Remaining)
}

// Store keeps the files' rows and the trash of blob keys. Implemented in
// internal/store for SQLite and PostgreSQL.
type Store interface {
	// AddUpload inserts the row and takes its BlobKey out of the trash, in
	// one transaction, unless the application's files would then add up to
	// more than MaxTotal: then it returns a *BudgetError and changes nothing.
	// Concurrent calls for one application are serialised.
	AddUpload(ctx context.Context, f *File) error
	// ListUploads returns the application's files, oldest first.
	ListUploads(ctx context.Context, application string) ([]File, error)
	// FindUpload returns one of the application's files; ErrNotFound for an
	// unknown id or one of another application.
	FindUpload(ctx context.Context, application, id string) (*File, error)
	// DeleteUpload deletes the row and puts its blob key in the trash (due
	// now); ErrNotFound as for FindUpload.
	DeleteUpload(ctx context.Context, application, id string) error
	SetUploadStatus(ctx context.Context, id string, s Status) error
	// UploadedBytes adds up the sizes of the application's files.
	UploadedBytes(ctx context.Context, application string) (int64, error)
	// PendingUploads returns up to limit held files, oldest first.
	PendingUploads(ctx context.Context, limit int) ([]File, error)
	// DeleteApplicationUploads deletes all rows of the application, putting
	// their blob keys in the trash (due now), and returns those keys.
	DeleteApplicationUploads(ctx context.Context, application string) ([]string, error)
	// ExpireUploads deletes the rows that expired at or before cutoff,
	// putting their blob keys in the trash (due now). The retention sweeper
	// calls it too (rule "uploads").
	ExpireUploads(ctx context.Context, cutoff time.Time) (int64, error)
	// ExtendUploads moves the expiry of all the application's files.
	ExtendUploads(ctx context.Context, application string, expiresAt time.Time) error
	// TrashBlob records that key is to be deleted at due unless a row takes
	// it first.
	TrashBlob(ctx context.Context, key string, due time.Time) error
	// TrashedBlobs returns up to limit keys due at or before now that no
	// row refers to.
	TrashedBlobs(ctx context.Context, now time.Time, limit int) ([]string, error)
	// ForgetBlob removes key from the trash (its blob is gone).
	ForgetBlob(ctx context.Context, key string) error
}

// Service applies the rules. Its zero values: Now = time.Now, Lifetime =
// DefaultLifetime, Log = slog.Default().
type Service struct {
	Store   Store
	Blobs   Blobs
	Scanner Scanner // nil: no scanner configured; files get StatusUnscanned
	// Key is the 32-byte master key; each file's key is derived from it with
	// HKDF-SHA256 (crypt.go).
	Key      []byte
	Now      func() time.Time
	Lifetime time.Duration
	Log      *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) lifetime() time.Duration {
	if s.Lifetime > 0 {
		return s.Lifetime
	}
	return DefaultLifetime
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Put stores one file of the application's proof slot from r, a stream of
// unknown length (the multipart part), and returns it. Errors: ErrEmpty,
// ErrType (both before anything is stored), *BudgetError (as soon as the
// application's total would pass MaxTotal), *InfectedError; a failing
// scanner is no error: the file is then kept with StatusPending. After an
// error nothing of the file remains.
//
// Two uploads to one application at the same time each stream against the
// budget left when they started; the store's AddUpload then checks the
// total again under a lock and refuses the one that came second with a
// *BudgetError, whose blob Put deletes. So the budget holds without a
// reservation row, at the price that the loser learns it only at the end.
func (s *Service) Put(ctx context.Context, application, slot, name string, r io.Reader) (*File, error) {
	if application == "" || slot == "" {
		return nil, errors.New("upload: application and slot are required")
	}
	if len(s.Key) != 32 {
		return nil, errors.New("upload: Key must be 32 bytes")
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, err
	}
	head = head[:n]
	if n == 0 {
		return nil, ErrEmpty
	}
	typ, ok := Sniff(head)
	if !ok {
		return nil, ErrType
	}
	used, err := s.Store.UploadedBytes(ctx, application)
	if err != nil {
		return nil, err
	}
	remaining := max(MaxTotal-used, 0)
	if int64(n) > remaining {
		return nil, &BudgetError{Remaining: remaining}
	}

	now := s.now()
	f := &File{ID: uuid.NewString(), Application: application, Slot: slot, Name: CleanName(name), Type: typ,
		CreatedAt: now, ExpiresAt: now.Add(s.lifetime()), KeySalt: make([]byte, saltSize)}
	f.BlobKey = f.ID
	if _, err := rand.Read(f.KeySalt); err != nil {
		return nil, err
	}
	aead, err := fileKey(s.Key, f.KeySalt, f.ID)
	if err != nil {
		return nil, err
	}
	// Account for the blob before it exists; AddUpload takes it back.
	if err := s.Store.TrashBlob(ctx, f.BlobKey, now.Add(s.lifetime())); err != nil {
		return nil, err
	}
	bw, err := s.Blobs.Create(ctx, f.BlobKey)
	if err != nil {
		s.discard(f.BlobKey)
		return nil, err
	}
	enc, err := newSealer(bw, aead)
	if err != nil {
		bw.Abort()
		s.discard(f.BlobKey)
		return nil, err
	}
	scan := s.startScan(ctx)
	fail := func(err error) (*File, error) {
		scan.abort()
		bw.Abort()
		s.discard(f.BlobKey)
		return nil, err
	}

	h := sha256.New()
	src := io.MultiReader(bytes.NewReader(head), r)
	buf := make([]byte, segSize)
	var size int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			size += int64(n)
			if size > remaining {
				return fail(&BudgetError{Remaining: remaining})
			}
			h.Write(buf[:n])
			if _, err := enc.Write(buf[:n]); err != nil {
				return fail(err)
			}
			scan.write(buf[:n])
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fail(rerr)
		}
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
	}
	if err := enc.Close(); err != nil {
		return fail(err)
	}
	status, sig, err := scan.finish(ctx, size)
	switch {
	case err != nil:
		return fail(err)
	case sig != "":
		return fail(&InfectedError{Signature: sig})
	}
	if err := bw.Close(); err != nil {
		s.discard(f.BlobKey)
		return nil, err
	}
	f.Size, f.Status, f.SHA256 = size, status, hex.EncodeToString(h.Sum(nil))
	if err := s.Store.AddUpload(ctx, f); err != nil {
		s.discard(f.BlobKey)
		return nil, err
	}
	if status == StatusPending {
		s.log().Warn("upload held: scanner unavailable", "upload", f.ID, "error", scan.err)
	}
	return f, nil
}

// discard deletes a blob that no row refers to and forgets it. If that fails
// the trash entry stays and SweepExpired retries; so it runs even when the
// request's context has ended.
func (s *Service) discard(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.log().Error("upload: deleting blob", "key", key, "error", err)
		return
	}
	if err := s.Store.ForgetBlob(ctx, key); err != nil {
		s.log().Error("upload: forgetting blob", "key", key, "error", err)
	}
}

// scanRun feeds one file to the scanner while it is stored.
type scanRun struct {
	pw      *io.PipeWriter
	done    chan struct{}
	broken  bool // the scanner stopped reading
	clean   bool
	sig     string
	err     error
	scanned int64 // bytes the scanner read
	none    bool  // no scanner configured
}

var errAborted = errors.New("upload: aborted")

func (s *Service) startScan(ctx context.Context) *scanRun {
	if s.Scanner == nil {
		return &scanRun{none: true}
	}
	pr, pw := io.Pipe()
	sr := &scanRun{pw: pw, done: make(chan struct{})}
	// A scanner that ignores ctx must not keep Put blocked on the pipe.
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	go func() {
		defer close(sr.done)
		defer stop()
		cr := &countReader{r: pr}
		sr.clean, sr.sig, sr.err = s.Scanner.Scan(ctx, cr)
		sr.scanned = cr.n
		// Writes after this point fail at once instead of blocking.
		pr.CloseWithError(errScanEnded)
	}()
	return sr
}

var errScanEnded = errors.New("upload: scanner stopped reading")

func (sr *scanRun) write(p []byte) {
	if sr.none || sr.broken {
		return
	}
	if _, err := sr.pw.Write(p); err != nil {
		sr.broken = true
	}
}

func (sr *scanRun) abort() {
	if !sr.none {
		sr.pw.CloseWithError(errAborted)
	}
}

// finish ends the stream and returns the file's status, or the signature
// when it is infected, or an error when ctx ended first.
func (sr *scanRun) finish(ctx context.Context, size int64) (Status, string, error) {
	if sr.none {
		return StatusUnscanned, "", nil
	}
	sr.pw.Close()
	select {
	case <-sr.done:
	case <-ctx.Done():
		return "", "", ctx.Err()
	}
	st, sig := verdict(sr.clean, sr.sig, sr.err, sr.scanned, size)
	if st == StatusPending && sr.err == nil {
		sr.err = fmt.Errorf("scanner read %d of %d bytes", sr.scanned, size)
	}
	return st, sig, nil
}

// verdict turns a scanner's answer into a status: clean only when the
// scanner said so without error after reading every byte; a signature
// counts whenever one was reported; anything else holds the file.
func verdict(clean bool, sig string, err error, scanned, size int64) (Status, string) {
	switch {
	case err == nil && !clean:
		if sig == "" {
			sig = "unknown"
		}
		return "", sig
	case err == nil && clean && scanned == size:
		return StatusClean, ""
	}
	return StatusPending, ""
}

type countReader struct {
	r   io.Reader
	n   int64
	err error // first error other than EOF
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// List returns the application's live files, oldest first.
func (s *Service) List(ctx context.Context, application string) ([]File, error) {
	all, err := s.Store.ListUploads(ctx, application)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := all[:0]
	for _, f := range all {
		if f.ExpiresAt.After(now) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Remaining is how many bytes the application may still upload.
func (s *Service) Remaining(ctx context.Context, application string) (int64, error) {
	used, err := s.Store.UploadedBytes(ctx, application)
	if err != nil {
		return 0, err
	}
	return max(MaxTotal-used, 0), nil
}

// Delete removes one of the application's files; ErrNotFound if it has none
// with that id.
func (s *Service) Delete(ctx context.Context, application, id string) error {
	f, err := s.Store.FindUpload(ctx, application, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteUpload(ctx, application, id); err != nil {
		return err
	}
	s.discard(f.BlobKey)
	return nil
}

// Extend moves the expiry of all the application's files to Lifetime from
// now; call it when the application's draft is saved, so proofs live as long
// as the draft they belong to.
func (s *Service) Extend(ctx context.Context, application string) error {
	return s.Store.ExtendUploads(ctx, application, s.now().Add(s.lifetime()))
}

// ExpireAt sets when all the application's files expire (a delivered
// application keeps its proofs only for its receipt's hour).
func (s *Service) ExpireAt(ctx context.Context, application string, at time.Time) error {
	return s.Store.ExtendUploads(ctx, application, at)
}

// Open returns the file and its plaintext. Every 64 KiB segment is verified
// before any of its bytes are handed out; a changed, cut or extended blob
// makes Read fail with ErrCorrupt, so a reader that gets an error must
// discard what it read. Open returns files of any status: whoever delivers
// them must check Status.
func (s *Service) Open(ctx context.Context, application, id string) (*File, io.ReadCloser, error) {
	f, err := s.Store.FindUpload(ctx, application, id)
	if err != nil {
		return nil, nil, err
	}
	if !f.ExpiresAt.After(s.now()) {
		return nil, nil, ErrNotFound
	}
	rc, err := s.open(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	return f, rc, nil
}

func (s *Service) open(ctx context.Context, f *File) (io.ReadCloser, error) {
	aead, err := fileKey(s.Key, f.KeySalt, f.ID)
	if err != nil {
		return nil, err
	}
	blob, err := s.Blobs.Open(ctx, f.BlobKey)
	if err != nil {
		return nil, fmt.Errorf("upload: opening stored file: %w", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{newOpener(blob, aead, f.Size), blob}, nil
}

// rescanBatch is how many held files one Rescan looks at.
const rescanBatch = 100

// Rescan scans held files again, up to 100 per call: clean ones become
// StatusClean, infected ones are deleted, the others stay held. It returns
// how many went which way. Without a scanner it does nothing.
func (s *Service) Rescan(ctx context.Context) (clean, infected, pending int, err error) {
	if s.Scanner == nil {
		return 0, 0, 0, nil
	}
	files, err := s.Store.PendingUploads(ctx, rescanBatch)
	if err != nil || len(files) == 0 {
		return 0, 0, 0, err
	}
	if err := s.Scanner.Ping(ctx); err != nil {
		s.log().Warn("upload rescan: scanner unavailable", "held", len(files), "error", err)
		return 0, 0, len(files), nil
	}
	for i := range files {
		f := &files[i]
		status, sig, err := s.rescan(ctx, f)
		if err != nil {
			s.log().Warn("upload rescan: still held", "upload", f.ID, "error", err)
			pending++
			continue
		}
		switch {
		case sig != "":
			if err := s.Store.DeleteUpload(ctx, f.Application, f.ID); err != nil && !errors.Is(err, ErrNotFound) {
				return clean, infected, pending, err
			}
			s.discard(f.BlobKey)
			s.log().Warn("upload rescan: malware found, file deleted", "upload", f.ID, "signature", sig)
			infected++
		case status == StatusClean:
			if err := s.Store.SetUploadStatus(ctx, f.ID, StatusClean); err != nil && !errors.Is(err, ErrNotFound) {
				return clean, infected, pending, err
			}
			clean++
		default:
			pending++
		}
	}
	return clean, infected, pending, nil
}

func (s *Service) rescan(ctx context.Context, f *File) (Status, string, error) {
	rc, err := s.open(ctx, f)
	if err != nil {
		return "", "", err
	}
	defer rc.Close()
	cr := &countReader{r: rc}
	ok, sig, err := s.Scanner.Scan(ctx, cr)
	if cr.err != nil {
		// The stored file could not be read completely; never call that clean.
		return "", "", cr.err
	}
	if err != nil {
		return "", "", err
	}
	st, sig := verdict(ok, sig, nil, cr.n, f.Size)
	if st == StatusPending {
		return "", "", fmt.Errorf("scanner read %d of %d bytes", cr.n, f.Size)
	}
	return st, sig, nil
}

// DeleteApplication removes all files of an application, rows and blobs
// (after delivery, or when the application is withdrawn).
func (s *Service) DeleteApplication(ctx context.Context, application string) error {
	keys, err := s.Store.DeleteApplicationUploads(ctx, application)
	if err != nil {
		return err
	}
	for _, k := range keys {
		s.discard(k)
	}
	return nil
}

// SweepExpired deletes expired files and every blob whose trash entry is due
// (from deletions whose blob could not be removed at once, the retention
// sweeper's rule "uploads", or uploads a crash interrupted). It returns the
// number of blobs deleted. Run it periodically (SweepJobKind).
func (s *Service) SweepExpired(ctx context.Context) (int, error) {
	now := s.now()
	if _, err := s.Store.ExpireUploads(ctx, now); err != nil {
		return 0, err
	}
	deleted := 0
	for {
		keys, err := s.Store.TrashedBlobs(ctx, now, 100)
		if err != nil || len(keys) == 0 {
			return deleted, err
		}
		for _, k := range keys {
			if err := s.Blobs.Delete(ctx, k); err != nil {
				return deleted, fmt.Errorf("upload: deleting blob: %w", err)
			}
			if err := s.Store.ForgetBlob(ctx, k); err != nil {
				return deleted, err
			}
			deleted++
		}
	}
}
