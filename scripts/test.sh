#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest on SQLite and on a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

scripts/ensure-chromium.sh

echo "== ruff"
$BIN/ruff check .
echo "== mypy (strict on acuback.knowledge and acuback.clinical)"
$BIN/mypy src

var_dir=$(mktemp -d /tmp/acuback-test-var.XXXXXX)
trap 'rm -rf "$var_dir"' EXIT
export ACUBACK_VAR_DIR="$var_dir"

# Each run has a var folder of its own (secret key, mail files, SQLite test database).
mkdir -m 700 "$var_dir/sqlite" "$var_dir/postgresql"
sqlite() { ACUBACK_VAR_DIR="$var_dir/sqlite" $BIN/pytest "$@"; }
# Only what touches a database runs again on PostgreSQL (tests/conftest.py says why).
postgresql() {
  ACUBACK_VAR_DIR="$var_dir/postgresql" ACUBACK_TEST_SCOPE=database \
    scripts/with-postgres.sh $BIN/pytest "$@"
}

if [ "${ACUBACK_TEST_SERIAL:-}" = 1 ]; then
  echo "== pytest on SQLite"
  sqlite "$@"
  echo "== pytest on PostgreSQL"
  postgresql "$@"
  exit 0
fi

# The two databases' runs side by side, one on each core (ACUBACK_TEST_SERIAL=1: one after
# the other); each one's output is printed whole when it ends.
echo "== pytest on SQLite and on PostgreSQL, side by side"
sqlite "$@" >"$var_dir/sqlite.log" 2>&1 &
sqlite_pid=$!
postgresql "$@" >"$var_dir/postgresql.log" 2>&1 &
postgresql_pid=$!
status=0
wait "$postgresql_pid" || status=$?
echo "== pytest on PostgreSQL (exit $status)"
cat "$var_dir/postgresql.log"
sqlite_status=0
wait "$sqlite_pid" || sqlite_status=$?
echo "== pytest on SQLite (exit $sqlite_status)"
cat "$var_dir/sqlite.log"
[ "$status" -eq 0 ] && [ "$sqlite_status" -eq 0 ]
