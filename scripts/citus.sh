#!/usr/bin/env bash
# scripts/citus.sh — pgdl on a Citus cluster (called by `make test-citus`,
# after pgdl is built and installed for $PG_CONFIG's PostgreSQL).
#
#   1. Citus from its release tarball, $PGDL_CITUS_TARBALL (default
#      shared/vendor/citus-<version>.tar.gz in the repository's parent
#      directory, where CI puts it; its sha256 in the .sha256 file next to
#      it), built once per Citus version, PostgreSQL version and pg_config
#      paths and cached under $PGDL_CITUS_CACHE (default
#      /var/cache/pgdl/citus) as a DESTDIR staging tree; every run copies the
#      cached files into pg_config's pkglibdir and sharedir (nothing when
#      they are already there).  The build packages are installed with apt
#      when missing (root), and one line of the Citus source is fixed at
#      build time (fix_citus_source below).
#   2. a coordinator and two workers on 127.0.0.1 (scripts/cluster.sh, ports
#      $PGDL_PORT, +1, +2; shared_preload_libraries = 'citus,pgdl' (pgdl
#      after citus, so that its planner hook sends models to the workers;
#      the README's Citus section), wal_level =
#      logical, trust for 127.0.0.1), CREATE EXTENSION citus on each, the
#      workers added to the coordinator, then CREATE EXTENSION pgtap and pgdl
#      on the coordinator (Citus propagates them to the workers);
#   3. pg_prove over test/citus/*.sql against the coordinator's database
#      `postgres`, one count per assertion (scripts/tap.sh).
# The three servers are stopped and their directories removed on any exit.
#
# Output: the build's progress, one line per suite, the details of what
# failed, and last "N passed, N failed" (a step that fails before the suites
# run counts as one failure).  Exit status 0 when nothing failed.
set -uo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd -P)
. scripts/tap.sh

CITUS_VERSION=13.2.2
PG_CONFIG=${PG_CONFIG:-pg_config}
PGBIN=${PGDL_PGBIN:-$("$PG_CONFIG" --bindir 2>/dev/null || true)}
export PGDL_PGBIN=$PGBIN
CACHE=${PGDL_CITUS_CACHE:-/var/cache/pgdl/citus}
BASE_PORT=${PGDL_PORT:-54329}
# three servers on a 2-core machine: keep them small
export PGDL_SHARED_BUFFERS=${PGDL_SHARED_BUFFERS:-128MB}
BUILD_PACKAGES=(gcc make libpq-dev liblz4-dev libzstd-dev libkrb5-dev)

logs=$(mktemp -d /tmp/pgdl-citus.XXXXXX)
nodes=()
work=""

cleanup() {
	local d
	for d in "${nodes[@]}"; do
		cp "$d/log" "$logs/server-$(basename "$d").log" 2>/dev/null || true
		scripts/cluster.sh destroy "$d" || true
	done
	nodes=()
	[ -z "$work" ] || rm -rf "$work"
	if [ -n "$logs" ]; then
		if [ "$sec_fail" -eq 0 ] && [ -z "${PGDL_KEEP_LOGS:-}" ]; then
			rm -rf "$logs"
		else
			echo "Logs: $logs"
		fi
	fi
}
trap cleanup EXIT
# (a signal ends the script through exit, so the servers are stopped then too)
trap 'exit 130' INT TERM HUP

# give_up WHY — a failure before the suites ran: one failed count
give_up() {
	echo "citus.sh: $*" >&2
	sec_fail=$((sec_fail + 1))
	echo
	echo "$sec_pass passed, $sec_fail failed"
	exit 1
}

sec_pass=0
sec_fail=0

# --- 1. Citus, built once and cached ------------------------------------------------

install_build_packages() {
	local missing=() p
	for p in "${BUILD_PACKAGES[@]}"; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "citus.sh: building Citus needs: ${missing[*]}; run: sudo apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "citus: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update </dev/null >"$logs/apt.log" 2>&1 \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
			</dev/null >>"$logs/apt.log" 2>&1 \
		|| { tail -n 20 "$logs/apt.log" >&2; return 1; }
}

