#!/bin/bash
# spoolinject --follow sends each slot within its own minute, one slot
# after another, and takes slots and files that spoolgen writes while it
# runs. SPOOLINJECT_CLOCK_OFFSET starts spoolinject's clock at 15:20:57 on
# 2026-12-04. So slot 1520 is overdue, 1521 starts 3 s later, and 1522 and
# 1523 follow a minute apart, which makes the test take about 130 s.
# bounce-sink accepts every message (the senders' bounce_rate is 0) and
# dumps it.
source "$(dirname "$0")/lib.sh"

BOUNCE_SINK="$SINK_PYTHON $TOP/tools/bounce-sink"

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"

# The default senders with bounce_rate 0, so no X-Bounce-Me is written.
"$SINK_PYTHON" - "$TOP/data/senders.csv" "$WORK/senders.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
with open(sys.argv[2], "w", newline="") as out:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        if row:
            row[3] = "0"
            writer.writerow(row)
PYEOF

SPOOL=$WORK/spool
ERR=$WORK/follow.err
OUT=$WORK/follow.out
LOG=$WORK/inject.csv

# generate SLOT COUNT SEED [SLOTS]: write COUNT messages into each of
# SLOTS slots (default 1) from SLOT.
generate() {
	"$SPOOLGEN" --spool "$SPOOL" --slot "$1" --slots "${4:-1}" \
		--volume "$2" --seed "$3" --sender-subjects "$WORK/senders.csv" \
		--yahoo-backoff 0 >/dev/null || fail "spoolgen --slot $1 failed"
}

# ids FILE...: the Message-ID of each message file, one per line.
ids() {
	"$SINK_PYTHON" -c 'import sys
for name in sys.argv[1:]:
    with open(name, "rb") as message:
        for line in message:
            if line in (b"\n", b"\r\n"):
                break
            if line.lower().startswith(b"message-id:"):
                print(line[11:].strip().decode())
                break' "$@"
}

