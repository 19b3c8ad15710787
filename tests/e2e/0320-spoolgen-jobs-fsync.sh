#!/bin/bash
# spoolgen --jobs and --fsync: a seeded run writes the same messages in
# any number of threads and with any sync mode, and leaves tmp/ empty.
source "$(dirname "$0")/lib.sh"

CHECK="$SINK_PYTHON $TOP/tests/e2e/spoolgen-check.py"
SLOT=20260601T1600Z
SLOT_TIME=2026-06-01T16:00Z

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
"$SINK_PYTHON" -c 'import email.policy' 2>/dev/null ||
	skip_all "$SINK_PYTHON has no email package"

count_files() {
	find "$1" -type f 2>/dev/null | wc -l
}

# check_spool LABEL ARGS...: pass when spoolgen-check.py ARGS succeeds,
# else fail with the first lines of its output.
check_spool() {
	local label=$1
	shift
	if $CHECK "$@" >"$WORK/check.out" 2>&1; then
		pass "$label"
	else
		fail "$label" "$(head -n 5 "$WORK/check.out")"
	fi
}

# generate NAME ARGS...: run spoolgen into $WORK/NAME; sets STATUS.
generate() {
	local name=$1
	shift
	STATUS=0
	"$SPOOLGEN" --spool "$WORK/$name" --slot "$SLOT_TIME" --seed 21 \
		--quiet "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

generate one --volume 400 --jobs 1
check_eq "--jobs 1: exit status" "$STATUS" 0
for jobs in 2 3 8; do
	generate "jobs$jobs" --volume 400 --jobs "$jobs"
	check_eq "--jobs $jobs: exit status" "$STATUS" 0
	check_eq "--jobs $jobs: files in new/" \
		"$(count_files "$WORK/jobs$jobs/$SLOT/new")" 400
	check_eq "--jobs $jobs: tmp/ is empty" \
		"$(count_files "$WORK/jobs$jobs/$SLOT/tmp")" 0
	check_spool "--jobs $jobs: the same messages as --jobs 1" \
		compare "$WORK/one/$SLOT" "$WORK/jobs$jobs/$SLOT"
done

# More slots than one, so that file names stay unique across slots.
generate slots --volume 50 --slots 3 --jobs 2
check_eq "--slots 3 --jobs 2: exit status" "$STATUS" 0
check_eq "--slots 3 --jobs 2: files" "$(count_files "$WORK/slots")" 150

for mode in none batch each; do
	generate "sync_$mode" --volume 120 --fsync "$mode" --jobs 2
	check_eq "--fsync $mode: exit status" "$STATUS" 0
	check_eq "--fsync $mode: files in new/" \
		"$(count_files "$WORK/sync_$mode/$SLOT/new")" 120
	check_eq "--fsync $mode: tmp/ is empty" \
		"$(count_files "$WORK/sync_$mode/$SLOT/tmp")" 0
	check_spool "--fsync $mode: the same messages as --fsync none" \
		compare "$WORK/sync_none/$SLOT" "$WORK/sync_$mode/$SLOT"
done

# A batch is at most 2048 files: 2,500 messages need two.
generate batches --volume 2500 --fsync batch
check_eq "2,500 messages in batches: exit status" "$STATUS" 0
check_eq "2,500 messages in batches: files in new/" \
	"$(count_files "$WORK/batches/$SLOT/new")" 2500

# SIGTERM and SIGINT stop the run after the messages in progress: every
# message written reaches new/ whole, tmp/ is empty, and the summary and
# a message give the count, with exit status 75.
for signal in TERM INT; do
	for mode in batch none; do
		name=signal-$signal-$mode
		STATUS=0
		"$SPOOLGEN" --spool "$WORK/$name" --slot "$SLOT_TIME" --seed 21 \
			--volume 500000 --fsync "$mode" --jobs 2 \
			>"$WORK/$name.out" 2>"$WORK/$name.err" &
		generator=$!
		server_pids+=("$generator")
		for ((i = 0; i < 100; i++)); do
			[ "$(count_files "$WORK/$name/$SLOT/new")" -gt 0 ] && break
			sleep 0.1
		done
		kill "-$signal" "$generator"
		wait "$generator" || STATUS=$?
		written=$(count_files "$WORK/$name/$SLOT/new")
		check_eq "SIG$signal, --fsync $mode: exit status" "$STATUS" 75
		check "SIG$signal, --fsync $mode: stopped early" \
			test "$written" -gt 0 -a "$written" -lt 500000
		check_eq "SIG$signal, --fsync $mode: tmp/ is empty" \
			"$(count_files "$WORK/$name/$SLOT/tmp")" 0
		check "SIG$signal, --fsync $mode: message gives the count" grep -q \
			"stopped by SIG$signal: slot $SLOT has $written of its 500000 messages" \
			"$WORK/$name.err"
		check "SIG$signal, --fsync $mode: summary gives the count" grep -q \
			"^spoolgen: $written messages" "$WORK/$name.out"
		check_spool "SIG$signal, --fsync $mode: every message in new/ is whole" \
			messages "$WORK/$name/$SLOT"
		rm -rf "${WORK:?}/$name"
	done
done

for value in never 0 -1 2x 257; do
	case $value in
	never) option=--fsync ;;
	*) option=--jobs ;;
	esac
	generate bad --volume 1 "$option" "$value"
	check_eq "$option $value: exit status" "$STATUS" 64
	check "$option $value: message names the value" \
		grep -q -- "\"$value\"\\|$option must" "$WORK/bad.err"
done

done_testing
