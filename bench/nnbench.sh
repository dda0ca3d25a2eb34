# bench/nnbench.sh — the driver of the side-by-side image-model benchmarks
# (bench/cnn, bench/lstm, bench/transformer), sourced by each of them after it
# sets BENCH (its name: bench/$BENCH.py does the measuring) and BENCH_PORT
# (the throwaway cluster's default port).  The method, the options and the
# environment are described in each script's header and in bench/README.md:
# parse the options, install the missing Debian packages (as root), start a
# throwaway cluster, check pgdl (unless --torch-only), load Fashion-MNIST
# scaled to [0,1], cache it, run bench/$BENCH.py once per thread count in a
# fresh process, print its report.
set -euo pipefail

EPOCHS=${EPOCHS:-1}
THREADS=${THREADS:-1}
RUNS=${RUNS:-3}
TORCH_ONLY=
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
		--epochs) EPOCHS=${2:?}; shift 2 ;;
		--threads) THREADS=${2:?}; shift 2 ;;
		--runs) RUNS=${2:?}; shift 2 ;;
		--torch-only) TORCH_ONLY=1; shift ;;
		-h|--help) usage ;;
		*) echo "bench/$BENCH: unknown argument $1" >&2; usage ;;
	esac
done
THREADS=${THREADS//,/ }
[[ $EPOCHS =~ ^[0-9]+$ && $EPOCHS -gt 0 ]] || { echo "bench/$BENCH: --epochs must be a positive integer" >&2; exit 2; }
[[ $RUNS =~ ^[0-9]+$ && $RUNS -gt 0 ]] || { echo "bench/$BENCH: --runs must be a positive integer" >&2; exit 2; }
for n in $THREADS; do
	[[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || { echo "bench/$BENCH: --threads takes positive integers" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
export PGDL_PORT=${PGDL_PORT:-$BENCH_PORT}
export PGDL_SHARED_BUFFERS=${PGDL_SHARED_BUFFERS:-1GB}
export PGDL_EXTRA_CONF="autovacuum = off"
PY=/usr/bin/python3
t0=$SECONDS
say() { printf '[bench %4ds] %s\n' $((SECONDS - t0)) "$*" >&2; }
die() { echo "bench/$BENCH: $*" >&2; exit 1; }

# --- what the benchmark needs beyond make test's packages ---------------------
PACKAGES=(python3 python3-torch python3-numpy python3-psycopg2 dataset-fashion-mnist)
missing=()
for p in "${PACKAGES[@]}"; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "missing Debian packages; run once: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update </dev/null >&2
	apt-get install -y --no-install-recommends "${missing[@]}" </dev/null >&2
fi

dir=$(mktemp -d /tmp/pgdl-bench-$BENCH.XXXXXX)
work=$(mktemp -d /tmp/pgdl-bench-$BENCH-work.XXXXXX)
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	scripts/cluster.sh destroy "$dir" >/dev/null 2>&1 || true
	rm -rf -- "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting a throwaway cluster in $dir"
eval "$(scripts/cluster.sh start "$dir")"
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

if [ -z "$TORCH_ONLY" ]; then
	"${PSQL[@]}" -c 'CREATE EXTENSION pgdl' >/dev/null \
		|| die "CREATE EXTENSION pgdl failed: build and install pgdl first (make && make install), or run bench/$BENCH --torch-only"
	n=$("${PSQL[@]}" -At -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'pgdl'::regnamespace AND proname = 'train_model'")
	[ "$n" -gt 0 ] || die "the installed pgdl has no pgdl.train_model yet: run bench/$BENCH --torch-only"
fi

say "loading Fashion-MNIST scaled to [0,1]: fashion_mnist (60,000 rows), fashion_mnist_test (10,000)"
$PY scripts/load_fashion_mnist.py --sql --scale | "${PSQL[@]}" >/dev/null
$PY scripts/load_fashion_mnist.py --sql --scale --split test | "${PSQL[@]}" >/dev/null
"${PSQL[@]}" -c "CREATE EXTENSION pg_prewarm" \
	-c "SELECT pg_prewarm(c) FROM unnest(ARRAY['fashion_mnist', 'fashion_mnist_test']) AS c" \
	-c "SELECT pg_prewarm(reltoastrelid) FROM pg_class WHERE relname IN ('fashion_mnist', 'fashion_mnist_test') AND reltoastrelid <> 0" \
	>/dev/null

# libgomp's workers spin while they wait; with as many threads as cores they
# starve OpenBLAS's threads (measured here: 2 threads took 3-9 s an epoch
# instead of 1.1).  PASSIVE is PyTorch's best setting on this machine.
WAIT=${OMP_WAIT_POLICY:-PASSIVE}
for n in $THREADS; do
	say "--- $n thread(s) ---"
	OPENBLAS_NUM_THREADS=$n OMP_NUM_THREADS=$n OMP_WAIT_POLICY=$WAIT $PY bench/$BENCH.py run --threads "$n" --epochs "$EPOCHS" \
		--runs "$RUNS" ${TORCH_ONLY:+--torch-only} --out "$work/threads-$n.json"
done
$PY bench/$BENCH.py report "$work"/threads-*.json
say "done in $((SECONDS - t0)) s"
