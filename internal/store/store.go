// Package store is the database adapter: one set of migrations and hand-written
// queries that run on SQLite (the embedded default) and on PostgreSQL (scale).
//
// Queries are written with '?' placeholders; Rebind turns them into $1, $2 … for
// PostgreSQL. Times are stored as BIGINT Unix milliseconds in both dialects: that
// compares correctly in SQL on both engines without relying on driver-specific
// timestamp handling, and identifiers are UUID strings so no dialect-specific
// sequences are needed.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL engine behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a row that was asked for does not exist.
var ErrNotFound = errors.New("not found")

// DB wraps *sql.DB with the dialect and the query rewriting it needs.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Now is the clock used for every timestamp the store writes or compares;
	// tests move it forward to check deadlines.
	Now func() time.Time

	rebound sync.Map // query text -> rebound text, for PostgreSQL
	stmts   sync.Map // query text -> *sql.Stmt, for reads outside transactions
}

// Open connects to the database named by dsn. An empty dsn or a path opens
// SQLite in dataDir; a postgres:// URL opens PostgreSQL.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	if path == "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
		path = filepath.Join(dataDir, "sozialplattform.db")
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// WAL lets readers proceed while the one writer writes; busy_timeout makes
	// concurrent writers wait instead of failing with SQLITE_BUSY.
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// SQLite has one writer; a small pool avoids lock contention while still
	// allowing concurrent reads under WAL.
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", filepath.Base(path), err)
	}
	return &DB{DB: db, Dialect: SQLite, Now: time.Now}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return &DB{DB: db, Dialect: Postgres, Now: time.Now}, nil
}

// Migrate applies all embedded migrations.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// MigrationStatus reports the applied and the newest known version.
func (db *DB) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	p, err := db.provider()
	if err != nil {
		return 0, 0, err
	}
	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		latest = sources[len(sources)-1].Version
	}
	return current, latest, nil
}

func (db *DB) provider() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.DB, sub)
}

// Rebind rewrites '?' placeholders for the dialect. Question marks inside
// single-quoted literals are left alone.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	if q, ok := db.rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n, inQuote := 0, false
	for _, r := range query {
		switch {
		case r == '\'':
			inQuote = !inQuote
			b.WriteRune(r)
		case r == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteRune(r)
		}
	}
	q := b.String()
	db.rebound.Store(query, q)
	return q
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Exec runs a statement written with '?' placeholders.
func (db *DB) Exec(ctx context.Context, q Querier, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, db.Rebind(query), args...)
}

// Query runs a query written with '?' placeholders.
func (db *DB) Query(ctx context.Context, q Querier, query string, args ...any) (*sql.Rows, error) {
	if st := db.prepared(ctx, q, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow runs a single-row query written with '?' placeholders.
func (db *DB) QueryRow(ctx context.Context, q Querier, query string, args ...any) *sql.Row {
	if st := db.prepared(ctx, q, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, db.Rebind(query), args...)
}

// prepared returns a statement prepared once for reads outside a
// transaction: parsing and planning the same SQL on every request (the
// session look-up runs on each one) cost more than running it. nil means
// run it unprepared (inside a transaction, or preparing failed).
func (db *DB) prepared(ctx context.Context, q Querier, query string) *sql.Stmt {
	if d, ok := q.(*DB); !ok || d != db {
		return nil
	}
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	st, err := db.DB.PrepareContext(context.WithoutCancel(ctx), db.Rebind(query))
	if err != nil {
		return nil
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	return st
}

// InTx runs fn in a transaction, committing when it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Millis converts a time to the stored representation.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts the stored representation back to a time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NowMillis is the store clock in stored form.
func (db *DB) NowMillis() int64 { return db.Now().UnixMilli() }
