#!/bin/bash
# spoolinject replaying Maildirs it did not write. The checks cover the
# Maildir names of Dovecot, mbsync and offlineimap, Maildir++ subfolders,
# the envelope from Delivered-To, --from and --to, pacing and --delete.
# Real-world messages must arrive unchanged apart from CRLF line ends,
# dot-stuffing and the left-out lines (top Return-Path and Delivered-To,
# Bcc, a first mbox "From ").
source "$(dirname "$0")/lib.sh"

BOUNCE_SINK="$SINK_PYTHON $TOP/tools/bounce-sink"
SMTP_SINK=/usr/sbin/smtp-sink
SPOOL_TOOL="$SINK_PYTHON $TOP/tests/e2e/sink-spool.py"
CASE20=$SHARED/cases/20-maildir-file-names
CORPORA=$SHARED/corpora

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"

# start_bounce_sink NAME [ARGS...]: start bounce-sink dumping into
# $WORK/NAME-dump; sets PORT and SINK_PID.
start_bounce_sink() {
	local name=$1 i
	shift
	start_server $BOUNCE_SINK --listen 127.0.0.1:0 --quiet \
		--port-file "$WORK/$name.port" --dump "$WORK/$name-dump" "$@" \
		>"$WORK/$name.sink-out"
	SINK_PID=$SERVER_PID
	for ((i = 0; i < 200; i++)); do
		[ -s "$WORK/$name.port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$WORK/$name.port")
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

# message_ids DUMP: the sorted Message-ID tags of a bounce-sink dump.
message_ids() {
	cat "$1"/new/* 2>/dev/null |
		sed -n 's/^Message-ID: <\([^@]*\)@.*/\1/p' | sort | tr '\n' ' '
}

# tree FOLDER: every path under FOLDER with its size, sorted.
tree() {
	(cd "$1" && find . -printf '%p %s\n' | LC_ALL=C sort)
}

run_case_20() {
	local maildir=$WORK/c20 before

	cp -a "$CASE20/maildir" "$maildir"
	chmod -R u+w "$maildir"
	before=$(tree "$maildir")

	# SIZE 100000 makes the sink refuse n02 if its ",S=99999" is trusted.
	start_bounce_sink c20 --max-size 100000
	inject c20 --server "127.0.0.1:$PORT" --keep --max-connections 1 \
		--log "$WORK/c20.csv" "$maildir"
	check_eq "case 20: exit status" "$STATUS" 0
	check_eq "case 20: accepted" "$(summary accepted)" 13
	check_eq "case 20: Message-IDs received" "$(message_ids "$WORK/c20-dump")" \
		"n01 n02 n03 n04 n05 n06 n07 n08 n09 n10 n11 n12 n13 "
	check_eq "case 20: --keep moved nothing" "$(tree "$maildir")" "$before"
	check "case 20: empty file warned" grep -q \
		'skipping .*/cur/1714990560.M17P12.host:2,S: empty file$' \
		"$OUT.err"
	check "case 20: folder in cur/ warned" grep -q \
		'skipping .*/cur/not-a-message: not a regular file$' "$OUT.err"
	check_eq "case 20: sent in name order" \
		"$("$SINK_PYTHON" -c 'import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")):
    print(row[2], end="|")' "$WORK/c20.csv")" \
		"$(sed 's,.*/,,' "$CASE20/written-names.txt" | grep -v M14P12 |
			LC_ALL=C sort | tr '\n' '|')"
	stop_server "$SINK_PID"

	# n02 alone against a 1000-byte limit: its real size of 186 bytes
	# fits, the 99999 of its name would not.
	mkdir -p "$WORK/n02/new" "$WORK/n02/cur"
	cp "$maildir"/cur/*M2P12Q1* "$WORK/n02/cur/"
	start_bounce_sink n02 --max-size 1000
	inject n02 --server "127.0.0.1:$PORT" --keep "$WORK/n02"
	check_eq "case 20: n02 sent with its real SIZE" \
		"$(summary accepted) $(message_ids "$WORK/n02-dump")" "1 n02 "
	stop_server "$SINK_PID"

	start_bounce_sink c20r
	inject c20r --server "127.0.0.1:$PORT" --keep --recursive "$maildir"
	check_eq "case 20 --recursive: exit status" "$STATUS" 0
	check_eq "case 20 --recursive: Message-IDs received" \
		"$(message_ids "$WORK/c20r-dump")" \
		"n01 n02 n03 n04 n05 n06 n07 n08 n09 n10 n11 n12 n13 n14 "
	stop_server "$SINK_PID"

	# Without --keep only new/ is sent, and its files move to cur/ with
	# their info part kept.
	start_bounce_sink c20m
	inject c20m --server "127.0.0.1:$PORT" "$maildir"
	check_eq "case 20 move: accepted" "$(summary accepted)" 2
	check_eq "case 20 move: Message-IDs received" \
		"$(message_ids "$WORK/c20m-dump")" "n12 n13 "
	check_eq "case 20 move: new/ empty" "$(ls "$maildir/new")" ""
	check "case 20 move: info added" test -f \
		"$maildir/cur/1714990260.M12P12.host:2,"
	check "case 20 move: info kept" test -f \
		"$maildir/cur/1714990320.M13P12.host:2,S"
	stop_server "$SINK_PID"

	# A file that vanishes mid-run is a warning, not an abort.
	cp -a "$CASE20/maildir" "$WORK/c20v"
	chmod -R u+w "$WORK/c20v"
	start_bounce_sink c20v
	"$SPOOLINJECT" --server "127.0.0.1:$PORT" --keep --rate 5 \
		"$WORK/c20v" >"$WORK/c20v.out" 2>"$WORK/c20v.err" &
	local injector=$!
	sleep 0.5
	rm "$WORK/c20v/new/1714990320.M13P12.host:2,S"
	STATUS=0
	wait "$injector" || STATUS=$?
	OUT=$WORK/c20v
	check_eq "vanished file: exit status" "$STATUS" 0
	check_eq "vanished file: accepted" "$(summary accepted)" 12
	check_eq "vanished file: skipped" "$(summary skipped)" 1
	check "vanished file: warned" grep -q \
		'M13P12.host:2,S: moved or deleted since the folder was read$' \
		"$OUT.err"
	stop_server "$SINK_PID"
}

# The bounce-sink dump of the envelope test: its Return-Path and
# Delivered-To lines show the envelope, the rest is the data sent.
run_envelope() {
	local maildir=$WORK/envelope dump
	mkdir -p "$maildir/new" "$maildir/cur" "$maildir/tmp"
	printf '%s\n' "Return-Path: <bounces@example.com>" \
		"X-Original-To: list@example.net" \
		"Delivered-To: d1@example.net" "Delivered-To: d2@example.net" \
		"Received: by mx.example.net" "Delivered-To: older@example.net" \
		"From: Ann <ann@example.com>" "To: t@example.net" \
		"Bcc: hidden@example.net," "	hidden2@example.net" \
		"Message-ID: <env1@example.com>" "" "Body." \
		>"$maildir/new/1700000001.M1P1.host"
	printf '%s\n' "Return-Path: <bounces@example.com>" \
		"Delivered-To: d1@example.net" \
		"From: Ann <ann@example.com>" "To: t@example.net" \
		"Message-ID: <env1@example.com>" "" "Body." \
		>"$WORK/expected-envelope"

	start_bounce_sink envelope
	inject envelope --server "127.0.0.1:$PORT" --keep "$maildir"
	check_eq "Delivered-To: exit status" "$STATUS" 0
	dump=$(echo "$WORK"/envelope-dump/new/*)
	check_eq "Delivered-To: envelope and data" "$(cat "$dump")" \
		"$(printf '%s\n' "Return-Path: <bounces@example.com>" \
			"Delivered-To: d1@example.net" \
			"Delivered-To: d2@example.net" \
			"X-Original-To: list@example.net" \
			"Received: by mx.example.net" \
			"Delivered-To: older@example.net" \
			"From: Ann <ann@example.com>" "To: t@example.net" \
			"Message-ID: <env1@example.com>" "" "Body.")"
	rm -f "$WORK"/envelope-dump/new/*

	inject envelope-to --server "127.0.0.1:$PORT" --keep \
		--from other@example.org --to r1@example.org \
		--to r2@example.org "$maildir"
	check_eq "--from and --to: exit status" "$STATUS" 0
	dump=$(echo "$WORK"/envelope-dump/new/*)
	check_eq "--from and --to: envelope replaced" \
		"$(head -n 3 "$dump")" \
		"$(printf '%s\n' "Return-Path: <other@example.org>" \
			"Delivered-To: r1@example.org" \
			"Delivered-To: r2@example.org")"
	check "--from and --to: Bcc not sent" bash -c "! grep -q hidden '$dump'"
	stop_server "$SINK_PID"
}

# check_problems LABEL OUTPUT: pass when the checker printed nothing.
check_problems() {
	if [ -z "$2" ]; then
		pass "$1"
	else
		fail "$1" "$(head -n 20 <<<"$2")"
	fi
}

# The real-world corpus: every file must arrive once, byte for byte as
# stored apart from CRLF, dot-stuffing and the left-out lines.
run_real_corpus() {
	local maildir=$WORK/real dump=$WORK/real-dump sink_user=()

	[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
	cp -a "$CORPORA/real-maildir" "$maildir"
	chmod -R u+w "$maildir"
	mkdir -p "$maildir/cur" "$maildir/tmp" "$dump"
	chmod 777 "$dump"
	PORT=$(free_port)
	start_server "$SMTP_SINK" "${sink_user[@]}" -d "$dump/%M." \
		"127.0.0.1:$PORT" 100
	SINK_PID=$SERVER_PID
	wait_port "$PORT"

	# 17 files have no usable sender or recipient in their header. Two
	# of them name one without a domain: "From: foo" and "To: XX".
	inject real-header --server "127.0.0.1:$PORT" --keep "$maildir"
	check_eq "real corpus, header envelope: accepted" \
		"$(summary accepted)" 216
	check_eq "real corpus, header envelope: rejected locally" \
		"$(summary 'rejected locally')" 17
	rm -f "$dump"/*

	inject real --server "127.0.0.1:$PORT" --keep \
		--from replay@example.org --to replay@example.net \
		--max-connections 4 "$maildir"
	check_eq "real corpus: exit status" "$STATUS" 0
	check_eq "real corpus: accepted" "$(summary accepted)" 233
	check_eq "real corpus: messages received" "$(ls "$dump" | wc -l)" 233
	check_eq "real corpus: mbox From lines left out" \
		"$(grep -c '^From ' "$dump"/* | grep -vc ':0$')" 0
	check_problems "real corpus: each file arrived unchanged" \
		"$($SPOOL_TOOL compare "$maildir" "$dump" 2>&1)"
	stop_server "$SINK_PID"
}

# The malformed corpus: each file's outcome, by file name.
run_odd_corpus() {
	local maildir=$WORK/odd

	cp -a "$CORPORA/odd-maildir" "$maildir"
	chmod -R u+w "$maildir"
	mkdir -p "$maildir/cur" "$maildir/tmp"
	start_bounce_sink odd
	inject odd --server "127.0.0.1:$PORT" --log "$WORK/odd.csv" "$maildir"
	check_eq "odd corpus: exit status" "$STATUS" 0
	check_eq "odd corpus: outcomes" "$("$SINK_PYTHON" -c 'import csv, sys
for row in sorted(csv.reader(open(sys.argv[1], newline=""))):
    print(row[2], row[4] or row[6])' "$WORK/odd.csv" | sort)" \
		"$(printf '%s\n' \
		"1700100000.M1P2Q1.corpus 250" \
		"1700100002.M3P2Q3.corpus no sender address in Return-Path or From" \
		"1700100004.M5P2Q5.corpus 250" \
		"1700100006.M7P2Q7.corpus 250" \
		"1700100008.M9P2Q9.corpus no sender address in Return-Path or From" \
		"1700100010.M11P2Q11.corpus 250" \
		"1700100012.M13P2Q13.corpus line 27 is longer than 998 bytes, the limit of SMTP DATA (RFC 5321 4.5.3.1.6)" \
		"1700100014.M15P2Q15.corpus no sender address in Return-Path or From" \
		"1700100016.M17P2Q17.corpus 250" \
		"1700100018.M19P2Q19.corpus 250")"
	check_eq "odd corpus: all answered into cur/" "$(ls "$maildir/cur" | wc -l)" 10
	# M19 ends its lines in CR CR LF: each run of CRs before an LF is one
	# line end, so no CR reaches the sink (its dump turns CRLF into LF).
	check_eq "odd corpus: CR CR LF sent as CRLF" \
		"$(grep -l 'judo.za.org' "$WORK"/odd-dump/new/* | xargs cat |
			tr -cd '\r' | wc -c)" 0
	stop_server "$SINK_PID"

	# With a sender given, the NUL bytes of M3 are the reason.
	rm -rf "$maildir" && cp -a "$CORPORA/odd-maildir" "$maildir"
	chmod -R u+w "$maildir"
	start_bounce_sink odd-from
	inject odd-from --server "127.0.0.1:$PORT" --keep \
		--from s@example.org --to r@example.net --log "$WORK/odd-from.csv" \
		"$maildir"
	check_eq "odd corpus with --from: accepted" "$(summary accepted)" 8
	check "odd corpus with --from: NUL reported" grep -q \
		'M3P2Q3.corpus.*line 8 has a NUL byte, which SMTP DATA cannot carry' \
		"$WORK/odd-from.csv"
	stop_server "$SINK_PID"
}

# make_message MAILDIR NAME [BODY]: a small message in MAILDIR/new.
make_message() {
	mkdir -p "$1/new" "$1/cur" "$1/tmp"
	printf 'From: s@example.com\nTo: r@example.net\nMessage-ID: <%s@example.com>\n\n%s\n' \
		"$2" "${3:-Body.}" >"$1/new/$2"
}

# --delete unlinks answered files; a locally rejected one goes to cur/.
run_delete() {
	local maildir=$WORK/delete
	make_message "$maildir" 1700000001.M1P1.host
	make_message "$maildir" 1700000002.M2P1.host
	printf 'From: s@example.com\n\nno recipient\n' \
		>"$maildir/new/1700000003.M3P1.host"
	start_bounce_sink delete
	inject delete --server "127.0.0.1:$PORT" --delete "$maildir"
	check_eq "--delete: exit status" "$STATUS" 0
	check_eq "--delete: accepted" "$(summary accepted)" 2
	check_eq "--delete: new/ empty" "$(ls "$maildir/new")" ""
	check_eq "--delete: only the rejected file kept" "$(ls "$maildir/cur")" \
		"1700000003.M3P1.host:2,"
	stop_server "$SINK_PID"
}

# A server without 8BITMIME: 8-bit data is rejected locally, not changed.
run_no_8bitmime() {
	local maildir=$WORK/8bit sink_user=() dump=$WORK/8bit-dump
	[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
	make_message "$maildir" 1700000001.M1P1.host "Caf$(printf '\303\251')."
	make_message "$maildir" 1700000002.M2P1.host
	mkdir -p "$dump" && chmod 777 "$dump"
	PORT=$(free_port)
	start_server "$SMTP_SINK" "${sink_user[@]}" -8 -d "$dump/%M." \
		"127.0.0.1:$PORT" 10
	SINK_PID=$SERVER_PID
	wait_port "$PORT"
	inject 8bit --server "127.0.0.1:$PORT" --log "$WORK/8bit.csv" "$maildir"
	check_eq "no 8BITMIME: exit status" "$STATUS" 0
	check_eq "no 8BITMIME: accepted" "$(summary accepted)" 1
	check_eq "no 8BITMIME: rejected locally" "$(summary 'rejected locally')" 1
	check_eq "no 8BITMIME: one message received" "$(ls "$dump" | wc -l)" 1
	check "no 8BITMIME: reason logged" grep -q \
		'"1700000001.M1P1.host","","","","the data has bytes above 127 and the server does not offer 8BITMIME","<1700000001.M1P1.host@example.com>"' \
		"$WORK/8bit.csv"
	check "no 8BITMIME: reason warned" grep -q 'does not offer 8BITMIME' \
		"$OUT.err"
	stop_server "$SINK_PID"
}

# --duration and --rate spread the starts; a server closing an idle
# session between paced messages is no failure.
run_pacing() {
	local maildir=$WORK/pace i started elapsed
	for i in 01 02 03 04 05 06 07 08 09 10 11; do
		make_message "$maildir" "17000000$i.M${i}P1.host"
	done
	start_bounce_sink pace
	started=$(date +%s%N)
	inject pace --server "127.0.0.1:$PORT" --keep --duration 2.2 "$maildir"
	elapsed=$((($(date +%s%N) - started) / 1000000))
	check_eq "--duration: accepted" "$(summary accepted)" 11
	check "--duration: last start after 2 s" test "$elapsed" -ge 2000
	check "--duration: done within 3.5 s" test "$elapsed" -le 3500
	started=$(date +%s%N)
	inject rate --server "127.0.0.1:$PORT" --keep --rate 10 \
		--duration 0.1 "$maildir"
	elapsed=$((($(date +%s%N) - started) / 1000000))
	check_eq "--rate: accepted" "$(summary accepted)" 11
	check "--rate: capped below --duration" test "$elapsed" -ge 1000
	stop_server "$SINK_PID"

	cat >"$WORK/idle.txt" <<'SCRIPT'
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 PIPELINING
C: MAIL FROM:<s@example.com>
C: RCPT TO:<r@example.net>
C: DATA
S: 250 Ok
S: 250 Ok
S: 354 go ahead
C: <data>
S: 250 Ok
S: 421 4.4.2 idle timeout
@close
@next-connection
S: 220 mx.example.net ESMTP
C: EHLO *
S: 250-mx.example.net
S: 250 PIPELINING
C: MAIL FROM:<s@example.com>
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
SCRIPT
	rm -f "$maildir"/new/*
	make_message "$maildir" 1700000001.M1P1.host
	make_message "$maildir" 1700000002.M2P1.host
	mkdir -p "$WORK/idle-data"
	start_server $SINK_PYTHON "$TOP/tests/e2e/scripted-server.py" \
		--script "$WORK/idle.txt" --port-file "$WORK/idle.port" \
		--report "$WORK/idle.report" --data-dir "$WORK/idle-data"
	for ((i = 0; i < 200; i++)); do
		[ -s "$WORK/idle.port" ] && break
		sleep 0.05
	done
	inject idle --server "127.0.0.1:$(cat "$WORK/idle.port")" \
		--max-connections 1 --rate 2 "$maildir"
	check_eq "idle close: exit status" "$STATUS" 0
	check_eq "idle close: accepted" "$(summary accepted)" 2
	check_eq "idle close: no warning" "$(cat "$OUT.err")" ""
	stop_server "$SERVER_PID"
	check_eq "idle close: two connections, no deviation" \
		"$("$SINK_PYTHON" -c 'import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
print(len(entries), sum(len(entry["errors"]) for entry in entries))' \
			"$WORK/idle.report")" "2 0"
}

# Invalid values of the replay options.
run_usage() {
	local option
	for option in "--shard 0/3" "--shard 4/3" "--shard 1" "--shard 1/0" \
		"--rate 0" "--rate x" "--duration -1" "--keep --delete" \
		"--to a<b@example.net" "--from a>b"; do
		STATUS=0
		# shellcheck disable=SC2086
		"$SPOOLINJECT" $option "$WORK" >/dev/null 2>"$WORK/usage.err" ||
			STATUS=$?
		check_eq "usage: $option" "$STATUS" 64
	done
	STATUS=0
	"$SPOOLINJECT" --to "" "$WORK" >/dev/null 2>&1 || STATUS=$?
	check_eq "usage: empty --to" "$STATUS" 64
	"$SPOOLINJECT" --help >"$WORK/help.out"
	for option in --keep --delete --recursive --from --to --shard \
		--duration --rate; do
		check "usage: --help lists $option" grep -q -- "^  $option" \
			"$WORK/help.out"
	done
}

run_delete
[ -x "$SMTP_SINK" ] && run_no_8bitmime
run_pacing
run_usage
if [ -d "$CASE20" ]; then
	run_case_20
else
	echo "# $CASE20 is absent: the Maildir name checks are skipped"
fi
run_envelope
if [ -d "$CORPORA" ] && [ -x "$SMTP_SINK" ]; then
	run_real_corpus
	run_odd_corpus
else
	echo "# $CORPORA or smtp-sink is absent: the corpus checks are skipped"
fi

done_testing
