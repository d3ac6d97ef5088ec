package notes

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// The schema of each backend is a numbered series of SQL files,
// migrations/{backend}/NNNN_name.sql, applied in order at open inside one
// transaction and recorded in the table schema_migrations (version, name,
// applied time). A file, once released, is never edited: a change is a new
// file. Re-opening an up-to-date database applies nothing.
//
//go:embed migrations
var migrationFiles embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

// readMigrations returns the migrations of one backend, in order. Their
// numbers must run 1, 2, 3… without gaps or duplicates.
func readMigrations(backend string) ([]migration, error) {
	dir := path.Join("migrations", backend)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", backend, err)
	}
	var ms []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations %s: file %s is not named NNNN_name.sql", backend, e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrations %s: %w", backend, err)
		}
		ms = append(ms, migration{version: v, name: rest, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations %s: expected version %d, found %d (%s)", backend, i+1, m.version, m.name)
		}
	}
	return ms, nil
}

// pending returns the migrations not in applied, after checking that the
// database is not newer than this binary.
func pending(backend string, ms []migration, applied map[int]bool) ([]migration, error) {
	for v := range applied {
		if v > len(ms) {
			return nil, fmt.Errorf("migrations %s: the database has schema version %d, newer than this binary's %d; run a newer cocreate", backend, v, len(ms))
		}
	}
	var todo []migration
	for _, m := range ms {
		if !applied[m.version] {
			todo = append(todo, m)
		}
	}
	return todo, nil
}
