#!/bin/bash
# spoolinject --sendmail against stand-in sendmail scripts. A table of
# scripts covers each exit status, output on stderr, death by a signal, a
# child that reads half its input, one that never exits and one that
# leaves a grandchild holding its stderr. Each row checks the outcome, the
# file's folder, the log, the exit status and that no process is left.
# The shared hard cases check argv and the bytes on standard input.
source "$(dirname "$0")/lib.sh"

CASE13=$SHARED/cases/13-sendmail-exit-statuses
CASE16=$SHARED/cases/16-replay-dot-lines
CASE18=$SHARED/cases/18-replay-line-endings

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"

FAKE=$WORK/fake
MESSAGES=$WORK/messages
mkdir -p "$FAKE" "$MESSAGES"

# make_fake NAME BODY: write the stand-in $FAKE/NAME.sh. It records its
# PID in $FAKE_SENDMAIL_DIR/pids and its arguments, one per line, in
# argv.PID, then runs BODY, where $out is FAKE_SENDMAIL_DIR.
make_fake() {
	cat >"$FAKE/$1.sh" <<EOF
#!/bin/sh
out=\$FAKE_SENDMAIL_DIR
echo \$\$ >>"\$out/pids"
printf '%s\n' "\$@" >"\$out/argv.\$\$"
$2
EOF
	chmod 755 "$FAKE/$1.sh"
}

make_fake ok 'cat >"$out/stdin.$$"; exit 0'
make_fake tempfail 'cat >/dev/null; echo "queue file write error" >&2; exit 75'
make_fake oserr 'cat >/dev/null; echo "fork: resource unavailable" >&2; exit 71'
make_fake nouser 'cat >/dev/null; echo "user unknown" >&2; exit 67'
make_fake status1 'cat >/dev/null; echo "unexpected failure" >&2; exit 1'
make_fake warns 'cat >/dev/null
printf "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n" >&2
exit 0'
make_fake killed 'cat >/dev/null; kill -KILL $$'
make_fake half 'head -c 162619 >/dev/null; exit 0'
make_fake hangs 'cat >/dev/null; sleep 30 & echo $! >>"$out/pids"; wait'
make_fake ignores_term 'trap "" TERM; cat >/dev/null
sleep 30 & echo $! >>"$out/pids"; wait; wait'
make_fake grandchild 'cat >/dev/null
(sleep 30 & echo $! >"$out/grandchild.pid")
echo "handed over" >&2
exit 0'
make_fake concurrent 'mkdir "$out/running.$$"
ls -d "$out"/running.* | wc -l >>"$out/concurrency"
cat >/dev/null; sleep 0.3; rmdir "$out/running.$$"; exit 0'
make_fake lists_fds 'ls -l /proc/$$/fd >"$out/fds.$$"; cat >/dev/null'
make_fake lists_signals 'cat >/dev/null
exec cat /proc/self/status >"$out/signals.$$"'
make_fake lists_environment 'env >"$out/environment.$$"; cat >/dev/null'
printf '#!/nonexistent/interpreter\nexit 0\n' >"$FAKE/bad_interpreter.sh"
chmod 755 "$FAKE/bad_interpreter.sh"

# The messages: "small" with recipients that a shell would mangle, "big"
# (325 KB, more than a pipe holds) and "null" with the null sender.
cat >"$MESSAGES/1700000001.M1P1.test" <<'EOF'
From: Pipe Tester <tester@example.com>
To: <-dash@example.net>, <o'brien@example.net>, "john doe"@example.net, <dollar$sign@example.net>
Subject: argv test
Message-ID: <small@example.com>

.A line with a leading dot.
EOF
{
	printf 'From: tester@example.com\nTo: big@example.net\n'
	printf 'Subject: big\nMessage-ID: <big@example.com>\n\n'
	for ((i = 0; i < 5000; i++)); do
		printf '%064d\n' "$i"
	done
} >"$MESSAGES/1700000002.M2P1.test"
cat >"$MESSAGES/1700000003.M3P1.test" <<'EOF'
Return-Path: <>
From: MAILER-DAEMON@example.com
To: null@example.net
Subject: null sender
Message-ID: <null@example.com>

A bounce.
EOF
cat >"$MESSAGES/1700000004.M4P1.test" <<'EOF'
From: tester@example.com
Bcc: hidden@example.net
To: shown@example.net
Subject: blind copy
Message-ID: <bcc@example.com>

