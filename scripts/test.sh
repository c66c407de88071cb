#!/usr/bin/env bash
# The test command behind `make test`: the whole suite on SQLite (browser tests included when Chromium
# is there), then again on PostgreSQL when LIVEHELP_TEST_POSTGRES_URL is set or a local server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

# Browser tests need Debian's chromium; install it when we can (root with apt), else they skip.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium: browser tests will be skipped"
fi

mkdir -p test-artifacts
echo "== lint (ruff) and types (mypy) on server/, roles/, retention/ =="
$PY -m ruff check server roles retention
$PY -m mypy

echo "== dependency audit (pip-audit on .venv, npm audit on web/ runtime deps; scripts/audit.py) =="
# Known vulnerabilities fail; an unreachable audit service warns (LIVEHELP_AUDIT_STRICT=1: fails).
$PY scripts/audit.py

echo "== tests on SQLite =="
env -u LIVEHELP_TEST_DATABASE_URL $PY -m pytest -q "$@"

pg_url="${LIVEHELP_TEST_POSTGRES_URL:-}"
if [ -z "$pg_url" ] && $PY - <<'PY' 2>/dev/null
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5432), timeout=0.5).close()
except OSError:
    sys.exit(1)
PY
then
  pg_url="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
fi
if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL ($pg_url; each run makes its own database) =="
  LIVEHELP_TEST_DATABASE_URL="$pg_url" $PY -m pytest -q -m "not browser" --ignore=tests/bench "$@"
else
  echo "== PostgreSQL not reachable: the PostgreSQL run is skipped (set LIVEHELP_TEST_POSTGRES_URL) =="
fi
