#!/bin/bash
# End-to-end test of tools/bounce-sink: replies chosen by X-Bounce-Me and
# X-Bounce-Percentage, multi-line replies, the Maildir dump, the summary
# printed on SIGTERM, and the loopback-only --listen check.
source "$(dirname "$0")/lib.sh"

SINK=$TOP/tools/bounce-sink
MESSAGES=$WORK/messages
CLIENT=$WORK/client.py
mkdir "$MESSAGES"

if ! "$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
	skip_all "$SINK_PYTHON cannot import aiosmtpd (install python3-aiosmtpd)"
fi

# The client sends each message file over one SMTP connection and prints
# the raw reply lines to DATA, so multi-line replies can be checked as sent.
cat >"$CLIENT" <<'EOF'
import argparse
import smtplib
import sys


class LineRecorder:
    """Reply stream wrapper that keeps the raw lines smtplib reads."""

    def __init__(self, stream):
        self.stream = stream
        self.lines = []

    def readline(self, size=-1):
        line = self.stream.readline(size)
        self.lines.append(line)
        return line

    def close(self):
        self.stream.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--from", dest="sender", default="sender@example.org")
    parser.add_argument("--to", dest="recipients", action="append")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--features", action="store_true",
                        help="print the EHLO keywords and send nothing")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    recipients = args.recipients or ["rcpt@example.com"]

    connection = smtplib.SMTP(args.host, args.port, timeout=30)
    connection.ehlo("client.example.org")
    if args.features:
        for keyword in sorted(connection.esmtp_features):
            print(keyword.upper())
        connection.quit()
        return 0

    recorder = LineRecorder(connection.file)
    connection.file = recorder
    for path in args.files:
        with open(path, "rb") as message_file:
            data = message_file.read()
        # smtplib sends bytes unchanged, so the CRLF line endings are set here.
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        for _ in range(args.repeat):
            code, reply = connection.mail(args.sender)
            if code != 250:
                print(f"MAIL FROM failed: {code} {reply!r}", file=sys.stderr)
                return 1
            for recipient in recipients:
                code, reply = connection.rcpt(recipient)
                if code != 250:
                    print(f"RCPT TO failed: {code} {reply!r}", file=sys.stderr)
                    return 1
            recorder.lines.clear()
            connection.data(data)
            # The first line read during DATA is the 354 reply.
            for line in recorder.lines[1:]:
                print(line.decode("utf-8").rstrip("\r\n"))
    connection.quit()
    return 0


sys.exit(main())
EOF

# write_message NAME HEADER... : write $MESSAGES/NAME with the given extra
# header lines, LF line endings and a short body.
write_message() {
	local name=$1 header
	shift
	{
		echo "From: Sender <sender@example.org>"
		echo "To: rcpt@example.com"
		echo "Subject: bounce-sink test $name"
		echo "Message-ID: <$name@example.org>"
		for header in "$@"; do
			printf '%s\n' "$header"
		done
		echo
		echo "Body of $name."
	} >"$MESSAGES/$name"
}

# send ARGS...: run the client against the current sink, print its output.
send() {
	"$SINK_PYTHON" "$CLIENT" --port "$SINK_PORT" "$@"
}

# start_sink NAME ARGS...: start a sink on 127.0.0.1 port 0 (ARGS may give
# another --listen) with output in $WORK/NAME.out and $WORK/NAME.err, and
# wait for its port file. Sets SINK_PID and SINK_PORT.
start_sink() {
	local name=$1 i
	shift
	start_server "$SINK" --listen 127.0.0.1:0 --port-file "$WORK/$name.port" \
		"$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	SINK_PID=$SERVER_PID
	SINK_PORT=
	for ((i = 0; i < 200; i++)); do
		if [ -s "$WORK/$name.port" ]; then
			SINK_PORT=$(cat "$WORK/$name.port")
			return 0
		fi
		is_running "$SINK_PID" || break
		sleep 0.05
	done
	echo "# sink $name wrote no port file; its standard error:" >&2
	sed 's/^/#   /' "$WORK/$name.err" >&2
	return 1
}

# is_running PID: true while PID exists and has not exited. An exited child
# stays a zombie until waited for, and kill -0 still succeeds on a zombie.
is_running() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $state != Z* ]]
}

# stop_sink PID: send SIGTERM and wait up to 10 s, then SIGKILL.
# Sets SINK_STATUS to the exit status (137 after SIGKILL).
stop_sink() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		is_running "$pid" || break
		sleep 0.05
	done
	if is_running "$pid"; then
		echo "# sink $pid did not exit within 10 s of SIGTERM, sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null
	fi
	SINK_STATUS=0
	wait "$pid" || SINK_STATUS=$?
}

