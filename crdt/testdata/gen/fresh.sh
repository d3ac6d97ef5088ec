#!/usr/bin/env bash
# fresh.sh runs one fresh randomized differential round: it generates a
# fixture with yjs from a random seed (or FRESH_SEED), then has the Go engine
# replay it and yjs judge the Go engine's encoded state:
#
#   go test ./crdt -run TestDiffFixtureFile -fixture=F -verify-node
#
# Replay a failure with FRESH_SEED=<seed> crdt/testdata/gen/fresh.sh
set -euo pipefail
gen_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$gen_dir/../../.." && pwd)"

seed="${FRESH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
# the seed also picks the shape of the session, so it alone replays a run
clients=$((seed % 4 + 2))            # 2..5
steps=$(((seed / 4) % 271 + 30))     # 30..300
gc=$([ $(((seed / 1084) % 2)) -eq 0 ] && echo true || echo false)
profiles=(mixed mixed mixed text xml map)
profile=${profiles[$(((seed / 2168) % 6))]}

tmp="$(mktemp -d)"
fixture="$tmp/f.json"
fail() {
  echo "fresh: FAILED seed=$seed ($1); fixture kept at $fixture" >&2
  echo "fresh: replay with: FRESH_SEED=$seed crdt/testdata/gen/fresh.sh" >&2
  exit 1
}

echo "fresh: seed=$seed clients=$clients steps=$steps gc=$gc profile=$profile"
node "$gen_dir/gen.mjs" --seed "$seed" --clients "$clients" --steps "$steps" \
  --gc "$gc" --profile "$profile" --out "$fixture" || fail "yjs generator"
cd "$root"
go test -count=1 ./crdt -run '^TestDiffFixtureFile$' -fixture="$fixture" -verify-node || fail "go test"
rm -rf "$tmp"
echo "fresh: ok seed=$seed"
