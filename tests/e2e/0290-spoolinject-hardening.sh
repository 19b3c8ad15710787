#!/bin/bash
# spoolinject on bad input and under stress. The cases: header addresses
# that are not valid mailboxes, over-long --add-header and --helo values,
# files locked by another process and a Maildir named twice. Then the CSV
# log after 20 runs killed with SIGKILL, and large messages over several
# connections. smtp-sink dumps what it receives, so the checks see every
# RCPT TO.
source "$(dirname "$0")/lib.sh"

SMTP_SINK=/usr/sbin/smtp-sink

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
[ -x "$SMTP_SINK" ] || skip_all "Postfix's smtp-sink is not installed"

# smtp-sink refuses to run as root without -u.
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)

# start_sink NAME: start smtp-sink on a free port, dumping each message
# into $WORK/NAME-dump; sets PORT, DUMP and SINK_PID.
start_sink() {
	DUMP=$WORK/$1-dump
	mkdir -p "$DUMP"
	chmod 777 "$DUMP"
	PORT=$(free_port)
	start_server "$SMTP_SINK" "${sink_user[@]}" -d "$DUMP/%M." \
		"127.0.0.1:$PORT" 100
	SINK_PID=$SERVER_PID
	wait_port "$PORT"
}

# inject NAME ARGS...: run spoolinject with its output in $WORK/NAME.out
# and $WORK/NAME.err; sets STATUS and OUT.
inject() {
	OUT=$WORK/$1
	shift
	STATUS=0
	"$SPOOLINJECT" "$@" >"$OUT.out" 2>"$OUT.err" || STATUS=$?
}

summary() {
	sed -n "s/^$1: //p" "$OUT.out"
}

# message SLOT NAME TO: write a small message to TO into SLOT/new.
message() {
	mkdir -p "$1/new" "$1/cur" "$1/tmp"
	printf 'From: sender@example.com\nTo: %s\nSubject: %s\n\nBody.\n' \
		"$3" "$2" >"$1/new/$2"
}

# repeat CHARACTER COUNT: print CHARACTER COUNT times.
repeat() {
	head -c "$2" /dev/zero | tr '\0' "$1"
}

start_sink main

# Header addresses: only the valid message reaches the server.
slot=$WORK/addresses
message "$slot" 1-space 'b@exa mple.com'
message "$slot" 2-bracket '<c@ex>ample.com>'
message "$slot" 3-no-comma 'd@example.net e@example.net'
message "$slot" 4-valid 'Valid <f@example.net>'
inject addresses --server "127.0.0.1:$PORT" --log "$WORK/addresses.csv" \
	"$slot"
check_eq "addresses: exit status" "$STATUS" 0
check_eq "addresses: accepted" "$(summary accepted)" 1
check_eq "addresses: rejected locally" "$(summary 'rejected locally')" 3
check_eq "addresses: recipients sent" \
	"$(cat "$DUMP"/* | sed -n 's/^X-Rcpt-Args: <\([^>]*\)>.*/\1/p')" \
	"f@example.net"
check "addresses: space reason names the value" grep -q \
	'1-space: recipient address "mple.com" in "b@exa mple.com" is not a valid mailbox' \
	"$OUT.err"
check "addresses: bracket reason names the value" grep -q \
	'2-bracket: recipient address "ample.com" in "<c@ex>ample.com>" is not a valid mailbox' \
	"$OUT.err"
check "addresses: missing comma reported" grep -q \
	'3-no-comma: recipient field "d@example.net e@example.net" contains 2 addresses' \
	"$OUT.err"
check_eq "addresses: rejections logged" \
	"$(grep -c 'is not a valid mailbox\|without a comma' "$WORK/addresses.csv")" 3
check_eq "addresses: invalid files moved to cur/" \
	"$(find "$slot/cur" -type f | wc -l)" 4

# Option limits: 998 bytes for an added field line, 255 for --helo.
missing=$WORK/missing-folder
check_status "add-header: 998-byte line accepted" 66 "$SPOOLINJECT" \
	--add-header "X-A=$(repeat a 993)" "$missing" 2>/dev/null
check_status "add-header: 999-byte line rejected" 64 "$SPOOLINJECT" \
	--add-header "X-A=$(repeat a 994)" "$missing" 2>"$WORK/long.err"
check "add-header: message gives the length" grep -q \
	'is 999 bytes, longer than the 998 that SMTP DATA allows' \
	"$WORK/long.err"
label=$(repeat a 63)
check_status "helo: 255-byte name accepted" 66 "$SPOOLINJECT" \
	--helo "$label.$label.$label.$label" "$missing" 2>/dev/null
