#!/usr/bin/env bash
# The regulator dashboard benchmark (docs/BENCHMARKS.md): 1,000 firms × 365 daily snapshots
# generated in SQL (dashboard-bench.sql), then the dashboard and series timed through the API.
# Not run in CI. Use a database of its own (the firms are placeholder tenants):
#   load-tests/dashboard-bench.sh postgres://xiaodai:xiaodai@127.0.0.1:5432/xiaodai_dashboard [firms] [days]
set -euo pipefail
url="${1:?database url}"
cd "$(dirname "$0")/.."
psql "${url%/*}/postgres" -qtc "select 1 from pg_database where datname = '${url##*/}'" | grep -q 1 \
  || psql "${url%/*}/postgres" -qc "create database ${url##*/}"
DATABASE_URL="$url" REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}" \
  DASHBOARD_BENCH_FIRMS="${2:-1000}" DASHBOARD_BENCH_DAYS="${3:-365}" \
  cargo test -p xiaodai --test dashboard_bench -- --ignored --nocapture