Only the Bcc line is left out.
EOF
small=$MESSAGES/1700000001.M1P1.test
big=$MESSAGES/1700000002.M2P1.test
null=$MESSAGES/1700000003.M3P1.test
bcc=$MESSAGES/1700000004.M4P1.test

# inject NAME ARGS...: run spoolinject with FAKE_SENDMAIL_DIR=$WORK/NAME,
# output in $WORK/NAME.out and .err, log in .csv; sets STATUS, OUT,
# RECORD and ELAPSED_MS.
inject() {
	local start
	OUT=$WORK/$1
	RECORD=$WORK/$1
	shift
	mkdir -p "$RECORD"
	STATUS=0
	start=$(date +%s%N)
	FAKE_SENDMAIL_DIR=$RECORD "$SPOOLINJECT" --log "$OUT.csv" "$@" \
		>"$OUT.out" 2>"$OUT.err" || STATUS=$?
	ELAPSED_MS=$((($(date +%s%N) - start) / 1000000))
}

summary() {
	sed -n "s/^$1: //p" "$OUT.out"
}

# make_spool NAME FILE...: a Maildir $WORK/NAME-spool with FILEs in new/.
make_spool() {
	SPOOL=$WORK/$1-spool
	shift
	mkdir -p "$SPOOL/new" "$SPOOL/cur" "$SPOOL/tmp"
	cp "$@" "$SPOOL/new/"
}

count_files() {
	find "$1" -type f | wc -l
}

# log_field N: field N of every line of $OUT.csv, one per line.
log_field() {
	"$SINK_PYTHON" -c 'import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")):
    print(row[int(sys.argv[2]) - 1])' "$OUT.csv" "$1"
}

# alive PID...: print the PIDs that still run (zombies count as gone).
alive() {
	local pid state
	for pid in "$@"; do
		state=$(ps -o stat= -p "$pid" 2>/dev/null)
		[ -n "$state" ] && [ "${state#Z}" = "$state" ] && echo "$pid"
	done
}

check_no_process_left() {
	local pids=()
	[ -f "$RECORD/pids" ] && mapfile -t pids <"$RECORD/pids"
	check_eq "$1: no stand-in process left" "$(alive "${pids[@]}")" ""
}

