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
#                  (a cluster: PORT_BASE+9..11, cluster bus PORT_BASE+19..21)
#   CLUSTER=1      a 3-primary Redis Cluster (redis+cluster://, sharded
#                  pub/sub) instead of one redis-server
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
REDIS_PORTS=("$REDIS_PORT")
REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
if [ "${CLUSTER:-0}" = 1 ]; then
	REDIS_PORTS=("$REDIS_PORT" $((REDIS_PORT + 1)) $((REDIS_PORT + 2)))
	REDIS_URL="redis+cluster://127.0.0.1:$REDIS_PORT,127.0.0.1:$((REDIS_PORT + 1)),127.0.0.1:$((REDIS_PORT + 2))"
fi
start_redis() {
	local cluster=()
	for port in "${REDIS_PORTS[@]}"; do
		mkdir -p "$WORK/redis/$port"
		[ "${CLUSTER:-0}" = 1 ] && cluster=(--cluster-enabled yes --cluster-config-file nodes.conf --cluster-port $((port + 10)))
		redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK/redis/$port" \
			--loglevel warning "${cluster[@]}" >>"$OUT/redis.log" 2>&1 &
		PIDS+=($!)
		wait_port "$port" "$!"
	done
	if [ "${CLUSTER:-0}" = 1 ]; then
		redis-cli --cluster create "${REDIS_PORTS[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >>"$OUT/redis.log" 2>&1
		for port in "${REDIS_PORTS[@]}"; do
			for _ in $(seq 100); do
				redis-cli -p "$port" cluster info | grep -q cluster_state:ok && break
				sleep 0.1
			done
		done
	fi
}

start_instance() { # n [extra flags]
	local n=$1
	shift
	local port=$((PORT_BASE + n))
	# The load's rooms are no sessions: open documents.
	"$COCREATE" serve --addr "127.0.0.1:$port" --data "$WORK/data" --public-rooms "$@" >>"$OUT/instance$n.log" 2>&1 &
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
# bytes in and out (through Redis per update sent), summed over the nodes.
redis_stat() { # field
	for port in "${REDIS_PORTS[@]}"; do
		redis-cli -p "$port" INFO all | tr -d '\r' | sed -n "s/^$1:\(.*\)/\1/p"
	done | awk '{ s += $1 } END { print s }'
}
rm -rf "$WORK/data"
start_redis
for n in 1 2 3; do start_instance "$n" --redis "$REDIS_URL"; done
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
