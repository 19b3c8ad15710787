#!/bin/bash
# spoolinject against a scripted SMTP server. The shared cases cover
# multi-line replies, pipelining, partial refusals and the DATA bytes of
# replayed Maildirs with dot lines and odd line ends. The cases below them
# cover 421, timeouts, HELO fallback, skipped files and option errors.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/scripted-lib.sh"

CASES=$SHARED/cases

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"

# copy_slot FROM TO: make a writable copy of a case Maildir. Files in its
# cur/ move to new/ without their Maildir info, because without --keep only
# new/ is sent, and these checks count the files moved to cur/.
copy_slot() {
	local file
	cp -r "$1" "$2"
	chmod -R u+w "$2"
	mkdir -p "$2/new" "$2/cur" "$2/tmp"
	for file in "$2"/cur/*; do
		[ -e "$file" ] || continue
		mv "$file" "$2/new/$(basename "${file%%:*}")"
	done
}

run_case_08() {
	local dir=$CASES/08-multiline-replies slot

	start_scripted 08a "$dir/dialogue-a.txt"
	slot=$RUN/slot
	copy_slot "$dir/spool" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--log "$RUN/log.csv" "$slot"
	check_eq "08a: exit status" "$STATUS" 0
	check_eq "08a: accepted" "$(summary accepted)" 2
	check_eq "08a: rejected" "$(summary rejected)" 1
	check_eq "08a: pending" "$(summary pending)" 0
	check_eq "08a: two-line 250 counted" "$(summary '250 2.0.0')" 2
	check_kept "08a: nothing lost" "$slot" 0 3
	check_eq "08a: answered files in cur/" \
		"$(cd "$slot/cur" && ls | tr '\n' ' ')" \
		"1704000001.M1P1.testhost:2, 1704000002.M2P1.testhost:2, 1704000003.M3P1.testhost:2, "
	check_eq "08a: three-line 550 logged whole" \
		"$(log_row "$RUN/log.csv" nouser@example.net)" \
		"550|5.1.1|The mailbox you tried to reach does not exist. / Please check the address for typing mistakes / and try again. https://help.example.net/nouser"
	check_eq "08a: two-line 250 logged whole" \
		"$(log_row "$RUN/log.csv" ok@example.net)" \
		"250|2.0.0|Ok: queued as A1 / (second line of the same reply)"
	check_eq "08a: Message-ID logged last" \
		"$(log_row "$RUN/log.csv" ok@example.net 7 7)" "<ml1@example.com>"
	check_eq "08a: SIZE offered, so sent" \
		"$(client_lines | grep -c ' SIZE=')" 3
	check_server "08a: dialogue followed" 1

	start_scripted 08b "$dir/dialogue-b.txt"
	slot=$RUN/slot
	copy_slot "$dir/spool" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 "$slot"
	check_eq "08b: exit status" "$STATUS" 75
	check_eq "08b: pending" "$(summary pending)" 3
	check_kept "08b: files stay in new/" "$slot" 3 0
	check "08b: protocol error reported" \
		grep -q 'protocol error: reply line does not start with a three-digit code' "$RUN/stderr"
	check_server "08b: one connection, no deviation" 1
}

run_case_09() {
	local dir=$CASES/09-pipelining-partial-rcpt slot

	start_scripted 09single "$dir/dialogue-no-pipelining.txt"
	slot=$RUN/slot
	copy_slot "$dir/spool-single" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 "$slot"
	check_eq "09 no pipelining: exit status" "$STATUS" 0
	check_eq "09 no pipelining: accepted" "$(summary accepted)" 1
	check_kept "09 no pipelining: nothing lost" "$slot" 0 1
	check_server "09 no pipelining: no early command" 1

	start_scripted 09partial "$dir/dialogue-partial.txt"
	slot=$RUN/slot
	copy_slot "$dir/spool-partial" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--log "$RUN/log.csv" "$slot"
	check_eq "09 partial: exit status" "$STATUS" 0
	check_eq "09 partial: accepted" "$(summary accepted)" 2
	check_eq "09 partial: a@ accepted" \
		"$(log_row "$RUN/log.csv" a@example.net)" \
		"250|2.0.0|Ok: queued as P1"
	check_eq "09 partial: b@ refused for good" \
		"$(log_row "$RUN/log.csv" b@example.net)" \
		"550|5.1.1|<b@example.net>: Recipient address rejected: User unknown"
	check_eq "09 partial: c@ deferred" \
		"$(log_row "$RUN/log.csv" c@example.net)" \
		"452|4.2.2|<c@example.net>: Mailbox full, try later"
	check_eq "09 partial: z@ accepted" \
		"$(log_row "$RUN/log.csv" z@example.net)" \
		"250|2.0.0|Ok: queued as P3"
	check_kept "09 partial: nothing lost" "$slot" 0 2
	check_server "09 partial: dialogue followed" 1

	start_scripted 09refused "$dir/dialogue-all-refused.txt"
	slot=$RUN/slot
	copy_slot "$dir/spool-refused" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--log "$RUN/log.csv" "$slot"
	check_eq "09 refused: exit status" "$STATUS" 0
	check_eq "09 refused: rejected" "$(summary rejected)" 1
	check_kept "09 refused: nothing lost" "$slot" 0 1
	check_eq "09 refused: only the dot after 354" \
		"$(client_lines | sed -n '/^DATA$/{n;p;}')" "."
	check "09 refused: body never sent" \
		bash -c "! grep -q 'MUST NEVER' '$RUN/report'"
	check_eq "09 refused: x@ logged" \
		"$(log_row "$RUN/log.csv" x@example.net)" \
		"550|5.1.1|<x@example.net>: User unknown"
	check_eq "09 refused: y@ logged" \
		"$(log_row "$RUN/log.csv" y@example.net)" \
		"550|5.1.1|<y@example.net>: User unknown"
	check_server "09 refused: RSET after the refusal" 1
}

# write_replay_script FILE SENDER RECIPIENT...: a pipelining server that
# accepts one message per recipient, in order.
write_replay_script() {
	local file=$1 sender=$2 recipient
	shift 2
	{
		echo "S: 220 replay.example.net ESMTP"
		echo "C: EHLO *"
		echo "S: 250-replay.example.net"
		echo "S: 250-PIPELINING"
		echo "S: 250-SIZE 10485760"
		echo "S: 250 8BITMIME"
		for recipient in "$@"; do
			echo "C: MAIL FROM:<$sender> SIZE=*"
			echo "S: 250 2.1.0 Ok"
			echo "C: RCPT TO:<$recipient>"
			echo "S: 250 2.1.5 Ok"
			echo "C: DATA"
			echo "S: 354 go ahead"
			echo "C: <data>"
			echo "S: 250 2.0.0 Ok"
		done
		echo "C?: QUIT"
		echo "S: 221 Bye"
		echo "@close"
	} >"$file"
}

# check_bytes LABEL GOT EXPECTED: pass when the two files are equal.
check_bytes() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "got:      $(od -An -c "$2" | head -c 600)" \
			"expected: $(od -An -c "$3" | head -c 600)"
	fi
}

# size_of_data FILE: the RFC 1870 size of DATA bytes in FILE.
size_of_data() {
	"$SINK_PYTHON" -c 'import sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\r\n")[:-2]
print(len(data) - 3 - sum(1 for line in lines if line.startswith(b"..")))' "$1"
}

run_case_16() {
	local dir=$CASES/16-replay-dot-lines slot

	write_replay_script "$WORK/16.txt" dots@example.com dots@example.net
	start_scripted 16 "$WORK/16.txt"
	slot=$RUN/slot
	copy_slot "$dir/maildir" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 "$slot"
	check_eq "16: exit status" "$STATUS" 0
	check_eq "16: accepted" "$(summary accepted)" 1
	check_kept "16: nothing lost" "$slot" 0 1
	check_bytes "16: DATA bytes dot-stuffed" "$RUN/data/conn1-data1.bin" \
		"$dir/expected-smtp-data.bin"
	check_eq "16: SIZE is that of the CRLF message" \
		"$(client_lines | sed -n 's/^MAIL .* SIZE=\([0-9]*\).*/\1/p')" \
		"$(size_of_data "$dir/expected-smtp-data.bin")"
	check_eq "16: answered name" "$(ls "$slot/cur")" \
		"1714640400.M1P8.host:2,"
	check_server "16: dialogue followed" 1
}

