#!/usr/bin/env bash
# scripts/deps.sh — installs the Debian packages pgdl needs to build, test
# and demo, when some are missing (called by `make deps`, `make test`,
# `make demo`).
#
#   all present          prints one line, exits 0
#   missing, as root     apt-get update + apt-get install (non-interactive)
#   missing, not root    prints the one sudo command to run and exits 1
#
# The PostgreSQL major NN is the one pgdl is being built for: that of
# $PG_CONFIG when it names an installed server's pg_config (make passes its
# own), otherwise the distribution's own server (what the `postgresql`
# package depends on: 15 on Debian 12, 17 on Debian 13, 18 on Debian
# testing).  A major that is not in the Makefile's PG_SUPPORTED stops here.
#
# The packages:
#   postgresql-NN, postgresql-server-dev-NN   the server, psql, pg_regress, PGXS
#   libopenblas-dev                           BLAS for the engine
#   postgresql-NN-pgtap                       pgTAP, for test/pgtap
#   libtap-parser-sourcehandler-pgtap-perl    pg_prove
#   dataset-fashion-mnist                     the demo's data (/usr/share/datasets/fashion-mnist)
#   python3                                   scripts/load_fashion_mnist.py (standard library only)
#   gcc, libc6-dev, make                      the build and the C tests (gcc brings the ASan/UBSan runtimes)
#   postgresql-NN-pgvector                    only where the distribution packages it (Debian 13 and
#                                             testing, not 12): test/pgtap/embed.sql casts pgdl.embed
#                                             to its vector type there, and skips that elsewhere
# Clang/libFuzzer are not needed by `make test`, which replays the fuzz corpora
# with gcc; `make fuzz` calls this script with --fuzz to add them:
#   clang, libclang-rt-dev                    libFuzzer and its sanitizer runtimes
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
supported=$(sed -n 's/^PG_SUPPORTED[[:space:]]*=[[:space:]]*//p' "$here/Makefile")
[ -n "$supported" ] || { echo "deps: no PG_SUPPORTED line in $here/Makefile" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
	[ "$updated" -eq 0 ] || return 0
	apt-get update </dev/null
	updated=1
}

# The major of a pg_config that belongs to an installed server (its PGXS
# makefile exists; libpq-dev's pg_config has none).
pg_config_major() {
	local pgxs
	pgxs=$("$1" --pgxs 2>/dev/null) && [ -f "$pgxs" ] || return 1
	"$1" --version | sed -nE 's/^PostgreSQL ([0-9]+).*/\1/p'
}

distribution_major() {
	apt-cache depends postgresql 2>/dev/null | sed -nE 's/^ *Depends: postgresql-([0-9]+)$/\1/p' | head -n 1
}

major=""
if [ -n "${PG_CONFIG:-}" ]; then
	major=$(pg_config_major "$PG_CONFIG" || true)
fi
if [ -z "$major" ]; then
	major=$(distribution_major)
	if [ -z "$major" ] && [ "$(id -u)" -eq 0 ]; then
		apt_update
		major=$(distribution_major)
	fi
	if [ -z "$major" ]; then
		echo "deps: apt knows no 'postgresql' package; run: sudo apt-get update, then the make command again" >&2
		exit 1
	fi
fi
if ! [[ " $supported " == *" $major "* ]]; then
	echo "deps: pgdl supports PostgreSQL ${supported// /, }; this is PostgreSQL $major" >&2
	exit 1
fi

PACKAGES=(
	"postgresql-$major"
	"postgresql-server-dev-$major"
	libopenblas-dev
	"postgresql-$major-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	dataset-fashion-mnist
	python3
	gcc
	libc6-dev
	make
)
if [ "${1:-}" = --fuzz ]; then
	PACKAGES+=(clang libclang-rt-dev)
fi
if apt-cache show "postgresql-$major-pgvector" >/dev/null 2>&1; then
	PACKAGES+=("postgresql-$major-pgvector")
fi

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages present (PostgreSQL $major)"
	exit 0
fi

echo "deps: missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run this once, then the make command again:"
	echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	exit 1
fi

apt_update
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
echo "deps: installed ${missing[*]}"