# run_row LABEL SCRIPT STATUS_KEY FOLDER EXIT_STATUS FILES [-- OPTION...]:
# hand FILES to SCRIPT and check that each ends with STATUS_KEY in
# FOLDER (new or cur) and that spoolinject exits with EXIT_STATUS.
run_row() {
	local label=$1 script=$2 key=$3 folder=$4 expected=$5 files=()
	local other=new count
	shift 5
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		files+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	count=${#files[@]}
	[ "$folder" = new ] && other=cur
	make_spool "$label" "${files[@]}"
	inject "$label" --sendmail="$FAKE/$script.sh" "$@" "$SPOOL"
	check_eq "$label: exit status" "$STATUS" "$expected"
	check_eq "$label: summary counts $key" "$(summary "$key")" "$count"
	check_eq "$label: files in $folder/" "$(count_files "$SPOOL/$folder")" \
		"$count"
	check_eq "$label: no file in $other/" "$(count_files "$SPOOL/$other")" 0
	check_eq "$label: log status of every recipient" \
		"$(log_field 5 | sort -u)" "$key"
	check_no_process_left "$label"
}

run_row "exit 0" ok "exit 0" cur 0 "$small" "$big"
check_eq "exit 0: accepted" "$(summary accepted)" 2
check_eq "exit 0: log lines, one per recipient" "$(wc -l <"$OUT.csv")" 5
check_eq "exit 0: no warning" "$(cat "$OUT.err")" ""
argv_file=$(grep -l '^-dash@example.net$' "$RECORD"/argv.*)
check_eq "exit 0: argv unchanged, one element per recipient" \
	"$(cat "$argv_file")" "-i
-f
tester@example.com
--
-dash@example.net
o'brien@example.net
\"john doe\"@example.net
dollar\$sign@example.net"
check "exit 0: small message on stdin as stored" \
	cmp "$small" "$RECORD/stdin.${argv_file##*.}"
big_argv=$(grep -l '^big@example.net$' "$RECORD"/argv.*)
check "exit 0: big message on stdin as stored" \
	cmp "$big" "$RECORD/stdin.${big_argv##*.}"

run_row "exit 75" tempfail "exit 75" new 75 "$small"
check_eq "exit 75: pending" "$(summary pending)" 1
check_eq "exit 75: deferred stays 0" "$(summary deferred)" 0
check "exit 75: stderr in the log" grep -q 'queue file write error' \
	"$OUT.csv"
check "exit 75: warning names the status" \
	grep -q 'exited with status 75 (EX_TEMPFAIL).*queue file write error.*stays in new/' \
	"$OUT.err"

run_row "exit 71" oserr "exit 71" new 75 "$small"
check "exit 71: stderr in the log" grep -q 'fork: resource unavailable' \
	"$OUT.csv"

run_row "exit 67" nouser "exit 67" cur 0 "$small"
check_eq "exit 67: rejected" "$(summary rejected)" 1
check "exit 67: stderr in the log" grep -q 'user unknown' "$OUT.csv"

run_row "exit 1" status1 "exit 1" cur 0 "$small"
check_eq "exit 1: rejected" "$(summary rejected)" 1

run_row "exit 0 with stderr" warns "exit 0" cur 0 "$small"
check_eq "exit 0 with stderr: accepted" "$(summary accepted)" 1
check_eq "exit 0 with stderr: first 5 lines in the log" \
	"$(log_field 7 | sort -u)" \
	"exited with status 0; output: line 1 / line 2 / line 3 / line 4 / line 5 ..."
check "exit 0 with stderr: printed as a warning" \
	grep -q 'warning: .*output: line 1 / line 2.*the message is accepted' \
	"$OUT.err"

run_row "killed by a signal" killed "signal 9" new 75 "$small"
check "killed by a signal: log names it" grep -q 'killed by signal 9' \
	"$OUT.csv"

run_row "half read" half "exit 0, input unread" new 75 "$big"
check "half read: bytes read logged" \
	grep -q "after reading [0-9]* of $(wc -c <"$big") bytes" "$OUT.csv"
check_eq "half read: accepted" "$(summary accepted)" 0

run_row "timeout" hangs timeout new 75 "$small" -- --timeout 2
check "timeout: at least 2 s" test "$ELAPSED_MS" -ge 2000
check "timeout: under 5 s ($ELAPSED_MS ms)" test "$ELAPSED_MS" -lt 5000
check "timeout: SIGTERM logged" grep -q 'timeout, so its process group got SIGTERM"' \
	"$OUT.csv"

run_row "SIGTERM ignored" ignores_term timeout new 75 "$small" -- \
	--timeout 1
check "SIGTERM ignored: killed after 1 + 5 s" test "$ELAPSED_MS" -ge 6000
check "SIGTERM ignored: under 9 s ($ELAPSED_MS ms)" \
	test "$ELAPSED_MS" -lt 9000
check "SIGTERM ignored: SIGKILL logged" grep -q 'SIGTERM and SIGKILL' \
	"$OUT.csv"

run_row "grandchild holds stderr" grandchild "exit 0" cur 0 "$small"
check "grandchild holds stderr: done in under 5 s ($ELAPSED_MS ms)" \
	test "$ELAPSED_MS" -lt 5000
check "grandchild holds stderr: its output logged" grep -q 'handed over' \
	"$OUT.csv"
if [ -s "$RECORD/grandchild.pid" ]; then
	kill "$(cat "$RECORD/grandchild.pid")" 2>/dev/null
	pass "grandchild holds stderr: grandchild started"
else
	fail "grandchild holds stderr: grandchild started"
fi

run_row "null sender" ok "exit 0" cur 0 "$null"
check_eq "null sender: argv" "$(cat "$RECORD"/argv.*)" "-i
-f
<>
--
null@example.net"
check_eq "null sender: Return-Path left out" \
	"$(cat "$RECORD"/stdin.*)" "$(tail -n +2 "$null")"

run_row "cannot start" bad_interpreter "not started" new 75 "$small"
check "cannot start: reason logged" grep -q 'No such file or directory' \
	"$OUT.csv"
make_spool "cannot start 2" "$small" "$null"
inject "cannot start 2" --sendmail="$FAKE/bad_interpreter.sh" "$SPOOL"
check_eq "cannot start: exit status" "$STATUS" 75
check_eq "cannot start: both pending" "$(summary pending)" 2
check_eq "cannot start: only the first message tried" \
	"$(log_field 3 | sort -u)" "1700000001.M1P1.test"

make_spool override "$small"
inject override --sendmail-path "$FAKE/ok.sh" --from sender@example.org \
	--to -x@example.net --to "y'z@example.net" \
	--sendmail-arg -oi --sendmail-arg '-X $HOME' --add-header 'X-Run=1' \
	"$SPOOL"
check_eq "overrides: exit status" "$STATUS" 0
check_eq "overrides: argv" "$(cat "$RECORD"/argv.*)" "-i
-f
sender@example.org
-oi
-X \$HOME
--
-x@example.net
y'z@example.net"
check_eq "overrides: added header first" "$(head -n 1 "$RECORD"/stdin.*)" \
	"X-Run: 1"

# A message file that contains the sendmail input as it is, from some
# line on, is itself the child's standard input. One with a Bcc line
# among the sent ones is rewritten into a memory file.
make_spool descriptors "$small" "$big" "$null" "$bcc"
inject descriptors --sendmail="$FAKE/lists_fds.sh" --max-procs 2 "$SPOOL"
check_eq "descriptors: exit status" "$STATUS" 0
check_eq "descriptors: no log or spool file open in children" \
	"$(cat "$RECORD"/fds.* | grep -v ' 0 -> ' |
		grep -c -e '\.csv$' -e '-spool/')" 0
