#!/bin/bash
# scripts/fuzz.sh: the libFuzzer campaigns of `make fuzz`.
#
# Each test/fuzz/fuzz_<name>.c is built into test/fuzz/bin/fuzz_<name> with
# the engine's sources and run for FUZZ_SECONDS on test/fuzz/corpus/<name>/
# (with test/fuzz/<name>.dict if there is one).  New inputs go to a
# temporary directory, not the repository's corpus; crash inputs are kept in
# test/fuzz/bin/crashes/fuzz_<name>/.  Exits 1 if a harness failed to build
# or a campaign found a crash.
#
# The Makefile sets (environment):
#   FUZZ_CC, FUZZ_CFLAGS  compiler and flags (clang, -fsanitize=fuzzer,...)
#   FUZZ_SECONDS          time per harness
#   CORE_SRCS             the engine's .c files
#   BLAS_LIBS             how to link OpenBLAS
set -uo pipefail

: "${FUZZ_CC:?}" "${FUZZ_CFLAGS:?}" "${FUZZ_SECONDS:?}" "${CORE_SRCS:?}" "${BLAS_LIBS:?}"

mkdir -p test/fuzz/bin
failed=""
for h in test/fuzz/fuzz_*.c; do
	name=${h#test/fuzz/fuzz_}
	name=${name%.c}
	bin=test/fuzz/bin/fuzz_$name
	echo "fuzz: building $bin"
	# shellcheck disable=SC2086 # the flag and file lists are word lists
	if ! $FUZZ_CC $FUZZ_CFLAGS -o "$bin" "$h" $CORE_SRCS $BLAS_LIBS -lm; then
		failed="$failed $name(build)"
		continue
	fi
	dict=
	[ ! -f "test/fuzz/$name.dict" ] || dict=-dict=test/fuzz/$name.dict
	new=$(mktemp -d "/tmp/pgdl-fuzz-$name.XXXXXX")
	crashes=test/fuzz/bin/crashes/fuzz_$name
	mkdir -p "$crashes"
	echo "fuzz: running fuzz_$name for ${FUZZ_SECONDS}s on test/fuzz/corpus/$name${dict:+ $dict} (new inputs in $new)"
	if "./$bin" -max_total_time="$FUZZ_SECONDS" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$crashes/" $dict "$new" "test/fuzz/corpus/$name" >"$new.log" 2>&1; then
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb|fuzz_[a-z]+: )|cov: .*ft:' "$new.log" | tail -n 6
		echo "fuzz: fuzz_$name ok ($(ls "$new" | wc -l) new inputs in $new)"
	else
		tail -n 60 "$new.log"
		echo "fuzz: fuzz_$name FAILED: see $new.log and $crashes/"
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
