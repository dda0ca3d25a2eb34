#!/usr/bin/env bash
# test/crash/kill_save.sh SERVER_LOG — kills backends with SIGKILL in the
# middle of saving a model, in the database pgdl_crash made from
# test/crash/setup.sql (scripts/run_tests.sh section (f); PGHOST, PGPORT and
# PGUSER name a superuser connection to the throwaway cluster).  Prints TAP.
#
# A save is caught in the middle without any timing: a second session (the
# blocker) first inserts, in a transaction it keeps open, the row that the
# save will collide with — a model_versions row with the version number the
# save is about to take (for import_model), or the first model_epochs row of
# that version (for train_model).  PostgreSQL writes a row, and its TOAST
# chunks, before it checks the unique index, so the saving backend has
# written the 4 MB of weights (and, for train_model, the whole version row)
# when it stops to wait for the blocker.  That wait is seen in
# pg_stat_activity, the WAL written since the save began is measured, and
# the backend gets SIGKILL: the postmaster then ends every session and
# recovers from the WAL.  test/crash/check.sql checks the registry after.
set -uo pipefail

server_log=$1
db=pgdl_crash
n=0
kids=()

pass() { n=$((n + 1)); echo "ok $n - $1"; }
flunk() { n=$((n + 1)); echo "not ok $n - $1"; [ -z "${2:-}" ] || echo "# $2"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1" 2>/dev/null </dev/null; }

# Prints the first line q gives for $1, once there is one; up to 60 s.
wait_for() {
	local r
	for _ in $(seq 1 600); do
		r=$(q "$1") && [ -n "$r" ] && { echo "$r" | head -n 1; return 0; }
		sleep 0.1
	done
	return 1
}

# the sessions this script started, when something went wrong
stop_kids() {
	local p
	for p in "${kids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${kids[@]}"; do wait "$p" 2>/dev/null; done
	kids=()
}
trap stop_kids EXIT

big_layers='[{"type":"dense","units":1024},{"type":"dense","units":1024}]'
declare -A block victim
block[import_model]="INSERT INTO pgdl.model_versions (name, version, task, trained_by, layers, options, features, parameters, weights)
	SELECT name, last_version + 1, 'regression', current_user::regrole, '[]', '{}', '{}', 0, '\\x00'
	FROM pgdl.model_names WHERE name = 'crash_big'"
victim[import_model]="SELECT pgdl.import_model('crash_big', (SELECT weights FROM public.crash_blob))"
block[train_model]="INSERT INTO pgdl.model_epochs (name, version, epoch)
	SELECT name, last_version + 1, 1 FROM pgdl.model_names WHERE name = 'crash_big'"
victim[train_model]="SELECT version FROM pgdl.train_model('crash_big', 'public.crash_src', 'y', '$big_layers',
	ARRAY['a', 'b'], '{\"epochs\":1,\"seed\":2,\"validation_fraction\":0}')"

echo "1..4"
for kind in import_model train_model; do
	PGAPPNAME=pgdl_crash_blocker psql -X -q -d "$db" -c 'BEGIN' -c "${block[$kind]}" -c 'SELECT pg_sleep(600)' \
		>/dev/null 2>&1 </dev/null &
	kids+=($!)
	if ! wait_for "SELECT 1 FROM pg_stat_activity WHERE application_name = 'pgdl_crash_blocker'
	               AND state = 'active' AND query LIKE '%pg_sleep%'" >/dev/null; then
		flunk "$kind: the blocking session is in place" "it did not reach its pg_sleep within 60 s"
		flunk "$kind: killed with SIGKILL, and the server recovered" "not tried"
		stop_kids
		continue
	fi
	wal_start=$(q 'SELECT pg_current_wal_insert_lsn()')
	PGAPPNAME=pgdl_crash_victim psql -X -q -d "$db" -c "${victim[$kind]}" >/dev/null 2>&1 </dev/null &
	kids+=($!)
	pid=$(wait_for "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgdl_crash_victim'
	                AND wait_event_type = 'Lock' AND wait_event = 'transactionid'")
	if [ -z "$pid" ]; then
		flunk "$kind: caught waiting in the middle of its save" "it never waited for the blocker within 60 s"
		flunk "$kind: killed with SIGKILL, and the server recovered" "not tried"
		stop_kids
		continue
	fi
	wal=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_start')::bigint")
	if [ -n "$wal" ] && [ "$wal" -ge 4000000 ]; then
		pass "$kind: caught waiting in the middle of its save, $wal bytes of WAL written (the 4 MB of weights)"
	else
		flunk "$kind: caught waiting in the middle of its save, with its weights written" "WAL written since the save began: ${wal:-unknown} bytes"
	fi
	kill -KILL "$pid"
	# every session ends as the postmaster reinitializes
	for p in "${kids[@]}"; do wait "$p" 2>/dev/null; done
	kids=()
	if wait_for 'SELECT 1' >/dev/null && grep -Eq "(server process|client backend) \(PID $pid\) was terminated by signal 9" "$server_log"; then
		pass "$kind: backend $pid killed with SIGKILL, and the server recovered"
	else
		flunk "$kind: backend $pid killed with SIGKILL, and the server recovered" \
			"$(grep -E "PID $pid|terminated|recover|ready to accept" "$server_log" | tail -n 5)"
	fi
done
