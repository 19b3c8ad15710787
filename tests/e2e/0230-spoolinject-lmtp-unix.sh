#!/bin/bash
# spoolinject --lmtp: one reply per accepted recipient after the data,
# and the rule that turns them into the message's outcome. Also LMTP and
# SMTP over a UNIX-domain socket, and the bounce sink's LMTP mode.
source "$(dirname "$0")/lib.sh"
source "$TOP/tests/e2e/scripted-lib.sh"

SINK=$TOP/tools/bounce-sink

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
"$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	skip_all "$SINK_PYTHON cannot import aiosmtpd (install python3-aiosmtpd)"

# lmtp_transaction RECIPIENT:RCPT_REPLY... -- DATA_REPLY...: the script
# lines of one pipelined LMTP transaction.
lmtp_transaction() {
	local item
	echo "C: MAIL FROM:<sender@example.com>"
	for item in "$@"; do
		[ "$item" = -- ] && break
		echo "C: RCPT TO:<${item%%:*}>"
	done
	echo "C: DATA"
	echo "S: 250 2.1.0 Ok"
	for item in "$@"; do
		[ "$item" = -- ] && break
		echo "S: ${item#*:}"
	done
	echo "S: 354 go ahead"
	echo "C: <data>"
	while [ "$1" != -- ]; do
		shift
	done
	shift
	for item in "$@"; do
		echo "S: $item"
	done
}

# The outcome rule: accepted when a recipient got 2xx after the data,
# else deferred when one got 4xx, else rejected.
{
	echo "S: 220 lmtp.example.net LMTP"
	echo "C: LHLO *"
	echo "S: 250-lmtp.example.net"
	echo "S: 250-PIPELINING"
	echo "S: 250 ENHANCEDSTATUSCODES"
	lmtp_transaction "a@example.net:250 2.1.5 Ok" \
		"b@example.net:250 2.1.5 Ok" -- \
		"250 2.0.0 <a@example.net> delivered" \
		"550 5.1.1 <b@example.net> mailbox gone"
	lmtp_transaction "c@example.net:250 2.1.5 Ok" \
		"d@example.net:250 2.1.5 Ok" -- \
		"452 4.2.2 <c@example.net> mailbox full" \
		"550 5.1.1 <d@example.net> mailbox gone"
	lmtp_transaction "e@example.net:250 2.1.5 Ok" \
		"f@example.net:250 2.1.5 Ok" -- \
		"550 5.1.1 <e@example.net> mailbox gone" \
		"552 5.2.2 <f@example.net> over quota"
	lmtp_transaction "g@example.net:250 2.1.5 Ok" \
		"h@example.net:550 5.1.1 No such user" \
		"i@example.net:250 2.1.5 Ok" -- \
		"451 4.3.0 <g@example.net> try later" \
		"250 2.0.0 <i@example.net> delivered"
	echo "C?: QUIT"
	echo "S: 221 Bye"
	echo "@close"
} >"$WORK/lmtp.txt"

# lmtp_slot SLOT: the four messages of lmtp.txt, in that order.
lmtp_slot() {
	make_message "$1" 1000.M1P1.host a@example.net b@example.net
	make_message "$1" 1000.M2P1.host c@example.net d@example.net
	make_message "$1" 1000.M3P1.host e@example.net f@example.net
	make_message "$1" 1000.M4P1.host g@example.net h@example.net \
		i@example.net
}