# PostgreSQL 15.20 declares have_createdb_privilege() in commands/dbcommands.h
# (made public by a minor release), and Citus 13.2.2's pg_version_compat.h
# defines its own static inline copy for PostgreSQL 15, which no longer
# compiles ("static declaration follows non-static declaration").  The copy is
# kept for minor releases before 15.20 and the header is used from then on.
fix_citus_source() {
	local h=$1/src/include/pg_version_compat.h
	awk '
		/^static inline bool$/ { held = $0; next }
		held != "" && /^have_createdb_privilege\(void\)$/ {
			print "#if PG_VERSION_NUM < 150020"; print held; held = ""; inside = 1; found++; print; next
		}
		held != "" { print held; held = "" }
		{ print }
		inside && /^}$/ {
			print "#else"; print "#include \"commands/dbcommands.h\""; print "#endif"; inside = 0
		}
		END { if (found != 1) exit 1 }
	' "$h" >"$h.fixed" && mv "$h.fixed" "$h"
}

# Prints the cache directory of this Citus build: the Citus version, the
# PostgreSQL version and a hash of pg_config's installation paths.
cache_dir() {
	local pgversion paths
	pgversion=$("$PG_CONFIG" --version | sed -nE 's/^PostgreSQL ([0-9.]+).*/\1/p')
	paths=$("$PG_CONFIG" --bindir --pkglibdir --sharedir --includedir-server | sha256sum | cut -c1-12)
	echo "$CACHE/$CITUS_VERSION-$pgversion-$paths"
}

build_citus() {
	local dest=$1 tarball want have src
	tarball=${PGDL_CITUS_TARBALL:-$(cd "$repo/.." && pwd -P)/shared/vendor/citus-$CITUS_VERSION.tar.gz}
	[ -f "$tarball" ] || { echo "citus.sh: the Citus source $tarball is missing (set PGDL_CITUS_TARBALL, or put shared/vendor/ beside the repository)" >&2; return 1; }
	[ -f "$tarball.sha256" ] || { echo "citus.sh: $tarball.sha256 is missing" >&2; return 1; }
	want=$(awk '{ print $1; exit }' "$tarball.sha256")
	have=$(sha256sum "$tarball" | cut -d' ' -f1)
	[ "$want" = "$have" ] || { echo "citus.sh: $tarball has sha256 $have, expected $want" >&2; return 1; }
	install_build_packages || return 1

	work=$(mktemp -d /tmp/pgdl-citus-build.XXXXXX)
	tar -xzf "$tarball" -C "$work" || return 1
	src=$work/citus-$CITUS_VERSION
	[ -d "$src" ] || { echo "citus.sh: $tarball does not hold citus-$CITUS_VERSION/" >&2; return 1; }
	fix_citus_source "$src" || { echo "citus.sh: could not apply the have_createdb_privilege fix to $src/src/include/pg_version_compat.h" >&2; return 1; }
	echo "citus: building Citus $CITUS_VERSION for $("$PG_CONFIG" --version) (log: $logs/citus-build.log)"
	# libpq's header: in pg_config's includedir, else where libpq-dev puts it
	local cppflags=""
	[ -f "$("$PG_CONFIG" --includedir)/libpq-fe.h" ] || cppflags=-I/usr/include/postgresql
	(cd "$src" && ./configure PG_CONFIG="$PG_CONFIG" CPPFLAGS="$cppflags" --without-libcurl \
		&& make -j2 && make install DESTDIR="$dest.tmp") </dev/null >"$logs/citus-build.log" 2>&1 \
		|| { tail -n 30 "$logs/citus-build.log" >&2; rm -rf "$dest.tmp"; return 1; }
	mv "$dest.tmp" "$dest"
	rm -rf "$work"
	work=""
}

