#!/usr/bin/env bash
# scripts/run_tests.sh — runs every pgdl test and ends with one line
# "N passed, N failed" (called by `make test`, after the extension is built
# and installed).
#
# Sections, in order:
#   unit     the engine's C tests (test/unit), plain and with ASan+UBSan; one
#            count per TAP line
#   fuzz     each test/fuzz/fuzz_<name>.c built with gcc, ASan+UBSan and
#            -DPGDL_FUZZ_REPLAY, replaying test/fuzz/corpus/<name>/*; one count
#            per harness
#   regress  pg_regress over sql/*.sql against expected/*.out (through
#            `make installcheck`, so the Makefile's REGRESS/REGRESS_OPTS are the
#            one list); one count per test file
#   pgtap    pg_prove over test/pgtap/*.sql, one count per assertion.  Each
#            suite runs in the database pgdl_pgtap, made fresh here with
#            `CREATE EXTENSION pgtap; CREATE EXTENSION pgdl;` — so suites may
#            rely on both (an IF NOT EXISTS in a suite is harmless) and should
#            wrap their work in BEGIN ... ROLLBACK to leave it clean for the next.
#   dump     pg_dump -Fc of a database with models (test/dump/setup.sql, with
#            the models a 300-mutant import_model fuzz campaign let in),
#            restored with pg_restore serially and with -j 4 into fresh
#            databases, each checked by test/dump/check.sql (pgTAP: the same
#            predictions, stored states, versions, owners, grants and
#            history); one count per assertion, plus one per dump or restore
#            that fails.  A second database (test/dump/fuzz_setup.sql: the
#            models an import_model fuzz campaign let in) is dumped and
#            restored too, checked by test/dump/fuzz_check.sql.  With PGDL_DUMP_FROM=<file> (make test-versions: a
#            dump of the same setup made by another PostgreSQL major), that
#            dump is restored and checked too (PGDL_DUMP_FROM_LABEL names it;
#            PGDL_DUMP_FROM_TOLERANCE is the relative difference allowed in
#            its predictions when another build of pgdl made it, default 0)
#   upgrade  for every earlier release whose install script is in src/upgrade/
#            (pgdl--<version>.sql): a database created with that version
#            holding models and stored states (test/dump/setup.sql), then
#            ALTER EXTENSION pgdl UPDATE; test/upgrade/check.sql compares its
#            catalog with a fresh install's (test/upgrade/catalog.sql: every
#            function, aggregate, type, table, ... and its definition) and
#            test/dump/check.sql checks that nothing stored was lost and the
#            models predict the same; one count per assertion
#   crash    kill -9 of a backend in the middle of import_model and of
#            train_model saving a 4 MB model (test/crash/kill_save.sh, in the
#            database made by test/crash/setup.sql), then the recovered
#            registry checked by test/crash/check.sql (amcheck, no trace of the
#            killed saves, everything else bit for bit, new versions saved);
#            one count per assertion of each.  It comes last: the kills
#            restart every session of the cluster
# regress, pgtap, dump, upgrade and crash run against one throwaway cluster (scripts/cluster.sh),
# stopped on any exit.  A section that cannot run at all (a build fails, the
# cluster does not start, no test files) counts as failed, never as zero.
#
# Output: a summary per section and the details of what failed (TAP lines,
# regression.diffs, sanitizer reports); the full logs go to a temporary
# directory, kept when something failed (or with PGDL_KEEP_LOGS=1).
# Exit status: 0 when nothing failed, 1 otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."

# Sanitizer reports without the shadow-byte legend, UBSan with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-print_legend=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

logs=$(mktemp -d /tmp/pgdl-tests.XXXXXX)
cluster=""
total_pass=0
total_fail=0
summary=()

stop_cluster() {
	if [ -n "$cluster" ]; then
		cp "$cluster/log" "$logs/server.log" 2>/dev/null || true
		scripts/cluster.sh destroy "$cluster" || true
		cluster=""
	fi
}

# On an early exit (an error in this script, ^C) the logs stay for a look.
cleanup() {
	stop_cluster
	[ -z "$logs" ] || echo "run_tests.sh: stopped early; logs in $logs" >&2
}
trap cleanup EXIT

# --- counting ----------------------------------------------------------------

sec_name=""
sec_pass=0
sec_fail=0
sec_start=0

begin_section() {
	sec_name=$1
	sec_pass=0
	sec_fail=0
	sec_start=$SECONDS
	echo
	echo "== $1: $2 =="
}

