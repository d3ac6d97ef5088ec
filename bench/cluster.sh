#!/usr/bin/env bash
# bench/cluster.sh — `make bench-cluster`: update delivery latency with the
# receivers on one cocreate instance (in-process bus) against the same
# receivers spread over three instances joined by Redis (--redis), the
# writer on the first instance in both. Everything runs on this machine, so
# three instances share its cores with Redis and the load generator.
#
# Knobs (environment):
#   RECEIVERS=300  listening clients per room     RATE=50   updates/s per room
#   ROOMS=1        documents                      DURATION=10s   DRAIN=10s
#   PORT_BASE=18500  instances listen on PORT_BASE+1..3, Redis on PORT_BASE+9
#   OUT=dir        where logs and results go (default: a temp dir)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RECEIVERS=${RECEIVERS:-300}
RATE=${RATE:-50}
ROOMS=${ROOMS:-1}
DURATION=${DURATION:-10s}
DRAIN=${DRAIN:-10s}
PORT_BASE=${PORT_BASE:-18500}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cocreate-cluster-bench.XXXXXX")
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK/data" "$WORK/redis" "$WORK/bin"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ROOT/scripts/ensure-redis.sh"
mkdir -p "$WORK/bin" "$WORK/redis"
log "building cocreate"
(cd "$ROOT" && go build -o "$WORK/bin/cocreate" ./cmd/cocreate)
COCREATE=$WORK/bin/cocreate

wait_port() { # port pid
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	log "nothing listens on 127.0.0.1:$1"
	exit 1
}

stop_all() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}

REDIS_PORT=$((PORT_BASE + 9))
start_redis() {
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis" \
		--loglevel warning >>"$OUT/redis.log" 2>&1 &
	PIDS+=($!)
	wait_port "$REDIS_PORT" "$!"
}

start_instance() { # n [extra flags]
	local n=$1
	shift
	local port=$((PORT_BASE + n))
	"$COCREATE" serve --addr "127.0.0.1:$port" --data "$WORK/data" "$@" >>"$OUT/instance$n.log" 2>&1 &
	PIDS+=($!)
	wait_port "$port" "$!"
}

run_load() { # name receiver-urls
	local name=$1 urls=$2
	log "$name: $ROOMS room(s) × $RECEIVERS receivers, $RATE updates/s, $DURATION"
	"$COCREATE" bench load --url "ws://127.0.0.1:$((PORT_BASE + 1))/sync/bench" --receiver-urls "$urls" \
		--rooms "$ROOMS" --receivers "$RECEIVERS" --rate "$RATE" --duration "$DURATION" --drain "$DRAIN" \
		--kv >"$OUT/$name.txt" 2>>"$OUT/$name.log"
	cat "$OUT/$name.txt"
}

u() { echo "ws://127.0.0.1:$((PORT_BASE + $1))/sync/bench"; }

rm -rf "$WORK/data"
start_instance 1
run_load one-instance "$(u 1)"
stop_all

# Redis's own counters around the three-instance run: CPU seconds and
# bytes in and out (through Redis per update sent).
redis_stat() { # field
	redis-cli -p "$REDIS_PORT" INFO all | tr -d '\r' | sed -n "s/^$1:\(.*\)/\1/p"
}
rm -rf "$WORK/data"
start_redis
for n in 1 2 3; do start_instance "$n" --redis "redis://127.0.0.1:$REDIS_PORT/0"; done
in0=$(redis_stat total_net_input_bytes) out0=$(redis_stat total_net_output_bytes)
cpu0=$(awk -v a="$(redis_stat used_cpu_sys)" -v b="$(redis_stat used_cpu_user)" 'BEGIN{print a+b}')
run_load three-instances "$(u 1),$(u 2),$(u 3)"
in1=$(redis_stat total_net_input_bytes) out1=$(redis_stat total_net_output_bytes)
cpu1=$(awk -v a="$(redis_stat used_cpu_sys)" -v b="$(redis_stat used_cpu_user)" 'BEGIN{print a+b}')
stop_all
sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$OUT/three-instances.txt")
REDIS_LINE=$(awk -v i0="$in0" -v i1="$in1" -v o0="$out0" -v o1="$out1" -v c0="$cpu0" -v c1="$cpu1" -v n="$sent" \
	'BEGIN{ if (n < 1) n = 1; printf "redis: cpu_s=%.2f bytes_in=%d bytes_out=%d in_per_update=%.0f out_per_update=%.0f (sent=%d, the whole run incl. healing and awareness)", c1-c0, i1-i0, o1-o0, (i1-i0)/n, (o1-o0)/n, n }')

log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-16s %10s %10s %10s %8s\n' setup p50_ms p99_ms max_ms loss
for name in one-instance three-instances; do
	kv=$(grep '^result ' "$OUT/$name.txt")
	get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$kv"; }
	printf '%-16s %10s %10s %10s %8s\n' "$name" "$(get p50_ms)" "$(get p99_ms)" "$(get max_ms)" "$(get loss)"
done
echo "$REDIS_LINE"
log "results and logs in $OUT"