# check_lmtp_run LABEL: the checks shared by the TCP and UNIX runs.
check_lmtp_run() {
	local label=$1
	check_eq "$label: exit status" "$STATUS" 0
	check_eq "$label: accepted" "$(summary accepted)" 2
	check_eq "$label: deferred" "$(summary deferred)" 1
	check_eq "$label: rejected" "$(summary rejected)" 1
	check_eq "$label: deciding replies" \
		"$(grep -E '^[0-9]{3} ' "$RUN/stdout" | tr '\n' ' ')" \
		"250 2.0.0: 2 452 4.2.2: 1 550 5.1.1: 1 "
	check_kept "$label: all answered" "$RUN/slot" 0 4
	check_eq "$label: a@ logged" "$(log_row "$RUN/log.csv" a@example.net)" \
		"250|2.0.0|<a@example.net> delivered"
	check_eq "$label: b@ logged" "$(log_row "$RUN/log.csv" b@example.net)" \
		"550|5.1.1|<b@example.net> mailbox gone"
	check_eq "$label: c@ logged" "$(log_row "$RUN/log.csv" c@example.net)" \
		"452|4.2.2|<c@example.net> mailbox full"
	check_eq "$label: f@ logged" "$(log_row "$RUN/log.csv" f@example.net)" \
		"552|5.2.2|<f@example.net> over quota"
	check_eq "$label: g@ logged" "$(log_row "$RUN/log.csv" g@example.net)" \
		"451|4.3.0|<g@example.net> try later"
	check_eq "$label: h@ refused at RCPT" \
		"$(log_row "$RUN/log.csv" h@example.net)" "550|5.1.1|No such user"
	check_eq "$label: i@ logged" "$(log_row "$RUN/log.csv" i@example.net)" \
		"250|2.0.0|<i@example.net> delivered"
	check_eq "$label: one log line per recipient" \
		"$(wc -l <"$RUN/log.csv")" 9
}

start_scripted lmtp "$WORK/lmtp.txt"
lmtp_slot "$RUN/slot"
inject --server "127.0.0.1:$PORT" --lmtp --max-connections 1 \
	--log "$RUN/log.csv" "$RUN/slot"
check_lmtp_run "LMTP over TCP"
check_server "LMTP over TCP: dialogue followed" 1

start_scripted lmtp-unix "$WORK/lmtp.txt" --unix "$WORK/lmtp.sock"
lmtp_slot "$RUN/slot"
inject --server "unix:$WORK/lmtp.sock" --lmtp --max-connections 1 \
	--log "$RUN/log.csv" "$RUN/slot"
check_lmtp_run "LMTP over UNIX socket"
check_server "LMTP over UNIX socket: dialogue followed" 1

# A 421 among the LMTP replies stands for every reply still due, so the
# message is answered and not sent again.
cat >"$WORK/lmtp-421.txt" <<'SCRIPT'
S: 220 lmtp.example.net LMTP
C: LHLO *
S: 250 lmtp.example.net
C: MAIL FROM:<sender@example.com>
S: 250 2.1.0 Ok
C: RCPT TO:<a@example.net>
S: 250 2.1.5 Ok
C: RCPT TO:<b@example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 go ahead
C: <data>
S: 250 2.0.0 <a@example.net> delivered
S: 421 4.3.2 Shutting down
C?: QUIT
@close
SCRIPT
start_scripted lmtp-421 "$WORK/lmtp-421.txt"
make_message "$RUN/slot" 1000.M1P1.host a@example.net b@example.net
inject --server "127.0.0.1:$PORT" --lmtp --log "$RUN/log.csv" "$RUN/slot"
check_eq "LMTP 421: exit status" "$STATUS" 0
check_eq "LMTP 421: accepted" "$(summary accepted)" 1
check_kept "LMTP 421: answered, not sent again" "$RUN/slot" 0 1
check_eq "LMTP 421: b@ logged" "$(log_row "$RUN/log.csv" b@example.net)" \
	"421|4.3.2|Shutting down"
check_server "LMTP 421: one connection" 1

# LMTP has no HELO: a refused LHLO fails the session.
cat >"$WORK/lhlo-refused.txt" <<'SCRIPT'
S: 220 lmtp.example.net LMTP
C: LHLO *
S: 500 5.5.1 Unknown command
C?: QUIT
@close
SCRIPT
start_scripted lhlo-refused "$WORK/lhlo-refused.txt"
make_message "$RUN/slot" 1000.M1P1.host a@example.net
inject --server "127.0.0.1:$PORT" --lmtp "$RUN/slot"
check_eq "LHLO refused: exit status" "$STATUS" 75
check_kept "LHLO refused: kept" "$RUN/slot" 1 0
check "LHLO refused: reported" grep -q -F \
	"LHLO refused: 500 Unknown command" "$RUN/stderr"
