#!/usr/bin/env bash
# The load benchmark of issue 12: the portal against the bare program
# (cmd/bare: net/http and the drivers, the portal's SQL, the same bytes),
# interleaved on this machine, medians of the rounds. Not run by CI.
#
#   bash bench/run.sh                       # SQLite
#   PORTAL_BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' bash bench/run.sh
#
# With PORTAL_BENCH_DATABASE_URL the script creates three databases on that
# server (psql), named bench_<pid>_{main,small,large}, and drops them at the
# end; with BENCH_PG_TAG=x they are named bench_x_{main,small,large}, kept
# afterwards and reused when they exist (drop them yourself). Settings (environment): BENCH_TENDERS (the main dataset, default
# 20000), BENCH_SMALL / BENCH_LARGE (the flatness pair, 2000 / 200000),
# BENCH_ORGS (1000), BENCH_REPORTS (20000), BENCH_C (16), BENCH_DURATION
# (one run of one path on one side, 2s), BENCH_ROUNDS (5), BENCH_USER (the
# signed-in account, org00001), BENCH_DIR (where binaries and SQLite data
# go; SQLite datasets already there are reused), BENCH_FLAT=0 skips the
# flatness pair, BENCH_MAIN=0 the main comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

tenders=${BENCH_TENDERS:-20000}
small=${BENCH_SMALL:-2000}
large=${BENCH_LARGE:-200000}
orgs=${BENCH_ORGS:-1000}
reports=${BENCH_REPORTS:-20000}
conc=${BENCH_C:-16}
dur=${BENCH_DURATION:-2s}
rounds=${BENCH_ROUNDS:-5}
user=${BENCH_USER:-org00001}
flat=${BENCH_FLAT:-1}
dir=${BENCH_DIR:-$(mktemp -d /tmp/portal-bench.XXXXXX)}
pgurl=${PORTAL_BENCH_DATABASE_URL:-}
export PORTAL_ADMIN_PASSWORD=${PORTAL_ADMIN_PASSWORD:-bench-password-1}
year=$(date +%Y)
mkdir -p "$dir/bin"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$pgurl" ] && [ -z "${BENCH_PG_TAG:-}" ]; then
		for n in main small large; do psql "$pgurl" -qc "DROP DATABASE IF EXISTS bench_$$_$n" || true; done
	fi
}
trap cleanup EXIT

echo "== building the portal, the bare program and the load generator"
go build -o "$dir/bin/portal" ./cmd/portal
go build -o "$dir/bin/bare" ./cmd/bare
go build -o "$dir/bin/bench" ./cmd/bench

# dataset NAME TENDERS: prints the environment of a database holding the
# generated dataset with TENDERS tenders (generating it when needed).
dataset() {
	local name=$1 n=$2
	if [ -n "$pgurl" ]; then
		local db="bench_${BENCH_PG_TAG:-$$}_$name" url
		url=$(printf '%s' "$pgurl" | sed -E "s#^(postgres(ql)?://[^/]*)/[^?]*#\1/$db#")
		if [ -n "${BENCH_PG_TAG:-}" ] && [ "$(psql "$pgurl" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ]; then
			echo "== reusing $db" >&2
		else
			psql "$pgurl" -qc "CREATE DATABASE $db" >&2
			echo "== generating $n tenders in $db" >&2
			PORTAL_DATABASE_URL=$url PORTAL_DATA_DIR="$dir/$name" "$dir/bin/portal" generate --scale guangxi --tenders "$n" --organisations "$orgs" --reports "$reports" >&2
		fi
		echo "PORTAL_DATABASE_URL=$url PORTAL_DATA_DIR=$dir/$name"
	else
		if [ ! -f "$dir/$name/portal.db" ]; then
			echo "== generating $n tenders in $dir/$name" >&2
			PORTAL_DATA_DIR="$dir/$name.tmp" "$dir/bin/portal" generate --scale guangxi --tenders "$n" --organisations "$orgs" --reports "$reports" >&2
			mv "$dir/$name.tmp" "$dir/$name"
		else
			echo "== reusing $dir/$name" >&2
		fi
		echo "PORTAL_DATABASE_URL= PORTAL_DATA_DIR=$dir/$name"
	fi
}

# start BIN ADDR ENV... [-- FLAGS...]: starts a server, waits until it
# answers, and sets $started to its process id.
start() {
	local bin=$1 addr=$2 envs=() flags=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	flags=("$@")
	env "${envs[@]}" PORTAL_ADDR="$addr" "$dir/bin/$bin" -addr "$addr" "${flags[@]}" >"$dir/$bin-${addr##*:}.log" 2>&1 &
	started=$!
	pids+=("$started")
	for _ in $(seq 1 300); do
		if curl -fsS "http://$addr/healthz" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
	done
	echo "$bin on $addr did not start; its log:" >&2
	cat "$dir/$bin-${addr##*:}.log" >&2
	return 1
}

stop() {
	for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}

if [ "${BENCH_MAIN:-1}" = 1 ]; then
	main_env=$(dataset main "$tenders")
	# shellcheck disable=SC2086
	start portal 127.0.0.1:18080 $main_env
	portal_pid=$started
	# shellcheck disable=SC2086
	start bare 127.0.0.1:18081 $main_env -- -sql filed
	bare_pid=$started
	# shellcheck disable=SC2086
	start bare 127.0.0.1:18084 $main_env -- -sql now
	bare_now_pid=$started
	echo "== load: $tenders tenders ($([ -n "$pgurl" ] && echo PostgreSQL || echo SQLite)), portal vs bare (filed and now SQL), anonymous vs signed in as $user"
	"$dir/bin/bench" load -portal http://127.0.0.1:18080 -bare http://127.0.0.1:18081 -bare-now http://127.0.0.1:18084 -user "$user" \
		-c "$conc" -d "$dur" -rounds "$rounds" -portal-pid "$portal_pid" -bare-pid "$bare_pid" -bare-now-pid "$bare_now_pid" \
		-paths "/api/v1/tenders?per_page=50,/api/v1/tenders?region=4501,/api/v1/tenders/{id},/api/v1/notices,/api/v1/stats?region=45&from=$year-01-01&to=$year-12-31"
	stop "$portal_pid" "$bare_pid" "$bare_now_pid"
fi

if [ "$flat" = 1 ]; then
	small_env=$(dataset small "$small")
	large_env=$(dataset large "$large")
	# shellcheck disable=SC2086
	start portal 127.0.0.1:18082 $small_env
	small_pid=$started
	# shellcheck disable=SC2086
	start portal 127.0.0.1:18083 $large_env
	large_pid=$started
	echo "== flatness: the lists at $small tenders (portal) and at $large (large)"
	"$dir/bin/bench" load -portal http://127.0.0.1:18082 -large http://127.0.0.1:18083 \
		-c "$conc" -d "$dur" -rounds "$rounds" -portal-pid "$small_pid" -large-pid "$large_pid" \
		-paths "/api/v1/tenders?per_page=50,/api/v1/tenders?region=4501,/api/v1/notices"
	stop "$small_pid" "$large_pid"
fi
echo "== done (binaries and logs in $dir)"
