#!/usr/bin/env bash
# scripts/test_versions.sh — the whole suite on the other PostgreSQL majors
# (called by `make test-versions`, after pgdl is built and installed for the
# host's PostgreSQL).  Needs root (debootstrap, chroot, mounts).
#
# For each Debian suite in PGDL_TEST_SUITES (default "trixie forky": Debian
# 13 with PostgreSQL 17, Debian testing with PostgreSQL 18):
#   1. the suite's root file system, cached under /var/cache/pgdl
#      (scripts/rootfs.sh ensure: made once, with the packages `make deps`
#      picks there; a missing or unfinished one is made from scratch)
#   2. the worktree's files (tracked and untracked, not ignored: no build
#      products) copied to /root/pgdl in it
#   3. the README's `make test` there, with the host's dump added to its
#      dump section: before the suites, test/dump/setup.sql is loaded into a
#      throwaway cluster of the host's PostgreSQL and dumped with its
#      pg_dump -Fc, and each suite restores that dump and checks it
#      (PGDL_DUMP_FROM, see scripts/run_tests.sh and the tolerance below)
#   4. one more count per suite: the build printed no compiler warning
#
# Output: each suite's `make test` output, then one line per suite and the
# last line "N passed, N failed" over all of them.  A suite that cannot run
# (no root file system, no summary line) counts as one failure, never as
# zero.  Exit status 0 when nothing failed.
set -uo pipefail

cd "$(dirname "$0")/.."
here=$(pwd -P)
suites=${PGDL_TEST_SUITES:-trixie forky}
cache=${PGDL_ROOTFS_CACHE:-/var/cache/pgdl}
work=$(mktemp -d /tmp/pgdl-versions.XXXXXX)
host_cluster=""
total_pass=0
total_fail=0
lines=()

