package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Blobs stores (encrypted) bytes by key. Keys are made by Service: letters,
// digits, '-', '_' and '.' in segments separated by '/'. The interface is kept
// small so that an object store (S3) can implement it: a multipart upload
// that is completed on Close and aborted on Abort.
type Blobs interface {
	// Create starts writing the blob key. Nothing is visible under key
	// before Close returns nil; after a write error, a failed Close or Abort
	// nothing is left behind.
	Create(ctx context.Context, key string) (BlobWriter, error)
	// Open reads a blob; a missing one gives an error matching fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob, including a half-written one. Deleting a
	// missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// BlobWriter is a blob being written. Close commits it; Abort discards it
// (and is a no-op after Close).
type BlobWriter interface {
	io.WriteCloser
	Abort() error
}

// DirBlobs keeps each blob as one file below Dir (mode 0600, folders 0700).
// A blob is written to "<key>.part" and renamed to its key when committed,
// after an fsync, so a crash leaves at most a .part file, which Delete of the
// same key removes.
type DirBlobs struct{ Dir string }

const partSuffix = ".part"

func (d DirBlobs) path(key string) (string, error) {
	if d.Dir == "" {
		return "", errors.New("upload: DirBlobs has no Dir")
	}
	if !validKey(key) {
		return "", fmt.Errorf("upload: invalid blob key %q", key)
	}
	return filepath.Join(d.Dir, filepath.FromSlash(key)), nil
}

func validKey(key string) bool {
	if key == "" || len(key) > 200 || strings.HasSuffix(key, partSuffix) {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg[0] == '.' {
			return false
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
	}
	return true
}

// Create implements Blobs.
func (d DirBlobs) Create(_ context.Context, key string) (BlobWriter, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p+partSuffix, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &dirWriter{f: f, path: p}, nil
}

type dirWriter struct {
	f    *os.File
	path string
	err  error // first write error
	done bool
}

func (w *dirWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, os.ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func (w *dirWriter) Close() error {
	if w.done {
		return os.ErrClosed
	}
	if w.err != nil {
		w.Abort()
		return w.err
	}
	w.done = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return err
	}
	// Make the rename durable; not every file system can sync a folder.
	if dir, err := os.Open(filepath.Dir(w.path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

func (w *dirWriter) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Open implements Blobs.
func (d DirBlobs) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

// Delete implements Blobs.
func (d DirBlobs) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	for _, name := range []string{p, p + partSuffix} {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
