#!/usr/bin/env bash
# bench/run.sh — `make bench-server`: the same load against cocreate and the
# reference servers from npm (@y/websocket-server, @hocuspocus/server), one
# fresh server process per scenario, then a table with ratios.
#
# Knobs (environment):
#   DURATION=10s      how long writers send in each load scenario
#   DRAIN=10s         longest wait for receivers to catch up afterwards
#   WARMUP=3s         a small load run on each fresh server before measuring
#                     (node's JIT otherwise puts its first second in the p99)
#   IDLE=20000        idle connections in the idle scenario (clamped to what
#                     `ulimit -n` allows both processes)
#   SERVERS="cocreate y-websocket hocuspocus cocreate-hocuspocus"
#                     the first is compared with the others, and
#                     cocreate-hocuspocus (cocreate's /hocuspocus, one socket
#                     per client in the Hocuspocus framing) with hocuspocus
#   SCENARIOS="1x100x50 1x1000x50 100x10x5 1x200x200 1x200x1000 1x200x3000 idle multi"
#                     load scenarios are ROOMSxRECEIVERSxRATE; multi is
#                     MULTI_SOCKETS idle Hocuspocus sockets carrying
#                     MULTI_DOCS documents each (Hocuspocus framing only)
#   MULTI_SOCKETS=200 MULTI_DOCS=50
#   PORT_BASE=18400   servers listen on 127.0.0.1:PORT_BASE+n
#   OUT=dir           where logs, results.txt and table.txt go (default: a temp dir)
#   COCREATE_FLAGS    extra flags for `cocreate serve` (default: the update
#                     rate limits lifted, "--rate-updates 0 --conn-rate-updates 0":
#                     one writer sends up to 3000 updates/s, which the
#                     per-person and per-connection defaults refuse, and the
#                     reference servers have no such limits; and the quotas
#                     on documents, "--max-docs-per-session 0
#                     --guest-creations-per-minute 0": the idle scenario opens
#                     a thousand documents of one session from few addresses)
#   LOADGEN_FLAGS     extra flags for every `cocreate bench load`
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REF=$ROOT/bench/reference
DURATION=${DURATION:-10s}
DRAIN=${DRAIN:-10s}
WARMUP=${WARMUP:-3s}
IDLE=${IDLE:-20000}
SERVERS=${SERVERS:-"cocreate y-websocket hocuspocus cocreate-hocuspocus"}
SCENARIOS=${SCENARIOS:-"1x100x50 1x1000x50 100x10x5 1x200x200 1x200x1000 1x200x3000 idle multi"}
MULTI_SOCKETS=${MULTI_SOCKETS:-200}
MULTI_DOCS=${MULTI_DOCS:-50}
PORT_BASE=${PORT_BASE:-18400}
COCREATE_FLAGS=${COCREATE_FLAGS-"--rate-updates 0 --conn-rate-updates 0 --max-docs-per-session 0 --guest-creations-per-minute 0"}
LOADGEN_FLAGS=${LOADGEN_FLAGS:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cocreate-bench.XXXXXX")
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
RESULTS=$OUT/results.txt
: >"$RESULTS"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Each idle connection is one descriptor in the load generator and one in
# the server; both inherit this limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
if [[ $NOFILE != unlimited ]] && ((IDLE > NOFILE - 500)); then
	log "ulimit -n is $NOFILE (hard limit): idle scenario clamped from $IDLE to $((NOFILE - 500)) connections"
	IDLE=$((NOFILE - 500))
fi

SERVER_PID=
cleanup() {
	stop_server
	rm -rf "$WORK/data-"* "$WORK/bin"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews every figure)"

# --- build ---------------------------------------------------------------
mkdir -p "$WORK/bin"
log "building cocreate"
(cd "$ROOT" && go build -o "$WORK/bin/cocreate" ./cmd/cocreate)
COCREATE=$WORK/bin/cocreate
"$COCREATE" bench load -h >/dev/null 2>&1 ||
	{ echo "bench/run.sh: this cocreate has no 'bench load' subcommand" >&2; exit 1; }
loadgen() { "$COCREATE" bench load "$@"; }

need_node=false
for s in $SERVERS; do [[ $s == cocreate ]] || need_node=true; done
if $need_node; then
	command -v node >/dev/null && command -v npm >/dev/null ||
		{ echo "bench/run.sh: node and npm are needed for the reference servers (make node)" >&2; exit 1; }
	if [[ ! -f $REF/node_modules/.package-lock.json || $REF/package-lock.json -nt $REF/node_modules/.package-lock.json ]]; then
		log "installing the reference servers (npm ci in bench/reference)"
		(cd "$REF" && npm ci --no-audit --no-fund --loglevel=error)
	fi
fi

# --- servers -------------------------------------------------------------
PORT=$PORT_BASE
start_server() { # name → sets SERVER_PID, URL, PROTO; fails if it does not come up
	local name=$1
	PORT=$((PORT + 1))
	local logf=$OUT/$name-server.log
	PROTO=y-websocket
	URL=ws://127.0.0.1:$PORT/sync/bench
	case $name in
	cocreate)
		rm -rf "$WORK/data-$PORT"
		# shellcheck disable=SC2086
		"$COCREATE" serve --addr "127.0.0.1:$PORT" --data "$WORK/data-$PORT" --public-rooms $COCREATE_FLAGS >>"$logf" 2>&1 &
		;;
	cocreate-hocuspocus)
		rm -rf "$WORK/data-$PORT"
		# shellcheck disable=SC2086
		"$COCREATE" serve --addr "127.0.0.1:$PORT" --data "$WORK/data-$PORT" --public-rooms $COCREATE_FLAGS >>"$logf" 2>&1 &
		PROTO=hocuspocus
		URL=ws://127.0.0.1:$PORT/hocuspocus
		;;
	y-websocket) (cd "$REF" && exec node ywebsocket.mjs "$PORT") >>"$logf" 2>&1 & ;;
	hocuspocus)
		(cd "$REF" && exec node hocuspocus.mjs "$PORT") >>"$logf" 2>&1 &
		PROTO=hocuspocus
		URL=ws://127.0.0.1:$PORT/hocuspocus
		;;
	*) echo "bench/run.sh: unknown server $name" >&2; exit 2 ;;
	esac
	SERVER_PID=$!
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			return 0
		fi
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "$name did not start on 127.0.0.1:$PORT (see $logf)"
	stop_server
	return 1
}