run_case_18() {
	local dir=$CASES/18-replay-line-endings slot

	write_replay_script "$WORK/18.txt" eol@example.com eol1@example.net \
		eol2@example.net eol3@example.net eol4@example.net \
		eol5@example.net
	start_scripted 18 "$WORK/18.txt"
	slot=$RUN/slot
	copy_slot "$dir/maildir" "$slot"
	inject --server "127.0.0.1:$PORT" --max-connections 1 "$slot"
	check_eq "18: exit status" "$STATUS" 0
	check_eq "18: accepted" "$(summary accepted)" 5
	check_kept "18: nothing lost" "$slot" 0 5
	check_eq "18: bare CR reported" "$(cat "$RUN/stderr")" \
		"spoolinject: warning: $slot/new/1714831200.M4P10.host: line 9 has a CR without LF; it is sent as a line end"
	check_bytes "18: CRLF file not doubled" "$RUN/data/conn1-data1.bin" \
		"$dir/expected/m1.smtp-data.bin"
	check_bytes "18: unterminated last line ended" \
		"$RUN/data/conn1-data3.bin" "$dir/expected/m3.smtp-data.bin"
	check_bytes "18: empty last line kept" "$RUN/data/conn1-data5.bin" \
		"$dir/expected/m5.smtp-data.bin"
	printf '%s\r\n' "Body uses LF." \
		"This line ends with two CRs before the LF." "Last line." \
		. >"$WORK/m2.tail"
	check_eq "18: CR CR LF sent as one CRLF" \
		"$(tail -c "$(wc -c <"$WORK/m2.tail")" "$RUN/data/conn1-data2.bin" | od -An -c)" \
		"$(od -An -c "$WORK/m2.tail")"
	printf '%s\r\n' "progress 10%" "progress 20%" "done" . >"$WORK/m4.tail"
	check_eq "18: bare CR sent as CRLF" \
		"$(tail -c "$(wc -c <"$WORK/m4.tail")" "$RUN/data/conn1-data4.bin" | od -An -c)" \
		"$(od -An -c "$WORK/m4.tail")"
	check "18: no CR without LF on the wire" "$SINK_PYTHON" -c 'import re, sys
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    if re.search(rb"\r(?!\n)|(?<!\r)\n|\r\r", data):
        sys.exit(name)' "$RUN"/data/*.bin
	check_eq "18: SIZE of the unterminated file" \
		"$(client_lines | sed -n 's/^MAIL .* SIZE=\([0-9]*\).*/\1/p' | sed -n 3p)" \
		"$(size_of_data "$dir/expected/m3.smtp-data.bin")"
	check_server "18: dialogue followed" 1
}

