#!/bin/bash
# spoolinject against Postfix's smtp-sink. 200 generated messages sent over
# 20 connections must arrive byte for byte, as smtp-sink's dump files show.
# A second run sends nothing, and a port without a server leaves every
# message pending. IPv6 loopback and spoolgen's own spool are tried too.
source "$(dirname "$0")/lib.sh"

SMTP_SINK=/usr/sbin/smtp-sink
SPOOL_TOOL="$SINK_PYTHON $TOP/tests/e2e/sink-spool.py"

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
[ -x "$SMTP_SINK" ] || skip_all "Postfix's smtp-sink is not installed"

# smtp-sink refuses to run as root without -u.
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)

# start_sink NAME ADDRESS: start smtp-sink dumping into $WORK/NAME-dump;
# sets DUMP and SINK_PID.
start_sink() {
	DUMP=$WORK/$1-dump
	mkdir -p "$DUMP"
	chmod 777 "$DUMP"
	start_server "$SMTP_SINK" "${sink_user[@]}" -d "$DUMP/%M." "$2" 100
	SINK_PID=$SERVER_PID
}

# inject NAME ARGS...: run spoolinject, output in $WORK/NAME.out and
# $WORK/NAME.err; sets STATUS and OUT.
inject() {
	OUT=$WORK/$1
	shift
	STATUS=0
	"$SPOOLINJECT" "$@" >"$OUT.out" 2>"$OUT.err" || STATUS=$?
}

summary() {
	sed -n "s/^$1: //p" "$OUT.out"
}

count_files() {
	find "$@" -type f | wc -l
}

# check_dump LABEL SPOOL: compare what smtp-sink dumped with the spool.
check_dump() {
	local problems
	problems=$($SPOOL_TOOL check "$2" "$DUMP" 2>/dev/null)
	if [ $? -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "$(head -n 20 <<<"$problems")"
	fi
}

port=$(free_port)
start_sink main "127.0.0.1:$port"
wait_port "$port"

spool=$WORK/spool
$SPOOL_TOOL generate "$spool" 200
inject first --server "127.0.0.1:$port" --log "$WORK/log.csv" "$spool"
check_eq "first run: exit status" "$STATUS" 0
check_eq "first run: accepted" "$(summary accepted)" 200
check_eq "first run: deferred" "$(summary deferred)" 0
check_eq "first run: rejected" "$(summary rejected)" 0
check_eq "first run: pending" "$(summary pending)" 0
check_eq "first run: reply codes" "$(grep -c '^[0-9][0-9][0-9]' "$OUT.out")" 1
check_eq "first run: 250 counted" "$(summary '250 2.0.0')" 200
check "first run: rate printed" grep -q '^messages per second: [0-9.]*$' \
	"$OUT.out"
check_eq "first run: new/ empty" "$(count_files "$spool"/*/new)" 0
check_eq "first run: all in cur/" \
	"$(find "$spool"/*/cur -type f -name '*:2,' | wc -l)" 200
check_eq "first run: no warnings but bare CRs" \
	"$(grep -v 'has a CR without LF; it is sent as a line end$' "$OUT.err")" ""
check_eq "first run: bare CRs reported" \
	"$(grep -c 'has a CR without LF' "$OUT.err")" 15
check_eq "first run: one log line per recipient" "$(wc -l <"$WORK/log.csv")" \
	"$(cat "$DUMP"/* | grep -c '^X-Rcpt-Args: ')"
check_eq "first run: messages received" "$(count_files "$DUMP")" 200
check_dump "first run: envelopes and bytes as stored" "$spool"

inject second --server "127.0.0.1:$port" "$spool"
check_eq "second run: exit status" "$STATUS" 0
check_eq "second run: accepted" "$(summary accepted)" 0
check_eq "second run: pending" "$(summary pending)" 0
check_eq "second run: nothing received" "$(count_files "$DUMP")" 200

closed_spool=$WORK/closed
$SPOOL_TOOL generate "$closed_spool" 30
inject closed --server "127.0.0.1:$(free_port)" "$closed_spool"
check_eq "no server: exit status" "$STATUS" 75
check_eq "no server: pending" "$(summary pending)" 30
check_eq "no server: all still in new/" \
	"$(count_files "$closed_spool"/*/new)" 30
check "no server: connection refused reported" \
	grep -q 'connect failed: Connection refused' "$OUT.err"

if "$SINK_PYTHON" -c 'import socket
socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	port6=$(free_port)
	start_sink ipv6 "[::1]:$port6"
	for ((i = 0; i < 100; i++)); do
		"$SINK_PYTHON" -c 'import socket, sys
socket.create_connection(("::1", int(sys.argv[1]))).close()' "$port6" \
			2>/dev/null && break
		sleep 0.05
	done
	ipv6_spool=$WORK/ipv6
	$SPOOL_TOOL generate "$ipv6_spool" 10
	inject ipv6 --server "[::1]:$port6" "$ipv6_spool"
	check_eq "IPv6: exit status" "$STATUS" 0
	check_eq "IPv6: accepted" "$(summary accepted)" 10
	check_dump "IPv6: envelopes and bytes as stored" "$ipv6_spool"
	stop_server "$SINK_PID"
else
	echo "# IPv6 loopback is not available: the [::1] checks are skipped"
fi

if [ -x "$SPOOLGEN" ] &&
	"$SPOOLGEN" --spool "$WORK/generated" --volume 200 --seed 1 \
		>"$WORK/spoolgen.out" 2>&1; then
	generated=$(count_files "$WORK/generated"/*/new)
	port=$(free_port)
	start_sink spoolgen "127.0.0.1:$port"
	wait_port "$port"
	inject spoolgen --server "127.0.0.1:$port" "$WORK/generated"
	check_eq "spoolgen spool: exit status" "$STATUS" 0
	check_eq "spoolgen spool: accepted" "$(summary accepted)" "$generated"
	check_eq "spoolgen spool: new/ empty" \
		"$(count_files "$WORK/generated"/*/new)" 0
	check_dump "spoolgen spool: envelopes and bytes as stored" \
		"$WORK/generated"
else
	echo "# spoolgen is missing or failed: its spool is not injected"
fi

done_testing
