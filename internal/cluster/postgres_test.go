package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

var (
	dsnMu sync.Mutex
	dsns  = map[string]string{} // data directory → DSN of its schema
)

// clusterDSN returns the PostgreSQL DSN of the store shared by the
// instances started with data: a fresh schema on the server of
// COCREATE_TEST_POSTGRES (see scripts/ensure-postgres.sh), dropped when
// the test ends.
func clusterDSN(t *testing.T, data string) string {
	t.Helper()
	dsnMu.Lock()
	defer dsnMu.Unlock()
	if dsn, ok := dsns[data]; ok {
		return dsn
	}
	base := os.Getenv("COCREATE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL unreachable at %s: %v\nrun: eval \"$(scripts/ensure-postgres.sh)\"", base, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "cluster_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dsns[data] = u.String()
	return dsns[data]
}