if [ -d "$CASES" ]; then
	run_case_08
	run_case_09
	run_case_16
	run_case_18
else
	echo "# $CASES is absent: the shared dialogue cases are skipped"
fi

# 421 to MAIL: the message goes back and is sent on a new connection.
cat >"$WORK/421.txt" <<'EOF'
S: 220 busy.example.net ESMTP
C: EHLO *
S: 250 busy.example.net
C: MAIL FROM:<sender@example.com>*
S: 421 4.3.2 Too busy, closing
C?: QUIT
@close
@next-connection
S: 220 busy.example.net ESMTP
C: EHLO *
S: 250 busy.example.net
C: MAIL FROM:<sender@example.com>*
S: 250 2.1.0 Ok
C: RCPT TO:<r@example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 go ahead
C: <data>
S: 250 2.0.0 Ok
C?: QUIT
S: 221 Bye
@close
EOF
start_scripted 421 "$WORK/421.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
inject --server "127.0.0.1:$PORT" --max-connections 1 "$RUN/slot"
check_eq "421: exit status" "$STATUS" 0
check_eq "421: accepted on the second connection" "$(summary accepted)" 1
check "421: reported" grep -q '421 Too busy, closing' "$RUN/stderr"
check_server "421: two connections" 2

# A dropped connection after the data, on every attempt: the message is
# tried INJECT_QUEUE_ATTEMPTS_MAX (3) times and then stays in new/.
{
	for attempt in 1 2 3; do
		[ "$attempt" = 1 ] || echo "@next-connection"
		cat <<'EOF'
S: 220 flaky.example.net ESMTP
C: EHLO *
S: 250 flaky.example.net
C: MAIL FROM:<sender@example.com>*
S: 250 2.1.0 Ok
C: RCPT TO:<r@example.net>
S: 250 2.1.5 Ok
C: DATA
S: 354 go ahead
C: <data>
@close
EOF
	done
} >"$WORK/drop.txt"
start_scripted drop "$WORK/drop.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
inject --server "127.0.0.1:$PORT" --max-connections 1 "$RUN/slot"
check_eq "drop: exit status" "$STATUS" 75
check_eq "drop: pending" "$(summary pending)" 1
check_eq "drop: still in new/" "$(count_files "$RUN/slot/new")" 1
check "drop: gave up after three attempts" \
	grep -q 'no final reply after 3 attempts' "$RUN/stderr"
check_server "drop: three connections" 3