check_server "LHLO refused: no HELO" 1

# SMTP over a UNIX socket.
cat >"$WORK/smtp-unix.txt" <<'SCRIPT'
S: 220 local.example.net ESMTP
C: EHLO *
S: 250 local.example.net
C: MAIL FROM:<sender@example.com>
S: 250 2.1.0 Ok
C: RCPT TO:<a@example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 go ahead
C: <data>
S: 250 2.0.0 Ok
C?: QUIT
S: 221 Bye
@close
SCRIPT
start_scripted smtp-unix "$WORK/smtp-unix.txt" --unix "$WORK/smtp.sock"
make_message "$RUN/slot" 1000.M1P1.host a@example.net
inject --server "unix:$WORK/smtp.sock" "$RUN/slot"
check_eq "SMTP over UNIX socket: exit status" "$STATUS" 0
check_eq "SMTP over UNIX socket: accepted" "$(summary accepted)" 1
check_server "SMTP over UNIX socket: dialogue followed" 1

RUN=$WORK/no-socket
make_message "$RUN/slot" 1000.M1P1.host a@example.net
inject --server "unix:$WORK/no-such.sock" "$RUN/slot"
check_eq "missing socket: exit status" "$STATUS" 75
check "missing socket: reported" grep -q -F \
	"unix:$WORK/no-such.sock: connect failed: No such file or directory" \
	"$RUN/stderr"
check_kept "missing socket: kept" "$RUN/slot" 1 0

# The bounce sink in LMTP mode gives each recipient the message's reply.
RUN=$WORK/sink
mkdir -p "$RUN"
start_server "$SINK_PYTHON" "$SINK" --listen 127.0.0.1:0 --lmtp \
	--port-file "$RUN/port" --stats "$RUN/stats.json" --quiet \
	>"$RUN/sink.stdout" 2>"$RUN/sink.stderr"
SINK_PID=$SERVER_PID
for ((i = 0; i < 200; i++)); do
	[ -s "$RUN/port" ] && break
	sleep 0.05
done
make_message "$RUN/slot" 1000.M1P1.host a@example.net b@example.net
mkdir -p "$RUN/slot/new"
printf 'From: sender@example.com\nTo: c@example.net, d@example.net\nX-Bounce-Me: 550 5.1.1 gone\nSubject: bounce\n\nBody.\n' \
	>"$RUN/slot/new/1000.M2P1.host"
inject --server "127.0.0.1:$(cat "$RUN/port")" --lmtp --log "$RUN/log.csv" \
	"$RUN/slot"
check_eq "sink LMTP: exit status" "$STATUS" 0
check_eq "sink LMTP: accepted" "$(summary accepted)" 1
check_eq "sink LMTP: rejected" "$(summary rejected)" 1
check_eq "sink LMTP: d@ got its own reply" \
	"$(log_row "$RUN/log.csv" d@example.net)" "550|5.1.1|gone"
stop_server "$SINK_PID"
check_eq "sink LMTP: one count per recipient" \
	"$(tr -d ' \n' <"$RUN/stats.json")" \
	'{"replies":{"2502.0.0":2,"5505.1.1":2},"total":4,"warnings":0}'

# Option errors.
RUN=$WORK/usage
mkdir -p "$RUN"
inject --server unix: "$RUN"
check_eq "usage: empty socket path" "$STATUS" 64
inject --server "unix:/$(printf '%0120d' 0)" "$RUN"
check_eq "usage: socket path too long" "$STATUS" 64
inject --help
check "usage: --help lists --lmtp" grep -q -- "^  --lmtp" "$RUN/stdout"

done_testing
