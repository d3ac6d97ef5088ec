#!/usr/bin/env bash
# ensure-postgres.sh — make sure a PostgreSQL server is there for the notes
# tests, and print the line that points them at it:
#
#   eval "$(scripts/ensure-postgres.sh)"     # sets COCREATE_TEST_POSTGRES
#   scripts/ensure-postgres.sh stop          # stops the throwaway server
#
# If $COCREATE_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test)
# answers, nothing is started. Otherwise a throwaway cluster (trust auth,
# database "test") is initialised in $COCREATE_PG_DIR (default
# ${TMPDIR:-/tmp}/cocreate-postgres-$UID), installing Debian's postgresql
# with apt-get if its programs are missing, and started on a free port; a
# later run reuses it while it is up. Messages go to stderr; stdout holds
# only the export line.
set -euo pipefail

DEFAULT_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
DSN=${COCREATE_TEST_POSTGRES:-$DEFAULT_DSN}
DIR=${COCREATE_PG_DIR:-${TMPDIR:-/tmp}/cocreate-postgres-$(id -u)}

log() { echo "ensure-postgres: $*" >&2; }

# reachable DSN: the server accepts a query (or, without psql, a TCP
# connection on the DSN's host and port).
reachable() {
	if command -v psql >/dev/null 2>&1; then
		PGCONNECT_TIMEOUT=3 psql "$1" -Atqc 'SELECT 1' >/dev/null 2>&1
		return
	fi
	local hostport host port
	hostport=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#' <<<"$1")
	host=${hostport%%:*}
	port=${hostport##*:}
	[ "$port" = "$hostport" ] && port=5432
	timeout 3 bash -c "exec 3<>/dev/tcp/${host:-127.0.0.1}/$port" 2>/dev/null
}

# pgbin: the directory of the newest installed PostgreSQL programs.
pgbin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$d" ] && [ -x "$d/initdb" ]; then
		echo "$d"
	elif command -v initdb >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
	fi
}

# as_owner runs a command as the cluster's owner: initdb and postgres
# refuse to run as root, so root hands them to the postgres user.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

dsn_for() { echo "postgres://postgres@127.0.0.1:$1/test?sslmode=disable"; }

if [ "${1:-}" = stop ]; then
	BIN=$(pgbin)
	if [ -n "$BIN" ] && [ -f "$DIR/data/postmaster.pid" ]; then
		as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
	fi
	rm -rf "$DIR"
	log "throwaway cluster in $DIR stopped and removed"
	exit 0
fi

if reachable "$DSN"; then
	log "PostgreSQL is reachable at ${DSN%%\?*}"
	echo "export COCREATE_TEST_POSTGRES='$DSN'"
	exit 0
fi
log "PostgreSQL is not reachable at ${DSN%%\?*}; using a throwaway cluster in $DIR"

# A throwaway cluster from an earlier run that is still up.
if [ -f "$DIR/port" ] && reachable "$(dsn_for "$(cat "$DIR/port")")"; then
	log "reusing the running throwaway cluster (stop it with: $0 stop)"
	echo "export COCREATE_TEST_POSTGRES='$(dsn_for "$(cat "$DIR/port")")'"
	exit 0
fi

BIN=$(pgbin)
if [ -z "$BIN" ]; then
	log "PostgreSQL programs not found: installing postgresql with apt-get"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update >&2
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql >&2
	BIN=$(pgbin)
	[ -n "$BIN" ] || { log "apt-get installed no initdb"; exit 1; }
fi

# A stale directory (server gone) is started afresh.
if [ -f "$DIR/data/postmaster.pid" ]; then
	as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"

port=55432
while timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; do
	port=$((port + 1))
	[ "$port" -lt 55532 ] || { log "no free port in 55432-55531"; exit 1; }
done

as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
	-o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
"$BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'CREATE DATABASE test' >/dev/null
echo "$port" >"$DIR/port"
log "started PostgreSQL on 127.0.0.1:$port (log $DIR/server.log; stop it with: $0 stop)"
echo "export COCREATE_TEST_POSTGRES='$(dsn_for "$port")'"
