package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cocreate/cocreate/hub"
	"github.com/cocreate/cocreate/notes"
)

// Config is everything `cocreate serve` is told, from flags and from
// COCREATE_* environment variables (a flag given on the command line wins
// over its variable). Validate it once at start.
type Config struct {
	// Addr is the listen address (--addr).
	Addr string
	// Data is the directory of the embedded SQLite store (--data).
	Data string
	// Redis is a Redis URL for the bus between instances and the meeting
	// lock: redis:// or rediss:// for one server,
	// redis+cluster://host:port,host:port,… (rediss+cluster:// for TLS)
	// for a Redis Cluster, which then carries the bus over sharded pub/sub
	// (Redis ≥ 7); empty means in-process, a single instance (--redis).
	Redis string
	// RedisPrefix goes before every Redis channel name and key of this
	// deployment (--redis-prefix). Empty: derived from the store (see
	// redisPrefix), so that deployments sharing one Redis never see each
	// other's traffic while the instances of one agree.
	RedisPrefix string
	// Postgres is a PostgreSQL DSN for the store (documents, sessions,
	// versions, search) shared by every instance; empty means SQLite in
	// Data (--postgres).
	Postgres string
	// AuthSecret is the HMAC-SHA256 key of tokens (at least 32 bytes);
	// empty means open dev mode, where everyone is a guest
	// (--auth-secret).
	AuthSecret string
	// AdminKey authorizes POST /api/tokens (at least 16 bytes; needs
	// AuthSecret). Empty disables minting: the embedding platform may sign
	// tokens itself with AuthSecret (--admin-key).
	AdminKey string
	// AllowedOrigins is a comma-separated list of Origin host patterns
	// (path.Match syntax, e.g. "app.example.com,*.example.org") allowed to
	// open WebSockets and, in open dev mode, to send state-changing
	// requests. The server's own host is always allowed; empty: only it.
	// Requests without an Origin (non-browser clients) are always
	// allowed (--allowed-origins).
	AllowedOrigins string
	// PublicRooms makes any room name at /sync that is not a session's
	// document an open document anyone may read and write, as the plain
	// y-websocket server does; off, such a name answers 404
	// (--public-rooms).
	PublicRooms bool
	// LogFormat is text or json (--log-format).
	LogFormat string
	// DebugAddr, when set, serves Go's pprof profiles on a separate
	// listener (--debug-addr); keep it on loopback.
	DebugAddr string
	// MaxMessageSize is the largest WebSocket message accepted, in bytes
	// (--max-message-size).
	MaxMessageSize int64
	// MaxConnsPerDoc refuses connections to a document beyond this many;
	// 0 = no limit (--max-conns-per-doc).
	MaxConnsPerDoc int
	// MaxConnsPerIP refuses connections from one address beyond this
	// many; 0 = no limit (--max-conns-per-ip).
	MaxConnsPerIP int
	// MaxDocSize refuses updates that would grow a document beyond this
	// many bytes; 0 = no limit (--max-doc-size).
	MaxDocSize int64
	// ConnQueue bounds each connection's outbound queue, in messages
	// (--conn-queue). A client that falls further behind is not cut off:
	// its queued updates are replaced by one diff (a resync).
	ConnQueue int
	// ConnQueueBytes bounds the update bytes queued for one connection
	// before it is resynced (--conn-queue-bytes).
	ConnQueueBytes int
	// RoomQueueBytes bounds the bytes of diffs computed for single
	// connections of one document and not yet written; beyond it they get
	// the whole state, encoded once per change and shared
	// (--room-queue-bytes).
	RoomQueueBytes int64
	// MaxAwarenessSize is the largest awareness state accepted, in bytes
	// of JSON; a larger one closes the connection with 1008
	// (--max-awareness-size).
	MaxAwarenessSize int
	// ConnRates are each connection's message rates per second, by type
	// (bursts of 5 seconds' worth; 0 = no limit); beyond one the
	// connection is closed with 1008 (--conn-rate-step1,
	// --conn-rate-query-awareness, --conn-rate-awareness,
	// --conn-rate-updates, --conn-rate-commands).
	ConnRateStep1, ConnRateQueryAwareness, ConnRateAwareness, ConnRateUpdates, ConnRateCommands float64
	// FlushInterval bounds how long an applied update waits before it is
	// written to the store (--flush-interval).
	FlushInterval time.Duration
	// ShutdownTimeout bounds a graceful shutdown (--shutdown-timeout).
	ShutdownTimeout time.Duration
	// RateCommands is each identity's sustained rate of meeting commands
	// per second, over REST and sockets together (--rate-commands); a
	// burst of 3 seconds' worth is allowed; 0 = no limit. Beyond it:
	// 429 Too Many Requests, or an error answer on a socket.
	RateCommands float64
	// RateUpdates is each identity's sustained rate of document updates
	// per second over all its connections (--rate-updates); a burst of 5
	// seconds' worth is allowed; 0 = no limit. Beyond it the connection
	// is closed with 1008 "rate limit exceeded".
	RateUpdates float64
	// TrustedProxies lists the proxies (comma-separated CIDRs) whose
	// X-Forwarded-For names the client, for --max-conns-per-ip and logs
	// (--trusted-proxies). Empty: the direct peer is the client.
	TrustedProxies string
	// VersionEvery is how old a notes document's newest version must be
	// before an edit makes an automatic one (--version-every).
	VersionEvery time.Duration
	// AcceptRate limits new WebSocket connections to this many per second
	// (a token bucket of AcceptBurst); beyond it upgrades get 503 with
	// Retry-After. 0 = no limit (--accept-rate, --accept-burst).
	AcceptRate  float64
	AcceptBurst int
	// SyncInterval is how often a live document exchanges state vectors
	// with the other instances over the bus, healing lost messages
	// (--sync-interval).
	SyncInterval time.Duration
	// Spool is the directory where edits the store refuses at shutdown
	// are written, and read back into the store on the next start;
	// empty: "spool" under Data (--spool). Put it on another disk than
	// the SQLite file to survive a full disk.
	Spool string
	// ReadTimeout bounds reading one request, body included; WriteTimeout
	// writing its answer; IdleTimeout how long a keep-alive connection
	// waits for the next request. None applies to WebSockets, which the
	// hub keeps alive itself (--read-timeout, --write-timeout,
	// --idle-timeout).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// MetricsAddr, when set, serves /metrics on a listener of its own
	// and not on Addr (--metrics-addr). Otherwise /metrics on Addr is
	// open in dev mode and needs the admin key with AuthSecret.
	MetricsAddr string
	// Quotas (quota.go); 0 = no limit. MaxDocsPerSession bounds the
	// documents of one session (--max-docs-per-session);
	// MaxSessionBytes the bytes they hold in all (--max-session-bytes);
	// MaxAttendance the people in one session's attendance
	// (--max-attendance); GuestCreationsPerMinute, in open dev mode, the
	// sessions and documents one client address creates per minute
	// (--guest-creations-per-minute); MaxSessionsPerSpaceHour the
	// sessions created in one space in an hour
	// (--max-sessions-per-space-hour).
	MaxDocsPerSession       int
	MaxSessionBytes         int64
	MaxAttendance           int
	GuestCreationsPerMinute int
	MaxSessionsPerSpaceHour int
	// MaxSpacesPerPerson bounds the spaces one person owns
	// (--max-spaces-per-person); MaxInvitesPerSpace the open invites of
	// one space (--max-invites-per-space).
	MaxSpacesPerPerson int
	MaxInvitesPerSpace int
	// WebhookAllowPrivate lets webhooks reach private, loopback and
	// link-local addresses (--webhook-allow-private); off, such targets
	// are refused when connecting (SSRF).
	WebhookAllowPrivate bool
}

