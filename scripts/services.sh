#!/usr/bin/env bash
# Private Redis and PostgreSQL instances for tests, benchmarks and `make run`.
#
#   services.sh start-redis PORT DIR     daemonized redis-server, no persistence
#   services.sh stop-redis PORT          stops the one start-redis started
#   services.sh redis-foreground PORT DIR  for Procfile.dev (reuses a Redis already on PORT)
#   services.sh wait-redis PORT [SECS]   waits until a Redis answers on PORT
#   services.sh start-postgres           throwaway cluster on $PGPORT_TEST (55432);
#                                        prints its DATABASE_URL on stdout
#   services.sh stop-postgres            stops it and deletes its files
#   services.sh port-free PORT           exit 0 if nothing listens on 127.0.0.1:PORT
#   services.sh free-port START          prints the first free port from START on
#   services.sh with-services CMD...     runs CMD with Redis + PostgreSQL started
#                                        (REDIS_URL, BENCH_DATABASE_URL exported)
#
# Messages go to stderr so that stdout of start-postgres is just the URL.
# Each started service has a state file /tmp/jiandu-{redis,pg}-PORT.state
# holding its location and the pid of its owner (JIANDU_OWNER_PID, default:
# the calling process); a service whose owner has died is stale and is
# cleaned up by the next start on that port.
set -euo pipefail

PGPORT_TEST=${PGPORT_TEST:-55432}
STATE_DIR=/tmp
PG_STATE=$STATE_DIR/jiandu-pg-$PGPORT_TEST.state

log() { echo "services: $*" >&2; }
die() { log "$*"; exit 1; }

OWNER=${JIANDU_OWNER_PID:-$PPID}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Nothing listens on it is not enough for a throwaway server's port: an outgoing connection that was
# given it as its own port (these ports lie in Linux's ephemeral range), or one in TIME_WAIT after it,
# keeps PostgreSQL from binding it. So the port must also be bindable.
port_bindable() {
  command -v python3 >/dev/null || return 0
  python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

free_port() {
  local p=${1:?usage: free-port START}
  for ((; p < ${1} + 200; p++)); do
    if ! port_busy "$p" && port_bindable "$p"; then
      echo "$p"
      return 0
    fi
  done
  die "no free port in $1..$((${1} + 199))"
}

write_state() { printf '%s\n%s\n' "$2" "$OWNER" >"$1"; }
state_path() { sed -n 1p "$1"; }
# True when the state file's owner process no longer exists.
state_stale() {
  local owner
  owner=$(sed -n 2p "$1")
  [[ -z $owner ]] || ! kill -0 "$owner" 2>/dev/null
}

redis_ping() { [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]; }

wait_redis() {
  local port=$1 secs=${2:-20} i
  for ((i = 0; i < secs * 10; i++)); do
    redis_ping "$port" && return 0
    sleep 0.1
  done
  die "no Redis answering on 127.0.0.1:$port after ${secs}s"
}

# ---------------------------------------------------------------- Redis

start_redis() {
  local port=${1:?usage: start-redis PORT DIR} dir=${2:?usage: start-redis PORT DIR}
  command -v redis-server >/dev/null || die "redis-server not installed (run scripts/setup-system.sh)"
  local state=$STATE_DIR/jiandu-redis-$port.state
  if [[ -f $state ]] && state_stale "$state"; then
    log "cleaning up a stale Redis on port $port"
    stop_redis "$port"
  fi
  port_busy "$port" && die "port $port is already in use; not starting a second Redis there"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local pidfile=$dir/redis-$port.pid
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --dir "$dir" --pidfile "$pidfile" --logfile "$dir/redis-$port.log"
  write_state "$state" "$pidfile"
  local i
  for ((i = 0; i < 200; i++)); do
    redis_ping "$port" && { log "redis on 127.0.0.1:$port (dir $dir)"; return 0; }
    sleep 0.1
  done
  tail -n 20 "$dir/redis-$port.log" >&2 2>/dev/null || true
  die "redis did not start on port $port"
}

stop_redis() {
  local port=${1:?usage: stop-redis PORT} state pidfile pid i
  state=$STATE_DIR/jiandu-redis-$port.state
  [[ -f $state ]] || return 0
  pidfile=$(state_path "$state")
  if [[ -f $pidfile ]]; then
    pid=$(<"$pidfile")
    if [[ -n $pid ]] && kill "$pid" 2>/dev/null; then
      for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
      log "redis on port $port stopped"
    fi
    rm -f "$pidfile"
  fi
  rm -f "$state"
}

redis_foreground() {
  local port=${1:?usage: redis-foreground PORT DIR} dir=${2:?usage: redis-foreground PORT DIR}
  if port_busy "$port"; then
    if redis_ping "$port"; then
      log "a Redis is already running on 127.0.0.1:$port; using it instead of starting one"
      # Stay alive (so that honcho keeps the other processes running) for as
      # long as that Redis answers.
      trap 'exit 0' TERM INT
      while redis_ping "$port"; do sleep 5 & wait $!; done
      die "the Redis on port $port went away"
    fi
    die "port $port is in use by something that is not Redis; try: make run REDIS_PORT=6380"
  fi
  mkdir -p "$dir"
  exec redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir"
}

# ----------------------------------------------------------- PostgreSQL

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d && -x $d/pg_ctl ]] || die "PostgreSQL server not installed (run scripts/setup-system.sh)"
  echo "$d"
}

