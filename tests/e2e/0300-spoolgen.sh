#!/bin/bash
# spoolgen on its own data: message checks with Python's email package,
# seeded runs that repeat, runs that add to a slot, the --plan output, the
# X-Bounce-Me rates, exit statuses, and the prototype's seed data.
source "$(dirname "$0")/lib.sh"

CHECK="$SINK_PYTHON $TOP/tests/e2e/spoolgen-check.py"
SLOT=20260601T1600Z
SLOT_TIME=2026-06-01T16:00Z

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
"$SINK_PYTHON" -c 'import email.policy' 2>/dev/null ||
	skip_all "$SINK_PYTHON has no email package"

# generate NAME ARGS...: run spoolgen with output in $WORK/NAME.out and
# $WORK/NAME.err; sets STATUS.
generate() {
	local name=$1
	shift
	STATUS=0
	"$SPOOLGEN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

count_files() {
	find "$1" -type f 2>/dev/null | wc -l
}

# The default --spool is "spool" in the current folder.
cd "$WORK" || exit 1

# A run on the default data.
generate first --spool "$WORK/a" --slot "$SLOT_TIME" --volume 300 --seed 7 \
	--add-header X-Campaign=spring --add-header "X-Run:e2e test"
check_eq "volume 300: exit status" "$STATUS" 0
check_eq "volume 300: files in new/" "$(count_files "$WORK/a/$SLOT/new")" 300
check_eq "volume 300: files in tmp/" "$(count_files "$WORK/a/$SLOT/tmp")" 0
check_eq "volume 300: only the slot folder" "$(ls "$WORK/a")" "$SLOT"
check_output "volume 300: messages parse and have the required headers" \
	$CHECK messages "$WORK/a/$SLOT" --header X-Campaign=spring \
	--header "X-Run=e2e test"

# The same seed again: the same messages in the same order.
generate second --spool "$WORK/b" --slot "$SLOT_TIME" --volume 300 --seed 7 \
	--add-header X-Campaign=spring --add-header "X-Run:e2e test"
check_eq "same seed: exit status" "$STATUS" 0
check_output "same seed: same files apart from the Message-ID host" \
	$CHECK compare "$WORK/a/$SLOT" "$WORK/b/$SLOT"
ids_a=$(grep -h '^Message-Id:' "$WORK/a/$SLOT/new/"* | sort)
ids_b=$(grep -h '^Message-Id:' "$WORK/b/$SLOT/new/"* | sort)
if [ "$ids_a" != "$ids_b" ]; then
	pass "same seed: Message-IDs of two runs differ"
else
	fail "same seed: Message-IDs of two runs differ" "both runs wrote the same IDs"
fi

# A different seed gives different messages.
generate other --spool "$WORK/c" --slot "$SLOT_TIME" --volume 300 --seed 8 \
	--add-header X-Campaign=spring --add-header "X-Run:e2e test"
if $CHECK compare "$WORK/a/$SLOT" "$WORK/c/$SLOT" >/dev/null; then
	fail "other seed: different messages" "seeds 7 and 8 wrote the same"
else
	pass "other seed: different messages"
fi

# A second run for the same slot adds messages and replaces none.
sums_before=$(cd "$WORK/a/$SLOT/new" && md5sum -- * | sort -k2)
generate again --spool "$WORK/a" --slot "$SLOT_TIME" --volume 300 --seed 7
check_eq "second run: exit status" "$STATUS" 0
check_eq "second run: files in new/" "$(count_files "$WORK/a/$SLOT/new")" 600
sums_after=$(cd "$WORK/a/$SLOT/new" &&
	md5sum $(awk '{print $2}' <<<"$sums_before") | sort -k2)
check_eq "second run: the first 300 files are unchanged" \
	"$(md5sum <<<"$sums_after")" "$(md5sum <<<"$sums_before")"

# --plan: a local day of 1440 minutes, and the 1380-minute DST day.
plan_check() {
	local label=$1 first=$2 slots=$3 volume=$4 output lines total
	output=$("$SPOOLGEN" --plan --daily-volume "$volume" --seed 3 \
		--slot "$first" --slots "$slots" 2>"$WORK/plan.err")
	lines=$(grep -cE '^[0-9]{8}T[0-9]{4}Z [0-9]+$' <<<"$output")
	total=$(awk '{sum += $2} END {print sum + 0}' <<<"$output")
	check_eq "$label: lines of NAME VOLUME" "$lines" "$slots"
	check_eq "$label: volumes sum to the daily volume" "$total" "$volume"
}
plan_check "plan, 2026-06-01" 2026-06-01T00:00-04:00 1440 150000
plan_check "plan, 2026-03-08 (DST)" 2026-03-08T00:00-05:00 1380 10000
plan_check "plan, 2026-11-01 (DST)" 2026-11-01T00:00-04:00 1500 777
first_line=$("$SPOOLGEN" --plan --daily-volume 1000 --slot 2026-06-01T04:00Z \
	--slots 2 | head -n 1)
check_eq "plan: first slot name" "${first_line% *}" 20260601T0400Z
plan_volume=$("$SPOOLGEN" --plan --volume 5 --slot "$SLOT_TIME" --slots 3 |
	awk '{print $2}' | tr '\n' ' ')
check_eq "plan: --volume gives each slot exactly N" "$plan_volume" "5 5 5 "
check_eq "plan: writes nothing" "$(ls -d "$WORK/spool" 2>/dev/null)" ""

# X-Bounce-Me rates over 3,000 messages.
generate rates --spool "$WORK/rates" --slot "$SLOT_TIME" --volume 3000 \
	--seed 11 --quiet
check_eq "3,000 messages: exit status" "$STATUS" 0
check_output "3,000 messages: X-Bounce-Me at the senders' rates" \
	$CHECK bounce-share "$WORK/rates/$SLOT" "$TOP/data/senders.csv" 0.01
check_output "3,000 messages: every message is valid" \
	$CHECK messages "$WORK/rates/$SLOT"

# --yahoo-backoff 1: every message to the yahoo group bounces.
generate yahoo --spool "$WORK/yahoo" --slot "$SLOT_TIME" --volume 500 \
	--seed 12 --yahoo-backoff 1 --quiet
# The yahoo group's patterns in data/domain_groups.csv.
yahoo_to='^To: .*@(yahoo\.|ymail\.com|rocketmail\.com|aol\.com|aim\.com)'
yahoo_total=$(grep -lE "$yahoo_to" "$WORK/yahoo/$SLOT/new/"* | wc -l)
yahoo_bounced=$(grep -lE "$yahoo_to" "$WORK/yahoo/$SLOT/new/"* |
	xargs grep -l '^X-Bounce-Me:' | wc -l)
check "yahoo backoff 1: some yahoo-group recipients" test "$yahoo_total" -gt 50
check_eq "yahoo backoff 1: all of them bounce" "$yahoo_bounced" "$yahoo_total"

# Exit statuses.
status=0
"$SPOOLGEN" --no-such-option >/dev/null 2>&1 || status=$?
check_eq "bad option: exit status" "$status" 64
status=0
"$SPOOLGEN" --volume 1 --daily-volume 1 --spool "$WORK/x" >/dev/null 2>&1 ||
	status=$?
check_eq "both volumes: exit status" "$status" 64
status=0
"$SPOOLGEN" --volume 1 --slot 2026-02-30T00:00Z --spool "$WORK/x" \
	>/dev/null 2>&1 || status=$?
check_eq "invalid slot: exit status" "$status" 64
generate missing --spool "$WORK/x" --volume 1 --bounces "$WORK/no-such.csv"
check_eq "missing file: exit status" "$STATUS" 66
check "missing file: message names the path" \
	grep -q "$WORK/no-such.csv" "$WORK/missing.err"
check_eq "missing file: no spool" "$(ls -d "$WORK/x" 2>/dev/null)" ""

# The prototype's seed data: one 7-field row, and long HTML lines.
SEED=$SHARED/seed-data
if [ ! -r "$SEED/sender_subjects.csv" ]; then
	echo "# skipping the seed-data checks: $SEED is absent (set SPOOLGEN_SHARED)"
else
	seed_options=(--bounces "$SEED/demo_bounces.csv"
		--sender-subjects "$SEED/sender_subjects.csv"
		--html-content "$SEED/emailcontent.html"
		--txt-content "$SEED/emailcontent.txt"
		--slot "$SLOT_TIME" --volume 200 --seed 5)
	generate seed --spool "$WORK/seed" "${seed_options[@]}"
	check_eq "seed data: exit status" "$STATUS" 65
	check "seed data: message names line 4" \
		grep -q "sender_subjects.csv:4:" "$WORK/seed.err"
	check_eq "seed data: no slot folder" "$(ls "$WORK/seed" 2>/dev/null)" ""
	generate seed_skip --spool "$WORK/seed" "${seed_options[@]}" \
		--skip-bad-rows
	check_eq "seed data, --skip-bad-rows: exit status" "$STATUS" 0
	check "seed data, --skip-bad-rows: warning names line 4" \
		grep -q "sender_subjects.csv:4:" "$WORK/seed_skip.err"
	check_eq "seed data, --skip-bad-rows: files" \
		"$(count_files "$WORK/seed/$SLOT/new")" 200
	check_output "seed data, --skip-bad-rows: every message is valid" \
		$CHECK messages "$WORK/seed/$SLOT"
	longest=$(awk '{ if (length($0) > max) max = length($0) } END { print max }' \
		"$SEED/emailcontent.html")
	check "seed data: the template has lines over 998 bytes" \
		test "$longest" -gt 998
fi

# The summary line counts in the singular for one message and one slot.
"$SPOOLGEN" --spool "$WORK/single" --slot "$SLOT_TIME" --volume 1 \
	>"$WORK/single.out" 2>/dev/null
check "summary: one message, one slot" grep -q \
	'^spoolgen: 1 message, [0-9.]* MB, 1 slot, ' "$WORK/single.out"
"$SPOOLGEN" --spool "$WORK/double" --slot "$SLOT_TIME" --volume 2 \
	--slots 2 >"$WORK/double.out" 2>/dev/null
check "summary: four messages, two slots" grep -q \
	'^spoolgen: 4 messages, [0-9.]* MB, 2 slots, ' "$WORK/double.out"

done_testing
