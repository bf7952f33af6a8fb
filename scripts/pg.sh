# Start a throwaway PostgreSQL server on loopback for the test run (sourced by test.sh).
# Sets INTERTRATA_TEST_PG_URL and registers a trap that stops and deletes the server.
# Reuses INTERTRATA_TEST_PG_URL when the caller already provides a server.
pg_start() {
  if [ -n "${INTERTRATA_TEST_PG_URL:-}" ]; then return 0; fi
  local bindir
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "Instalando PostgreSQL (apt-get)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
    bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  PG_DIR="$(mktemp -d /tmp/intertrata-pg.XXXXXX)"
  local port=$(( 20000 + RANDOM % 20000 ))
  local as=()
  if [ "$(id -u)" = "0" ]; then
    # PostgreSQL refuses to run as root.
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c full_page_writes=off" start >/dev/null
  PG_STOP=("${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -m fast -w stop)
  trap 'pg_stop' EXIT
  "${as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres intertrata_test
  export INTERTRATA_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/intertrata_test"
}
pg_stop() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_STOP[@]}" >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