# json_value FILE EXPRESSION: print a value from a JSON file, for example
# json_value stats.json 'd["total"]'.
json_value() {
	"$SINK_PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# --- Command line -------------------------------------------------------

# without_stderr CMD...: run CMD with its expected error output discarded.
without_stderr() {
	"$@" 2>/dev/null
}

help_status=0
help_text=$("$SINK" --help) || help_status=$?
# argparse wraps lines at the terminal width, so whitespace runs are joined.
help_text=$(tr -s ' \n' ' ' <<<"$help_text")
check_eq "help exits 0" "$help_status" 0
for option in --listen --allow-non-loopback --port-file --pid-file --stats \
	--dump --seed --max-size --backlog --timeout --hostname --tls-cert \
	--tls-key --require-starttls --auth-file --lmtp --quiet; do
	check "help documents $option" grep -q -e "$option" <<<"$help_text"
done
check "help shows default listen" grep -q "default: 127.0.0.1:2525" \
	<<<"$help_text"

# 192.0.2.1 is in TEST-NET-1 (RFC 5737). The sink must reject it before
# binding, so no traffic leaves loopback.
check_status "non-loopback listen exits 64" 64 without_stderr \
	"$SINK" --listen 192.0.2.1:25 --port-file "$WORK/rejected.port"
check "non-loopback listen binds nothing" test ! -e "$WORK/rejected.port"
rejection=$("$SINK" --listen 192.0.2.1:25 2>&1)
check "rejection names the option" grep -q -e "--allow-non-loopback" \
	<<<"$rejection"
check_status "wildcard listen exits 64" 64 without_stderr \
	"$SINK" --listen 0.0.0.0:0
check_status "unbracketed IPv6 exits 64" 64 without_stderr \
	"$SINK" --listen ::1:2525
check_status "invalid port exits 64" 64 without_stderr \
	"$SINK" --listen 127.0.0.1:99999
check_status "--tls-cert without --tls-key exits 64" 64 without_stderr \
	"$SINK" --tls-cert "$WORK/cert.pem"
check_status "--require-starttls without a certificate exits 64" 64 \
	without_stderr "$SINK" --require-starttls
check_status "missing --auth-file exits 64" 64 without_stderr \
	"$SINK" --auth-file "$WORK/no-such-users"
printf 'no colon here\n' >"$WORK/bad-users"
check_status "--auth-file line without a colon exits 64" 64 without_stderr \
	"$SINK" --auth-file "$WORK/bad-users"

# --- Replies -------------------------------------------------------------

if ! start_sink main --seed 42 --pid-file "$WORK/main.pid" \
	--stats "$WORK/main.stats"; then
	fail "main sink starts"
	done_testing
	exit
fi
main_pid=$SINK_PID
pass "main sink starts"
check "port file contains number" grep -qx '[0-9][0-9]*' "$WORK/main.port"
check "port file has no leftover" test ! -e "$WORK/main.port.tmp"
check_eq "pid file contains pid" "$(cat "$WORK/main.pid")" "$main_pid"

features=$(send --features)
for keyword in PIPELINING 8BITMIME SMTPUTF8; do
	check "EHLO offers $keyword" grep -qx "$keyword" <<<"$features"
done

write_message plain
reply=$(send "$MESSAGES/plain")
check "plain message gets 250" \
	grep -Eqx '250 2\.0\.0 Ok: queued as [0-9A-F]+\.[0-9]+' <<<"$reply"

write_message user-unknown "X-Bounce-Me: 550 5.1.1 <a@example.com> no such user" \
	"X-Bounce-Percentage: 100"
check_eq "550 with percentage 100" "$(send "$MESSAGES/user-unknown")" \
	"550 5.1.1 <a@example.com> no such user"

write_message try-later "X-Bounce-Me: 421 4.7.0 try later"
check_eq "421 without percentage" "$(send "$MESSAGES/try-later")" \
	"421 4.7.0 try later"

write_message refused "X-Bounce-Me: 554 Message refused"
check_eq "554 without enhanced code" "$(send "$MESSAGES/refused")" \
	"554 Message refused"

write_message folded "x-bounce-me: 553 5.1.3" "  bad address syntax"
check_eq "folded lowercase header" "$(send "$MESSAGES/folded")" \
	"553 5.1.3 bad address syntax"

write_message never "X-Bounce-Me: 550 5.7.1 never given" \
	"X-Bounce-Percentage: 0"
never_replies=$(send --repeat 50 "$MESSAGES/never")
check_eq "percentage 0 gives 50 replies" \
	"$(wc -l <<<"$never_replies")" 50
check_eq "percentage 0 always accepts" \
	"$(grep -c '^250 2\.0\.0 Ok: queued as ' <<<"$never_replies")" 50

write_message sometimes "X-Bounce-Me: 450 4.2.1 greylisted, try again" \
	"X-Bounce-Percentage: 40"
sometimes_replies=$(send --repeat 1000 "$MESSAGES/sometimes")
cut -d ' ' -f 1 <<<"$sometimes_replies" >"$WORK/main.codes"
sometimes_bounced=$(grep -cx '450 4\.2\.1 greylisted, try again' \
	<<<"$sometimes_replies")
sometimes_accepted=$(grep -c '^250 2\.0\.0 Ok: queued as ' \
	<<<"$sometimes_replies")
check_eq "percentage 40 gives 1000 replies" \
	"$((sometimes_bounced + sometimes_accepted))" 1000
check "percentage 40 bounces 35-45%" \
	test "$sometimes_bounced" -ge 350 -a "$sometimes_bounced" -le 450

write_message garbage "X-Bounce-Me: hello"
check "garbage X-Bounce-Me gets 250" \
	grep -q '^250 2\.0\.0 Ok: queued as ' <<<"$(send "$MESSAGES/garbage")"

write_message success-code "X-Bounce-Me: 250 2.0.0 not a bounce"
check "2xx X-Bounce-Me gets 250" \
	grep -q '^250 2\.0\.0 Ok: queued as ' <<<"$(send "$MESSAGES/success-code")"

write_message bad-percentage "X-Bounce-Me: 551 5.1.6 moved away" \
	"X-Bounce-Percentage: lots"
check_eq "invalid percentage means 100" \
	"$(send "$MESSAGES/bad-percentage")" "551 5.1.6 moved away"

# A 700-byte text cannot fit into one 510-byte reply line.
long_text=$(printf 'recipient%03d ' $(seq 1 60))
long_text=${long_text:0:700}
write_message long "X-Bounce-Me: 552 5.2.2 $long_text"
long_reply=$(send "$MESSAGES/long")
check "long reply has several lines" test "$(wc -l <<<"$long_reply")" -gt 1
check "long reply continuation lines" \
	grep -Eqx '552-5\.2\.2 [^ ].*' <<<"$(sed '$d' <<<"$long_reply")"
check "long reply last line" \
	grep -Eqx '552 5\.2\.2 [^ ].*' <<<"$(tail -n 1 <<<"$long_reply")"
check_eq "long reply lines fit 510 bytes" \
	"$(LC_ALL=C awk 'length($0) > 510' <<<"$long_reply")" ""
joined=$(cut -c 11- <<<"$long_reply" | paste -s -d ' ')
check_eq "long reply text is unchanged" "$joined" "$long_text"

stats_total=$(json_value "$WORK/main.stats" 'd["total"]')
check_eq "stats file total while running" "$stats_total" 1059
check_eq "stats file counts 421" \
	"$(json_value "$WORK/main.stats" 'd["replies"]["421 4.7.0"]')" 1

stop_sink "$main_pid"
check_eq "main sink exits 0" "$SINK_STATUS" 0
check "pid file removed on exit" test ! -e "$WORK/main.pid"

# Accepted: plain, 50 with percentage 0, the accepted part of the 1000,
# the garbage and the 2xx X-Bounce-Me.
accepted=$((1 + 50 + sometimes_accepted + 1 + 1))
expected_summary="250 2.0.0 $accepted
421 4.7.0 1
450 4.2.1 $sometimes_bounced
550 5.1.1 1
551 5.1.6 1
552 5.2.2 1
553 5.1.3 1
554 - 1
total 1059
warnings 3"
check_eq "summary counts each reply" "$(cat "$WORK/main.out")" \
	"$expected_summary"

# --- Reproducible draws and shutdown with open connections -----------------

if start_sink seeded --seed 42; then
	# Only the percentage-40 messages drew random numbers in the main sink,
	# so the same seed must repeat their codes in the same order.
	send --repeat 1000 "$MESSAGES/sometimes" | cut -d ' ' -f 1 \
		>"$WORK/seeded.codes"
	check "same seed repeats codes" cmp "$WORK/main.codes" "$WORK/seeded.codes"

	# One idle connection and one stopped in the middle of DATA.
	exec 3<>"/dev/tcp/127.0.0.1/$SINK_PORT"
	exec 4<>"/dev/tcp/127.0.0.1/$SINK_PORT"
	printf 'EHLO client.example.org\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: unfinished\r\n' >&4
	sleep 0.5
	stop_sink "$SINK_PID"
	exec 3>&- 4>&-
	check_eq "open connections: exit 0" "$SINK_STATUS" 0
	check "open connections: summary total" \
		grep -qx 'total 1000' "$WORK/seeded.out"
else
	fail "seeded sink starts"
fi

# --- Maildir dump ----------------------------------------------------------

{
	echo "Return-Path: <dumper@example.org>"
	echo "Delivered-To: first@example.com"
	echo "Delivered-To: second@example.net"
} >"$WORK/dump-prefix"
{
	echo "From: Dumper <dumper@example.org>"
	echo "To: first@example.com, second@example.net"
	echo "Subject: dump test"
	echo "Message-ID: <dump@example.org>"
	echo "MIME-Version: 1.0"
	echo "Content-Type: text/plain; charset=utf-8"
	echo "Content-Transfer-Encoding: 8bit"
	echo
	echo "The next line is a single dot."
	echo "."
	echo "..two dots"
	echo ".one dot"
	echo "Grüße aus Köln"
	echo
} >"$MESSAGES/dump"
cat "$WORK/dump-prefix" "$MESSAGES/dump" >"$WORK/dump-expected"

if start_sink dump --dump "$WORK/maildir"; then
	dump_reply=$(send --from dumper@example.org --to first@example.com \
		--to second@example.net "$MESSAGES/dump" "$MESSAGES/user-unknown")
	stop_sink "$SINK_PID"
	check "dump accepted message replies 250" \
		grep -q '^250 2\.0\.0 Ok: queued as ' <<<"$dump_reply"
	check "dump bounced message replies 550" \
		grep -qx '550 5\.1\.1 <a@example\.com> no such user' <<<"$dump_reply"
	check "dump creates cur folder" test -d "$WORK/maildir/cur"
	check_eq "dump leaves tmp empty" "$(ls -A "$WORK/maildir/tmp")" ""
	shopt -s nullglob
	dumped=("$WORK"/maildir/new/*)
	shopt -u nullglob
	check_eq "dump stores only accepted" "${#dumped[@]}" 1
	check "dump file name" grep -Eqx \
		'[0-9]+\.[0-9]+_[0-9]+\.bounce-sink' <<<"$(basename "${dumped[0]}")"
	check "dumped message is exact" cmp "$WORK/dump-expected" "${dumped[0]}"
else
	fail "dump sink starts"
fi

# --- STARTTLS and AUTH -----------------------------------------------------

# spoolinject's tests 0220 and 0230 deliver through these modes; here only
# the offered keywords are checked.
if openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null; then
	printf 'tester:secret\n' >"$WORK/users"
	if start_sink secure --tls-cert "$WORK/cert.pem" \
		--tls-key "$WORK/key.pem" --auth-file "$WORK/users"; then
		features=$(send --features | tr '\n' ' ')
		stop_sink "$SINK_PID"
		check "STARTTLS offered" grep -q -w STARTTLS <<<"$features"
		check "AUTH offered only after TLS" \
			bash -c "! grep -q -w AUTH <<<'$features'"
	else
		fail "sink with --tls-cert and --auth-file starts"
	fi
	if start_sink plain-auth --auth-file "$WORK/users"; then
		features=$(send --features | tr '\n' ' ')
		stop_sink "$SINK_PID"
		check "AUTH offered in the clear without a certificate" \
			grep -q -w AUTH <<<"$features"
	else
		fail "sink with --auth-file starts"
	fi
else
	echo "# openssl cannot make a certificate, STARTTLS checks left out"
fi

# --- IPv6 loopback ---------------------------------------------------------

if "$SINK_PYTHON" -c 'import socket
socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	if start_sink ipv6 --listen '[::1]:0'; then
		check "IPv6 loopback accepts" grep -q '^250 2\.0\.0 Ok: queued as ' \
			<<<"$(send --host ::1 "$MESSAGES/plain")"
		stop_sink "$SINK_PID"
		check_eq "IPv6 sink exits 0" "$SINK_STATUS" 0
	else
		fail "IPv6 sink starts"
	fi
else
	echo "# ::1 is not available here, IPv6 checks left out"
fi

done_testing
