#!/usr/bin/env bash
# make-fixtures.sh regenerates the committed differential fixtures in
# ../diff/ with the pinned yjs. Output is deterministic: the same seeds and
# the same yjs version give byte-identical files.
#
#   crdt/testdata/gen/make-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -d node_modules/yjs ]; then
  echo "make-fixtures: node_modules missing; running npm ci" >&2
  npm ci --no-audit --no-fund
fi

out=../diff
mkdir -p "$out"
rm -f "$out"/*.json

# name                  seed        clients steps gc    profile ids
fixtures=(
  "small-seq-gc           1           2  30  true  mixed seq"
  "small-seq-nogc         2           2  30  false mixed seq"
  "small-big-ids          3           2  40  true  mixed big"
  "small-random-ids-nogc  4           2  50  false mixed random"
  "single-client          5           1  60  true  mixed seq"
  "single-client-nogc     6           1  60  false mixed big"
  "mid-3c-gc-a            101         3  100 true  mixed seq"
  "mid-3c-nogc-a          102         3  100 false mixed random"
  "mid-3c-gc-b            103         3  120 true  mixed big"
  "mid-3c-nogc-b          104         3  120 false mixed seq"
  "mid-4c-gc              105         4  200 true  mixed random"
  "mid-4c-nogc            106         4  200 false mixed big"
  "mid-2c-gc              107         2  200 true  mixed random"
  "large-4c-gc            201         4  400 true  mixed seq"
  "large-4c-nogc          202         4  400 false mixed random"
  "large-5c-gc            203         5  400 true  mixed big"
  "large-5c-nogc          204         5  400 false mixed big"
  "text-fmt-3c-gc         301         3  400 true  text  seq"
  "text-fmt-3c-nogc       302         3  300 false text  random"
  "text-fmt-2c-big        303         2  300 true  text  big"
  "text-fmt-5c            304         5  250 true  text  random"
  "xml-3c-gc              401         3  300 true  xml   seq"
  "xml-3c-nogc            402         3  300 false xml   big"
  "xml-4c                 403         4  250 true  xml   random"
  "map-conflict-4c-gc     501         4  300 true  map   seq"
  "map-conflict-5c-nogc   502         5  300 false map   big"
  "map-conflict-5c        503         5  250 true  map   random"
  "map-conflict-2c        504         2  200 false map   seq"
  "big-seed-5c            3000000000  5  150 true  mixed big"
  "max-seed-3c            4294967295  3  150 false mixed random"
)

for line in "${fixtures[@]}"; do
  read -r name seed clients steps gc profile ids <<<"$line"
  node gen.mjs --seed "$seed" --clients "$clients" --steps "$steps" --gc "$gc" \
    --profile "$profile" --ids "$ids" --out "$out/$name.json"
  node verify.mjs --fixture "$out/$name.json" >/dev/null
done

echo "make-fixtures: ${#fixtures[@]} fixtures, $(du -ch "$out"/*.json | tail -1 | cut -f1) in $out" >&2
