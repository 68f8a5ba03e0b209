package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/upload"
)

const uploadColumns = `id, application, slot, name, file_type, size, status, sha256, blob_key, key_salt, created_at, expires_at`

func scanUpload(row interface{ Scan(...any) error }) (*upload.File, error) {
	var f upload.File
	var typ, status, salt string
	var c, e int64
	if err := row.Scan(&f.ID, &f.Application, &f.Slot, &f.Name, &typ, &f.Size, &status, &f.SHA256, &f.BlobKey, &salt, &c, &e); err != nil {
		return nil, err
	}
	f.Type, f.Status = upload.Type(typ), upload.Status(status)
	f.CreatedAt, f.ExpiresAt = FromMillis(c), FromMillis(e)
	var err error
	if f.KeySalt, err = hex.DecodeString(salt); err != nil {
		return nil, err
	}
	return &f, nil
}

func (db *DB) queryUploads(ctx context.Context, query string, args ...any) ([]upload.File, error) {
	rows, err := db.Query(ctx, db, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []upload.File
	for rows.Next() {
		f, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, rows.Err()
}

// AddUpload implements upload.Store. The budget check and the insert run in
// one transaction that is serialised per application: on SQLite every write
// transaction is (BEGIN IMMEDIATE); on PostgreSQL a transaction-scoped
// advisory lock on the application's hash does it.
func (db *DB) AddUpload(ctx context.Context, f *upload.File) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if db.Dialect == Postgres {
			// 0x5550 ("UP") keeps these locks apart from any other advisory lock.
			if _, err := db.Exec(ctx, tx, `SELECT pg_advisory_xact_lock(21840, hashtext(?))`, f.Application); err != nil {
				return err
			}
		}
		var used int64
		if err := db.QueryRow(ctx, tx, `SELECT COALESCE(SUM(size), 0) FROM uploads WHERE application = ?`, f.Application).Scan(&used); err != nil {
			return err
		}
		if used+f.Size > upload.MaxTotal {
			return &upload.BudgetError{Remaining: max(upload.MaxTotal-used, 0)}
		}
		if _, err := db.Exec(ctx, tx, `INSERT INTO uploads (`+uploadColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.ID, f.Application, f.Slot, f.Name, string(f.Type), f.Size, string(f.Status), f.SHA256, f.BlobKey,
			hex.EncodeToString(f.KeySalt), Millis(f.CreatedAt), Millis(f.ExpiresAt)); err != nil {
			return err
		}
		_, err := db.Exec(ctx, tx, `DELETE FROM upload_trash WHERE blob_key = ?`, f.BlobKey)
		return err
	})
}

// ListUploads implements upload.Store.
func (db *DB) ListUploads(ctx context.Context, application string) ([]upload.File, error) {
	return db.queryUploads(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE application = ? ORDER BY created_at, id`, application)
}

// FindUpload implements upload.Store.
func (db *DB) FindUpload(ctx context.Context, application, id string) (*upload.File, error) {
	f, err := scanUpload(db.QueryRow(ctx, db, `SELECT `+uploadColumns+` FROM uploads WHERE id = ? AND application = ?`, id, application))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, upload.ErrNotFound
	}
	return f, err
}

// trashRows moves the blob keys of the rows that where selects into the
// trash (due at due) and deletes the rows; it returns the keys.
func (db *DB) trashRows(ctx context.Context, tx *sql.Tx, due time.Time, where string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, tx, `SELECT blob_key FROM uploads WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if _, err := db.Exec(ctx, tx, `INSERT INTO upload_trash (blob_key, due_at) VALUES (?, ?)
			ON CONFLICT (blob_key) DO UPDATE SET due_at = excluded.due_at`, k, Millis(due)); err != nil {
			return nil, err
		}
		if _, err := db.Exec(ctx, tx, `DELETE FROM uploads WHERE blob_key = ?`, k); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// DeleteUpload implements upload.Store; another application's file is
// untouched.
func (db *DB) DeleteUpload(ctx context.Context, application, id string) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		keys, err := db.trashRows(ctx, tx, db.Now(), `id = ? AND application = ?`, id, application)
		if err == nil && len(keys) == 0 {
			err = upload.ErrNotFound
		}
		return err
	})
}

// DeleteApplicationUploads implements upload.Store.
func (db *DB) DeleteApplicationUploads(ctx context.Context, application string) (keys []string, err error) {
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		keys, err = db.trashRows(ctx, tx, db.Now(), `application = ?`, application)
		return err
	})
	return keys, err
}

// ExpireUploads implements upload.Store; it is also the retention target
// retention.Uploads.
func (db *DB) ExpireUploads(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		keys, err := db.trashRows(ctx, tx, db.Now(), `expires_at <= ?`, Millis(cutoff))
		n = int64(len(keys))
		return err
	})
	return n, err
}

// SetUploadStatus implements upload.Store.
func (db *DB) SetUploadStatus(ctx context.Context, id string, s upload.Status) error {
	res, err := db.Exec(ctx, db, `UPDATE uploads SET status = ? WHERE id = ?`, string(s), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return upload.ErrNotFound
	}
	return nil
}

// UploadedBytes implements upload.Store.
func (db *DB) UploadedBytes(ctx context.Context, application string) (int64, error) {
	var n int64
	err := db.QueryRow(ctx, db, `SELECT COALESCE(SUM(size), 0) FROM uploads WHERE application = ?`, application).Scan(&n)
	return n, err
}

// PendingUploads implements upload.Store.
func (db *DB) PendingUploads(ctx context.Context, limit int) ([]upload.File, error) {
	return db.queryUploads(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE status = ? ORDER BY created_at, id LIMIT ?`,
		string(upload.StatusPending), limit)
}

// ExtendUploads implements upload.Store.
func (db *DB) ExtendUploads(ctx context.Context, application string, expiresAt time.Time) error {
	_, err := db.Exec(ctx, db, `UPDATE uploads SET expires_at = ? WHERE application = ?`, Millis(expiresAt), application)
	return err
}

// TrashBlob implements upload.Store.
func (db *DB) TrashBlob(ctx context.Context, key string, due time.Time) error {
	_, err := db.Exec(ctx, db, `INSERT INTO upload_trash (blob_key, due_at) VALUES (?, ?)
		ON CONFLICT (blob_key) DO UPDATE SET due_at = excluded.due_at`, key, Millis(due))
	return err
}

// TrashedBlobs implements upload.Store. A key that a row still refers to is
// never returned, whatever the trash says.
func (db *DB) TrashedBlobs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	rows, err := db.Query(ctx, db, `SELECT t.blob_key FROM upload_trash t
		WHERE t.due_at <= ? AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.blob_key = t.blob_key)
		ORDER BY t.due_at, t.blob_key LIMIT ?`, Millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// ForgetBlob implements upload.Store.
func (db *DB) ForgetBlob(ctx context.Context, key string) error {
	_, err := db.Exec(ctx, db, `DELETE FROM upload_trash WHERE blob_key = ?`, key)
	return err
}