check_status "helo: 256-byte name rejected" 64 "$SPOOLINJECT" \
	--helo "$label.$label.$label.a$label" "$missing" 2>/dev/null
check_status "helo: underscore rejected" 64 "$SPOOLINJECT" \
	--helo client_1.example "$missing" 2>/dev/null
check_status "helo: address literal accepted" 66 "$SPOOLINJECT" \
	--helo '[192.0.2.1]' "$missing" 2>/dev/null

# Locked files: one warning per Maildir and one total, not one per file.
spool=$WORK/locked
"$SPOOLGEN" --spool "$spool" --slot 2026-01-01T00:00Z --slots 2 \
	--volume 50 --seed 3 --quiet >/dev/null
"$SINK_PYTHON" - "$spool" "$WORK/locked.ready" <<'PYTHON' &
import fcntl, glob, os, sys, time
files = [open(path) for path in glob.glob(sys.argv[1] + "/*/new/*")]
for handle in files:
    fcntl.flock(handle, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)
PYTHON
locker=$!
server_pids+=("$locker")
for ((i = 0; i < 200; i++)); do
	[ -e "$WORK/locked.ready" ] && break
	sleep 0.05
done
inject locked --server "127.0.0.1:$PORT" "$spool"
stop_server "$locker"
check_eq "locked: exit status" "$STATUS" 0
check_eq "locked: skipped" "$(summary skipped)" 100
check_eq "locked: one sample per Maildir" \
	"$(grep -c 'locked by another process; further' "$OUT.err")" 2
check "locked: one total" grep -q \
	'skipped 100 file(s) locked by another process' "$OUT.err"
check_eq "locked: no other lines" "$(wc -l <"$OUT.err")" 3

# A Maildir named twice, directly, through a symbolic link and inside its
# spool, is read once even with --keep.
ln -s "$spool" "$WORK/locked-link"
inject twice --keep --server "127.0.0.1:$PORT" "$spool" "$spool/" \
	"$WORK/locked-link" "$spool/20260101T0000Z"
check_eq "twice: exit status" "$STATUS" 0
check_eq "twice: each message sent once" "$(summary accepted)" 100
check_eq "twice: nothing skipped" "$(summary skipped)" 0
check_eq "twice: no warnings" "$(cat "$OUT.err")" ""

# The log after runs killed with SIGKILL: whole records only, and every
# file in cur/ has a record.
stop_server "$SINK_PID"
PORT=$(free_port)
start_server "$SMTP_SINK" "${sink_user[@]}" "127.0.0.1:$PORT" 100
wait_port "$PORT"
spool=$WORK/killed
"$SPOOLGEN" --spool "$spool" --slot 2026-01-01T00:00Z --volume 3000 \
	--seed 4 --quiet >/dev/null
log=$WORK/killed.csv
for ((run = 0; run < 20; run++)); do
	"$SPOOLINJECT" --server "127.0.0.1:$PORT" --max-connections 4 \
		--log "$log" "$spool" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 30))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
problems=$("$SINK_PYTHON" - "$log" "$spool" <<'PYTHON'
import csv, glob, os, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
widths = {len(row) for row in rows}
if widths != {8}:
    print(f"column counts {sorted(widths)}, expected only 8")
logged = {row[2] for row in rows}
for path in glob.glob(sys.argv[2] + "/*/cur/*"):
    name = os.path.basename(path).split(":")[0]
    if name not in logged:
        print(f"{name} is in cur/ without a log record")
if not rows:
    print("the log is empty")
PYTHON
)
check_eq "killed: log records whole, moved files logged" "$problems" ""
inject killed-finish --server "127.0.0.1:$PORT" --log "$log" "$spool"
check_eq "killed: last run exit status" "$STATUS" 0
check_eq "killed: new/ empty at the end" \
	"$(find "$spool"/*/new -type f | wc -l)" 0

# Messages of 5 MB over 4 connections all arrive.
slot=$WORK/large
mkdir -p "$slot/new" "$slot/cur" "$slot/tmp"
for i in 1 2 3 4 5 6; do
	{
		printf 'From: s@example.com\nTo: r%s@example.net\n\n' "$i"
		yes "$(repeat x 76)" | head -n 66000
	} >"$slot/new/large-$i"
done
inject large --server "127.0.0.1:$PORT" --max-connections 4 "$slot"
check_eq "large: exit status" "$STATUS" 0
check_eq "large: accepted" "$(summary accepted)" 6

done_testing
