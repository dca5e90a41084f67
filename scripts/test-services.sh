#!/usr/bin/env bash
# Make sure a PostgreSQL and a Redis server are reachable for the test suite and
# print the matching DATABASE_URL and REDIS_URL as shell exports; also find Chromium
# for the browser tests (CHROMIUM_PATH), installing Debian's package when missing.
#
# DATABASE_URL / REDIS_URL given in the environment are used as they are.
# Otherwise private servers are started on loopback (PostgreSQL on port 54329,
# Redis on 63799), reusing them when they are already running. redis-server is
# installed with apt when missing and running as root.
set -euo pipefail

PG_PORT=${TEST_PG_PORT:-54329}
REDIS_PORT=${TEST_REDIS_PORT:-63799}
STATE_DIR=${TEST_SERVICES_DIR:-/tmp/community-test-services}
log() { echo "test-services: $*" >&2; }

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    log "$1 is not installed and this is not root; install it (apt-get install $1) or set ${2}."
    exit 1
  fi
  log "installing $1 with apt"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } >&2
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    echo "export DATABASE_URL='$DATABASE_URL'"
    return
  fi
  local url="postgres://postgres@127.0.0.1:${PG_PORT}/community"
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$bindir" ]; then
    apt_install postgresql DATABASE_URL
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    local data="$STATE_DIR/postgres"
    mkdir -p "$STATE_DIR"
    chmod 755 "$STATE_DIR"
    if [ ! -f "$data/PG_VERSION" ]; then
      log "creating a PostgreSQL cluster in $data"
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres: "$data"
      as_postgres "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # Durability is not needed for a throwaway test cluster; speed is.
    as_postgres "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  fi
  if ! "$bindir/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'community'" | grep -q 1; then
    "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres community
  fi
  echo "export DATABASE_URL='$url'"
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    echo "export REDIS_URL='$REDIS_URL'"
    return
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server REDIS_URL
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    mkdir -p "$STATE_DIR/redis"
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
      --dir "$STATE_DIR/redis" --save "" --appendonly no \
      --logfile "$STATE_DIR/redis/redis.log" --pidfile "$STATE_DIR/redis/redis.pid"
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  echo "export REDIS_URL='redis://127.0.0.1:${REDIS_PORT}/0'"
}

ensure_chromium() {
  # The browser journeys drive Debian's Chromium through Playwright.
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    echo "export CHROMIUM_PATH='$CHROMIUM_PATH'"
    return
  fi
  command -v chromium >/dev/null 2>&1 || apt_install chromium CHROMIUM_PATH
  echo "export CHROMIUM_PATH='$(command -v chromium)'"
}

ensure_postgres
ensure_redis
ensure_chromium