cleanup() {
	[ -z "$host_cluster" ] || scripts/cluster.sh destroy "$host_cluster" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "test_versions.sh: needs root (debootstrap, chroot and mounts)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# --- the host's dump ---------------------------------------------------------

pgbin=${PGDL_PGBIN:-$("${PG_CONFIG:-pg_config}" --bindir)}
host_major=$("$pgbin/pg_dump" --version | sed -nE 's/^pg_dump \(PostgreSQL\) ([0-9]+).*/\1/p')
dump_label="PostgreSQL ${host_major:-?}'s pg_dump"
echo "== test-versions: test/dump/setup.sql dumped with $dump_label"
# (its own directory under /tmp: the server user cannot enter $work)
host_cluster=$(mktemp -d /tmp/pgdl-versions-cluster.XXXXXX)
if exports=$(scripts/cluster.sh start "$host_cluster" 2>"$work/cluster.log") && eval "$exports" \
	&& psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE pgdl_dump' >"$work/setup.log" 2>&1 </dev/null \
	&& psql -X -q -v ON_ERROR_STOP=1 -d pgdl_dump -f test/dump/setup.sql >>"$work/setup.log" 2>&1 </dev/null \
	&& "$pgbin/pg_dump" -Fc -d pgdl_dump -f "$work/host.dump" >>"$work/setup.log" 2>&1 </dev/null; then
	echo "   $(du -k "$work/host.dump" | cut -f1) kB"
else
	# each suite's dump section then counts the missing dump as a failure
	echo "   FAILED: the dump on the host:"
	cat "$work/cluster.log" "$work/setup.log" 2>/dev/null | tail -n 30 | sed 's/^/    | /'
	rm -f "$work/host.dump"
fi
scripts/cluster.sh destroy "$host_cluster" >/dev/null 2>&1 || true
host_cluster=""

# --- each suite --------------------------------------------------------------

# The host's pgdl and a root's are two builds, against different OpenBLAS
# and libm versions: the same weights give float32 outputs that may differ
# in the last place (Debian 12's OpenBLAS 0.3.21 and Debian 13's 0.3.29 pick
# different sgemm kernels on the same CPU; glibc 2.41's tanhf is correctly
# rounded, 2.36's is not).  The restored dump's predictions must agree to
# this relative tolerance (about 8 float32 units in the last place), and bit
# for bit with the same weights imported afresh in the root; weights,
# registry and stored states must be identical (test/dump/check.sql).
tolerance=${PGDL_CROSS_BUILD_TOLERANCE:-1e-6}

# Copies the worktree's source files (what git tracks, and new files it
# does not ignore; without git, everything but build products) to $1.
copy_tree() {
	local dest=$1
	rm -rf "$dest"
	mkdir -p "$dest"
	if git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$here" ls-files -z --cached --others --exclude-standard \
			| (cd "$here" && tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$dest"
	else
		tar -C "$here" --exclude='*.o' --exclude='*.so' --exclude='*.bc' --exclude='./sql/pgdl--*.sql' \
			--exclude=./results --exclude=./test/fuzz/bin -cf - . | tar -xf - -C "$dest"
	fi
}

for suite in $suites; do
	root=$cache/$suite
	log=$work/$suite.log
	t0=$SECONDS
	echo
	echo "== test-versions: Debian $suite =="
	if ! scripts/rootfs.sh ensure "$suite" "$here" >"$work/$suite-rootfs.log" 2>&1; then
		tail -n 30 "$work/$suite-rootfs.log" | sed 's/^/    | /'
		total_fail=$((total_fail + 1))
		lines+=("$(printf '  %-8s %5d passed, %d failed  (the root file system could not be made)' "$suite" 0 1)")
		continue
	fi
	t_root=$((SECONDS - t0))
	major=$(ls "$root/usr/lib/postgresql" 2>/dev/null | sort -n | tail -n 1)
	echo "   root file system: $root ($((t_root))s), PostgreSQL ${major:-?}"

	# the copy and the run under the root's lock
	exec {lock}>"$cache/.$suite.lock"
	flock "$lock"
	rm -rf "$root"/tmp/pgdl-* "$root/root/pgdl-from.dump"
	copy_tree "$root/root/pgdl"
	from=/root/pgdl-from.dump
	[ ! -f "$work/host.dump" ] || cp "$work/host.dump" "$root$from"
	t1=$SECONDS
	# packages the cached root lacks (the list grew since it was made), with
	# the host's network; the tests then run without it
	PGDL_ROOTFS_LOCKED=$suite PGDL_ROOTFS_NET=host scripts/rootfs.sh run "$suite" \
		sh -c 'cd /root/pgdl && make --no-print-directory deps' 2>&1 | tee "$log.deps"
	PGDL_ROOTFS_LOCKED=$suite scripts/rootfs.sh run "$suite" bash -c \
		'cd /root/pgdl && PGDL_DUMP_FROM="$1" PGDL_DUMP_FROM_LABEL="$2" PGDL_DUMP_FROM_TOLERANCE="$3" \
			make --no-print-directory -j2 test' \
		_ "$from" "of $dump_label" "$tolerance" 2>&1 | tee "$log"
	exec {lock}>&-

	pass=0 fail=0 note=""
	summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$summary" ]; then
		read -r pass _ fail _ <<<"$summary"
	else
		fail=1 note="; make test stopped before its summary"
	fi
	warnings=$(grep -cE '(^|: )warning: ' "$log")
	if [ "$warnings" -eq 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)) note="$note; the build printed $warnings compiler warnings"
		grep -E '(^|: )warning: ' "$log" | head -n 20 | sed 's/^/    | /'
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	lines+=("$(printf '  %-8s %5d passed, %d failed  (PostgreSQL %s; root %ds, make test %ds%s)' \
		"$suite" "$pass" "$fail" "${major:-?}" "$t_root" $((SECONDS - t1)) "$note")")
done

echo
echo "test-versions:"
printf '%s\n' "${lines[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
