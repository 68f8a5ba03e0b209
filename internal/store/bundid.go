package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/sozialplattform/sozialplattform/internal/identity"
)

// SaveAuthnRequest implements bundid.Store.
func (db *DB) SaveAuthnRequest(ctx context.Context, id string, level identity.Level, returnTo string, expires time.Time) error {
	_, err := db.Exec(ctx, db, `INSERT INTO saml_requests (id, level, return_to, expires_at) VALUES (?, ?, ?, ?)`,
		id, int(level), returnTo, Millis(expires))
	return err
}

// TakeAuthnRequest implements bundid.Store: single use, so a second answer
// to the same request finds nothing.
func (db *DB) TakeAuthnRequest(ctx context.Context, id string) (identity.Level, string, bool, error) {
	var level int
	var returnTo string
	var exp int64
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		err := db.QueryRow(ctx, tx, `SELECT level, return_to, expires_at FROM saml_requests WHERE id = ?`, id).Scan(&level, &returnTo, &exp)
		if err != nil {
			return err
		}
		_, err = db.Exec(ctx, tx, `DELETE FROM saml_requests WHERE id = ?`, id)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	if exp < db.NowMillis() {
		return 0, "", false, nil
	}
	return identity.Level(level), returnTo, true, nil
}

// RememberAssertion implements bundid.Store. The primary key makes the check
// atomic across instances.
func (db *DB) RememberAssertion(ctx context.Context, id string, until time.Time) (bool, error) {
	_, err := db.Exec(ctx, db, `INSERT INTO saml_assertions (id, expires_at) VALUES (?, ?)`, id, Millis(until))
	if err != nil {
		msg := strings.ToLower(err.Error())
		if strings.Contains(msg, "unique") || strings.Contains(msg, "duplicate") || strings.Contains(msg, "primary key") {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// RememberSAMLSession links a BundID session (hashed NameID) to the owner key
// of the platform sessions it opened.
func (db *DB) RememberSAMLSession(ctx context.Context, nameIDKey, owner string, expires time.Time) error {
	_, err := db.Exec(ctx, db, `INSERT INTO saml_sessions (name_id_key, owner, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name_id_key, owner) DO UPDATE SET expires_at = excluded.expires_at`, nameIDKey, owner, Millis(expires))
	return err
}

// TakeSAMLSessionOwners returns and forgets the owners linked to a BundID session.
func (db *DB) TakeSAMLSessionOwners(ctx context.Context, nameIDKey string) ([]string, error) {
	var owners []string
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := db.Query(ctx, tx, `SELECT owner FROM saml_sessions WHERE name_id_key = ?`, nameIDKey)
		if err != nil {
			return err
		}
		for rows.Next() {
			var o string
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return err
			}
			owners = append(owners, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = db.Exec(ctx, tx, `DELETE FROM saml_sessions WHERE name_id_key = ?`, nameIDKey)
		return err
	})
	return owners, err
}
