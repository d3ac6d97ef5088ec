#!/usr/bin/env bash
# make deploy-check: validate deploy/ without a container engine or a
# cluster. See docs/deploy.md ("What is checked").
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== static binaries, as the Dockerfile builds them"
CGO_ENABLED=0 $GO build -trimpath -ldflags "-s -w -X main.version=deploy-check" -o "$tmp/cocreate" ./cmd/cocreate
CGO_ENABLED=0 $GO build -trimpath -ldflags "-s -w" -o "$tmp/healthcheck" ./deploy/healthcheck
for b in cocreate healthcheck; do
	info=$(file -b "$tmp/$b")
	echo "$b: $info"
	case $info in *"statically linked"*) ;; *) echo "FAIL: $b is not statically linked" >&2; exit 1 ;; esac
	if ldd "$tmp/$b" >/dev/null 2>&1; then echo "FAIL: ldd lists libraries of $b" >&2; exit 1; fi
done

echo "== the static binary serves with the image's environment; the healthcheck probes it"
port=$(shuf -i 20000-60000 -n 1)
# 127.0.0.1 instead of the image's 0.0.0.0: this runs on a shared machine.
COCREATE_ADDR=127.0.0.1:$port COCREATE_DATA=$tmp/data COCREATE_LOG_FORMAT=json "$tmp/cocreate" serve 2>"$tmp/serve.log" &
srv=$!
ok=
for _ in $(seq 100); do
	if COCREATE_ADDR=0.0.0.0:$port "$tmp/healthcheck" 2>/dev/null; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || { cat "$tmp/serve.log" >&2; echo "FAIL: healthcheck never passed" >&2; exit 1; }
kill -TERM "$srv"; wait "$srv" || { cat "$tmp/serve.log" >&2; echo "FAIL: cocreate serve did not stop cleanly on SIGTERM" >&2; exit 1; }
srv=
if COCREATE_ADDR=0.0.0.0:$port "$tmp/healthcheck" 2>/dev/null; then echo "FAIL: healthcheck passes with the server stopped" >&2; exit 1; fi
echo "healthcheck passed while serving and failed once stopped"

echo "== nginx (for nginx -t and the proxy test)"
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
	echo "nginx not found: installing nginx-light with apt-get"
	$SUDO apt-get update && $SUDO apt-get install -y nginx-light
fi

echo "== manifests, compose file, Dockerfile, nginx.conf (deploy/check)"
# deploy/check is its own module that imports the main one (replace ../..):
# -mod=mod lets it pick up a dependency the main module gained since its
# go.sum was last tidied, instead of failing on the missing entry.
(cd deploy/check && $GO vet -mod=mod ./... && $GO test -mod=mod -race -count=1 -v ./...)
$GO test -count=1 ./deploy/healthcheck

echo "== docker"
if docker compose version >/dev/null 2>&1; then
	COCREATE_AUTH_SECRET=deploy-check-secret-0123456789abcdef POSTGRES_PASSWORD=x \
		docker compose -f deploy/compose.yaml config -q && echo "docker compose config: ok"
else
	echo "docker compose plugin not installed: compose.yaml was validated with compose-go (the loader of docker compose) above"
fi
if docker info >/dev/null 2>&1; then
	echo "a Docker engine is reachable: build the image with docker build -f deploy/Dockerfile ."
else
	echo "no Docker engine here: the image is not built by this check (the Dockerfile is parsed and linted above)"
fi
echo "deploy-check: ok"