# folder_ids FOLDER...: the sorted Message-IDs of the files in FOLDERs.
folder_ids() {
	local files=()
	mapfile -d '' files < <(find "$@" -type f -print0)
	[ ${#files[@]} -eq 0 ] || ids "${files[@]}" | sort
}

count_lines() {
	if [ -z "$1" ]; then echo 0; else wc -l <<<"$1"; fi
}

# wait_line PATTERN SECONDS: wait until the injector's standard error has
# a line matching PATTERN; fail when SECONDS pass or the injector ends.
wait_line() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -qs -- "$1" "$ERR" && return 0
		kill -0 "$INJECTOR" 2>/dev/null || break
		sleep 0.1
	done
	echo "# no line matching '$1' after $2 s" >&2
	return 1
}

# slot_line SLOT EVENT: the injector's line for EVENT (start or end) of
# SLOT.
slot_line() {
	grep -m 1 -- "slot $1: $2" "$ERR"
}

# line_time LINE: the milliseconds since the epoch of a slot line's time.
line_time() {
	local stamp
	stamp=$(sed -n 's/^spoolinject: \([0-9T:.-]*Z\) slot .*/\1/p' <<<"$1")
	[ -n "$stamp" ] || { echo -1; return; }
	echo $(($(date -u -d "$stamp" +%s%3N)))
}

minute_ms() {
	echo $(($(date -u -d "$1" +%s) * 1000))
}

# Usage errors and a missing spool come first, because they take no time.
mkdir -p "$SPOOL"
check_status "--follow with --keep: usage error" 64 \
	"$SPOOLINJECT" --follow --keep "$SPOOL" 2>/dev/null
check_status "--follow with --sendmail: usage error" 64 \
	"$SPOOLINJECT" --follow --sendmail "$SPOOL" 2>/dev/null
check_status "--follow with two spools: usage error" 64 \
	"$SPOOLINJECT" --follow "$SPOOL" "$SPOOL" 2>/dev/null
check_status "--follow with --duration 61: usage error" 64 \
	"$SPOOLINJECT" --follow --duration 61 "$SPOOL" 2>/dev/null
check_status "--max-lag without --follow: usage error" 64 \
	"$SPOOLINJECT" --max-lag 10 "$SPOOL" 2>/dev/null
STATUS=0
SPOOLINJECT_CLOCK_OFFSET=soon "$SPOOLINJECT" --follow "$SPOOL" \
	2>"$WORK/offset.err" || STATUS=$?
check_eq "invalid clock offset: exit status" "$STATUS" 64
check "invalid clock offset: message names the variable" \
	grep -q 'invalid SPOOLINJECT_CLOCK_OFFSET value "soon"' "$WORK/offset.err"
check_status "--follow on a missing spool: exit status" 66 \
	"$SPOOLINJECT" --follow --server 127.0.0.1:9 "$WORK/none" 2>/dev/null
check "--help lists --follow and --max-lag" sh -c \
	"'$SPOOLINJECT' --help | grep -q -- '--follow' &&
	 '$SPOOLINJECT' --help | grep -q -- '--max-lag SECONDS'"

# A slot 11 minutes old, beyond --max-lag, and three slots from 15:20.
generate 2026-12-04T15:09Z 5 3
generate 2026-12-04T15:20Z 20 1 3
late_ids=$(folder_ids "$SPOOL/20261204T1509Z/new")

start_server $BOUNCE_SINK --listen 127.0.0.1:0 --quiet \
	--port-file "$WORK/sink.port" --dump "$WORK/dump" >"$WORK/sink.out"
SINK_PID=$SERVER_PID
for ((i = 0; i < 200; i++)); do
	[ -s "$WORK/sink.port" ] && break
	sleep 0.05
done
PORT=$(cat "$WORK/sink.port")

fake_start=$(date -u -d 2026-12-04T15:20:57Z +%s)
offset=$(awk -v fake="$fake_start" -v now="$(date +%s.%N)" \
	'BEGIN { printf "%.3f", fake - now }')
SPOOLINJECT_CLOCK_OFFSET=$offset "$SPOOLINJECT" --follow \
	--server "127.0.0.1:$PORT" --duration 5 --max-connections 4 \
	--log "$LOG" "$SPOOL" >"$OUT" 2>"$ERR" &
INJECTOR=$!
server_pids+=("$INJECTOR")

# Files added to slot 1521 while it is sent, and a fourth slot, 1523,
# written while spoolinject runs.
if wait_line "slot 20261204T1521Z: start" 10; then
	generate 2026-12-04T15:21Z 5 2
	generate 2026-12-04T15:23Z 20 4
	pass "slot 1521 started"
else
	fail "slot 1521 started" "$(cat "$ERR")"
fi

# logrotate's way: rename the log, then SIGHUP.
wait_line "slot 20261204T1521Z: end" 15
mv "$LOG" "$LOG.1"
kill -HUP "$INJECTOR"
check "SIGHUP: reopen reported" wait_line "reopened log file $LOG" 5

# SIGTERM in the middle of slot 1523, whose 20 messages start over 5 s.
if wait_line "slot 20261204T1523Z: start" 130; then
	sleep 2
fi
kill -TERM "$INJECTOR"
signalled=$SECONDS
STATUS=0
wait "$INJECTOR" || STATUS=$?
check "SIGTERM: ended within 5 s" test $((SECONDS - signalled)) -le 5
stop_server "$SINK_PID"
echo "# injector output:"
sed 's/^/#   /' "$ERR"

pending=$(sed -n 's/^pending: //p' "$OUT")
check "SIGTERM: summary printed" grep -q '^elapsed seconds: ' "$OUT"
check "SIGTERM: stop reported" grep -q 'stopping: no new transactions' \
	"$ERR"
check "SIGTERM: some of slot 1523 left pending" test "${pending:-0}" -gt 0
if [ "${pending:-0}" -gt 0 ]; then expected=75; else expected=0; fi
check_eq "SIGTERM: exit status" "$STATUS" "$expected"
check_eq "summary: late messages" "$(sed -n 's/^skipped late: //p' "$OUT")" 5

# Nothing lost and nothing sent twice: what arrived is what is in cur/,
# and every message is in cur/ or new/.
received=$(folder_ids "$WORK/dump/new")
all_ids=$( (folder_ids "$SPOOL"/*/cur; folder_ids "$SPOOL"/*/new) | sort)
check_eq "no loss: cur/ is what was received" \
	"$(folder_ids "$SPOOL"/*/cur)" "$received"
check_eq "no loss: each received once" \
	"$(sort <<<"$received" | uniq -d | wc -l)" 0
check_eq "no loss: every message in cur/ or new/" \
	"$(count_lines "$all_ids")" $((5 + 3 * 20 + 5 + 20))
check_eq "no loss: pending count is what 1523 has in new/" "$pending" \
	"$(ls "$SPOOL/20261204T1523Z/new" | wc -l)"

# The late slot is skipped with a warning and left alone.
check "late slot: warning" grep -q \
	'slot 20261204T1509Z: skipped, [0-9]* s late, later than --max-lag 300 s; 5 messages left in new/' \
	"$ERR"
check_eq "late slot: files stay in new/" \
	"$(folder_ids "$SPOOL/20261204T1509Z/new")" "$late_ids"

# Each slot starts at its minute (slot 1520 at once, being overdue) and
# ends before the next one starts.
previous_end=0
for slot in 1520 1521 1522 1523; do
	name=20261204T${slot}Z
	start_line=$(slot_line "$name" start)
	end_line=$(slot_line "$name" end)
	start=$(line_time "$start_line")
	end=$(line_time "$end_line")
	minute=$(minute_ms "2026-12-04 ${slot:0:2}:${slot:2:2}Z")
	check "slot $slot: start logged" test -n "$start_line"
	check "slot $slot: end logged" test -n "$end_line"
	if [ "$slot" = 1520 ]; then
		check "slot $slot: started late at once" \
			grep -q "slot $name: start 5[67]\.[0-9] s late, 20 messages" \
			"$ERR"
	else
		check "slot $slot: started in its minute's first 2 s" \
			test "$start" -ge "$minute" -a "$start" -lt $((minute + 2000))
	fi
	check "slot $slot: ended within its minute" \
		test "$end" -ge "$start" -a "$end" -lt $((minute + 60000))
	check "slot $slot: started after the slot before ended" \
		test "$start" -ge "$previous_end"
	previous_end=$end
done
check_eq "slots: start and end lines alternate in order" \
	"$(sed -n 's/.* slot \(20261204T....Z\): \(start\|end\).*/\1 \2/p' "$ERR" |
		tr '\n' ' ')" \
	"20261204T1520Z start 20261204T1520Z end 20261204T1521Z start 20261204T1521Z end 20261204T1522Z start 20261204T1522Z end 20261204T1523Z start 20261204T1523Z end "
