#!/bin/bash
# spoolinject --sendmail through Debian's real Postfix sendmail into a
# throwaway Postfix instance that relays everything to smtp-sink on
# loopback. Every message of a spoolgen slot must reach the sink with its
# envelope, header fields and body intact. The whole round runs twice,
# each time with a new instance, sink and spool.
#
# The instance has its own config, queue and data folders under WORK. It
# listens on no network port, delivers nothing locally, resolves nothing
# and relays only to the sink; it is stopped on every exit path.
source "$(dirname "$0")/lib.sh"

SENDMAIL=/usr/sbin/sendmail
POSTFIX=/usr/sbin/postfix
POSTQUEUE=/usr/sbin/postqueue
SMTP_SINK=/usr/sbin/smtp-sink
CHECK="$SINK_PYTHON $TOP/tests/e2e/sendmail-dump-check.py"

[ -x "$SPOOLINJECT" ] || skip_all "spoolinject is not built"
[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
for program in "$SENDMAIL" "$POSTFIX" "$POSTQUEUE" "$SMTP_SINK"; do
	[ -x "$program" ] || skip_all "$program is missing: install postfix"
done
[ "$(id -u)" = 0 ] ||
	skip_all "starting a Postfix instance needs root, and this runs as $(id -un)"
getent passwd postfix >/dev/null ||
	skip_all "the user postfix is missing: install postfix"
getent group postdrop >/dev/null ||
	skip_all "the group postdrop is missing: install postfix"

# The instances started, by config folder, stopped on every exit path.
instances=()

# stop_instance CONF: stop the instance and, if its master still runs
# after 10 s, kill it by the PID in its own pid file.
stop_instance() {
	local conf=$1 queue pid i
	queue=$(postconf -c "$conf" -h queue_directory 2>/dev/null) || return 0
	pid=$(cat "$queue/pid/master.pid" 2>/dev/null | tr -d ' ')
	"$POSTFIX" -c "$conf" stop >/dev/null 2>&1
	[ -n "$pid" ] || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

stop_instances() {
	local conf
	for conf in "${instances[@]}"; do
		stop_instance "$conf"
	done
	cleanup
}
trap stop_instances EXIT

# write_instance DIR PORT: write the config of an instance under DIR that
# relays to 127.0.0.1:PORT. Only the services that a sendmail submission
# and a relay need run, none in a chroot and none on a network port.
write_instance() {
	local dir=$1 port=$2
	mkdir -p "$dir/conf" "$dir/queue" "$dir/data"
	chown postfix "$dir/data"
	cat >"$dir/conf/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	cat >"$dir/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = spoolinject-test.invalid
mydomain = invalid
myorigin = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:5.7.1 local delivery is off in this test instance
relayhost = [127.0.0.1]:$port
default_transport = smtp:[127.0.0.1]:$port
relay_transport = smtp:[127.0.0.1]:$port
smtp_dns_support_level = disabled
disable_dns_lookups = yes
biff = no
append_dot_mydomain = no
EOF
}

# start_instance DIR: check and start the instance, and wait until its
# pickup service can be reached.
start_instance() {
	local dir=$1 i
	instances+=("$dir/conf")
	"$POSTFIX" -c "$dir/conf" check >"$dir/check.out" 2>&1 &&
		"$POSTFIX" -c "$dir/conf" start >"$dir/start.out" 2>&1 ||
		return 1
	for ((i = 0; i < 100; i++)); do
		[ -e "$dir/queue/public/pickup" ] &&
			[ -s "$dir/queue/pid/master.pid" ] && return 0
		sleep 0.1
	done
	return 1
}

# wait_for_empty_queue DIR: wait up to 60 s for "Mail queue is empty".
wait_for_empty_queue() {
	local i
	for ((i = 0; i < 600; i++)); do
		"$POSTQUEUE" -c "$1/conf" -p 2>/dev/null |
			grep -q '^Mail queue is empty' && return 0
		sleep 0.1
	done
	return 1
}

# show FILE: the last lines of FILE, for a failure's detail.
show() {
	tail -n 15 "$1" 2>/dev/null
}

sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)

run_round() {
	local round=$1 dir=$WORK/round$1 port dump spool status=0 files master
	local label="round $round"
	port=$(free_port)
	dump=$dir/dump
	spool=$dir/spool
	mkdir -p "$dump"
	chmod 777 "$dump"
	start_server "$SMTP_SINK" "${sink_user[@]}" -d "$dump/%M." \
		"127.0.0.1:$port" 100
	wait_port "$port"
	write_instance "$dir/postfix" "$port"
	if ! start_instance "$dir/postfix"; then
		fail "$label: Postfix instance starts" \
			"$(cat "$dir/postfix/check.out" "$dir/postfix/start.out")" \
			"$(show "$dir/postfix/maillog")"
		return
	fi
	pass "$label: Postfix instance starts"

	"$SPOOLGEN" --spool "$spool" --volume 50 --seed 1 >"$dir/spoolgen.out" \
		2>&1
	check_eq "$label: spoolgen wrote 50 messages" \
		"$(find "$spool" -path '*/new/*' -type f | wc -l)" 50

	# One more Maildir with a bounce, for the null sender.
	mkdir -p "$spool/null/new" "$spool/null/cur" "$spool/null/tmp"
	printf '%s\n' 'Return-Path: <>' 'From: MAILER-DAEMON@example.com' \
		'To: bounced@example.net' 'Subject: null sender' \
		"Message-ID: <null-$round@example.com>" \
		'Date: Fri, 04 Dec 2026 12:00:00 +0000' '' 'A bounce.' \
		'.' '..' >"$spool/null/new/1700000000.M1P1.test"
	"$SPOOLINJECT" --sendmail --sendmail-arg -C \
		--sendmail-arg "$dir/postfix/conf" --log "$dir/log.csv" "$spool" \
		>"$dir/inject.out" 2>"$dir/inject.err" || status=$?
	check_eq "$label: spoolinject exit status" "$status" 0
	check_eq "$label: accepted" \
		"$(sed -n 's/^accepted: //p' "$dir/inject.out")" 51
	check_eq "$label: all exit 0" \
		"$(sed -n 's/^exit 0: //p' "$dir/inject.out")" 51
	check_eq "$label: no warning" "$(cat "$dir/inject.err")" ""
	check_eq "$label: new/ empty" \
		"$(find "$spool" -path '*/new/*' -type f | wc -l)" 0

	if wait_for_empty_queue "$dir/postfix"; then
		pass "$label: Postfix queue drains within 60 s"
	else
		fail "$label: Postfix queue drains within 60 s" \
			"$("$POSTQUEUE" -c "$dir/postfix/conf" -p 2>&1 | head -n 10)" \
			"$(show "$dir/postfix/maillog")"
	fi
	check_eq "$label: sink got 51 messages" "$(ls "$dump" | wc -l)" 51
	mapfile -t files < <(find "$spool" -path '*/cur/*' -type f | sort)
	check_output "$label: envelopes, header fields and bodies intact" \
		$CHECK "${files[@]}" -- "$dump"
	check "$label: nothing delivered locally or bounced" \
		bash -c "! grep -q 'status=bounced\|status=deferred\|relay=local' '$dir/postfix/maillog'"

	master=$(tr -d ' ' <"$dir/postfix/queue/pid/master.pid")
	stop_instance "$dir/postfix/conf"
	check "$label: Postfix master $master stopped" \
		bash -c "! kill -0 $master 2>/dev/null"
	stop_server "$SERVER_PID"
}

run_round 1
run_round 2

done_testing