# Run a command as the postgres user when we are root (PostgreSQL refuses to
# run as root); as ourselves otherwise.  From a directory everyone can read.
as_pg() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

stop_postgres() {
  [[ -f $PG_STATE ]] || return 0
  local dir bindir
  dir=$(state_path "$PG_STATE")
  bindir=$(pg_bindir)
  if [[ -d $dir/data ]]; then
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case $dir in
    "$STATE_DIR"/jiandu-pg.*) rm -rf "$dir" ;;
  esac
  rm -f "$PG_STATE"
  log "postgresql on port $PGPORT_TEST stopped"
}

start_postgres() {
  local bindir dir url
  bindir=$(pg_bindir)
  if [[ -f $PG_STATE ]] && state_stale "$PG_STATE"; then
    log "cleaning up a stale PostgreSQL on port $PGPORT_TEST"
    stop_postgres
  fi
  port_busy "$PGPORT_TEST" && die "port $PGPORT_TEST is already in use (set PGPORT_TEST to another port)"

  dir=$(mktemp -d "$STATE_DIR/jiandu-pg.XXXXXX")
  write_state "$PG_STATE" "$dir"
  if ((EUID == 0)); then
    getent passwd postgres >/dev/null || die "no postgres user (is the postgresql package installed?)"
    chown postgres:postgres "$dir"
  fi

  as_pg "$bindir/initdb" -D "$dir/data" -U postgres --no-locale -E UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  # Throwaway cluster: durability off for speed; no parallel workers (small
  # /dev/shm in containers).
  as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT_TEST -c unix_socket_directories=$dir \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
        -c max_parallel_workers_per_gather=0 -c max_connections=200" \
    start >/dev/null \
    || { cat "$dir/postgres.log" >&2 2>/dev/null; die "postgresql did not start"; }

  as_pg "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$PGPORT_TEST" -U postgres -d postgres \
    -c "CREATE ROLE jiandu LOGIN CREATEDB PASSWORD 'jiandu'" \
    -c "CREATE DATABASE jiandu_test OWNER jiandu" >/dev/null \
    || die "could not create the jiandu role and database"

  url="postgresql+psycopg://jiandu:jiandu@127.0.0.1:$PGPORT_TEST/jiandu_test"
  log "postgresql on 127.0.0.1:$PGPORT_TEST (dir $dir)"
  echo "$url"
}

# ---------------------------------------------------------------- both

with_services() {
  (($# > 0)) || die "usage: with-services CMD..."
  local url rc=0
  redis_port=$(free_port "${REDIS_PORT_TEST:-56379}")
  PGPORT_TEST=$(free_port "$PGPORT_TEST")
  PG_STATE=$STATE_DIR/jiandu-pg-$PGPORT_TEST.state
  export JIANDU_OWNER_PID=$$ OWNER=$$
  work=$(mktemp -d "$STATE_DIR/jiandu-svc.XXXXXX")
  redis_started='' pg_started=''
  trap '[[ -z $redis_started ]] || stop_redis "$redis_port"; [[ -z $pg_started ]] || stop_postgres; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
  start_redis "$redis_port" "$work/redis"
  redis_started=1
  pg_started=1  # set before starting: a half-started cluster is ours to clean up
  url=$(start_postgres)
  REDIS_URL="redis://127.0.0.1:$redis_port/0" BENCH_DATABASE_URL="$url" "$@" || rc=$?
  return "$rc"
}

cmd=${1:-}
shift || true
case $cmd in
  start-redis) start_redis "$@" ;;
  stop-redis) stop_redis "$@" ;;
  redis-foreground) redis_foreground "$@" ;;
  wait-redis) wait_redis "$@" ;;
  start-postgres) start_postgres ;;
  stop-postgres) stop_postgres ;;
  port-free) ! port_busy "${1:?usage: port-free PORT}" ;;
  free-port) free_port "$@" ;;
  with-services) with_services "$@" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
