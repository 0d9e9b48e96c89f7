# Sourced by .ci/run (and usable by hand): installs and starts the servers that the test suite
# uses when present, on 127.0.0.1 only, and exports their URLs for the tests.
need=()
command -v pg_ctlcluster >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# The reading room's browser tests: the distribution's Chromium (Playwright drives it and never
# downloads a browser of its own) and CJK fonts, so screenshots show the text.
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PG_PORT=${PG_PORT:-54329}
PG_DATA=$(mktemp -d /tmp/ci-pg.XXXXXX)
chown postgres "$PG_DATA"
# A UTF-8 ctype: with --locale=C, pg_trgm finds no trigrams in CJK text.
su postgres -s /bin/sh -c "$PG_BIN/initdb -D $PG_DATA -E UTF8 --locale=C.UTF-8 -A trust" >/dev/null
su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $PG_DATA -l $PG_DATA/server.log -w -o '-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1' start" >/dev/null
export TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"

REDIS_PORT=${REDIS_PORT:-63799}
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "services: PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
# Set, the browser tests fail rather than skip when the browser cannot be started.
CHROMIUM=$(command -v chromium)
export CHROMIUM
echo "browser: $CHROMIUM"