# Greeting later than --timeout: the session times out, nothing is lost.
cat >"$WORK/slow.txt" <<'EOF'
@sleep 2
S: 220 slow.example.net ESMTP
C?: QUIT
@close
EOF
start_scripted slow "$WORK/slow.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
started=$SECONDS
inject --server "127.0.0.1:$PORT" --max-connections 1 --timeout 1 \
	"$RUN/slot"
check_eq "timeout: exit status" "$STATUS" 75
check "timeout: reported" grep -q 'timed out after 1 s waiting for the reply to greeting' "$RUN/stderr"
check "timeout: gave up within 3 s" test $((SECONDS - started)) -le 3
check_eq "timeout: still in new/" "$(count_files "$RUN/slot/new")" 1
check_server "timeout: one connection" 1

# EHLO refused: HELO instead, and no ESMTP parameters after MAIL.
cat >"$WORK/helo.txt" <<'EOF'
S: 220 old.example.net SMTP
C: EHLO *
S: 502 5.5.2 Command not recognized
C: HELO *
S: 250 old.example.net
@strict-sync
C: MAIL FROM:<sender@example.com>
S: 250 Ok
C: RCPT TO:<r@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
C: <data>
S: 250 Ok
C: MAIL FROM:<sender@example.com>
S: 250 Ok
C: RCPT TO:<s@example.net>
S: 550 No such user
C: RSET
S: 250 Ok
C?: QUIT
S: 221 Bye
@close
EOF
start_scripted helo "$WORK/helo.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
make_message "$RUN/slot" 1000.M2P1.host s@example.net
inject --server "127.0.0.1:$PORT" --max-connections 1 --helo client.test \
	"$RUN/slot"
check_eq "HELO: exit status" "$STATUS" 0
check_eq "HELO: accepted" "$(summary accepted)" 1
check_eq "HELO: rejected" "$(summary rejected)" 1
check_eq "HELO: --helo name used" "$(client_lines | sed -n 2p)" \
	"HELO client.test"
check_server "HELO: dialogue followed" 1

# --messages-per-connection 1 with two messages: QUIT, then a new session.
cat >"$WORK/per-connection.txt" <<'EOF'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 PIPELINING
C: MAIL FROM:<sender@example.com>
C: RCPT TO:<r@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 354 go ahead
C: <data>
S: 250 Ok
C: QUIT
S: 221 Bye
@expect-eof
@next-connection
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 PIPELINING
C: MAIL FROM:<sender@example.com>
C: RCPT TO:<s@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 354 go ahead
C: <data>
S: 250 Ok
C: QUIT
S: 221 Bye
@expect-eof
EOF
start_scripted per-connection "$WORK/per-connection.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
make_message "$RUN/slot" 1000.M2P1.host s@example.net
inject --server "127.0.0.1:$PORT" --max-connections 1 \
	--messages-per-connection 1 "$RUN/slot"
check_eq "per connection: exit status" "$STATUS" 0
check_eq "per connection: accepted" "$(summary accepted)" 2
check_server "per connection: two sessions, each with QUIT" 2

# Files that are not messages: skipped with a warning and not counted.
# Messages without recipients are rejected when claimed, so the session
# has nothing to send and only sends QUIT.
cat >"$WORK/skip.txt" <<'EOF'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250 mx.example.net
C: QUIT
S: 221 Bye
@expect-eof
EOF
start_scripted skip "$WORK/skip.txt"
slot=$RUN/slot
make_message "$slot" 1000.M1P1.host ""
printf 'From: sender@example.com\nSubject: none\n\nBody.\n' \
	>"$slot/new/1000.M2P1.host"
: >"$slot/new/1000.M3P1.host"
ln -s 1000.M2P1.host "$slot/new/1000.M4P1.host"
mkdir "$slot/new/1000.M5P1.host"
touch "$slot/new/.keep"
inject --server "127.0.0.1:$PORT" --max-connections 1 --log "$RUN/log.csv" \
	"$slot"
check_eq "skip: exit status" "$STATUS" 0
check_eq "skip: rejected" "$(summary rejected)" 2
check_eq "skip: pending" "$(summary pending)" 0
check "skip: empty file warned" grep -q '1000.M3P1.host: empty file' \
	"$RUN/stderr"
check "skip: symbolic link warned" \
	grep -q '1000.M4P1.host: symbolic link' "$RUN/stderr"
check "skip: folder warned" grep -q '1000.M5P1.host: not a regular file' \
	"$RUN/stderr"
check "skip: dot-file not warned" bash -c "! grep -q keep '$RUN/stderr'"
check_eq "skip: invalid messages moved" "$(ls "$slot/cur" | tr '\n' ' ')" \
	"1000.M1P1.host:2, 1000.M2P1.host:2, "
