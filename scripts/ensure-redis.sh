#!/usr/bin/env bash
# Makes sure redis-server (≥ 7, for the Redis Cluster tests' sharded
# pub/sub) and redis-cli are installed: the Redis bus tests start their own
# redis-server processes and Redis Clusters (internal/redistest). Installs
# them with apt-get when they are missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
	major=$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
	if [ "${major:-0}" -lt 7 ]; then
		echo "redis-server ${major:-?}.x is too old: the Redis Cluster tests need sharded pub/sub (Redis 7)" >&2
		exit 1
	fi
	exit 0
fi
echo "redis-server or redis-cli not found: installing them with apt-get" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server redis-tools
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
	{ echo "redis-server or redis-cli still missing after apt-get install" >&2; exit 1; }
