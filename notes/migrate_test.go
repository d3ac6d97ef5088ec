package notes

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

func allVersions(t *testing.T, backend string) []int {
	t.Helper()
	ms, err := readMigrations(backend)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs
}

// Both backends have the same steps, so their schemas stay in step.
func TestMigrationFiles(t *testing.T) {
	sq, err := readMigrations("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := readMigrations("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(sq) < 3 || len(sq) != len(pg) {
		t.Fatalf("%d sqlite and %d postgres migrations", len(sq), len(pg))
	}
	for i := range sq {
		if sq[i].name != pg[i].name {
			t.Errorf("migration %d is %q in sqlite, %q in postgres", i+1, sq[i].name, pg[i].name)
		}
	}
}

func TestSQLiteMigrations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// A database from before versioned migrations: the old tables, data,
	// no schema_migrations.
	old, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "cocreate.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`CREATE TABLE snapshots (doc TEXT PRIMARY KEY, data BLOB NOT NULL);
		CREATE TABLE updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
		CREATE INDEX updates_doc_seq ON updates (doc, seq);
		CREATE TABLE sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, created_ns INTEGER NOT NULL, data BLOB NOT NULL);
		CREATE INDEX sessions_created ON sessions (created_ns DESC, id DESC);
		INSERT INTO updates (doc, data) VALUES ('old/notes', x'0000');
		INSERT INTO sessions (id, state, created_ns, data) VALUES ('old', 'scheduled', 1,
			CAST('{"id":"old","title":"Old meeting","host":"guest:h","state":"scheduled","time_zone":"UTC"}' AS BLOB));`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	applied := func(s *SQLiteStore) string {
		rows, err := s.db.Query(`SELECT version, name, applied_ns FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var v, ns int64
			var name string
			rows.Scan(&v, &name, &ns)
			fmt.Fprintf(&b, "%d %s %d;", v, name, ns)
		}
		return b.String()
	}
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if vs, err := s.SchemaVersions(ctx); err != nil || !slices.Equal(vs, allVersions(t, "sqlite")) {
		t.Fatalf("SchemaVersions = %v, %v", vs, err)
	}
	if st, err := s.Load(ctx, "old/notes"); err != nil || len(st.Updates) != 1 {
		t.Fatalf("old data after migrating: %+v, %v", st, err)
	}
	// The session from before spaces is in a space its host owns.
	if sess, err := s.GetSession(ctx, "old"); err != nil || sess.SpaceID != "m-old" || sess.Visibility != VisibilitySpace || sess.Title != "Old meeting" {
		t.Fatalf("old session after migrating: %+v, %v", sess, err)
	}
	if sp, err := s.GetSpace(ctx, "m-old"); err != nil || sp.Name != "Old meeting" {
		t.Fatalf("its space: %+v, %v", sp, err)
	}
	if r, err := s.MemberRole(ctx, "m-old", "guest:h"); err != nil || r != SpaceOwner {
		t.Fatalf("its host's role in its space: %q, %v", r, err)
	}
	first := applied(s)
	s.Close()

	// Re-opening applies nothing.
	s, err = OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if again := applied(s); again != first {
		t.Fatalf("re-open changed schema_migrations:\n%s\n%s", first, again)
	}
	// A database newer than the binary is refused, unchanged.
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, name, applied_ns) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenSQLite(dir); err == nil || !strings.Contains(err.Error(), "schema version 999, newer than this binary") {
		t.Fatalf("opening a newer database: %v", err)
	}
}

func TestPostgresMigrations(t *testing.T) {
	ctx := context.Background()
	dsn := freshPostgres(t)
	// Instances starting together: one migrates, the others wait and
	// find nothing to do.
	var wg sync.WaitGroup
	stores := make([]*PostgresStore, 3)
	for i := range stores {
		wg.Go(func() {
			s, err := OpenPostgres(ctx, dsn)
			if err != nil {
				t.Error(err)
				return
			}
			stores[i] = s
		})
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			s.Close()
		}
	}
	if t.Failed() {
		return
	}
	applied := func(s *PostgresStore) string {
		rows, err := s.pool.Query(ctx, `SELECT version || ' ' || name || ' ' || applied_at::text FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, ";")
	}
	s := openPostgres(t, dsn)
	if vs, err := s.SchemaVersions(ctx); err != nil || !slices.Equal(vs, allVersions(t, "postgres")) {
		t.Fatalf("SchemaVersions = %v, %v", vs, err)
	}
	first := applied(s)
	s.Close()
	s = openPostgres(t, dsn)
	if again := applied(s); again != first {
		t.Fatalf("re-open changed schema_migrations:\n%s\n%s", first, again)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (999, 'future')`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenPostgres(ctx, dsn); err == nil || !strings.Contains(err.Error(), "schema version 999, newer than this binary") {
		t.Fatalf("opening a newer database: %v", err)
	}
}
