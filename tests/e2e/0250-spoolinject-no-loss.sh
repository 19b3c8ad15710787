#!/bin/bash
# spoolinject loses no message and sends none twice while it runs. The
# checks: two injectors at once on one spool, shards that partition a
# spool, SIGTERM in the middle of a run, and 50 runs killed with SIGKILL
# at random moments followed by one run to completion. bounce-sink
# accepts every message (the senders' bounce_rate is 0) and dumps it, and
# the dump is counted by Message-ID.
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

# make_spool NAME COUNT: a spool of COUNT messages in $WORK/NAME; sets
# SPOOL and SLOT (its one Maildir).
make_spool() {
	SPOOL=$WORK/$1
	"$SPOOLGEN" --spool "$SPOOL" --volume "$2" --seed 5 \
		--sender-subjects "$WORK/senders.csv" --yahoo-backoff 0 \
		>/dev/null || fail "$1: spoolgen failed"
	SLOT=$(echo "$SPOOL"/*)
}

# start_sink NAME: start bounce-sink dumping into $WORK/NAME-dump; sets
# PORT and SINK_PID.
start_sink() {
	local i
	start_server $BOUNCE_SINK --listen 127.0.0.1:0 --quiet \
		--port-file "$WORK/$1.port" --dump "$WORK/$1-dump" \
		>"$WORK/$1.sink-out"
	SINK_PID=$SERVER_PID
	for ((i = 0; i < 200; i++)); do
		[ -s "$WORK/$1.port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$WORK/$1.port")
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

# folder_ids FOLDER: the sorted Message-IDs of the files in FOLDER.
folder_ids() {
	local files=()
	mapfile -d '' files < <(find "$1" -type f -print0)
	[ ${#files[@]} -eq 0 ] || ids "${files[@]}" | sort
}

# histogram IDS: "N times: M ids" lines, counting how often each id occurs.
histogram() {
	sort <<<"$1" | uniq -c | awk '{print $1}' | sort -n | uniq -c |
		awk '{printf "%s times: %s ids\n", $2, $1}'
}

count_lines() {
	[ -z "$1" ] && echo 0 || wc -l <<<"$1"
}

summary() {
	sed -n "s/^$1: //p" "$2"
}

# Two injectors at once: each message is received exactly once.
make_spool two 2000
all_ids=$(folder_ids "$SLOT/new")
start_sink two
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --max-connections 4 "$SPOOL" \
	>"$WORK/two-a.out" 2>"$WORK/two-a.err" &
first=$!
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --max-connections 4 "$SPOOL" \
	>"$WORK/two-b.out" 2>"$WORK/two-b.err" &
second=$!
status_a=0 status_b=0
wait "$first" || status_a=$?
wait "$second" || status_b=$?
stop_server "$SINK_PID"
received=$(folder_ids "$WORK/two-dump/new")
check_eq "two injectors: exit statuses" "$status_a $status_b" "0 0"
check_eq "two injectors: each message received once" \
	"$(histogram "$received")" "1 times: 2000 ids"
check_eq "two injectors: received the spool" "$received" "$all_ids"
check_eq "two injectors: accepted between them" \
	$(($(summary accepted "$WORK/two-a.out") + $(summary accepted "$WORK/two-b.out"))) \
	2000
check "two injectors: both sent some" test \
	"$(summary accepted "$WORK/two-a.out")" -gt 0 -a \
	"$(summary accepted "$WORK/two-b.out")" -gt 0
check_eq "two injectors: new/ empty" "$(ls "$SLOT/new" | wc -l)" 0
check_eq "two injectors: all in cur/" "$(folder_ids "$SLOT/cur")" "$all_ids"

# Three shards partition a spool: each message in exactly one.
make_spool shards 300
all_ids=$(folder_ids "$SLOT/new")
union=
for shard in 1 2 3; do
	start_sink "shard$shard"
	"$SPOOLINJECT" --server "127.0.0.1:$PORT" --keep --shard "$shard/3" \
		"$SPOOL" >"$WORK/shard$shard.out" 2>&1
	stop_server "$SINK_PID"
	shard_ids=$(folder_ids "$WORK/shard$shard-dump/new")
	check "shard $shard/3: not empty" test -n "$shard_ids"
	union+=$shard_ids$'\n'
done
union=$(sort <<<"${union%$'\n'}" | sed '/^$/d')
check_eq "shards: each message in one shard" "$(histogram "$union")" \
	"1 times: 300 ids"
check_eq "shards: together the spool" "$union" "$all_ids"

# SIGTERM mid-run: the summary is printed, and every message is either
# in cur/ and received once, or still in new/.
make_spool term 1000
all_ids=$(folder_ids "$SLOT/new")
start_sink term
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --rate 200 "$SPOOL" \
	>"$WORK/term.out" 2>"$WORK/term.err" &
injector=$!
sleep 1
kill -TERM "$injector"
signalled=$SECONDS
status=0
wait "$injector" || status=$?
check "SIGTERM: ended within 3 s" test $((SECONDS - signalled)) -le 3
stop_server "$SINK_PID"
received=$(folder_ids "$WORK/term-dump/new")
check_eq "SIGTERM: exit status" "$status" 75
check "SIGTERM: summary printed" grep -q '^elapsed seconds: ' "$WORK/term.out"
check "SIGTERM: stop reported" grep -q 'stopping: no new transactions' \
	"$WORK/term.err"
check "SIGTERM: some left pending" test "$(summary pending "$WORK/term.out")" -gt 0
check_eq "SIGTERM: cur/ is what was received" "$(folder_ids "$SLOT/cur")" \
	"$received"
check_eq "SIGTERM: each received once" \
	"$(histogram "$received" | grep -vc '^1 times')" 0
check_eq "SIGTERM: nothing lost" \
	"$( (folder_ids "$SLOT/cur"; folder_ids "$SLOT/new") | sort)" "$all_ids"
check_eq "SIGTERM: pending count is new/" "$(summary pending "$WORK/term.out")" \
	"$(ls "$SLOT/new" | wc -l)"

# Two signals: in-flight messages are abandoned at once and stay in new/.
start_sink term2
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --rate 200 "$SPOOL" \
	>"$WORK/term2.out" 2>"$WORK/term2.err" &
injector=$!
sleep 0.5
kill -TERM "$injector"
kill -INT "$injector"
status=0
wait "$injector" || status=$?
stop_server "$SINK_PID"
check_eq "two signals: exit status" "$status" 75
check "two signals: summary printed" grep -q '^pending: ' "$WORK/term2.out"
check_eq "two signals: nothing lost" \
	"$( (folder_ids "$SLOT/cur"; folder_ids "$SLOT/new") | sort)" "$all_ids"

# 50 runs killed with SIGKILL at random moments, then one to completion:
# every message arrives at least once, and at most twice, because a kill
# can only catch in flight the messages it repeats.
make_spool crash 1000
all_ids=$(folder_ids "$SLOT/new")
start_sink crash
RANDOM=5
for ((run = 0; run < 50; run++)); do
	"$SPOOLINJECT" --server "127.0.0.1:$PORT" --max-connections 4 \
		"$SPOOL" >/dev/null 2>&1 &
	injector=$!
	sleep "0.$(printf '%02d' $((5 + RANDOM % 46)))"
	kill -KILL "$injector" 2>/dev/null
	wait "$injector" 2>/dev/null
done
status=0
"$SPOOLINJECT" --server "127.0.0.1:$PORT" "$SPOOL" >"$WORK/crash.out" \
	2>"$WORK/crash.err" || status=$?
stop_server "$SINK_PID"
received=$(folder_ids "$WORK/crash-dump/new")
check_eq "crashes: final run exit status" "$status" 0
check_eq "crashes: new/ empty" "$(ls "$SLOT/new" | wc -l)" 0
check_eq "crashes: all in cur/" "$(folder_ids "$SLOT/cur")" "$all_ids"
check_eq "crashes: every message received" "$(sort -u <<<"$received")" \
	"$all_ids"
check_eq "crashes: none received more than twice" \
	"$(histogram "$received" | awk '$1 > 2' | wc -l)" 0
echo "# crashes: $(histogram "$received" | tr '\n' ' ')"

done_testing
