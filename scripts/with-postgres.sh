#!/bin/sh
# Run a command with a throwaway PostgreSQL server on loopback, its URL in TT_TEST_POSTGRES_URL.
# Installs Debian's postgresql when it is missing and we are root (CI machines); the server's
# data lives in a temporary folder and is removed afterwards.
set -u
find_bin() {
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}
pgbin=$(find_bin) || {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "with-postgres: installing postgresql (Debian package)" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null 2>&1
    fi
    pgbin=$(find_bin) || pgbin=""
}
if [ -z "$pgbin" ]; then
    echo "with-postgres: no PostgreSQL server could be found or installed; the postgres tests will fail." >&2
    exec "$@"
fi

tmp=$(mktemp -d /tmp/tt-pg.XXXXXX)
port=$(( 20000 + $$ % 20000 ))
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$tmp"
    as_pg() { runuser -u postgres -- "$@"; }
fi
as_pg "$pgbin/initdb" -D "$tmp/data" -U tt --auth=trust -E UTF8 >/dev/null || { echo "with-postgres: initdb failed" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w -o "-k $tmp -h 127.0.0.1 -p $port -F" start >/dev/null || {
    cat "$tmp/log" >&2; echo "with-postgres: server did not start" >&2; exit 1; }
stop() { as_pg "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1; rm -rf "$tmp"; }
trap stop EXIT INT TERM
as_pg "$pgbin/createdb" -h 127.0.0.1 -p "$port" -U tt tt_test
export TT_TEST_POSTGRES_URL="postgresql+psycopg://tt@127.0.0.1:$port/tt_test"
"$@"
