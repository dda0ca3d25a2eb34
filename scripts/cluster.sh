#!/usr/bin/env bash
# scripts/cluster.sh — the one place that makes throwaway PostgreSQL
# clusters, for the demo, the tests and the benchmarks.
#
#   scripts/cluster.sh start   <dir>   create (if needed) and start a cluster in <dir>;
#                                      prints the export line of `env` on stdout
#   scripts/cluster.sh env     <dir>   prints: export PGHOST=<dir> PGPORT=... PGUSER=postgres PGDATABASE=postgres
#   scripts/cluster.sh stop    <dir>   stops it; a no-op when nothing runs there (trap-friendly)
#   scripts/cluster.sh destroy <dir>   stops it and removes <dir> (only a directory this script made)
#
# Typical use:
#   dir=$(mktemp -d /tmp/pgdl.XXXXXX)
#   trap 'scripts/cluster.sh destroy "$dir"' EXIT
#   eval "$(scripts/cluster.sh start "$dir")"
#   psql -c 'select 1'
#
# The cluster listens only on a Unix socket in <dir> (listen_addresses = ''),
# so it can never collide with the system cluster on port 5432; the port only
# names the socket file.  Layout: <dir>/data (PGDATA), <dir>/log (server log).
# The superuser is `postgres` with trust authentication over the socket.  As
# root, initdb and the server run as the `postgres` system user (initdb refuses
# root) and <dir> is handed to that user; otherwise they run as the caller.
#
# Settings (environment):
#   PGDL_PORT            socket port number (default 54329)
#   PGDL_SHARED_BUFFERS  shared_buffers (default 1GB: the stats benchmark keeps a
#                        10M-row x 10 float8 table cached)
#   PGDL_EXTRA_CONF      extra postgresql.conf lines, appended when the cluster is made
#   PGDL_PGBIN           PostgreSQL binaries (default: the bindir of $PG_CONFIG, or of
#                        pg_config: on Debian the newest installed server)
set -euo pipefail

PGBIN=${PGDL_PGBIN:-$("${PG_CONFIG:-pg_config}" --bindir 2>/dev/null || true)}
PORT=${PGDL_PORT:-54329}
SHARED_BUFFERS=${PGDL_SHARED_BUFFERS:-1GB}
MARKER=.pgdl-cluster

die() { echo "cluster.sh: $*" >&2; exit 1; }

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Runs a command as the cluster's owner: `postgres` when we are root, else us.
# The working directory is / so a server user who cannot read the caller's
# directory gets no warnings.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && "$@")
	fi
}

is_running() {
	[ -f "$1/data/postmaster.pid" ] && as_owner "$PGBIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

env_line() {
	local port
	port=$(cat "$1/port" 2>/dev/null) || die "no cluster in $1 (run: $0 start $1)"
	echo "export PGHOST=$1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres"
}

cmd_start() {
	local dir=$1
	[ -x "$PGBIN/initdb" ] || die "no PostgreSQL server found (${PGBIN:-pg_config}/initdb missing): run 'make deps'"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)

	# A Unix socket path is limited to 107 bytes.
	local sock="$dir/.s.PGSQL.$PORT"
	[ ${#sock} -le 107 ] || die "socket path too long (${#sock} > 107 bytes): $sock; use a shorter directory"

	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || die "no 'postgres' system user (is the postgresql-NN package installed?)"
		chown -R postgres:postgres "$dir"
		runuser -u postgres -- test -w "$dir" -a -x "$dir" \
			|| die "user postgres cannot reach $dir (a parent directory is closed to it); use a directory under /tmp"
	fi

	if [ ! -f "$dir/data/PG_VERSION" ]; then
		touch "$dir/$MARKER"
		echo "$PORT" > "$dir/port"
		# --no-sync: a throwaway cluster does not need its files on disk.
		as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
			--no-sync >"$dir/initdb.log" 2>&1 \
			|| { cat "$dir/initdb.log" >&2; die "initdb failed"; }
		# postgresql.conf is owned by the server user; append through it.
		as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<-EOF

			# --- throwaway cluster made by pgdl's scripts/cluster.sh ---
			listen_addresses = ''
			port = $PORT
			unix_socket_directories = '$dir'
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			shared_buffers = '$SHARED_BUFFERS'
			max_wal_size = '4GB'
			log_min_messages = warning
			log_line_prefix = '%m [%p] '
			${PGDL_EXTRA_CONF:-}
		EOF
		[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/port" "$dir/$MARKER" "$dir/initdb.log"
	fi

	if ! is_running "$dir"; then
		as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 120 start >/dev/null 2>&1 || {
			tail -n 30 "$dir/log" >&2 || true
			die "the server in $dir did not start (log: $dir/log)"
		}
	fi
	env_line "$dir"
}

cmd_stop() {
	local dir=$1
	[ -d "$dir/data" ] || return 0
	[ -f "$dir/data/postmaster.pid" ] || return 0
	if ! as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
		if is_running "$dir"; then
			as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 \
				|| die "could not stop the server in $dir"
		fi
	fi
}

cmd_destroy() {
	local dir=$1
	[ -e "$dir" ] || return 0
	cmd_stop "$dir"
	# Only remove what this script made; an empty directory (start failed
	# before writing anything) is removed too.
	if [ -f "$dir/$MARKER" ]; then
		rm -rf -- "$dir"
	else
		rmdir -- "$dir" 2>/dev/null || echo "cluster.sh: $dir was not made by cluster.sh; left in place" >&2
	fi
}

[ $# -eq 2 ] || usage
case $1 in
	start) cmd_start "$2" ;;
	env) env_line "$(cd "$2" 2>/dev/null && pwd -P || echo "$2")" ;;
	stop) cmd_stop "$2" ;;
	destroy) cmd_destroy "$2" ;;
	*) usage ;;
esac