check_eq "skip: reason logged" \
	"$(cut -d, -f3- "$RUN/log.csv" | sort | tr '\n' ' ')" \
	'"1000.M1P1.host","","","","no recipient address in To, Cc or Bcc","" "1000.M2P1.host","","","","no recipient address in To, Cc or Bcc","" '
check_server "skip: session with QUIT only" 1

# --add-header inserts fields at the top; bad values are usage errors.
cat >"$WORK/add-header.txt" <<'EOF'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250 mx.example.net
C: MAIL FROM:<sender@example.com>
S: 250 Ok
C: RCPT TO:<r@example.net>
S: 250 Ok
C: DATA
S: 354 go ahead
C: <data>
S: 250 Ok
C?: QUIT
S: 221 Bye
@close
EOF
start_scripted add-header "$WORK/add-header.txt"
make_message "$RUN/slot" 1000.M1P1.host r@example.net
inject --server "127.0.0.1:$PORT" --add-header "X-Campaign=spring sale" \
	--add-header "X-Empty=" "$RUN/slot"
check_eq "add-header: exit status" "$STATUS" 0
check_eq "add-header: fields first" \
	"$(head -n 3 "$RUN/data/conn1-data1.bin" | tr -d '\r')" \
	"$(printf 'X-Campaign: spring sale\nX-Empty: \nFrom: sender@example.com')"
check_server "add-header: dialogue followed" 1

RUN=$WORK/usage
mkdir -p "$RUN"
inject --add-header "Bad Name=x" "$RUN"
check_eq "usage: bad field name status" "$STATUS" 64
check "usage: bad field name named" grep -q '"Bad Name=x"' "$RUN/stderr"
inject --add-header "$(printf 'X-Test=a\nb')" "$RUN"
check_eq "usage: newline in value status" "$STATUS" 64
check "usage: newline in value named" grep -q 'must not contain CR or LF' \
	"$RUN/stderr"
inject --max-connections 0 "$RUN"
check_eq "usage: zero connections status" "$STATUS" 64
check "usage: one-line usage printed" grep -q '^usage: spoolinject ' \
	"$RUN/stderr"
inject --server "[::1" "$RUN"
check_eq "usage: unclosed bracket status" "$STATUS" 64
inject --server "host:99999" "$RUN"
check_eq "usage: port out of range status" "$STATUS" 64
for server in ::1:20300 ::1 fe80::1:25; do
	inject --server "$server" "$RUN"
	check_eq "usage: IPv6 $server without brackets status" "$STATUS" 64
	check "usage: IPv6 $server without brackets explained" grep -q -F \
		"invalid --server value \"$server\": write an IPv6 address in brackets: [ADDRESS]:PORT" \
		"$RUN/stderr"
done
inject --frobnicate "$RUN"
check_eq "usage: unknown option status" "$STATUS" 64
check_eq "usage: unknown option named" "$(head -n 1 "$RUN/stderr")" \
	"spoolinject: unknown option --frobnicate"
inject -h
check_eq "usage: -h status" "$STATUS" 64
check_eq "usage: -h named without the path" "$(head -n 1 "$RUN/stderr")" \
	"spoolinject: unknown option -h"
inject "$RUN" --server
check_eq "usage: missing value status" "$STATUS" 64
check_eq "usage: missing value named" "$(head -n 1 "$RUN/stderr")" \
	"spoolinject: option --server needs a value"
inject --version
check_eq "usage: --version status" "$STATUS" 0
check_eq "usage: --version output" "$(cat "$RUN/stdout")" \
	"spoolinject $(sed -n 's/^VERSION = //p' "$TOP/Makefile")"
inject
check_eq "usage: no folder status" "$STATUS" 64
inject --help
check_eq "usage: --help status" "$STATUS" 0
for option in --server --max-connections --messages-per-connection \
	--add-header --helo --timeout --log --help; do
	check "usage: --help lists $option" grep -q -- "^  $option" \
		"$RUN/stdout"
done
inject "$WORK/no-such-spool"
check_eq "usage: missing folder status" "$STATUS" 66
check "usage: missing folder named" grep -q "$WORK/no-such-spool" \
	"$RUN/stderr"
inject --server "no-such-host.invalid:2525" "$WORK/skip/slot" "$WORK/421/slot"
check_eq "usage: nothing pending needs no server" "$STATUS" 0
make_message "$RUN/slot" 1000.M1P1.host r@example.net
inject --server "no-such-host.invalid:2525" "$RUN/slot"
check_eq "usage: unresolvable server status" "$STATUS" 69

done_testing