// DefaultConfig returns the defaults of every setting.
func DefaultConfig() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		Data:           "./data",
		LogFormat:      "text",
		MaxMessageSize: 16 << 20,
		MaxConnsPerIP:  1000,
		MaxConnsPerDoc: 5000,
		MaxDocSize:     256 << 20,
		ConnQueue:      256,
		ConnQueueBytes: 1 << 20,
		RoomQueueBytes: 64 << 20,

		MaxAwarenessSize:       8 << 10,
		ConnRateStep1:          2,
		ConnRateQueryAwareness: 2,
		ConnRateAwareness:      30,
		ConnRateUpdates:        500,
		ConnRateCommands:       20,
		FlushInterval:          200 * time.Millisecond,
		ShutdownTimeout:        10 * time.Second,
		RateCommands:           10,
		RateUpdates:            200,
		VersionEvery:           time.Hour,
		SyncInterval:           5 * time.Second,
		AcceptBurst:            200,
		ReadTimeout:            30 * time.Second,
		WriteTimeout:           60 * time.Second,
		IdleTimeout:            2 * time.Minute,

		MaxDocsPerSession:       100,
		MaxSessionBytes:         1 << 30,
		MaxAttendance:           2000,
		GuestCreationsPerMinute: 120,
		MaxSessionsPerSpaceHour: 200,
		MaxSpacesPerPerson:      100,
		MaxInvitesPerSpace:      1000,
	}
}

