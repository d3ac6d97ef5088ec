package cluster

import (
	"sync"
	"testing"

	"github.com/cocreate/cocreate/internal/pgtest"
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
	dsns[data] = pgtest.Schema(t, "cluster_test")
	return dsns[data]
}
