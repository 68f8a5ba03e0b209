package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The embedded default (SQLite) is one process on one machine. It takes an
// exclusive lock on the data folder, so a second "serve" on the same folder
// stops with a message instead of sharing the database, and it can then
// take back at start what its own earlier process held when it died: the
// leases of running jobs and deliveries. Without that a crash would hold
// an application for the whole lease (minutes) before it is delivered;
// with PostgreSQL, where several instances share the database, leases
// simply run out.

// LockDataDir takes the data folder's lock for the life of this process
// (the operating system releases it when the process ends, also on a
// crash). It returns ErrDataDirInUse if another process holds it.
func LockDataDir(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "sozialplattform.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrDataDirInUse, dir)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}

// ErrDataDirInUse: another process runs on this data folder.
var ErrDataDirInUse = errors.New("another sozialplattform process uses the data folder")

// ReleaseLeases frees every job and delivery lease. Only for a database
// that this process has to itself (SQLite under LockDataDir).
func (db *DB) ReleaseLeases(ctx context.Context) error {
	if db.Dialect != SQLite {
		return errors.New("store: leases are released only on SQLite")
	}
	if _, err := db.Exec(ctx, db, `UPDATE jobs SET locked_until = 0 WHERE state = 'running'`); err != nil {
		return err
	}
	_, err := db.Exec(ctx, db, `UPDATE deliveries SET lease_until = 0 WHERE lease_until > 0`)
	return err
}
