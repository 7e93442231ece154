#!/usr/bin/env bash
# Run the test suite twice: on SQLite (with the browser tests) and on
# PostgreSQL (without them), against a private Redis and a throwaway
# PostgreSQL cluster.  Extra arguments are passed to pytest.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

services() { bash scripts/services.sh "$@"; }

# The usual ports, or the next free ones when another run holds them.
redis_port=$(services free-port "${REDIS_PORT_TEST:-56379}") || exit 1
PGPORT_TEST=$(services free-port "${PGPORT_TEST:-55432}") || exit 1
export PGPORT_TEST JIANDU_OWNER_PID=$$
work=$(mktemp -d /tmp/jiandu-test.XXXXXX)

redis_started='' pg_started=''
cleanup() {
  [[ -z $redis_started ]] || services stop-redis "$redis_port" || true
  [[ -z $pg_started ]] || services stop-postgres || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

services start-redis "$redis_port" "$work/redis" || exit 1
redis_started=1
pg_started=1  # a half-started cluster is ours to clean up too
pg_url=$(services start-postgres) || exit 1

export REDIS_URL="redis://127.0.0.1:$redis_port/0"
# Never let the tests see a real database from the caller's environment.
unset DATABASE_URL TEST_DATABASE_URL

pytest=(.venv/bin/python -m pytest -q -p no:cacheprovider)

explain() {
  case $1 in
    0) echo "passed" ;;
    5) echo "FAILED (no tests collected)" ;;
    *) echo "FAILED (pytest exit code $1)" ;;
  esac
}

echo
echo "== tests on SQLite =="
"${pytest[@]}" "$@"
sqlite_rc=$?

echo
echo "== tests on PostgreSQL =="
TEST_DATABASE_URL="$pg_url" "${pytest[@]}" -m "not e2e" "$@"
pg_rc=$?

echo
echo "== summary =="
echo "SQLite:     $(explain $sqlite_rc)"
echo "PostgreSQL: $(explain $pg_rc)"
((sqlite_rc == 0 && pg_rc == 0))