check_eq "descriptors: the message file itself on stdin" \
	"$(cat "$RECORD"/fds.* | sed -n 's|.* 0 -> .*-spool/new/||p' | sort)" \
	"1700000001.M1P1.test
1700000002.M2P1.test
1700000003.M3P1.test"
check_eq "descriptors: a memory file for the Bcc message" \
	"$(cat "$RECORD"/fds.* | grep -c ' 0 -> /memfd:')" 1

# A child starts with no signal blocked and none caught, with SIGPIPE
# (which spoolinject ignores) at its default, and with a signal ignored
# by spoolinject's parent (SIGQUIT) still ignored, as execve() keeps it.
make_spool child-signals "$small" "$big"
(trap '' QUIT && inject child-signals --sendmail="$FAKE/lists_signals.sh" \
	--max-procs 2 "$SPOOL")
RECORD=$WORK/child-signals
check_eq "signals: records" "$(ls "$RECORD"/signals.* | wc -l)" 2
check_eq "signals: none blocked" \
	"$(sed -n 's/^SigBlk:[[:space:]]*//p' "$RECORD"/signals.* | sort -u)" \
	0000000000000000
check_eq "signals: none caught" \
	"$(sed -n 's/^SigCgt:[[:space:]]*//p' "$RECORD"/signals.* | sort -u)" \
	0000000000000000
# SigIgn has bit N-1 for signal N: 0x4 is SIGQUIT, 0x1000 SIGPIPE. Other
# signals that the test's own parent ignores may be set too.
for mask in $(sed -n 's/^SigIgn:[[:space:]]*//p' "$RECORD"/signals.*); do
	check_eq "signals: SIGQUIT ignored, SIGPIPE not" \
		"$(printf '%x' $((0x$mask & 0x1004)))" 4
done

make_spool bcc "$bcc" "$null"
inject bcc --sendmail="$FAKE/ok.sh" --max-procs 1 "$SPOOL"
check_eq "Bcc: exit status" "$STATUS" 0
check_eq "Bcc: argv has the blind recipient" \
	"$(grep -h -c -x 'hidden@example.net' "$RECORD"/argv.* | sort -n |
		tr '\n' ' ')" "0 1 "
check_eq "Bcc: line left out of stdin" \
	"$(grep -l 'blind copy' "$RECORD"/stdin.* | xargs cat)" \
	"$(grep -v '^Bcc:' "$bcc")"
check_eq "Bcc: file read from after Return-Path" \
	"$(grep -l 'null sender' "$RECORD"/stdin.* | xargs cat)" \
	"$(tail -n +2 "$null")"

# The AUTH password variable is removed before any sendmail process
# starts, and its text in spoolinject's own environment is overwritten.
make_spool environment "$small" "$big"
SPOOLINJECT_PASSWORD=s3cret-in-environment inject environment \
	--sendmail="$FAKE/lists_environment.sh" --max-procs 1 "$SPOOL"
check_eq "password variable: exit status" "$STATUS" 0
check_eq "password variable: every child listed its environment" \
	"$(ls "$RECORD"/environment.* | wc -l)" 2
check_eq "password variable: not inherited" \
	"$(cat "$RECORD"/environment.* | grep -c -e SPOOLINJECT_PASSWORD \
	-e s3cret-in-environment)" 0

