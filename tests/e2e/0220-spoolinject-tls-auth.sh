#!/bin/bash
# spoolinject with STARTTLS and AUTH. The shared case covers a capability
# list that changes after TLS, a refused STARTTLS and odd AUTH LOGIN
# prompts. The bounce sink serves the certificate checks and rejected
# credentials. Scripted dialogues cover --starttls always, CRAM-MD5 and
# the PLAIN fallback to the challenge flow. The password must stay out
# of every output and out of ps.
source "$(dirname "$0")/lib.sh"
source "$TOP/tests/e2e/scripted-lib.sh"

CASE=$SHARED/cases/11-starttls-and-auth-login
SINK=$TOP/tools/bounce-sink
PASSWORD='s3cret pass'
# Base64 of NUL "sinkuser" NUL "s3cret pass", the AUTH PLAIN response.
PLAIN_RESPONSE=AHNpbmt1c2VyAHMzY3JldCBwYXNz

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
"$SINK_PYTHON" -c 'import aiosmtpd' 2>/dev/null ||
	skip_all "$SINK_PYTHON cannot import aiosmtpd (install python3-aiosmtpd)"

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null ||
	skip_all "openssl cannot make a test certificate"
TLS_FILES=(--tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem")
printf '%s\n' "$PASSWORD" >"$WORK/password"
printf 'wrong password\n' >"$WORK/wrong-password"
printf 'sinkuser:%s\n' "$PASSWORD" >"$WORK/users"
CREDENTIALS=(--auth-user sinkuser --auth-pass-file "$WORK/password")

# slot_with_message SLOT: a Maildir with one message to r@example.net.
slot_with_message() {
	make_message "$1" 1000.M1P1.host r@example.net
}

# case_slot: a writable copy of the case's spool in $RUN/slot.
case_slot() {
	cp -r "$CASE/spool" "$RUN/slot"
	chmod -R u+w "$RUN/slot"
	mkdir -p "$RUN/slot/cur" "$RUN/slot/tmp"
}

# check_secret_hidden LABEL: pass when neither the password nor the PLAIN
# response is in the last run's standard output, standard error or log.
check_secret_hidden() {
	local file found=
	for file in "$RUN/stdout" "$RUN/stderr" "$RUN/log.csv"; do
		[ -e "$file" ] || continue
		if grep -q -F -e "$PASSWORD" -e "$PLAIN_RESPONSE" \
			-e czNjcmV0IHBhc3M= "$file"; then
			found="$found $file"
		fi
	done
	if [ -z "$found" ]; then
		pass "$1"
	else
		fail "$1" "password found in:$found"
	fi
}

run_case_11() {
	local strict

	# AUTH is offered only after TLS, and PIPELINING only before it.
	start_scripted 11tls "$CASE/dialogue-starttls-then-auth.txt" \
		"${TLS_FILES[@]}"
	case_slot
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--log "$RUN/log.csv" "${CREDENTIALS[@]}" "$RUN/slot"
	check_eq "11 STARTTLS then AUTH: exit status" "$STATUS" 0
	check_eq "11 STARTTLS then AUTH: accepted" "$(summary accepted)" 1
	check_kept "11 STARTTLS then AUTH: delivered" "$RUN/slot" 0 1
	check_eq "11 STARTTLS then AUTH: EHLO again after TLS" \
		"$(client_lines | sed -n '1,5p' | sed 's/^EHLO .*/EHLO/' | tr '\n' ' ')" \
		"EHLO STARTTLS <tls> EHLO AUTH LOGIN "
	check_eq "11 STARTTLS then AUTH: logged" \
		"$(log_row "$RUN/log.csv" tls@example.net)" "250|2.0.0|queued T1"
	check_secret_hidden "11 STARTTLS then AUTH: password hidden"
	check_server "11 STARTTLS then AUTH: dialogue followed" 1

	# The same with a server that punishes pipelining after TLS: the
	# PIPELINING offered in the clear must be forgotten.
	strict=$WORK/starttls-then-auth-strict.txt
	sed '/^@tls$/a @strict-sync' "$CASE/dialogue-starttls-then-auth.txt" \
		>"$strict"
	start_scripted 11strict "$strict" "${TLS_FILES[@]}"
	case_slot
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		"${CREDENTIALS[@]}" "$RUN/slot"
	check_eq "11 capabilities forgotten: exit status" "$STATUS" 0
	check_server "11 capabilities forgotten: no pipelining after TLS" 1

	# STARTTLS refused with credentials and the default --starttls auto:
	# TLS is required, so the session ends without AUTH or MAIL.
	sed -n '/^# --- from here only/q;p' \
		"$CASE/dialogue-starttls-refused.txt" >"$WORK/refused.txt"
	printf 'C?: QUIT\nS: 221 Bye\n@close\n' >>"$WORK/refused.txt"
	start_scripted 11required "$WORK/refused.txt"
	case_slot
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--log "$RUN/log.csv" "${CREDENTIALS[@]}" "$RUN/slot"
	check_eq "11 STARTTLS refused, TLS required: exit status" "$STATUS" 75
	check_eq "11 STARTTLS refused, TLS required: pending" \
		"$(summary pending)" 1
	check_kept "11 STARTTLS refused, TLS required: kept in new/" \
		"$RUN/slot" 1 0
	check_eq "11 STARTTLS refused, TLS required: no AUTH or MAIL" \
		"$(client_lines | sed 's/^EHLO .*/EHLO/' | tr '\n' ' ')" \
		"EHLO STARTTLS QUIT "
	check "11 STARTTLS refused, TLS required: reported" grep -q -F \
		"STARTTLS refused: 454 TLS not available due to temporary reason" \
		"$RUN/stderr"
	check_eq "11 STARTTLS refused, TLS required: nothing logged" \
		"$(cat "$RUN/log.csv")" ""
	check_server "11 STARTTLS refused, TLS required: dialogue followed" 1

	# The same with --starttls opportunistic: on in the clear, one
	# warning, and AUTH PLAIN (preferred to LOGIN) with its response.
	start_scripted 11opportunistic "$CASE/dialogue-starttls-refused.txt"
	case_slot
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--starttls opportunistic "${CREDENTIALS[@]}" "$RUN/slot"
	check_eq "11 STARTTLS refused, opportunistic: exit status" "$STATUS" 0
	check_eq "11 STARTTLS refused, opportunistic: accepted" \
		"$(summary accepted)" 1
	check_kept "11 STARTTLS refused, opportunistic: delivered" \
		"$RUN/slot" 0 1
	check_eq "11 STARTTLS refused, opportunistic: one warning" \
		"$(cat "$RUN/stderr")" \
		"spoolinject: warning: 127.0.0.1:$PORT: STARTTLS refused: 454 TLS not available due to temporary reason; going on without TLS (warned once per run)"
	check_eq "11 STARTTLS refused, opportunistic: AUTH PLAIN" \
		"$(client_lines | sed -n 3p)" "AUTH PLAIN $PLAIN_RESPONSE"
	check_secret_hidden "11 STARTTLS refused, opportunistic: password hidden"
	check_server "11 STARTTLS refused, opportunistic: dialogue followed" 1

	# AUTH LOGIN with an empty first prompt and "Password\0" as the
	# second, on a connection where TLS is switched off.
	start_scripted 11login "$CASE/dialogue-auth-login-odd-prompts.txt"
	case_slot
	inject --server "127.0.0.1:$PORT" --max-connections 1 \
		--starttls never "${CREDENTIALS[@]}" "$RUN/slot"
	check_eq "11 AUTH LOGIN odd prompts: exit status" "$STATUS" 0
	check_eq "11 AUTH LOGIN odd prompts: accepted" "$(summary accepted)" 1
	check_kept "11 AUTH LOGIN odd prompts: delivered" "$RUN/slot" 0 1
	check_secret_hidden "11 AUTH LOGIN odd prompts: password hidden"
	check_server "11 AUTH LOGIN odd prompts: dialogue followed" 1

	# 535: a configuration error. The run stops after one session, with
	# exit status 77 and the message left pending.
	start_scripted 11rejected "$CASE/dialogue-auth-535.txt"
	case_slot
	make_message "$RUN/slot" 1704000202.M2P4.testhost other@example.net
	inject --server "127.0.0.1:$PORT" --max-connections 4 \
		--starttls never --log "$RUN/log.csv" "${CREDENTIALS[@]}" \
		"$RUN/slot"
	check_eq "11 AUTH 535: exit status" "$STATUS" 77
	check_eq "11 AUTH 535: pending" "$(summary pending)" 2
	check_kept "11 AUTH 535: nothing moved" "$RUN/slot" 2 0
	check_eq "11 AUTH 535: error names server and reply" \
		"$(tail -n 1 "$RUN/stderr")" \
		"spoolinject: fatal: authentication as sinkuser failed at 127.0.0.1:$PORT: 535 5.7.8 Authentication credentials invalid; every unsent message stays pending"
	check_eq "11 AUTH 535: nothing logged" "$(cat "$RUN/log.csv")" ""
	check_secret_hidden "11 AUTH 535: password hidden"
	check_server "11 AUTH 535: one connection only" 1
}

if [ -d "$CASE" ]; then
	run_case_11
else
	echo "# $CASE is absent: the shared STARTTLS and AUTH case is skipped"
fi

# The default --starttls auto with credentials and a server that does
# not offer STARTTLS: no AUTH in the clear.
cat >"$WORK/no-starttls-auth.txt" <<'SCRIPT'
S: 220 plain.example.net ESMTP
C: EHLO *
S: 250-plain.example.net
S: 250 AUTH PLAIN LOGIN
C: QUIT
S: 221 Bye
@close
SCRIPT
start_scripted no-starttls-auth "$WORK/no-starttls-auth.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" "${CREDENTIALS[@]}" "$RUN/slot"
check_eq "auto with credentials, no STARTTLS: exit status" "$STATUS" 75
check_kept "auto with credentials, no STARTTLS: kept" "$RUN/slot" 1 0
check "auto with credentials, no STARTTLS: reported" grep -q -F \
	"credentials are sent only over TLS unless --starttls is opportunistic or never, but the server does not offer STARTTLS" \
	"$RUN/stderr"
check_server "auto with credentials, no STARTTLS: QUIT, no AUTH" 1

# --starttls always against a server without STARTTLS.
cat >"$WORK/no-starttls.txt" <<'SCRIPT'
S: 220 plain.example.net ESMTP
C: EHLO *
S: 250-plain.example.net
S: 250 8BITMIME
C: QUIT
S: 221 Bye
@close
SCRIPT
start_scripted always "$WORK/no-starttls.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" --starttls always "$RUN/slot"
check_eq "--starttls always, not offered: exit status" "$STATUS" 75
check_eq "--starttls always, not offered: pending" "$(summary pending)" 1
check_kept "--starttls always, not offered: kept" "$RUN/slot" 1 0
check "--starttls always, not offered: reported" grep -q -F \
	"127.0.0.1:$PORT: --starttls always requires TLS, but the server does not offer STARTTLS" \
	"$RUN/stderr"
check_server "--starttls always, not offered: no MAIL" 1

# --tls-verify makes the default --starttls auto require TLS.
start_scripted verify-no-starttls "$WORK/no-starttls.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" --tls-verify "$RUN/slot"
check_eq "--tls-verify, not offered: exit status" "$STATUS" 75
check_kept "--tls-verify, not offered: kept" "$RUN/slot" 1 0
check "--tls-verify, not offered: reported" grep -q -F -e \
	"--tls-verify requires TLS unless --starttls is opportunistic, but the server does not offer STARTTLS" \
	"$RUN/stderr"
check_server "--tls-verify, not offered: no MAIL" 1

# --starttls always with STARTTLS refused.
cat >"$WORK/always-refused.txt" <<'SCRIPT'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 STARTTLS
C: STARTTLS
S: 454 4.7.0 TLS not available due to temporary reason
C: QUIT
S: 221 Bye
@close
SCRIPT
start_scripted always-refused "$WORK/always-refused.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" --starttls always "$RUN/slot"
check_eq "--starttls always, refused: exit status" "$STATUS" 75
check_kept "--starttls always, refused: kept" "$RUN/slot" 1 0
check_server "--starttls always, refused: no MAIL" 1

# A server that accepts STARTTLS and then never does the handshake: the
# handshake times out under --timeout.
cat >"$WORK/stalled-handshake.txt" <<'SCRIPT'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 STARTTLS
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
@sleep 3
@close
SCRIPT
start_scripted stalled-handshake "$WORK/stalled-handshake.txt"
slot_with_message "$RUN/slot"
started=$SECONDS
inject --server "127.0.0.1:$PORT" --timeout 1 "$RUN/slot"
check_eq "stalled handshake: exit status" "$STATUS" 75
check "stalled handshake: reported" grep -q -F \
	"TLS handshake timed out after 1 s" "$RUN/stderr"
check "stalled handshake: gave up within 3 s" test $((SECONDS - started)) -le 3
check_kept "stalled handshake: kept" "$RUN/slot" 1 0
check_server "stalled handshake: one connection" 1

# Replies sent in the clear right behind the 220 to STARTTLS must not be
# taken as replies sent through TLS (a STARTTLS command injection).
cat >"$WORK/injected.txt" <<'SCRIPT'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 STARTTLS
C: STARTTLS
S(raw): 220 2.0.0 Ready to start TLS\r\n250-injected\r\n250 AUTH PLAIN\r\n
@close
SCRIPT
start_scripted injected "$WORK/injected.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" "$RUN/slot"
check_eq "bytes after the STARTTLS reply: exit status" "$STATUS" 75
check "bytes after the STARTTLS reply: reported" grep -q -F \
	"protocol error: the server sent more data after its reply to STARTTLS" \
	"$RUN/stderr"
check_kept "bytes after the STARTTLS reply: kept" "$RUN/slot" 1 0
check_server "bytes after the STARTTLS reply: one connection" 1

# CRAM-MD5 is preferred on a plain connection; the expected response is
# computed here with Python's hmac module.
CHALLENGE='<4711.1733330000@cram.example.net>'
CHALLENGE_B64=$(printf '%s' "$CHALLENGE" | base64 -w0)
CRAM_RESPONSE=$("$SINK_PYTHON" -c 'import base64, hmac, sys
digest = hmac.new(sys.argv[2].encode(), sys.argv[3].encode(), "md5")
print(base64.b64encode(f"{sys.argv[1]} {digest.hexdigest()}".encode())
      .decode())' sinkuser "$PASSWORD" "$CHALLENGE")
cat >"$WORK/cram.txt" <<SCRIPT
S: 220 cram.example.net ESMTP
C: EHLO *
S: 250-cram.example.net
S: 250 AUTH LOGIN PLAIN CRAM-MD5
C: AUTH CRAM-MD5
S: 334 $CHALLENGE_B64
C: $CRAM_RESPONSE
S: 235 2.7.0 Authentication successful
C: MAIL FROM:<sender@example.com>
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
SCRIPT
start_scripted cram "$WORK/cram.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" --starttls never --log "$RUN/log.csv" \
	"${CREDENTIALS[@]}" "$RUN/slot"
check_eq "CRAM-MD5: exit status" "$STATUS" 0
check_eq "CRAM-MD5: accepted" "$(summary accepted)" 1
check_secret_hidden "CRAM-MD5: password hidden"
check_server "CRAM-MD5: response as computed" 1

# AUTH PLAIN whose initial response is rejected: one retry with the
# challenge flow. The password comes from the environment here.
cat >"$WORK/plain-fallback.txt" <<SCRIPT
S: 220 ir.example.net ESMTP
C: EHLO *
S: 250-ir.example.net
S: 250 AUTH PLAIN
C: AUTH PLAIN $PLAIN_RESPONSE
S: 501 5.5.2 Initial response not supported
C: AUTH PLAIN
S: 334 
C: $PLAIN_RESPONSE
S: 235 2.7.0 Authentication successful
C: MAIL FROM:<sender@example.com>
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
SCRIPT
start_scripted plain-fallback "$WORK/plain-fallback.txt"
slot_with_message "$RUN/slot"
SPOOLINJECT_PASSWORD=$PASSWORD inject --server "127.0.0.1:$PORT" \
	--starttls never --auth-user sinkuser "$RUN/slot"
check_eq "PLAIN fallback: exit status" "$STATUS" 0
check_eq "PLAIN fallback: accepted" "$(summary accepted)" 1
check_secret_hidden "PLAIN fallback: password hidden"
check_server "PLAIN fallback: challenge flow after 501" 1

# A 4xx to AUTH fails only the session: the message stays pending.
cat >"$WORK/auth-4xx.txt" <<'SCRIPT'
S: 220 busy.example.net ESMTP
C: EHLO *
S: 250-busy.example.net
S: 250 AUTH LOGIN
C: AUTH LOGIN
S: 454 4.7.0 Temporary authentication failure
C?: QUIT
@close
SCRIPT
start_scripted auth-4xx "$WORK/auth-4xx.txt"
slot_with_message "$RUN/slot"
inject --server "127.0.0.1:$PORT" --starttls never "${CREDENTIALS[@]}" \
	"$RUN/slot"
check_eq "AUTH 454: exit status" "$STATUS" 75
check_kept "AUTH 454: kept" "$RUN/slot" 1 0
check "AUTH 454: reported" grep -q -F \
	"AUTH failed: 454 Temporary authentication failure" "$RUN/stderr"
check_server "AUTH 454: one connection" 1

# The bounce sink with STARTTLS and AUTH: the default --starttls auto
# upgrades, then authenticates over TLS.
RUN=$WORK/sink
mkdir -p "$RUN"
start_server "$SINK_PYTHON" "$SINK" --listen 127.0.0.1:0 --port-file \
	"$RUN/port" "${TLS_FILES[@]}" --require-starttls \
	--auth-file "$WORK/users" --dump "$RUN/dump" --quiet \
	>"$RUN/sink.stdout" 2>"$RUN/sink.stderr"
SINK_PID=$SERVER_PID
for ((i = 0; i < 200; i++)); do
	[ -s "$RUN/port" ] && break
	sleep 0.05
done
PORT=$(cat "$RUN/port")

slot_with_message "$RUN/right"
inject --server "127.0.0.1:$PORT" --log "$RUN/log.csv" "${CREDENTIALS[@]}" \
	"$RUN/right"
check_eq "sink, right password: exit status" "$STATUS" 0
check_eq "sink, right password: accepted" "$(summary accepted)" 1
check_kept "sink, right password: delivered" "$RUN/right" 0 1
check_eq "sink, right password: stored by the sink" \
	"$(count_files "$RUN/dump/new")" 1
check_secret_hidden "sink, right password: password hidden"

slot_with_message "$RUN/wrong"
make_message "$RUN/wrong" 1000.M2P1.host s@example.net
inject --server "127.0.0.1:$PORT" --max-connections 2 --log "$RUN/log.csv" \
	--auth-user sinkuser --auth-pass-file "$WORK/wrong-password" \
	"$RUN/wrong"
check_eq "sink, wrong password: exit status" "$STATUS" 77
check_kept "sink, wrong password: nothing moved" "$RUN/wrong" 2 0
check "sink, wrong password: error names the reply" grep -q -F \
	"fatal: authentication as sinkuser failed at 127.0.0.1:$PORT: 535 5.7.8 Authentication credentials invalid" \
	"$RUN/stderr"
check "sink, wrong password: not in the output" bash -c \
	"! grep -q -F 'wrong password' '$RUN/stdout' '$RUN/stderr' '$RUN/log.csv'"

slot_with_message "$RUN/untrusted"
inject --server "localhost:$PORT" --tls-verify "$RUN/untrusted"
check_eq "--tls-verify, untrusted: exit status" "$STATUS" 75
check_kept "--tls-verify, untrusted: kept" "$RUN/untrusted" 1 0
check "--tls-verify, untrusted: reported" grep -q \
	"TLS handshake failed: certificate verification failed: self-signed certificate" \
	"$RUN/stderr"

slot_with_message "$RUN/wrong-name"
inject --server "127.0.0.1:$PORT" --tls-verify --tls-ca "$WORK/cert.pem" \
	"$RUN/wrong-name"
check_eq "--tls-ca, address not in the certificate: exit status" \
	"$STATUS" 75
check "--tls-ca, address not in the certificate: reported" grep -q \
	"certificate verification failed: IP address mismatch" "$RUN/stderr"

slot_with_message "$RUN/trusted"
inject --server "localhost:$PORT" --tls-verify --tls-ca "$WORK/cert.pem" \
	"${CREDENTIALS[@]}" "$RUN/trusted"
check_eq "--tls-ca, trusted: exit status" "$STATUS" 0
check_kept "--tls-ca, trusted: delivered" "$RUN/trusted" 0 1
stop_server "$SINK_PID"

# --auth-pass still works for the prototype's sake, with a warning, and
# the password is gone from /proc/PID/cmdline while spoolinject runs.
cat >"$WORK/stall.txt" <<'SCRIPT'
@sleep 4
S: 220 slow.example.net ESMTP
C?: QUIT
@close
SCRIPT
start_scripted stall "$WORK/stall.txt"
slot_with_message "$RUN/slot"
"$SPOOLINJECT" --server "127.0.0.1:$PORT" --timeout 2 --starttls never \
	--auth-user sinkuser --auth-pass "$PASSWORD" "$RUN/slot" \
	>"$RUN/stdout" 2>"$RUN/stderr" &
INJECT_PID=$!
server_pids+=("$INJECT_PID")
for ((i = 0; i < 100; i++)); do
	[ -s "$RUN/stderr" ] && break
	sleep 0.02
done
sleep 0.2
tr '\0' ' ' <"/proc/$INJECT_PID/cmdline" >"$RUN/cmdline" 2>/dev/null
STATUS=0
wait "$INJECT_PID" || STATUS=$?
check "--auth-pass: process inspected" grep -q -e '--auth-pass' "$RUN/cmdline"
check "--auth-pass: password wiped from cmdline" bash -c \
	"! grep -q -F '$PASSWORD' '$RUN/cmdline'"
check "--auth-pass: warned" grep -q -F \
	"warning: --auth-pass shows the password to every user" "$RUN/stderr"
check_eq "--auth-pass: exit status after the timeout" "$STATUS" 75
check_secret_hidden "--auth-pass: password hidden"
stop_server "$RUN_SERVER"

# Option errors.
RUN=$WORK/usage
mkdir -p "$RUN"
slot_with_message "$RUN/slot"
inject --auth-user sinkuser "$RUN/slot"
check_eq "usage: --auth-user without a password" "$STATUS" 64
check "usage: password sources named" grep -q -F -e \
	"--auth-pass-file FILE or the environment variable SPOOLINJECT_PASSWORD" \
	"$RUN/stderr"
inject --auth-pass-file "$WORK/password" "$RUN/slot"
check_eq "usage: password without --auth-user" "$STATUS" 64
inject --tls-ca "$WORK/cert.pem" "$RUN/slot"
check_eq "usage: --tls-ca without --tls-verify" "$STATUS" 64
inject --starttls sometimes "$RUN/slot"
check_eq "usage: invalid --starttls" "$STATUS" 64
inject --starttls never --tls-verify "$RUN/slot"
check_eq "usage: --tls-verify with --starttls never" "$STATUS" 64
inject --auth-user sinkuser --auth-pass-file "$WORK/no-such-file" \
	"$RUN/slot"
check_eq "usage: missing password file" "$STATUS" 66
printf '\nsecond line\n' >"$WORK/empty-first-line"
inject --auth-user sinkuser --auth-pass-file "$WORK/empty-first-line" \
	"$RUN/slot"
check_eq "usage: empty first line in password file" "$STATUS" 65
inject --server 127.0.0.1:9 --tls-verify --tls-ca "$WORK/no-such-ca.pem" \
	"$RUN/slot"
check_eq "usage: missing --tls-ca file" "$STATUS" 66
check "usage: missing --tls-ca file named" grep -q -F \
	"open --tls-ca $WORK/no-such-ca.pem: No such file or directory" \
	"$RUN/stderr"
printf 'not a certificate\n' >"$WORK/not-a-ca.pem"
inject --server 127.0.0.1:9 --tls-verify --tls-ca "$WORK/not-a-ca.pem" \
	"$RUN/slot"
check_eq "usage: --tls-ca file without certificates" "$STATUS" 78
check "usage: --tls-ca file without certificates named" grep -q -F \
	"load trusted certificates from $WORK/not-a-ca.pem" "$RUN/stderr"

# A FIFO or a folder in place of an input file is rejected at once with
# EX_NOINPUT. timeout ends a run that blocks in open(), with SIGKILL
# because a blocked run may have blocked SIGTERM.
mkfifo "$WORK/fifo"
STATUS=0
timeout -s KILL 20 "$SPOOLINJECT" --auth-user sinkuser \
	--auth-pass-file "$WORK/fifo" "$RUN/slot" >"$RUN/stdout" \
	2>"$RUN/stderr" || STATUS=$?
check_eq "usage: FIFO as --auth-pass-file" "$STATUS" 66
check "usage: FIFO as --auth-pass-file named" grep -q -F -- \
	"--auth-pass-file $WORK/fifo: is not a regular file: expected a regular file" \
	"$RUN/stderr"
inject --auth-user sinkuser --auth-pass-file "$WORK" "$RUN/slot"
check_eq "usage: folder as --auth-pass-file" "$STATUS" 66
check "usage: folder as --auth-pass-file named" grep -q -F -- \
	"--auth-pass-file $WORK: is a directory: expected a regular file" \
	"$RUN/stderr"
STATUS=0
timeout -s KILL 20 "$SPOOLINJECT" --server 127.0.0.1:9 --tls-verify \
	--tls-ca "$WORK/fifo" "$RUN/slot" >"$RUN/stdout" 2>"$RUN/stderr" \
	|| STATUS=$?
check_eq "usage: FIFO as --tls-ca" "$STATUS" 66
check "usage: FIFO as --tls-ca named" grep -q -F -- \
	"--tls-ca $WORK/fifo: is not a regular file: expected a regular file" \
	"$RUN/stderr"
inject --help
for option in --starttls --tls-verify --tls-ca --auth-user \
	--auth-pass-file; do
	check "usage: --help lists $option" grep -q -- "^  $option" \
		"$RUN/stdout"
done

done_testing
