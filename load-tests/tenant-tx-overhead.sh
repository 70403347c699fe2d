#!/usr/bin/env bash
# Overhead of a tenant transaction (set_config search_path + role) against a
# plain one, measured with pgbench on the same machine. Needs a migrated
# database with a tenant `bench`: `xiaodai tenant create --code bench --name Bench`.
# Usage: load-tests/tenant-tx-overhead.sh [DATABASE_URL] [seconds]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
url="${1:-${DATABASE_URL:-postgres://xiaodai:xiaodai@127.0.0.1:5432/xiaodai}}"
secs="${2:-15}"
for script in plain tenant; do
  for mode in simple prepared; do
    tps=$(pgbench -n -M "${mode}" -c 2 -j 2 -T "${secs}" -f "pgbench/${script}.sql" "${url}" 2>/dev/null | awk '/^tps/ {print $3}')
    echo "${script} ${mode}: ${tps} tps"
  done
done
