# scripts/tap.sh — counting TAP output, shared by scripts/run_tests.sh and
# scripts/citus.sh (sourced).  tap adds to the caller's sec_pass and sec_fail.

# Prints the first lines of a file, indented, saying where the rest is
# (ASan's shadow-memory dump is left to the file).
show() {
	local file=$1 lines=${2:-60} n
	{ grep -vE '^(=>|  )0x[0-9a-f]+: |^Shadow bytes around' "$file" || true; } | sed -n "1,${lines}p" | sed 's/^/    | /'
	n=$(grep -cvE '^(=>|  )0x[0-9a-f]+: |^Shadow bytes around' "$file" || true)
	[ "$n" -le "$lines" ] || echo "    | ... ($((n - lines)) more lines in $file)"
}

# tap LABEL LOG STATUS — counts the TAP results in LOG (output of a program
# that exited with STATUS).  "not ok ... # TODO" counts as passed, as in TAP.
# Results missing from the plan, a missing plan and a bad exit status with no
# failed line each count as failures, so a crash is never a pass.
tap() {
	local label=$1 log=$2 status=$3 pass fail plan seen extra=0 why=""
	pass=$(grep -cE '^ok [0-9]+|^not ok [0-9]+.*# *TODO' "$log" || true)
	fail=$(grep -E '^not ok [0-9]+' "$log" | grep -cvE '# *TODO' || true)
	plan=$(grep -oE '^1\.\.[0-9]+' "$log" | head -n 1 | cut -c4- || true)
	seen=$((pass + fail))
	if [ -z "$plan" ]; then
		extra=1 why="no TAP plan (the program stopped early)"
	elif [ "$plan" -gt "$seen" ]; then
		extra=$((plan - seen)) why="$extra of $plan planned results missing"
	fi
	if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ] && [ "$extra" -eq 0 ]; then
		extra=1 why="exit status $status"
	fi
	sec_pass=$((sec_pass + pass))
	sec_fail=$((sec_fail + fail + extra))
	printf '  %-36s %5d passed, %d failed\n' "$label" "$pass" $((fail + extra))
	if [ $((fail + extra)) -gt 0 ]; then
		[ -z "$why" ] || echo "    $why"
		# everything but the passing lines: failures, diagnostics, sanitizer reports
		grep -vE '^ok [0-9]+' "$log" >"$log.failures" || true
		show "$log.failures" 80
	fi
}
