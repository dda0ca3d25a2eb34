#!/bin/bash
# scripts/check_glue_deps.sh: the glue's modules must not depend on each
# other in a cycle (run by make layering).
#
# A module of src/pg is a stem: X.c and its header X.h.  Module X depends on
# module Y when X.c or X.h includes "Y.h" (a header of src/pg).  Every use of
# another module's function or type goes through its header, so the include
# graph is the dependency graph; tsort fails on a cycle and names its
# modules.  With an argument, checks that directory instead of src/pg (the
# test of this script uses one).
set -euo pipefail

dir=${1:-src/pg}
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

shopt -s nullglob
n_modules=0
declare -A seen=()
for f in "$dir"/*.c "$dir"/*.h; do
	from=$(basename "$f")
	from=${from%.*}
	if [ -z "${seen[$from]:-}" ]; then
		seen[$from]=1
		n_modules=$((n_modules + 1))
	fi
	echo "$from $from" >>"$edges"	# a module with no dependency still counts
	sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"/]+)\.h".*/\1/p' "$f" |
		while read -r to; do
			if [ "$to" != "$from" ] && [ -f "$dir/$to.h" ]; then
				echo "$from $to" >>"$edges"
			fi
		done
done

if ! out=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "$out" | sed -nE 's/^tsort: ([^:]*)$/\1/p' | awk '!seen[$0]++' | paste -sd' ' | sed 's/^/glue modules in an include cycle: /'
	echo "layering violation: the modules of $dir must include each other without a cycle"
	exit 1
fi
n_edges=$(awk '$1 != $2' "$edges" | sort -u | wc -l)
echo "layering: the $n_modules modules of $dir depend on each other without a cycle ($n_edges dependencies)"
