#!/usr/bin/env bash
# scripts/deps.sh — installs the Debian 12 packages pgdl needs to build, test
# and demo, when some are missing (called by `make deps`, `make test`,
# `make demo`).
#
#   all present          prints one line, exits 0
#   missing, as root     apt-get update + apt-get install (non-interactive)
#   missing, not root    prints the one sudo command to run and exits 1
#
# The packages:
#   postgresql-15, postgresql-server-dev-15   the server, psql, pg_regress, PGXS
#   libopenblas-dev                           BLAS for the engine
#   postgresql-15-pgtap                       pgTAP, for test/pgtap
#   libtap-parser-sourcehandler-pgtap-perl    pg_prove
#   dataset-fashion-mnist                     the demo's data (/usr/share/datasets/fashion-mnist)
#   python3                                   scripts/load_fashion_mnist.py (standard library only)
#   gcc, libc6-dev, make                      the build and the C tests (gcc brings the ASan/UBSan runtimes)
# Clang/libFuzzer are not needed by `make test`, which replays the fuzz corpora
# with gcc; `make fuzz` calls this script with --fuzz to add them:
#   clang-14, libclang-rt-14-dev              libFuzzer and its sanitizer runtimes
set -euo pipefail

PACKAGES=(
	postgresql-15
	postgresql-server-dev-15
	libopenblas-dev
	postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl
	dataset-fashion-mnist
	python3
	gcc
	libc6-dev
	make
)
if [ "${1:-}" = --fuzz ]; then
	PACKAGES+=(clang-14 libclang-rt-14-dev)
fi

# The build uses PostgreSQL 15's PGXS; say so plainly if another pg_config
# would win (the Makefile calls plain pg_config unless PG_CONFIG is given).
check_pg_config() {
	local pgc=/usr/lib/postgresql/15/bin/pg_config
	if ! "$pgc" --version >/dev/null 2>&1; then
		echo "deps: $pgc does not run" >&2
		exit 1
	fi
	if [ "$(pg_config --version 2>/dev/null)" != "$("$pgc" --version)" ]; then
		echo "deps: note: 'pg_config' on PATH is not PostgreSQL 15's; build with make PG_CONFIG=$pgc" >&2
	fi
}

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	check_pg_config
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

echo "deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run this once, then the make command again:"
	echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update </dev/null
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null

check_pg_config
echo "deps: installed ${missing[*]}"