// RegisterFlags defines a flag for every setting, with c's values as
// defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.Data, "data", c.Data, "data directory (SQLite store)")
	fs.StringVar(&c.Redis, "redis", c.Redis, "Redis URL for the cross-instance bus (empty: in-process)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", c.RedisPrefix, "prefix of this deployment's Redis channels and keys (empty: derived from the store and the Redis database)")
	fs.StringVar(&c.Postgres, "postgres", c.Postgres, "PostgreSQL DSN for the store (empty: SQLite in --data)")
	fs.StringVar(&c.AuthSecret, "auth-secret", c.AuthSecret, "token signing secret (empty: open dev mode)")
	fs.StringVar(&c.AdminKey, "admin-key", c.AdminKey, "key for POST /api/tokens (needs --auth-secret; empty: minting off)")
	fs.StringVar(&c.AllowedOrigins, "allowed-origins", c.AllowedOrigins, "comma-separated Origin host patterns allowed besides the server's own host, for WebSockets and (dev mode) state-changing requests")
	fs.BoolVar(&c.PublicRooms, "public-rooms", c.PublicRooms, "make any /sync room name that is not a session's document an open document anyone may read and write")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "serve pprof profiles on this address (empty: off; keep it on loopback)")
	fs.Int64Var(&c.MaxMessageSize, "max-message-size", c.MaxMessageSize, "largest WebSocket message accepted, in bytes")
	fs.IntVar(&c.MaxConnsPerDoc, "max-conns-per-doc", c.MaxConnsPerDoc, "connections allowed per document (0: no limit)")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-ip", c.MaxConnsPerIP, "connections allowed per client address (0: no limit)")
	fs.Int64Var(&c.MaxDocSize, "max-doc-size", c.MaxDocSize, "largest document, in bytes of encoded state (0: no limit)")
	fs.IntVar(&c.ConnQueue, "conn-queue", c.ConnQueue, "outbound messages queued per connection before its queued updates are replaced by one diff")
	fs.IntVar(&c.ConnQueueBytes, "conn-queue-bytes", c.ConnQueueBytes, "outbound update bytes queued per connection before they are replaced by one diff")
	fs.Int64Var(&c.RoomQueueBytes, "room-queue-bytes", c.RoomQueueBytes, "bytes of per-connection diffs (sync answers, resyncs) of a document not yet written; beyond it connections get the shared whole state")
	fs.IntVar(&c.MaxAwarenessSize, "max-awareness-size", c.MaxAwarenessSize, "largest awareness state accepted, in bytes (larger: close 1008)")
	fs.Float64Var(&c.ConnRateStep1, "conn-rate-step1", c.ConnRateStep1, "sync step 1 messages per second per connection (bursts of 5 s; 0: no limit)")
	fs.Float64Var(&c.ConnRateQueryAwareness, "conn-rate-query-awareness", c.ConnRateQueryAwareness, "query-awareness messages per second per connection (bursts of 5 s; 0: no limit)")
	fs.Float64Var(&c.ConnRateAwareness, "conn-rate-awareness", c.ConnRateAwareness, "awareness messages per second per connection (bursts of 5 s; 0: no limit)")
	fs.Float64Var(&c.ConnRateUpdates, "conn-rate-updates", c.ConnRateUpdates, "document updates per second per connection (bursts of 5 s; 0: no limit)")
	fs.Float64Var(&c.ConnRateCommands, "conn-rate-commands", c.ConnRateCommands, "command messages per second per connection (bursts of 5 s; 0: no limit)")
	fs.DurationVar(&c.FlushInterval, "flush-interval", c.FlushInterval, "longest wait before an applied update is stored")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "longest graceful shutdown")
	fs.Float64Var(&c.RateCommands, "rate-commands", c.RateCommands, "meeting commands per second per identity (bursts of 3 s allowed; 0: no limit)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted for client addresses (empty: the direct peer)")
	fs.DurationVar(&c.VersionEvery, "version-every", c.VersionEvery, "automatic version of edited notes at most this often")
	fs.Float64Var(&c.RateUpdates, "rate-updates", c.RateUpdates, "document updates per second per identity (bursts of 5 s allowed; 0: no limit)")
	fs.Float64Var(&c.AcceptRate, "accept-rate", c.AcceptRate, "new WebSocket connections accepted per second before 503 + Retry-After (0: no limit)")
	fs.IntVar(&c.AcceptBurst, "accept-burst", c.AcceptBurst, "new WebSocket connections accepted at once above --accept-rate")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "longest time to read one HTTP request, body included (not WebSockets)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "longest time to write one HTTP answer (not WebSockets)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive HTTP connection is kept")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve /metrics on this address only (empty: on --addr, behind --admin-key when --auth-secret is set)")
	fs.IntVar(&c.MaxDocsPerSession, "max-docs-per-session", c.MaxDocsPerSession, "documents one session may have; one more is refused with 429 (0: no limit)")
	fs.Int64Var(&c.MaxSessionBytes, "max-session-bytes", c.MaxSessionBytes, "bytes the documents of one session may hold in all; an update beyond closes its connection (1009) (0: no limit)")
	fs.IntVar(&c.MaxAttendance, "max-attendance", c.MaxAttendance, "people one session's attendance may list; a newcomer beyond is refused with 429 (0: no limit)")
	fs.IntVar(&c.GuestCreationsPerMinute, "guest-creations-per-minute", c.GuestCreationsPerMinute, "in dev mode, sessions and documents one client address may create per minute; beyond: 429 (0: no limit)")
	fs.IntVar(&c.MaxSpacesPerPerson, "max-spaces-per-person", c.MaxSpacesPerPerson, "spaces one person may own; one more (a space, or a session or series made without space_id) is 429 (0: no limit)")
	fs.IntVar(&c.MaxInvitesPerSpace, "max-invites-per-space", c.MaxInvitesPerSpace, "open invites one space may have (expired and used-up ones are dropped to make room); one more is 429 (0: no limit)")
	fs.IntVar(&c.MaxSessionsPerSpaceHour, "max-sessions-per-space-hour", c.MaxSessionsPerSpaceHour, "sessions people may create in one space per hour (a series' occurrences count but are never refused); beyond: 429 (0: no limit)")
	fs.StringVar(&c.Spool, "spool", c.Spool, "directory for edits the store refuses at shutdown, stored on the next start (empty: spool under --data)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let webhooks reach private, loopback and link-local addresses (off: refused at connect time)")
	fs.DurationVar(&c.SyncInterval, "sync-interval", c.SyncInterval, "how often a live document exchanges state vectors with the other instances (heals lost bus messages)")
}

