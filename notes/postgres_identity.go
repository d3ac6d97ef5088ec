package notes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgresIdentity names the database and schema a PostgreSQL DSN leads
// to — hosts and ports, database, search_path and options — without user
// or password, in either DSN form (URL or key=value, PG* variables
// applied as pgx does). Instances of one deployment get the same answer
// even when their DSNs differ in other settings (timeouts, application
// name); two deployments on one server, in different databases or
// schemas, get different ones. It connects to nothing.
func PostgresIdentity(dsn string) (string, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("postgres dsn: %w", err)
	}
	hosts := []string{cfg.Host + ":" + strconv.Itoa(int(cfg.Port))}
	for _, fb := range cfg.Fallbacks {
		// Fallbacks repeat a host without TLS when sslmode allows it.
		if h := fb.Host + ":" + strconv.Itoa(int(fb.Port)); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return fmt.Sprintf("postgres://%s/%s?search_path=%s&options=%s", strings.Join(hosts, ","), cfg.Database,
		cfg.RuntimeParams["search_path"], cfg.RuntimeParams["options"]), nil
}