stop_server() {
	[[ -n $SERVER_PID ]] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 150); do
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

# A server that cannot serve a small load is skipped with a message rather
# than failing the whole run (cocreate's serve may be unfinished).
declare -A SKIP
probe() { # name
	local name=$1
	if ! start_server "$name"; then
		SKIP[$name]="does not start"
		return
	fi
	# shellcheck disable=SC2086
	if ! loadgen --url "$URL" --protocol "$PROTO" --receivers 5 --rate 20 --duration 1s --drain 3s \
		--room-prefix probe $LOADGEN_FLAGS >"$OUT/$name-probe.txt" 2>&1 ||
		! grep -q 'loss:      0 of [1-9]' "$OUT/$name-probe.txt"; then
		SKIP[$name]="fails a 5-receiver probe (see $OUT/$name-probe.txt)"
	fi
	stop_server
}

for s in $SERVERS; do
	probe "$s"
	[[ -z ${SKIP[$s]:-} ]] || log "SKIPPING $s: ${SKIP[$s]}"
done

# --- scenarios -----------------------------------------------------------
run_scenario() { # server scenario
	local name=$1 sc=$2 out=$OUT/$1-$2.txt
	if [[ $sc == multi && $name != *hocuspocus ]]; then
		return # several documents per socket: the Hocuspocus framing only
	fi
	start_server "$name" || { log "$name: failed to start for $sc"; return; }
	# shellcheck disable=SC2086
	loadgen --url "$URL" --protocol "$PROTO" --receivers 50 --rate 50 --duration "$WARMUP" --drain 5s \
		--room-prefix warmup $LOADGEN_FLAGS >"$OUT/$name-$sc-warmup.txt" 2>&1 || true
	local args
	if [[ $sc == idle ]]; then
		args=(--idle "$IDLE")
	elif [[ $sc == multi ]]; then
		args=(--idle "$MULTI_SOCKETS" --idle-docs-per-conn "$MULTI_DOCS")
	else
		IFS=x read -r rooms receivers rate <<<"$sc"
		args=(--rooms "$rooms" --receivers "$receivers" --rate "$rate" --duration "$DURATION" --drain "$DRAIN")
	fi
	log "$name $sc"
	# shellcheck disable=SC2086
	if loadgen --url "$URL" --protocol "$PROTO" --server-pid "$SERVER_PID" --kv "${args[@]}" $LOADGEN_FLAGS >"$out" 2>&1; then :; else
		log "$name $sc: load generator failed (see $out)"
	fi
	sed -n '/^load:\|^idle:\|^  /p' "$out" >&2
	grep '^result ' "$out" | sed "s/^result /result server=$name scenario=$sc /" >>"$RESULTS" || true
	stop_server
}