end_section() {
	total_pass=$((total_pass + sec_pass))
	total_fail=$((total_fail + sec_fail))
	summary+=("$(printf '  %-8s %5d passed, %d failed  (%ds)' "$sec_name" "$sec_pass" "$sec_fail" $((SECONDS - sec_start)))")
}

# fail N WHY — counts N failures that have no TAP line of their own
fail() {
	sec_fail=$((sec_fail + $1))
	echo "  FAILED: $2"
}

# show FILE [LINES] and tap LABEL LOG STATUS (counting into sec_pass/sec_fail)
. scripts/tap.sh

# --- (a) unit tests ------------------------------------------------------------

begin_section unit "C tests of src/core (test/unit)"
for bin in run_tests run_tests_asan; do
	if ! make --no-print-directory -s "test/unit/$bin" >"$logs/build-$bin.log" 2>&1 </dev/null; then
		fail 1 "building test/unit/$bin"
		show "$logs/build-$bin.log" 40
		continue
	fi
	status=0
	"./test/unit/$bin" >"$logs/$bin.tap" 2>&1 </dev/null || status=$?
	tap "$bin" "$logs/$bin.tap" "$status"
done
end_section

# --- (b) fuzz corpus replay --------------------------------------------------------

begin_section fuzz "fuzz harnesses replaying their corpus (test/fuzz)"
shopt -s nullglob
harnesses=(test/fuzz/fuzz_*.c)
core_srcs=(src/core/*.c src/core/*/*.c)
shopt -u nullglob
# OpenBLAS as the Makefile found it (make test passes it), else Debian's paths
read -ra blas_cflags <<<"${BLAS_CFLAGS:--I/usr/include/x86_64-linux-gnu/openblas-pthread}"
read -ra blas_libs <<<"${BLAS_LIBS:--lopenblas}"
if [ ${#harnesses[@]} -eq 0 ]; then
	echo "  (no harnesses in test/fuzz)"
fi
for h in "${harnesses[@]}"; do
	name=${h#test/fuzz/fuzz_}
	name=${name%.c}
	bin=$logs/fuzz_$name
	corpus=test/fuzz/corpus/$name
	if ! gcc -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer -DPGDL_FUZZ_REPLAY -DPGDL_SANITIZE \
		-Isrc/core "${blas_cflags[@]}" \
		-o "$bin" "$h" "${core_srcs[@]}" "${blas_libs[@]}" -lm >"$bin.build.log" 2>&1 </dev/null; then
		fail 1 "building $h"
		show "$bin.build.log" 40
		continue
	fi
	files=0
	[ ! -d "$corpus" ] || files=$(find "$corpus" -type f | wc -l)
	if [ "$files" -eq 0 ]; then
		fail 1 "$h: no seed corpus in $corpus/"
		continue
	fi
	status=0
	find "$corpus" -type f -print0 | sort -z | xargs -0 "$bin" >"$bin.log" 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		sec_pass=$((sec_pass + 1))
		printf '  %-36s ok (%d inputs)\n' "fuzz_$name" "$files"
	else
		fail 1 "fuzz_$name replaying $files inputs from $corpus/ (exit status $status)"
		# name the first input that fails on its own
		while IFS= read -r -d '' f; do
			"$bin" "$f" >/dev/null 2>&1 || { echo "    first failing input: $f"; break; }
		done < <(find "$corpus" -type f -print0 | sort -z)
		show "$bin.log" 60
	fi
done
end_section

# --- the cluster for (c), (d), (e) and (f) ----------------------------------------

cluster=$(mktemp -d /tmp/pgdl-cluster.XXXXXX)
cluster_ok=1
if exports=$(scripts/cluster.sh start "$cluster" 2>"$logs/cluster-start.log"); then
	eval "$exports"
else
	cluster_ok=0
fi

# Prints the server's crash reports, if any, after a failing section.
server_crashes() {
	grep -E 'terminated by signal|PANIC|TRAP:|was terminated|server process .* exited with exit code [^0]' \
		"$cluster/log" 2>/dev/null | head -n 10 | sed 's/^/    server: /' || true
}

# --- (c) pg_regress ----------------------------------------------------------------

begin_section regress "pg_regress (sql/ against expected/)"
shopt -s nullglob
regress_tests=()
for f in sql/*.sql; do
	case $f in sql/pgdl--*) continue ;; esac
	t=${f#sql/}
	regress_tests+=("${t%.sql}")
done
shopt -u nullglob
if [ ${#regress_tests[@]} -eq 0 ]; then
	fail 1 "no tests in sql/"
elif [ "$cluster_ok" -eq 0 ]; then
	fail ${#regress_tests[@]} "the test cluster did not start"
	show "$logs/cluster-start.log" 30
else
	out=$logs/regress
	mkdir -p "$out"
	status=0
	make --no-print-directory -s installcheck \
		EXTRA_REGRESS_OPTS="--host=$PGHOST --port=$PGPORT --user=postgres --outputdir=$out" \
		>"$logs/regress.log" 2>&1 </dev/null || status=$?
	# PostgreSQL 15 prints "test NAME ... ok  12 ms" (or "     NAME ... ok" in
	# a parallel group) and FAILED / "failed (ignored)" for failures; 16 and
	# later print TAP: "ok 1  - NAME  12 ms" ("+" in a parallel group) and
	# "not ok 2  - NAME ...".
	declare -A result=()
	while read -r t r; do
		result[$t]=$r
	done < <(sed -nE -e 's/^(test )? *([^ ]+) +\.\.\. +(ok|FAILED|failed)( .*)?$/\2 \3/p' \
		-e 's/^ok [0-9]+ +[-+] +([^ ]+)( .*)?$/\1 ok/p' \
		-e 's/^not ok [0-9]+ +[-+] +([^ ]+)( .*)?$/\1 FAILED/p' "$logs/regress.log")
	failed_names=()
	for t in "${regress_tests[@]}"; do
		case ${result[$t]:-missing} in
			ok) sec_pass=$((sec_pass + 1)) ;;
			*) sec_fail=$((sec_fail + 1)); failed_names+=("$t (${result[$t]:-did not run})") ;;
		esac
	done
	printf '  %-36s %5d passed, %d failed\n' "sql/*.sql" "$sec_pass" "$sec_fail"
	if [ "$status" -ne 0 ] && [ "$sec_fail" -eq 0 ]; then
		fail 1 "pg_regress exit status $status"
	fi
	if [ "$sec_fail" -gt 0 ]; then
		for t in "${failed_names[@]}"; do echo "    failed: $t"; done
		if [ -s "$out/regression.diffs" ]; then
			echo "    regression.diffs:"
			show "$out/regression.diffs" 200
		else
			show "$logs/regress.log" 40
		fi
		server_crashes
	fi
fi
end_section

# --- (d) pgTAP ----------------------------------------------------------------------

begin_section pgtap "pgTAP suites (test/pgtap, pg_prove)"
shopt -s nullglob
suites=(test/pgtap/*.sql)
shopt -u nullglob
if [ ${#suites[@]} -eq 0 ]; then
	fail 1 "no suites in test/pgtap"
elif [ "$cluster_ok" -eq 0 ]; then
	fail ${#suites[@]} "the test cluster did not start"
elif ! psql -X -q -v ON_ERROR_STOP=1 -d postgres >"$logs/pgtap-setup.log" 2>&1 <<-'EOF'
	DROP DATABASE IF EXISTS pgdl_pgtap;
	CREATE DATABASE pgdl_pgtap;
	\c pgdl_pgtap
	CREATE EXTENSION pgtap;
	CREATE EXTENSION pgdl;
EOF
then
	fail ${#suites[@]} "could not create the database pgdl_pgtap with pgtap and pgdl"
	show "$logs/pgtap-setup.log" 20
else
	for s in "${suites[@]}"; do
		log=$logs/pgtap-$(basename "$s" .sql).tap
		status=0
		pg_prove -v -h "$PGHOST" -p "$PGPORT" -U postgres -d pgdl_pgtap "$s" >"$log" 2>&1 </dev/null || status=$?
		tap "$s" "$log" "$status"
	done
	[ "$sec_fail" -eq 0 ] || server_crashes
fi
end_section

# --- (e) dump and restore -------------------------------------------------------------

begin_section dump "pg_dump -Fc / pg_restore of the model registry (test/dump)"
pgbin=${PGDL_PGBIN:-$("${PG_CONFIG:-pg_config}" --bindir)}

# restore_and_check LABEL DB DUMP TOLERANCE [pg_restore options] — restores
# DUMP into a fresh database DB and runs test/dump/check.sql there, its
# predictions compared to the relative TOLERANCE (0: bit for bit)
restore_and_check() {
	local label=$1 db=$2 dump=$3 tolerance=$4 log=$logs/dump-$2 status=0
	shift 4
	if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
		>"$log.restore.log" 2>&1 </dev/null \
		|| ! "$pgbin/pg_restore" --exit-on-error "$@" -d "$db" "$dump" >>"$log.restore.log" 2>&1 </dev/null; then
		fail 1 "$label into $db"
		show "$log.restore.log" 30
	fi
	# checked even when the restore failed: the assertions say what is missing
	psql -X -q -At -v ON_ERROR_STOP=1 -v float_tolerance="$tolerance" -d "$db" -f test/dump/check.sql \
		>"$log.tap" 2>&1 </dev/null || status=$?
	tap "$label" "$log.tap" "$status"
}

restores=2
[ -z "${PGDL_DUMP_FROM:-}" ] || restores=3
if [ "$cluster_ok" -eq 0 ]; then
	fail $restores "the test cluster did not start"
else
	if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS pgdl_dump' \
			-c 'CREATE DATABASE pgdl_dump' >"$logs/dump-setup.log" 2>&1 </dev/null \
		|| ! psql -X -q -v ON_ERROR_STOP=1 -d pgdl_dump -f test/dump/setup.sql >>"$logs/dump-setup.log" 2>&1 </dev/null; then
		fail 2 "setting up the database to dump (test/dump/setup.sql)"
		show "$logs/dump-setup.log" 30
	elif ! "$pgbin/pg_dump" -Fc -d pgdl_dump -f "$logs/pgdl_dump.dump" >"$logs/pg_dump.log" 2>&1 </dev/null; then
		fail 2 "pg_dump -Fc of the database pgdl_dump"
		show "$logs/pg_dump.log" 30
	else
		restore_and_check "pg_restore (serial)" pgdl_restored_serial "$logs/pgdl_dump.dump" 0
		restore_and_check "pg_restore -j 4" pgdl_restored_parallel "$logs/pgdl_dump.dump" 0 -j 4
	fi
	# A dump of the same setup made elsewhere (make test-versions: by the
	# host's PostgreSQL 15), restored here; made by another build of pgdl,
	# its predictions may differ in the last float32 bit (test/dump/check.sql)
	if [ -n "${PGDL_DUMP_FROM:-}" ]; then
		if [ -s "$PGDL_DUMP_FROM" ]; then
			restore_and_check "restore ${PGDL_DUMP_FROM_LABEL:-$PGDL_DUMP_FROM}" pgdl_restored_from "$PGDL_DUMP_FROM" \
				"${PGDL_DUMP_FROM_TOLERANCE:-0}"
		else
			fail 1 "the dump to restore, $PGDL_DUMP_FROM, is missing or empty (the dump on the host failed)"
		fi
	fi
	# the import_model fuzz campaign's models, in a database of their own
	if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS pgdl_dump_fuzz' \
			-c 'CREATE DATABASE pgdl_dump_fuzz' >"$logs/dump-fuzz-setup.log" 2>&1 </dev/null \
		|| ! psql -X -q -v ON_ERROR_STOP=1 -d pgdl_dump_fuzz -f test/dump/fuzz_setup.sql >>"$logs/dump-fuzz-setup.log" 2>&1 </dev/null; then
		fail 1 "setting up the fuzz campaign's database (test/dump/fuzz_setup.sql)"
		show "$logs/dump-fuzz-setup.log" 30
	elif ! "$pgbin/pg_dump" -Fc -d pgdl_dump_fuzz -f "$logs/pgdl_dump_fuzz.dump" >"$logs/pg_dump_fuzz.log" 2>&1 </dev/null; then
		fail 1 "pg_dump -Fc of the database pgdl_dump_fuzz"
		show "$logs/pg_dump_fuzz.log" 30
	else
		status=0
		if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS pgdl_restored_fuzz" \
				-c "CREATE DATABASE pgdl_restored_fuzz" >"$logs/dump-fuzz-restore.log" 2>&1 </dev/null \
			|| ! "$pgbin/pg_restore" --exit-on-error -d pgdl_restored_fuzz "$logs/pgdl_dump_fuzz.dump" \
				>>"$logs/dump-fuzz-restore.log" 2>&1 </dev/null; then
			fail 1 "pg_restore of the fuzz campaign's database"
			show "$logs/dump-fuzz-restore.log" 30
		fi
		psql -X -q -At -v ON_ERROR_STOP=1 -d pgdl_restored_fuzz -f test/dump/fuzz_check.sql \
			>"$logs/dump-fuzz.tap" 2>&1 </dev/null || status=$?
		tap "pg_restore of the fuzz campaign" "$logs/dump-fuzz.tap" "$status"
	fi
	[ "$sec_fail" -eq 0 ] || server_crashes
fi
end_section

# --- (f) upgrades ---------------------------------------------------------------------

begin_section upgrade "ALTER EXTENSION pgdl UPDATE from every earlier release (test/upgrade)"
# The install scripts of earlier releases (src/upgrade/pgdl--<version>.sql,
# installed with the current one)
shopt -s nullglob
olds=()
for f in src/upgrade/pgdl--*.sql; do
	v=${f#src/upgrade/pgdl--}
	v=${v%.sql}
	case $v in *--*) ;; *) olds+=("$v") ;; esac
done
shopt -u nullglob
# each old version counts two suites: the catalog and the data
if [ ${#olds[@]} -eq 0 ]; then
	fail 1 "no install script of an earlier release in src/upgrade/"
elif [ "$cluster_ok" -eq 0 ]; then
	fail $((2 * ${#olds[@]})) "the test cluster did not start"
elif ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS pgdl_upgrade_fresh' \
		-c 'CREATE DATABASE pgdl_upgrade_fresh' >"$logs/upgrade-fresh.log" 2>&1 </dev/null \
	|| ! psql -X -q -v ON_ERROR_STOP=1 -d pgdl_upgrade_fresh -c 'CREATE EXTENSION pgdl' -f test/upgrade/catalog.sql \
		-c 'COPY (SELECT * FROM pg_temp.pgdl_catalog) TO STDOUT' >"$logs/fresh_catalog.copy" 2>>"$logs/upgrade-fresh.log" </dev/null; then
	fail $((2 * ${#olds[@]})) "a fresh install to compare with (test/upgrade/catalog.sql)"
	show "$logs/upgrade-fresh.log" 30
else
	for v in "${olds[@]}"; do
		db=pgdl_upgrade_from_${v//[^0-9a-zA-Z]/_}
		log=$logs/upgrade-$v
		if ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" \
				>"$log.setup.log" 2>&1 </dev/null \
			|| ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CREATE EXTENSION pgdl VERSION '$v'" \
				-f test/dump/setup.sql -c 'ALTER EXTENSION pgdl UPDATE' \
				-c 'CREATE TABLE public.fresh_catalog (kind text, object text, definition text)' \
				-c 'COPY public.fresh_catalog FROM STDIN' <"$logs/fresh_catalog.copy" >>"$log.setup.log" 2>&1; then
			fail 2 "a database created with pgdl $v (test/dump/setup.sql), then ALTER EXTENSION pgdl UPDATE"
			show "$log.setup.log" 30
			continue
		fi
		status=0
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f test/upgrade/check.sql >"$log.catalog.tap" 2>&1 </dev/null || status=$?
		tap "from $v: the catalog" "$log.catalog.tap" "$status"
		status=0
		psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f test/dump/check.sql >"$log.data.tap" 2>&1 </dev/null || status=$?
		tap "from $v: models, states" "$log.data.tap" "$status"
	done
	[ "$sec_fail" -eq 0 ] || server_crashes
fi
end_section

# --- (g) kill -9 in the middle of a save ----------------------------------------------

begin_section crash "kill -9 of a backend saving a model, then the registry (test/crash)"
# The cluster runs with synchronous_commit = off, and the crash loses commits
# whose WAL was still in shared memory: the setup commits synchronously, so
# the registry it saves (and the copy check.sql compares with) is on disk
# before the first backend is killed.  Without it the setup's last table was
# sometimes missing after recovery.
if [ "$cluster_ok" -eq 0 ]; then
	fail 2 "the test cluster did not start"
elif ! psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'DROP DATABASE IF EXISTS pgdl_crash' \
		-c 'CREATE DATABASE pgdl_crash' >"$logs/crash-setup.log" 2>&1 </dev/null \
	|| ! PGOPTIONS='-c synchronous_commit=on' \
		psql -X -q -v ON_ERROR_STOP=1 -d pgdl_crash -f test/crash/setup.sql >>"$logs/crash-setup.log" 2>&1 </dev/null; then
	fail 2 "setting up the database pgdl_crash (test/crash/setup.sql)"
	show "$logs/crash-setup.log" 30
else
	status=0
	bash test/crash/kill_save.sh "$cluster/log" >"$logs/crash-kill.tap" 2>&1 </dev/null || status=$?
	tap "test/crash/kill_save.sh" "$logs/crash-kill.tap" "$status"
	status=0
	psql -X -q -At -v ON_ERROR_STOP=1 -d pgdl_crash -f test/crash/check.sql >"$logs/crash-check.tap" 2>&1 </dev/null || status=$?
	tap "test/crash/check.sql" "$logs/crash-check.tap" "$status"
fi
end_section

# --- (h) stop the cluster, (i) the summary --------------------------------------------

stop_cluster
if [ "$total_fail" -eq 0 ] && [ -z "${PGDL_KEEP_LOGS:-}" ]; then
	rm -rf "$logs"
else
	echo
	echo "Logs: $logs"
fi
logs=""

echo
echo "Summary:"
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