make_spool delete "$small" "$big"
inject delete --sendmail="$FAKE/nouser.sh" --delete "$SPOOL"
check_eq "--delete after exit 67: exit status" "$STATUS" 0
check_eq "--delete after exit 67: files deleted" \
	"$(count_files "$SPOOL")" 0

make_spool again "$small"
inject again-1 --sendmail="$FAKE/ok.sh" "$SPOOL"
inject again-2 --sendmail="$FAKE/ok.sh" "$SPOOL"
check_eq "second run: exit status" "$STATUS" 0
check_eq "second run: nothing handed over" "$(summary accepted)" 0
check_eq "second run: no process started" "$(ls "$RECORD")" ""

for ((i = 1; i <= 6; i++)); do
	sed "s/<small@/<small$i@/" "$small" >"$MESSAGES/1700000100.M${i}P1.c"
done
make_spool concurrent "$MESSAGES"/1700000100.*
inject concurrent --sendmail="$FAKE/concurrent.sh" --max-procs 3 "$SPOOL"
check_eq "--max-procs 3: exit status" "$STATUS" 0
check_eq "--max-procs 3: accepted" "$(summary accepted)" 6
check_eq "--max-procs 3: at most 3 at once" \
	"$(sort -n "$RECORD/concurrency" | tail -n 1)" 3

# Two runs at once over one spool hand each message over exactly once.
make_fake slow 'cat >/dev/null; sleep 0.2; exit 0'
for ((i = 1; i <= 10; i++)); do
	sed "s/<small@/<twice$i@/" "$small" >"$MESSAGES/1700000200.M${i}P1.t"
done
make_spool twice "$MESSAGES"/1700000200.*
mkdir -p "$WORK/twice"
for run in 1 2; do
	FAKE_SENDMAIL_DIR=$WORK/twice "$SPOOLINJECT" --sendmail="$FAKE/slow.sh" \
		--max-procs 2 "$SPOOL" >"$WORK/twice-$run.out" 2>&1 &
	twice_pids[run]=$!
done
twice_status=0
wait "${twice_pids[1]}" || twice_status=$?
wait "${twice_pids[2]}" || twice_status=$?
check_eq "two runs at once: exit status" "$twice_status" 0
check_eq "two runs at once: each message handed over once" \
	"$(ls "$WORK/twice"/argv.* | wc -l)" 10
check_eq "two runs at once: accepted in all" \
	"$(sed -n 's/^accepted: //p' "$WORK"/twice-[12].out |
		awk '{ sum += $1 } END { print sum }')" 10
check_eq "two runs at once: all in cur/" "$(count_files "$SPOOL/cur")" 10

# Two SIGTERMs: the first lets the children run, the second ends them.
make_spool signals "$small" "$null"
OUT=$WORK/signals
mkdir -p "$OUT"
FAKE_SENDMAIL_DIR=$OUT "$SPOOLINJECT" --sendmail="$FAKE/hangs.sh" \
	--max-procs 2 "$SPOOL" >"$OUT.out" 2>"$OUT.err" &
inject_pid=$!
for ((i = 0; i < 100; i++)); do
	[ "$(ls "$OUT"/argv.* 2>/dev/null | wc -l)" -eq 2 ] && break
	sleep 0.05
done
kill -TERM "$inject_pid"
sleep 0.3
check "one SIGTERM: still running" kill -0 "$inject_pid"
kill -TERM "$inject_pid"
STATUS=0
wait "$inject_pid" || STATUS=$?
check_eq "two SIGTERMs: exit status" "$STATUS" 75
check_eq "two SIGTERMs: summary" "$(summary 'signal 15')" 2
check_eq "two SIGTERMs: still in new/" "$(count_files "$SPOOL/new")" 2
RECORD=$OUT
check_no_process_left "two SIGTERMs"

inject usage --sendmail="$FAKE/ok.sh" --server 127.0.0.1:25 "$SPOOL"
check_eq "--server with --sendmail: exit status" "$STATUS" 64
check "--server with --sendmail: message" \
	grep -q -- '--server is for SMTP and LMTP' "$OUT.err"
inject usage --sendmail="$FAKE/ok.sh" --tls-verify --tls-ca "$WORK/none.pem" \
	"$SPOOL"
check_eq "--tls-ca with --sendmail: exit status" "$STATUS" 64
check "--tls-ca with --sendmail: message" \
	grep -q -- '--tls-verify is for SMTP and LMTP' "$OUT.err"
