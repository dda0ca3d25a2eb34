#!/usr/bin/env bash
# scripts/rootfs.sh — minimal Debian root file systems for testing pgdl on
# other PostgreSQL majors (used by `make test-versions`, see
# scripts/test_versions.sh).  Needs root and debootstrap.
#
#   scripts/rootfs.sh ensure <suite> <worktree>
#         makes /var/cache/pgdl/<suite> when it is missing or unfinished:
#         debootstrap --variant=minbase (plus make), then `make deps` of the
#         worktree inside it, so the distribution's PostgreSQL and everything
#         `make test` needs are installed once; prints the root's path
#   scripts/rootfs.sh run <suite> <command> [args...]
#         runs a command in the root (as root, a clean environment), with
#         /proc, /dev and a fresh /dev/shm (PostgreSQL's shared memory)
#         mounted for the command's duration only, in a network namespace
#         of its own (a server listening on localhost:5432 there is not the
#         host's; PGDL_ROOTFS_NET=host shares the host's network, for apt).
#         A caller that holds the root's lock, <cache>/.<suite>.lock, sets
#         PGDL_ROOTFS_LOCKED=<suite>
#   scripts/rootfs.sh remove <suite>
#         deletes the cached root
#
# Suites: trixie (Debian 13, PostgreSQL 17) and forky (Debian testing,
# PostgreSQL 18), or any other Debian suite.  A suite this debootstrap has no
# script for (Debian 12's has none for forky) is made with the sid script.
#
# The packages come from the Debian mirror this machine's apt already uses
# (read from /etc/apt/sources.list and /etc/apt/sources.list.d/ at run time);
# PGDL_DEBIAN_MIRROR=<url> overrides it.  PGDL_ROOTFS_CACHE overrides
# /var/cache/pgdl.  A root is ready when its marker file exists: an
# interrupted build is removed and made again from scratch.  Each root is
# locked (flock) while it is made or used.
set -euo pipefail

CACHE=${PGDL_ROOTFS_CACHE:-/var/cache/pgdl}
MARKER=.pgdl-rootfs-ready
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "rootfs.sh: $*" >&2; exit 1; }

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# The URI of the first apt source that serves Debian's main archive (not the
# security archive), in either the one-line or the deb822 format.
debian_mirror() {
	local f uri
	if [ -n "${PGDL_DEBIAN_MIRROR:-}" ]; then
		echo "$PGDL_DEBIAN_MIRROR"
		return
	fi
	shopt -s nullglob
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z+]+:\/\/[^[:space:]]+\/debian\/?)[[:space:]].*/\2/p' "$f" | head -n 1)
		[ -z "$uri" ] || { echo "${uri%/}"; return; }
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		uri=$(awk 'BEGIN { IGNORECASE = 1 }
			/^[[:space:]]*$/ { if (types ~ /(^| )deb( |$)/ && uris != "") { print uris; exit } types = ""; uris = ""; next }
			/^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
			/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { uris = $i; break } }
			END { if (types ~ /(^| )deb( |$)/ && uris != "") print uris }' "$f" | head -n 1)
		[ -z "$uri" ] || { echo "${uri%/}"; return; }
	done
	shopt -u nullglob
	die "no Debian mirror (a URI ending in /debian) in /etc/apt/sources.list*; set PGDL_DEBIAN_MIRROR"
}

# Mounts what PostgreSQL and apt need inside the root; undone by unmount_all.
mounted=()
mount_all() {
	local root=$1
	mount -t proc proc "$root/proc" && mounted=("$root/proc" "${mounted[@]}")
	mount --bind /dev "$root/dev" && mounted=("$root/dev" "${mounted[@]}")
	mount -t tmpfs -o mode=1777,size=4g shm "$root/dev/shm" && mounted=("$root/dev/shm" "${mounted[@]}")
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && mounted=("$root/dev/pts" "${mounted[@]}")
}

unmount_all() {
	local m
	for m in "${mounted[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "rootfs.sh: could not unmount $m" >&2
	done
	mounted=()
}

