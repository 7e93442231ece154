#!/usr/bin/env bash
# Run the test suite: on SQLite (with the browser tests) and on PostgreSQL (without them), against
# a private Redis and a throwaway PostgreSQL cluster; then the date-sensitive tests again with the
# tests' clock moved to the moments in TEST_MOMENTS. The runs go two at a time (two lanes), each
# on a Redis database of its own. Extra arguments are passed to pytest and skip the moved-clock
# runs (a developer's quick run of a few tests).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# A Spring Festival week (nine days off, make-up workdays, before the 9 o'clock reminders) and a
# day two years ahead (a year the holiday package does not know yet), late in the afternoon.
TEST_MOMENTS=${TEST_MOMENTS-2026-02-18T08:30 2028-12-07T16:30}

services() { bash scripts/services.sh "$@"; }

# The linter first (seconds; pyproject.toml [tool.ruff]): a full run stops here when it fails. The
# direction of imports is a test of its own (tests/test_floor_plan.py).
if (($# == 0)); then
  echo "== lint: ruff =="
  .venv/bin/ruff check --quiet backend tests bench || { echo "lint: ruff found the problems above" >&2; exit 1; }
fi

# The usual ports, or the next free ones when another run holds them.
redis_port=$(services free-port "${REDIS_PORT_TEST:-56379}") || exit 1
PGPORT_TEST=$(services free-port "${PGPORT_TEST:-55432}") || exit 1
export PGPORT_TEST JIANDU_OWNER_PID=$$
work=$(mktemp -d /tmp/jiandu-test.XXXXXX)

redis_started='' pg_started='' lane_pid=''
cleanup() {
  [[ -z $lane_pid ]] || kill "$lane_pid" 2>/dev/null || true
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

# Never let the tests see a real database from the caller's environment.
unset DATABASE_URL TEST_DATABASE_URL

pytest=(.venv/bin/python -m pytest -q -p no:cacheprovider)
redis_db() { echo "redis://127.0.0.1:$redis_port/$1"; }

explain() {
  case $1 in
    0) echo "passed" ;;
    5) echo "FAILED (no tests collected)" ;;
    *) echo "FAILED (pytest exit code $1)" ;;
  esac
}

# run NAME REDIS_DB [ENV=VALUE…] -- PYTEST_ARGS…: one pytest run, its exit code in $work/NAME.rc.
run() {
  local name=$1 db=$2; shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  env REDIS_URL="$(redis_db "$db")" "${env[@]}" "${pytest[@]}" "$@"
  echo $? >"$work/$name.rc"
}

moments=()
(($#)) || read -r -a moments <<<"$TEST_MOMENTS"

# The second lane, in the background: PostgreSQL, then every other moved-clock run.
second_lane() {
  run postgresql 1 TEST_DATABASE_URL="$pg_url" -- -m "not e2e" "$@"
  local i
  for ((i = 1; i < ${#moments[@]}; i += 2)); do
    run "at-$i" $((2 + i)) JIANDU_TEST_NOW="${moments[i]}" -- -m "date_sensitive and not e2e"
  done
}
second_lane "$@" >"$work/second-lane.log" 2>&1 &
lane_pid=$!

echo
echo "== tests on SQLite (PostgreSQL and the moved clocks run beside it; their output follows) =="
run sqlite 0 -- "$@"
for ((i = 0; i < ${#moments[@]}; i += 2)); do
  echo
  echo "== date-sensitive tests at ${moments[i]} (SQLite) =="
  run "at-$i" $((2 + i)) JIANDU_TEST_NOW="${moments[i]}" -- -m "date_sensitive and not e2e"
done

wait "$lane_pid"
lane_pid=''
echo
echo "== tests on PostgreSQL, then the other moved clocks (SQLite) =="
cat "$work/second-lane.log"

echo
echo "== summary =="
failed=0
report() {  # report LABEL NAME
  local rc
  rc=$(cat "$work/$2.rc" 2>/dev/null || echo 1)
  printf '%-28s %s\n' "$1:" "$(explain "$rc")"
  ((rc == 0)) || failed=1
}
report SQLite sqlite
report PostgreSQL postgresql
for i in "${!moments[@]}"; do report "clock at ${moments[i]}" "at-$i"; done
((failed == 0))
