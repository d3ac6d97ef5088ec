#!/usr/bin/env bash
# Makes sure redis-server is installed: the Redis bus tests start their own
# redis-server processes (internal/redistest). Installs it with apt-get
# when it is missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
	exit 0
fi
echo "redis-server not found: installing it with apt-get" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
command -v redis-server >/dev/null 2>&1 || { echo "redis-server still missing after apt-get install" >&2; exit 1; }
