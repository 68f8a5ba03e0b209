// Package testenv gives tests real databases of both dialects, golden files and
// the rule for missing tools: a test that lacks a tool skips loudly on a
// developer's machine and fails in CI (CI or SOZ_REQUIRE_ALL set).
package testenv

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sozialplattform/sozialplattform/internal/store"
)

// Update rewrites golden files instead of comparing against them.
var Update = flag.Bool("update", false, "update golden files")

// Strict reports whether missing tools fail tests instead of skipping them.
func Strict() bool {
	return os.Getenv("CI") != "" || os.Getenv("SOZ_REQUIRE_ALL") != ""
}

// Missing skips (loudly) or, in CI, fails a test that cannot run here.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	if Strict() {
		tb.Fatalf("REQUIRED IN CI: %s", what)
	}
	line := fmt.Sprintf("*** SKIPPED %s: %s ***", tb.Name(), what)
	fmt.Fprintf(os.Stderr, "\n%s\n\n", line)
	if p := os.Getenv("SOZ_SKIP_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
	tb.Skipf("SKIPPED (tool missing): %s", what)
}

// LookPath returns the path of a program or skips/fails like Missing.
func LookPath(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, name+" is not installed (run scripts/ci-setup.sh)")
	}
	return p
}

// PostgresURL is the server tests use; CI runs PostgreSQL there.
func PostgresURL() string {
	if u := os.Getenv("SOZ_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// DB is a migrated, empty database for one test.
type DB struct {
	Name string
	*store.DB
}

// SQLite returns a migrated SQLite database in a temp folder.
func SQLite(tb testing.TB) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}

// Postgres returns a migrated PostgreSQL database in a schema of its own,
// dropped when the test ends.
func Postgres(tb testing.TB) *store.DB {
	tb.Helper()
	url := PostgresSchemaURL(tb)
	db, err := store.Open(context.Background(), url, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// PostgresSchemaURL creates a fresh schema and returns a URL whose connections
// use it; the schema is dropped at cleanup. Several stores may open it (the
// two-instance test).
func PostgresSchemaURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", PostgresURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		Missing(tb, "PostgreSQL at "+redact(PostgresURL())+" is not reachable: "+err.Error())
	}
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(PostgresURL(), "?") {
		sep = "&"
	}
	return PostgresURL() + sep + "search_path=" + schema
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}

// Both runs fn once on SQLite and once on PostgreSQL.
func Both(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// RepoRoot is the repository's top folder.
func RepoRoot(tb testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Golden compares got with testdata/name, or writes it with -update.
func Golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", name)
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("golden %s: %v (run go test -update)", path, err)
	}
	if string(want) != string(got) {
		tb.Errorf("%s differs from the golden file (run go test -update and review the diff):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