check_eq "slot 1521: files added while sending" \
	"$(sed -n 's/.*slot 20261204T1521Z: \([0-9]*\) messages\{0,1\} added while sending/\1/p' \
		"$ERR" | awk '{sum += $1} END {print sum + 0}')" 5
check "slot 1521: all 25 accepted" grep -q \
	'slot 20261204T1521Z: end: 25 accepted, 0 deferred, 0 rejected, 0 pending' \
	"$ERR"
check "slot 1522: all 20 accepted" grep -q \
	'slot 20261204T1522Z: end: 20 accepted, 0 deferred, 0 rejected, 0 pending' \
	"$ERR"
check "slot 1523: picked up and partly sent" \
	test "$(ls "$SPOOL/20261204T1523Z/cur" | wc -l)" -gt 0

# The CSV log, old file first: every line's time lies in its slot's
# minute, slots never interleave, and the reopened file contains the
# lines written after SIGHUP.
check_output "log: each line in its slot's minute, slots in order" \
	"$SINK_PYTHON" - "$LOG.1" "$LOG" <<'PYEOF'
import csv, os, sys
previous = ""
for path in sys.argv[1:]:
    for row in csv.reader(open(path, newline="")):
        when, slot = row[0], os.path.basename(row[1])
        minute = when[:4] + when[5:7] + when[8:13] + when[14:16] + "Z"
        if minute != slot:
            sys.exit(f"{path}: {when} is outside slot {slot}")
        if slot < previous:
            sys.exit(f"{path}: slot {slot} logged after {previous}")
        previous = slot
PYEOF
check_eq "log: one line per message received" \
	"$(cat "$LOG.1" "$LOG" | wc -l)" "$(count_lines "$received")"
check_eq "SIGHUP: old file has slots 1520 and 1521" \
	"$(cut -d , -f 2 "$LOG.1" | sed 's/.*\(2026[0-9T]*Z\).*/\1/' | sort -u |
		tr '\n' ' ')" "20261204T1520Z 20261204T1521Z "
check_eq "SIGHUP: new file has slots 1522 and 1523" \
	"$(cut -d , -f 2 "$LOG" | sed 's/.*\(2026[0-9T]*Z\).*/\1/' | sort -u |
		tr '\n' ' ')" "20261204T1522Z 20261204T1523Z "

done_testing