inject usage --sendmail="$FAKE/ok.sh" --auth-user u \
	--auth-pass-file "$WORK/none.pass" "$SPOOL"
check_eq "--auth-pass-file with --sendmail: exit status" "$STATUS" 64
inject usage --sendmail="$FAKE/ok.sh" --max-procs " 2" "$SPOOL"
check_eq "--max-procs with a blank: exit status" "$STATUS" 64
inject usage --max-procs 2 "$SPOOL"
check_eq "--max-procs without --sendmail: exit status" "$STATUS" 64
inject usage --sendmail="$WORK/none" "$SPOOL"
check_eq "missing sendmail program: exit status" "$STATUS" 69
check "missing sendmail program: message" \
	grep -q "sendmail program $WORK/none cannot be run" "$OUT.err"
check "--help lists --sendmail" \
	bash -c "'$SPOOLINJECT' --help | grep -q -- '--sendmail\[=PATH\]'"

if [ ! -d "$CASE13" ]; then
	echo "# $SHARED/cases is absent: the shared sendmail cases are skipped"
	done_testing
	exit
fi

# Case 13: its own stand-ins, one message at a time in name order, so
# that their counter numbers the records as the messages.
cp -r "$CASE13/fake-sendmail" "$WORK/case13"
chmod -R u+w "$WORK/case13"
while IFS='|' read -r script key folder expected; do
	make_spool "case13-$script" "$CASE13"/spool/new/*
	inject "case13-$script" --sendmail="$WORK/case13/$script.sh" \
		--max-procs 1 "$SPOOL"
	label="case 13 $script"
	check_eq "$label: exit status" "$STATUS" "$expected"
	check_eq "$label: summary" "$(summary "$key")" 2
	check_eq "$label: files in $folder/" \
		"$(count_files "$SPOOL/$folder")" 2
	check_eq "$label: log status" "$(log_field 5 | sort -u)" "$key"
	case $script in
	ok)
		check "$label: argv of message 1" \
			cmp "$CASE13/expected-argv-message1.txt" "$RECORD/argv.1"
		check "$label: message 2 on stdin as stored" \
			cmp "$CASE13"/spool/new/1704000302.* "$RECORD/stdin.2"
		;;
	exit0-warning)
		check "$label: warning text logged" \
			grep -q 'pickup service is not reachable' "$OUT.csv"
		check "$label: warning text printed" \
			grep -q 'pickup service is not reachable' "$OUT.err"
		;;
	exit0-says-fatal)
		check "$label: fatal text logged" \
			grep -q 'could not reach relay host' "$OUT.csv"
		;;
	esac
done <<'EOF'
ok|exit 0|cur|0
exit75-tempfail|exit 75|new|75
exit71-oserr|exit 71|new|75
exit67-nouser|exit 67|cur|0
exit1-unknown|exit 1|cur|0
exit0-warning|exit 0|cur|0
exit0-says-fatal|exit 0|cur|0
exit0-without-reading|exit 0, input unread|new|75
killed-by-signal|signal 15|new|75
EOF

# stdin_for RECIPIENT: the stdin record of the child that got RECIPIENT.
stdin_for() {
	local argv
	argv=$(grep -l "^$1\$" "$RECORD"/argv.*)
	echo "$RECORD/stdin.${argv##*.}"
}

cp -r "$CASE16/maildir" "$WORK/case16"
chmod -R u+w "$WORK/case16"
inject case16 --sendmail="$FAKE/ok.sh" --keep "$WORK/case16"
check_eq "case 16: exit status" "$STATUS" 0
check "case 16: stdin without dot-stuffing" \
	cmp "$CASE16/expected-sendmail-stdin.eml" "$(stdin_for dots@example.net)"

cp -r "$CASE18/maildir" "$WORK/case18"
chmod -R u+w "$WORK/case18"
inject case18 --sendmail="$FAKE/ok.sh" --keep "$WORK/case18"
check_eq "case 18: exit status" "$STATUS" 0
check_eq "case 18: accepted" "$(summary accepted)" 5
for n in 1 3 5; do
	check "case 18: message $n stdin" \
		cmp "$CASE18/expected/m$n.sendmail-stdin.eml" \
		"$(stdin_for "eol$n@example.net")"
done
check_eq "case 18: no CR on any stdin" \
	"$(cat "$RECORD"/stdin.* | tr -dc '\r' | wc -c)" 0
check "case 18: bare CR warned about" grep -q 'has a CR without LF' \
	"$OUT.err"

done_testing