// EnvName returns the environment variable of a flag: COCREATE_ and the
// flag name in upper case with dashes as underscores.
func EnvName(flagName string) string {
	return "COCREATE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag of fs not given on the command line from its
// environment variable, if that is set. Call it after fs.Parse.
func ApplyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		v, ok := lookup(name)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid value %q for --%s: %w", name, v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// Lengths below which a secret is refused.
const (
	minAuthSecret = 32
	minAdminKey   = 16
)

// originPatterns splits AllowedOrigins.
func (c *Config) originPatterns() []string {
	var ps []string
	for p := range strings.SplitSeq(c.AllowedOrigins, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// Validate checks the settings; its errors name the flag.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr: must not be empty"))
	}
	if c.Data == "" && c.Postgres == "" {
		errs = append(errs, errors.New("--data: must not be empty"))
	}
	errs = append(errs, c.validateRedis()...)
	if c.AuthSecret != "" && len(c.AuthSecret) < minAuthSecret {
		errs = append(errs, fmt.Errorf("--auth-secret: %d bytes is too short for HMAC-SHA256; use at least %d", len(c.AuthSecret), minAuthSecret))
	}
	if c.AdminKey != "" {
		if c.AuthSecret == "" {
			errs = append(errs, errors.New("--admin-key: needs --auth-secret (tokens are not used in open dev mode)"))
		}
		if len(c.AdminKey) < minAdminKey {
			errs = append(errs, fmt.Errorf("--admin-key: %d bytes is too short; use at least %d", len(c.AdminKey), minAdminKey))
		}
	}
	for _, p := range c.originPatterns() {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("--allowed-origins: bad pattern %q: %w", p, err))
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format: %q is neither text nor json", c.LogFormat))
	}
	errs = append(errs, atLeast("max-message-size", c.MaxMessageSize, 1024, " bytes"))
	errs = append(errs, atLeast("max-conns-per-doc", c.MaxConnsPerDoc, 0, ""))
	errs = append(errs, atLeast("max-conns-per-ip", c.MaxConnsPerIP, 0, ""))
	if _, err := c.proxyRanges(); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	if c.VersionEvery < time.Second {
		errs = append(errs, fmt.Errorf("--version-every: %v is below 1s", c.VersionEvery))
	}
	errs = append(errs, atLeast("rate-commands", c.RateCommands, 0, ""))
	errs = append(errs, atLeast("rate-updates", c.RateUpdates, 0, ""))
	errs = append(errs, atLeast("max-doc-size", c.MaxDocSize, 0, ""))
	errs = append(errs, atLeast("conn-queue", c.ConnQueue, 1, ""))
	errs = append(errs, atLeast("conn-queue-bytes", c.ConnQueueBytes, 4096, ""))
	if c.RoomQueueBytes < int64(c.ConnQueueBytes) {
		errs = append(errs, fmt.Errorf("--room-queue-bytes: %d is below --conn-queue-bytes (%d)", c.RoomQueueBytes, c.ConnQueueBytes))
	}
	errs = append(errs, atLeast("max-awareness-size", c.MaxAwarenessSize, 256, " bytes"))
	for _, r := range []struct {
		flag string
		v    float64
	}{{"conn-rate-step1", c.ConnRateStep1}, {"conn-rate-query-awareness", c.ConnRateQueryAwareness},
		{"conn-rate-awareness", c.ConnRateAwareness}, {"conn-rate-updates", c.ConnRateUpdates}, {"conn-rate-commands", c.ConnRateCommands}} {
		if r.v < 0 || math.IsNaN(r.v) || math.IsInf(r.v, 0) {
			errs = append(errs, fmt.Errorf("--%s: %v is not a rate ≥ 0", r.flag, r.v))
		}
	}
	if c.FlushInterval <= 0 || c.FlushInterval > time.Minute {
		errs = append(errs, fmt.Errorf("--flush-interval: %v is not in (0, 1m]", c.FlushInterval))
	}
	if c.AcceptRate < 0 || math.IsNaN(c.AcceptRate) || math.IsInf(c.AcceptRate, 0) {
		errs = append(errs, fmt.Errorf("--accept-rate: %v is not a rate ≥ 0", c.AcceptRate))
	}
	errs = append(errs, atLeast("accept-burst", c.AcceptBurst, 1, ""))
	if c.SyncInterval < 100*time.Millisecond || c.SyncInterval > 10*time.Minute {
		errs = append(errs, fmt.Errorf("--sync-interval: %v is not in [100ms, 10m]", c.SyncInterval))
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--read-timeout", c.ReadTimeout}, {"--write-timeout", c.WriteTimeout}, {"--idle-timeout", c.IdleTimeout}} {
		if d.v < 100*time.Millisecond {
			errs = append(errs, fmt.Errorf("%s: %v is below 100ms", d.flag, d.v))
		}
	}
	if c.MaxDocsPerSession < 0 || c.MaxSessionBytes < 0 || c.MaxAttendance < 0 || c.GuestCreationsPerMinute < 0 || c.MaxSessionsPerSpaceHour < 0 || c.MaxSpacesPerPerson < 0 || c.MaxInvitesPerSpace < 0 {
		errs = append(errs, errors.New("--max-docs-per-session, --max-session-bytes, --max-attendance, --guest-creations-per-minute, --max-sessions-per-space-hour, --max-spaces-per-person, --max-invites-per-space: must not be negative"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout: %v is not positive", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// atLeast is nil unless v < least, else the error naming flag: "is
// negative" when least is 0, "is below least" (with unit) otherwise.
// (!(v < least), not v >= least: a NaN is not refused here, as it was
// not before this helper.)
// Validate appends it either way: errors.Join drops the nils.
func atLeast[T int | int64 | float64](flag string, v, least T, unit string) error {
	switch {
	case !(v < least):
		return nil
	case least == 0:
		return fmt.Errorf("--%s: %v is negative", flag, v)
	}
	return fmt.Errorf("--%s: %v is below %v%s", flag, v, least, unit)
}

// validateRedis checks Redis and RedisPrefix.
func (c *Config) validateRedis() []error {
	var errs []error
	if c.Redis != "" {
		if !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://") && !hub.IsRedisClusterURL(c.Redis) {
			errs = append(errs, fmt.Errorf("--redis: %q is not a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL", c.Redis))
		} else if _, err := hub.RedisURLDB(c.Redis); err != nil {
			errs = append(errs, fmt.Errorf("--redis: %w", err))
		}
	}
	if c.RedisPrefix != "" {
		if c.Redis == "" {
			errs = append(errs, errors.New("--redis-prefix: needs --redis (a single instance uses no Redis)"))
		}
		if err := hub.CheckRedisPrefix(c.RedisPrefix); err != nil {
			errs = append(errs, fmt.Errorf("--redis-prefix: %w", err))
		}
	}
	return errs
}

// redisPrefix returns RedisPrefix or, when it is empty, the prefix
// derived from what makes a deployment: its store (the PostgreSQL
// database and schema, or the absolute --data directory) and the Redis
// database number, which pub/sub ignores. It is "cocreate:", 12 hex
// digits of a SHA-256 of both, and ":". Instances sharing a store (one
// deployment) derive the same prefix and hear each other; deployments
// with different stores on one Redis, even in different databases, do
// not.
func (c *Config) redisPrefix() (string, error) {
	if c.RedisPrefix != "" {
		return c.RedisPrefix, nil
	}
	var store string
	if c.Postgres != "" {
		id, err := notes.PostgresIdentity(c.Postgres)
		if err != nil {
			return "", fmt.Errorf("--postgres: %w", err)
		}
		store = id
	} else {
		abs, err := filepath.Abs(c.Data)
		if err != nil {
			return "", fmt.Errorf("--data %s: %w", c.Data, err)
		}
		store = "sqlite:" + abs
	}
	db, err := hub.RedisURLDB(c.Redis)
	if err != nil {
		return "", fmt.Errorf("--redis: %w", err)
	}
	sum := sha256.Sum256([]byte(store + "\x00redis-db=" + strconv.Itoa(db)))
	return "cocreate:" + hex.EncodeToString(sum[:6]) + ":", nil
}

// proxyRanges parses TrustedProxies.
func (c *Config) proxyRanges() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR (e.g. 10.0.0.0/8)", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// hubRates maps the per-connection rate flags to hub.Rates (0, no limit,
// is a negative rate there).
func (c *Config) hubRates() hub.Rates {
	off := func(v float64) float64 {
		if v == 0 {
			return -1
		}
		return v
	}
	return hub.Rates{
		SyncStep1:      off(c.ConnRateStep1),
		QueryAwareness: off(c.ConnRateQueryAwareness),
		Awareness:      off(c.ConnRateAwareness),
		Updates:        off(c.ConnRateUpdates),
		Commands:       off(c.ConnRateCommands),
	}
}
