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

echo "== pytest on SQLite"
$BIN/pytest "$@"

echo "== pytest on PostgreSQL"
# Only what touches a database runs again there (tests/conftest.py says why).
ACUBACK_TEST_SCOPE=database scripts/with-postgres.sh $BIN/pytest "$@"
