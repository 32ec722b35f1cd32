# Sourced by the bench scripts: a throwaway cluster in $work, listening on a unix socket there,
# run as `postgres` when we are root (Postgres refuses root), stopped and removed on exit.
work="$(mktemp -d)"
pgbin="$(dirname "$(readlink -f "$(command -v initdb || echo /usr/lib/postgresql/15/bin/initdb)")")"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups); fi
cleanup() {
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Starts the cluster with the settings the local provider uses.
start_cluster() {
    "${as_pg[@]}" "$pgbin/initdb" -D "$work/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/log" -w start \
        -o "-k $work -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
}
