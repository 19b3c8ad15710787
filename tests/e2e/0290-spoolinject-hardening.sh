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

# A file that cannot be opened stays pending: exit status 75.
slot=$WORK/unreadable
message "$slot" 1-readable r1@example.net
message "$slot" 2-unreadable r2@example.net
chmod 000 "$slot/new/2-unreadable"
if [ "$(id -u)" = 0 ]; then
	chown -R nobody "$WORK"
	runner=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
	runner=()
fi
OUT=$WORK/unreadable
STATUS=0
"${runner[@]}" "$SPOOLINJECT" --server "127.0.0.1:$PORT" "$slot" \
	>"$OUT.out" 2>"$OUT.err" || STATUS=$?
check_eq "unreadable: exit status" "$STATUS" 75
check_eq "unreadable: accepted" "$(summary accepted)" 1
check_eq "unreadable: pending" "$(summary pending)" 1
check "unreadable: warning names the file" grep -q \
	'new/2-unreadable: open failed: Permission denied; it stays pending' \
	"$OUT.err"
check "unreadable: still in new/" test -e "$slot/new/2-unreadable"
[ "$(id -u)" = 0 ] && chown -R root "$WORK"

# The move to cur/ fails: the file stays in new/, counted, exit status 74.
slot=$WORK/not-moved
message "$slot" 1-stays r1@example.net
rmdir "$slot/cur"
touch "$slot/cur"
inject not-moved --server "127.0.0.1:$PORT" "$slot"
check_eq "not moved: exit status" "$STATUS" 74
check_eq "not moved: accepted" "$(summary accepted)" 1
check_eq "not moved: counted" "$(summary 'not moved')" 1
check "not moved: rename failure named" grep -q \
	'rename .*/new/1-stays to .*/cur/1-stays:2, failed: Not a directory' \
	"$OUT.err"
check "not moved: still in new/" test -e "$slot/new/1-stays"

# The log runs out of room: no message is sent after the failed write,
# answered files stay in new/, the log keeps whole records only, and the
# exit status is 74.
small=$WORK/small
if mount_tmpfs "$small" 4k "the full-log checks"; then
	slot=$WORK/log-full
	for i in $(seq 100 299); do
		message "$slot" "$i-message" "r$i@example.net"
	done
	inject log-full --server "127.0.0.1:$PORT" --log "$small/log.csv" \
		"$slot"
	records=$(wc -l <"$small/log.csv")
	moved=$(find "$slot/cur" -type f | wc -l)
	check_eq "log full: exit status" "$STATUS" 74
	check "log full: warning" grep -q \
		'write to the log file failed: No space left on device; no new message is sent' \
		"$OUT.err"
	check_eq "log full: last record whole" \
		"$(tail -c 1 "$small/log.csv" | od -An -c | tr -d ' ')" '\n'
	check_eq "log full: each moved file has its record" "$moved" "$records"
	check "log full: messages left in new/" test \
		"$(find "$slot/new" -type f | wc -l)" -eq $((200 - moved))
	check "log full: some never sent" test "$(summary pending)" -gt 0
	unmount_tmpfs "$small"
fi

# SIGHUP in a run without --follow reopens the log and does not stop it.
slot=$WORK/hangup
for i in $(seq 10 29); do
	message "$slot" "$i-message" "r$i@example.net"
done
OUT=$WORK/hangup
STATUS=0
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --rate 10 --log "$WORK/hangup.csv" \
	"$slot" >"$OUT.out" 2>"$OUT.err" &
injector=$!
server_pids+=("$injector")
sleep 1
mv "$WORK/hangup.csv" "$WORK/hangup.csv.1"
kill -HUP "$injector"
wait "$injector" || STATUS=$?
check_eq "hangup: exit status" "$STATUS" 0
check_eq "hangup: accepted" "$(summary accepted)" 20
check "hangup: reopen reported" grep -q "reopened log file $WORK/hangup.csv" \
	"$OUT.err"
check_eq "hangup: records in both files" \
	"$(cat "$WORK/hangup.csv.1" "$WORK/hangup.csv" | wc -l)" 20
check "hangup: new file has records" test -s "$WORK/hangup.csv"

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