for sc in $SCENARIOS; do
	for s in $SERVERS; do
		[[ -z ${SKIP[$s]:-} ]] || continue
		run_scenario "$s" "$sc"
	done
done

# --- table ---------------------------------------------------------------
awk -v servers="$SERVERS" -v scenarios="$SCENARIOS" -v duration="$DURATION" '
function num(x) { return x == "" ? "" : x + 0 }
function cell(v) { return v == "" ? "-" : (v >= 10000 ? sprintf("%.0f", v) : sprintf("%.4g", v)) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2f", a / b) }
{
	delete kv
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	k = kv["server"] SUBSEP kv["scenario"]
	for (f in kv) v[k, f] = kv[f]
	if ("server_peak_kib" in kv) v[k, "peak_mib"] = kv["server_peak_kib"] / 1024
}
END {
	ns = split(servers, S, " ")
	nc = split(scenarios, C, " ")
	# cocreate-hocuspocus is also compared with hocuspocus: same framing.
	hp = 0
	for (i = 1; i <= ns; i++) { if (S[i] == "cocreate-hocuspocus") hc = 1; if (S[i] == "hocuspocus") hh = 1 }
	hp = hc && hh
	printf "%-22s %-20s", "scenario", "metric"
	for (i = 1; i <= ns; i++) printf " %12s", S[i]
	for (i = 2; i <= ns; i++) printf " %16s", S[1] "/" S[i]
	if (hp) printf " %28s", "cocreate-hocuspocus/hocuspocus"
	printf "\n"
	for (c = 1; c <= nc; c++) {
		sc = C[c]
		if (sc == "idle") {
			nm = split("connected per_conn_kib open_s open_cpu_s peak_mib dropped", M, " ")
			split("connections|RSS/conn KiB|open s|open server CPU s|peak RSS MiB|dropped", L, "|")
			title = "idle connections"
		} else if (sc == "multi") {
			nm = split("connected docs_per_conn per_doc_kib open_s open_cpu_s peak_mib dropped", M, " ")
			split("sockets|documents/socket|RSS/document KiB|open s|open server CPU s|peak RSS MiB|dropped", L, "|")
			title = "docs per socket"
		} else {
			nm = split("p50_ms p99_ms max_ms loss_pct delivered_per_s disconnects server_cpu_s peak_mib connect_s loadgen_cpu_s", M, " ")
			split("p50 ms|p99 ms|max ms|loss %|delivered msg/s|disconnects|server CPU s|peak RSS MiB|connect s|loadgen CPU s", L, "|")
			split(sc, d, "x")
			title = d[1] " room" (d[1] == 1 ? "" : "s") " × " d[2] " × " d[3] "/s"
		}
		for (m = 1; m <= nm; m++) {
			printf "%-22s %-20s", (m == 1 ? title : ""), L[m]
			for (i = 1; i <= ns; i++) printf " %12s", cell(v[S[i], sc, M[m]])
			for (i = 2; i <= ns; i++) printf " %16s", ratio(v[S[1], sc, M[m]], v[S[i], sc, M[m]])
			if (hp) printf " %28s", ratio(v["cocreate-hocuspocus", sc, M[m]], v["hocuspocus", sc, M[m]])
			printf "\n"
		}
	}
	printf "(load scenarios send for %s; ratios are %s divided by each reference: below 1 is better for latency, loss, CPU and memory)\n", duration, S[1]
}' "$RESULTS" | tee "$OUT/table.txt"
for s in "${!SKIP[@]}"; do echo "skipped $s: ${SKIP[$s]}"; done | tee -a "$OUT/table.txt"
log "logs and results in $OUT"
