#!/usr/bin/env bash
# Load: CLIENTS concurrent clients (default 200) for SECONDS (default 60) on
# the mixed workload of bench/mixed.lua (70 % reads, 30 % writes), against
# the release server on SQLite and then on PostgreSQL, each on a fresh
# database with the demo clinic. Needs Debian's wrk, and PostgreSQL at
# CELLPATH_LOAD_POSTGRES (default postgres://postgres@127.0.0.1:5432).
# Prints one line per engine and exits 1 if any request failed.
set -euo pipefail
cd "$(dirname "$0")/.."
clients="${CLIENTS:-200}"
seconds="${SECONDS_PER_ENGINE:-60}"
pg="${CELLPATH_LOAD_POSTGRES:-postgres://postgres@127.0.0.1:5432}"
target="${CARGO_TARGET_DIR:-target}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
cargo build --release -q -p cellpath
bin="$target/release/cellpath"
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS cellpath_load_$$" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
failed=0
for engine in sqlite postgres; do
  if [ "$engine" = sqlite ]; then
    url="sqlite://$work/load.db"
  else
    psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS cellpath_load_$$" >/dev/null
    psql "$pg/postgres" -qc "CREATE DATABASE cellpath_load_$$" >/dev/null
    url="$pg/cellpath_load_$$"
  fi
  export CELLPATH_DATABASE_URL="$url" CELLPATH_LOG=warn
  "$bin" demo >/dev/null
  token=$("$bin" token create --username nurse)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" serve --bind "127.0.0.1:$port" >"$work/$engine.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  patients=$(curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/patients?limit=100" \
    | python3 -c 'import json,sys; print(",".join(p["id"] for p in json.load(sys.stdin)["items"]))')
  line=$(TOKEN="$token" PATIENTS="$patients" wrk -t2 -c"$clients" -d"${seconds}s" --timeout 30s \
    -s bench/mixed.lua "http://127.0.0.1:$port" | grep '^RESULT' || true)
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  echo "$engine clients=$clients ${line#RESULT }"
  case "$line" in
    *"non2xx=0 connect=0 read=0 write=0 timeout=0 "*) ;;
    *) failed=1 ;;
  esac
done
exit $failed
