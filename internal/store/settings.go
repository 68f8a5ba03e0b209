package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
)

// Secret returns the named secret, creating a random 32-byte one on first use.
// Secrets live in the database so that every instance shares them (CSRF keys).
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	rand.Read(b)
	if _, err := db.Exec(ctx, db, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		"secret:"+name, hex.EncodeToString(b)); err != nil {
		return nil, err
	}
	var v string
	err := db.QueryRow(ctx, db, `SELECT value FROM settings WHERE name = ?`, "secret:"+name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// SettingOrInit returns the named setting, storing init() first if there is
// none. Concurrent first starts of several instances agree on one value.
func (db *DB) SettingOrInit(ctx context.Context, name string, init func() (string, error)) (string, error) {
	var v string
	err := db.QueryRow(ctx, db, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	nv, err := init()
	if err != nil {
		return "", err
	}
	if _, err := db.Exec(ctx, db, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, nv); err != nil {
		return "", err
	}
	err = db.QueryRow(ctx, db, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	return v, err
}