in_root() {
	local root=$1
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	chroot "$root" /usr/bin/env -i HOME=/root PATH="$CHROOT_PATH" LANG=C.UTF-8 TERM=dumb \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# Runs a command in the root with the mounts in place; they are removed on
# any exit.  The mounts are made in a private mount namespace (unshare), so
# even a killed run leaves nothing mounted on the host.
cmd_run() {
	local suite=$1 root=$CACHE/$1
	shift
	[ -f "$root/$MARKER" ] || die "no root for $suite in $root (run: $0 ensure $suite <worktree>)"
	# a caller that holds the lock already (to copy files in first) says so
	if [ "${PGDL_ROOTFS_LOCKED:-}" != "$suite" ]; then
		exec 9>"$CACHE/.$suite.lock"
		flock 9
	fi
	local net=--net
	[ "${PGDL_ROOTFS_NET:-}" != host ] || net=
	PGDL_ROOTFS_INNER=1 exec unshare --mount $net --propagation private "$0" _inner "$root" "$@"
}

cmd_inner() {
	local root=$1
	shift
	trap unmount_all EXIT
	# in a network namespace of its own, only the loopback (best effort:
	# the tests' clusters listen on Unix sockets)
	[ "${PGDL_ROOTFS_NET:-}" = host ] || ip link set lo up 2>/dev/null || true
	mount_all "$root"
	local status=0
	in_root "$root" "$@" || status=$?
	unmount_all
	return "$status"
}

cmd_ensure() {
	local suite=$1 worktree=$2 root=$CACHE/$1 script=() mirror
	[ "$(id -u)" -eq 0 ] || die "making a root file system needs root"
	[ -f "$worktree/Makefile" ] || die "$worktree is not a pgdl worktree"
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.$suite.lock"
	flock 9
	if [ -f "$root/$MARKER" ]; then
		echo "$root"
		return
	fi
	if ! command -v debootstrap >/dev/null; then
		echo "rootfs.sh: installing debootstrap" >&2
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap; } \
			</dev/null >&2 || die "could not install debootstrap"
	fi
	mirror=$(debian_mirror)
	[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
	# an unfinished root (no marker) is made again from scratch
	if [ -e "$root" ]; then
		echo "rootfs.sh: removing the unfinished root $root" >&2
		rm -rf --one-file-system -- "$root"
	fi
	echo "rootfs.sh: debootstrap $suite from $mirror into $root" >&2
	debootstrap --variant=minbase --include=make "$suite" "$root" "$mirror" "${script[@]}" >&2 \
		|| die "debootstrap of $suite failed (log: $root/debootstrap/debootstrap.log)"
	# A mirror that is a frozen snapshot serves a testing suite's Release
	# file past its week of Valid-Until; debootstrap has checked the
	# signatures, and these roots are test fixtures, so apt may use it.
	echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99pgdl-snapshot-mirror"
	# the README's first step on a fresh machine: what `make test` needs
	rm -rf "$root/root/pgdl-deps"
	mkdir -p "$root/root/pgdl-deps"
	cp "$worktree/Makefile" "$root/root/pgdl-deps/"
	cp -r "$worktree/scripts" "$root/root/pgdl-deps/"
	PGDL_ROOTFS_NET=host PGDL_ROOTFS_INNER=1 unshare --mount --propagation private "$0" _inner "$root" \
		sh -c 'cd /root/pgdl-deps && make --no-print-directory deps && apt-get clean' >&2 \
		|| die "installing pgdl's dependencies in $root failed"
	rm -rf "$root/root/pgdl-deps"
	date -u +%FT%TZ >"$root/$MARKER"
	echo "$root"
}

[ $# -ge 1 ] || usage
case $1 in
	ensure) [ $# -eq 3 ] || usage; cmd_ensure "$2" "$(cd "$3" && pwd -P)" ;;
	run) [ $# -ge 3 ] || usage; shift; cmd_run "$@" ;;
	remove)
		[ $# -eq 2 ] || usage
		exec 9>"$CACHE/.$2.lock"
		flock 9
		rm -rf --one-file-system -- "${CACHE:?}/$2"
		;;
	_inner) [ -n "${PGDL_ROOTFS_INNER:-}" ] || usage; shift; cmd_inner "$@" ;;
	*) usage ;;
esac
