#!/usr/bin/env bash
# scripts/demo.sh — the showcase behind `make demo` (which installs the
# packages and the extension first): starts a throwaway PostgreSQL cluster,
# loads the Fashion-MNIST training set (60,000 images) into fashion_mnist and
# the test set (10,000) into fashion_mnist_test, runs scripts/demo.sql (statistics,
# scalers), demo_cluster.sql (k-means), demo_features.sql (feature scores, PCA),
# demo_mlp.sql (an MLP), demo_cnn.sql (a convolutional network) and
# demo_seq.sql (a transformer on images read as sequences) with psql, then
# loads the one-line descriptions of this machine's Debian packages
# (scripts/load_packages.py, from the apt lists) into packages and runs
# demo_text.sql (tokens, a vocabulary, a text classifier, embeddings) -
# skipped, saying so, when the apt lists are empty - and stops the cluster
# on any exit.
#
# PGDL_DEMO_KEEP=1 leaves the cluster running afterwards and prints how to
# connect to it (stop it with: scripts/cluster.sh destroy <dir>).
set -euo pipefail

cd "$(dirname "$0")/.."

dir=$(mktemp -d /tmp/pgdl-demo.XXXXXX)
if [ -z "${PGDL_DEMO_KEEP:-}" ]; then
	trap 'scripts/cluster.sh destroy "$dir"' EXIT
fi

echo "== Starting a throwaway PostgreSQL cluster in $dir (Unix socket only)"
eval "$(scripts/cluster.sh start "$dir")"

echo "== Loading Fashion-MNIST: 60,000 training images (id, label, pixels real[784])"
t0=$(date +%s%N)
/usr/bin/python3 scripts/load_fashion_mnist.py --sql | psql -X -q -v ON_ERROR_STOP=1
ms=$((($(date +%s%N) - t0) / 1000000))
printf '   loaded in %d.%d s (COPY with its primary key, then VACUUM ANALYZE)\n' $((ms / 1000)) $((ms % 1000 / 100))
echo "== Loading the 10,000 test images into fashion_mnist_test"
/usr/bin/python3 scripts/load_fashion_mnist.py --sql --split test | psql -X -q -v ON_ERROR_STOP=1

for part in demo demo_cluster demo_features demo_mlp demo_cnn demo_seq; do
	psql -X -v ON_ERROR_STOP=1 -P pager=off -f scripts/$part.sql </dev/null
done

echo
echo "== Loading the descriptions of this machine's Debian packages (the apt lists) into packages"
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE TABLE packages (name text PRIMARY KEY, section text, description text)"
if /usr/bin/python3 scripts/load_packages.py --count >/dev/null 2>&1; then
	/usr/bin/python3 scripts/load_packages.py | psql -X -q -v ON_ERROR_STOP=1 -c "COPY packages FROM STDIN"
	psql -X -v ON_ERROR_STOP=1 -P pager=off -f scripts/demo_text.sql </dev/null
else
	echo "   skipped the text part: the apt lists under /var/lib/apt/lists are empty (run apt-get update)"
fi

if [ -n "${PGDL_DEMO_KEEP:-}" ]; then
	echo
	echo "The cluster is still running. Connect with:"
	echo "    $(scripts/cluster.sh env "$dir") && psql"
	echo "Stop it with: scripts/cluster.sh destroy $dir"
fi
