#!/usr/bin/env bash
# `make bench`: the engine, every main page against a bare view, the production server
# against the development one and the outcomes report, at 10,000 patients on SQLite and on
# PostgreSQL. It measures and asserts nothing; figures are ratios taken in the same run.
#   BENCH_PATIENTS=2000 make bench    a smaller cohort, for a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PATIENTS=${BENCH_PATIENTS:-10000}
scripts/ensure-ab.sh

# The SQLite cohort is kept in var/bench between runs (`acuback demo` only tops it up).
export ACUBACK_VAR_DIR="$PWD/var/bench"
mkdir -p "$ACUBACK_VAR_DIR"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

echo "== the engine, on one core"
$BIN/python bench/engine.py | tee "$results/engine"

echo "== pages at $PATIENTS patients, SQLite"
$BIN/python bench/pages.py --patients "$PATIENTS" | tee "$results/sqlite"

echo "== the plan page under each server, SQLite"
$BIN/python bench/server.py | tee "$results/server"

echo "== pages at $PATIENTS patients, PostgreSQL (a new cluster, the cohort grown afresh)"
pg_var=$(mktemp -d)
ACUBACK_VAR_DIR="$pg_var" scripts/with-postgres.sh $BIN/python bench/pages.py --patients "$PATIENTS" \
  | tee "$results/postgresql"
rm -rf "$pg_var"

$BIN/python - "$results" <<'PY'
import json, sys
from pathlib import Path

found = {p.name: json.loads(p.read_text().strip().splitlines()[-1]) for p in Path(sys.argv[1]).iterdir()}
ratios = {(db, page): r for db in ("sqlite", "postgresql") for page, r in found[db]["ratios"].items()}
(db, page), worst = max(ratios.items(), key=lambda item: item[1])
engine = found["engine"]["intakes_per_second"]
report = max(found[db]["report_ms"] for db in ("sqlite", "postgresql"))
print(f"worst page: {page} on {db}; production server {found['server']['ratio']:.1f}x the development server")
print(f"bench: worst page ratio {worst:.1f}, engine {engine:,.0f}/s, report {report:.0f} ms")
PY