# Copies the cached build's files into pg_config's pkglibdir and sharedir.
install_citus() {
	local stage=$1 dir changed=0 f
	for dir in "$("$PG_CONFIG" --pkglibdir)" "$("$PG_CONFIG" --sharedir)"; do
		[ -d "$stage$dir" ] || { echo "citus.sh: the cached build $stage has no $dir" >&2; return 1; }
		while IFS= read -r -d '' f; do
			f=${f#"$stage$dir"/}
			cmp -s "$stage$dir/$f" "$dir/$f" || changed=1
		done < <(find "$stage$dir" -type f -print0)
		if [ "$changed" -eq 1 ]; then
			cp -R "$stage$dir/." "$dir/" || return 1
		fi
	done
	[ "$changed" -eq 1 ] && echo "citus: installed from $stage" || echo "citus: the installed Citus is the cached build $stage"
}

t0=$SECONDS
mkdir -p "$CACHE" || give_up "cannot create the cache directory $CACHE"
stage=$(cache_dir)
exec {lock}>"$CACHE/.lock"
flock "$lock"
if [ -d "$stage" ]; then
	echo "citus: cached build $stage"
else
	build_citus "$stage" || give_up "building Citus $CITUS_VERSION failed"
fi
install_citus "$stage" || give_up "installing Citus from $stage failed"
flock -u "$lock"
echo "citus: ready in $((SECONDS - t0))s"

# --- 2. a coordinator and two workers ----------------------------------------------

# start_node NAME PORT — a throwaway cluster (scripts/cluster.sh) that also
# listens on 127.0.0.1:PORT, with Citus and pgdl preloaded
start_node() {
	local dir
	dir=$(mktemp -d "/tmp/pgdl-citus-$1.XXXXXX")
	nodes+=("$dir")
	PGDL_PORT=$2 PGDL_EXTRA_CONF="listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus,pgdl'
wal_level = logical
max_prepared_transactions = 20" scripts/cluster.sh start "$dir" >/dev/null 2>"$logs/start-$1.log" \
		|| { show "$logs/start-$1.log" 20; return 1; }
}

# node_sql PORT SQL... — runs SQL on the node at PORT over TCP (as Citus does)
node_sql() {
	local port=$1
	shift
	"$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@" </dev/null
}

coordinator=$BASE_PORT
workers=($((BASE_PORT + 1)) $((BASE_PORT + 2)))
t0=$SECONDS
for port in "$coordinator" "${workers[@]}"; do
	start_node "node$port" "$port" || give_up "the server on port $port did not start"
done
for port in "$coordinator" "${workers[@]}"; do
	node_sql "$port" -c 'CREATE EXTENSION citus' >>"$logs/setup.log" 2>&1 \
		|| { show "$logs/setup.log" 20; give_up "CREATE EXTENSION citus on port $port failed"; }
done
{
	node_sql "$coordinator" -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" \
		&& for port in "${workers[@]}"; do node_sql "$coordinator" -c "SELECT citus_add_node('127.0.0.1', $port)"; done \
		&& node_sql "$coordinator" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION pgdl'
} >>"$logs/setup.log" 2>&1 || { show "$logs/setup.log" 20; give_up "setting up the Citus cluster failed"; }
echo "citus: coordinator on 127.0.0.1:$coordinator, workers on ${workers[*]/#/127.0.0.1:} ($((SECONDS - t0))s)"

# --- 3. the suites -------------------------------------------------------------------

echo
echo "== citus: pgTAP suites on the coordinator (test/citus, pg_prove) =="
shopt -s nullglob
suites=(test/citus/*.sql)
shopt -u nullglob
[ ${#suites[@]} -gt 0 ] || give_up "no suites in test/citus"
for s in "${suites[@]}"; do
	log=$logs/$(basename "$s" .sql).tap
	status=0
	pg_prove -v -h 127.0.0.1 -p "$coordinator" -U postgres -d postgres "$s" >"$log" 2>&1 </dev/null || status=$?
	tap "$s" "$log" "$status"
done
if [ "$sec_fail" -gt 0 ]; then
	for d in "${nodes[@]}"; do
		grep -E 'terminated by signal|PANIC|TRAP:' "$d/log" 2>/dev/null | head -n 5 | sed "s|^|    $(basename "$d"): |" || true
	done
fi

echo
echo "$sec_pass passed, $sec_fail failed"
[ "$sec_fail" -eq 0 ]
