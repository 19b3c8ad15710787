#!/bin/bash
# The tools around spoolgen: smtp-traffic-gen on the prototype's cron
# line against the bounce sink, plot-traffic, fake-mx with
# unbound-checkconf, the crontab example, the systemd units with
# systemd-analyze, and the man pages with mandoc.
source "$(dirname "$0")/lib.sh"

TOOLS=$TOP/tools
SEED=$SHARED/seed-data

[ -x "$SPOOLGEN" ] && [ -x "$SPOOLINJECT" ] ||
	skip_all "spoolgen and spoolinject are not built"

# run NAME CMD...: run CMD with output in $WORK/NAME.out and
# $WORK/NAME.err; sets STATUS.
run() {
	local name=$1
	shift
	STATUS=0
	"$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

# start_sink NAME [ARGS...]: start tools/bounce-sink on a free loopback
# port with its stats in $WORK/NAME.json; sets SINK_PORT and SINK_PID.
start_sink() {
	local name=$1 i
	shift
	start_server "$TOOLS/bounce-sink" --listen 127.0.0.1:0 \
		--port-file "$WORK/$name.port" --stats "$WORK/$name.json" \
		--seed 1 --quiet "$@" >"$WORK/$name.sink" 2>&1
	SINK_PID=$SERVER_PID
	for ((i = 0; i < 100; i++)); do
		[ -s "$WORK/$name.port" ] && break
		sleep 0.1
	done
	SINK_PORT=$(cat "$WORK/$name.port" 2>/dev/null)
}

# sink_total NAME: the number of messages the sink replied to.
sink_total() {
	"$SINK_PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["total"])' "$WORK/$1.json" 2>/dev/null ||
		echo none
}

# --- smtp-traffic-gen: the prototype's own cron line -----------------------
if [ ! -r "$SEED/sender_subjects.csv" ]; then
	echo "# skipping the smtp-traffic-gen checks: $SEED is absent" \
		"(set SPOOLGEN_SHARED)"
else
	prototype=(--bounces "$SEED/demo_bounces.csv"
		--sender-subjects "$SEED/sender_subjects.csv"
		--html-content "$SEED/emailcontent.html"
		--txt-content "$SEED/emailcontent.txt")
	start_sink cron --dump "$WORK/dump"
	run cron "$TOOLS/smtp-traffic-gen" "${prototype[@]}" \
		--daily-volume 150000 --yahoo-backoff 0.8 \
		--server "127.0.0.1:$SINK_PORT" --add-header X-Campaign=cron \
		X-Tool:smtp-traffic-gen
	stop_server "$SINK_PID"
	check_eq "cron line: exit status" "$STATUS" 0
	summary=$(grep '^Sending ' "$WORK/cron.out")
	sent=$(sed -n 's/^Sending \([0-9]*\) emails .*/\1/p' <<<"$summary")
	check_eq "cron line: summary line" "$summary" \
		"Sending $sent emails over max 20 SMTP connections, 100 max messages per connection"
	check "cron line: some messages in the current minute" \
		test "${sent:-0}" -gt 0
	check_eq "cron line: the sink received every message" \
		"$(sink_total cron)" "$sent"
	check "cron line: Done line" grep -qE '^Done in [0-9]+\.[0-9]s\.$' \
		"$WORK/cron.out"
	check "cron line: warning for the 7-field row" \
		grep -q 'sender_subjects.csv:4: expected 6 fields' \
		"$WORK/cron.err"
	dumped=$(find "$WORK/dump/new" -type f | wc -l)
	check "cron line: the sink stored accepted messages" \
		test "$dumped" -gt 0
	check_eq "cron line: X-Campaign in every stored message" \
		"$(grep -l '^X-Campaign: cron$' "$WORK/dump/new/"* | wc -l)" \
		"$dumped"
	check_eq "cron line: X-Tool in every stored message" \
		"$(grep -l '^X-Tool: smtp-traffic-gen$' "$WORK/dump/new/"* |
		wc -l)" "$dumped"

	# --volume, --spool kept, and options spoolinject does not have.
	start_sink volume
	run volume "$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 25 \
		--seed 3 --spool "$WORK/kept" --max-connections 3 \
		--messages-per-connection 4 --duration 1 \
		--server "127.0.0.1:$SINK_PORT"
	stop_server "$SINK_PID"
	check_eq "volume 25: exit status" "$STATUS" 0
	check "volume 25: summary line" grep -qx \
		'Sending 25 emails over max 3 SMTP connections, 4 max messages per connection' \
		"$WORK/volume.out"
	check_eq "volume 25: the sink received 25" "$(sink_total volume)" 25
	check_eq "volume 25: kept spool has every message answered" \
		"$(find "$WORK/kept" -path '*/cur/*' -type f | wc -l)" 25
	if "$SPOOLINJECT" --help | grep -q -- --duration; then
		echo "# spoolinject supports --duration; it is passed on"
	else
		check "volume 25: warns that --duration is ignored" grep -q \
			-- "--duration is ignored" "$WORK/volume.err"
	fi

	# The prototype's --auth-user and --auth-pass reach spoolinject,
	# the password through its environment, against a sink with TLS
	# and AUTH.
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost \
		-days 2 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
		>/dev/null 2>&1
	echo 'user:s3cret-pass' >"$WORK/users.txt"
	start_sink auth --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" \
		--auth-file "$WORK/users.txt"
	run auth "$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 7 \
		--seed 4 --auth-user user --auth-pass s3cret-pass \
		--server "127.0.0.1:$SINK_PORT"
	stop_server "$SINK_PID"
	check_eq "auth: exit status" "$STATUS" 0
	check_eq "auth: the sink received 7" "$(sink_total auth)" 7
	check_eq "auth: the password is never printed" \
		"$(cat "$WORK/auth.out" "$WORK/auth.err" | grep -c s3cret)" 0
	check "auth: --auth-pass warns that ps shows it" grep -q -F \
		"visible in ps for the whole run, because Python cannot overwrite its own command line; use --auth-pass-file or SPOOLINJECT_PASSWORD" \
		"$WORK/auth.err"

	# The password from --auth-pass-file and from SPOOLINJECT_PASSWORD,
	# without the ps warning.
	echo 's3cret-pass' >"$WORK/password.txt"
	start_sink auth_file --tls-cert "$WORK/cert.pem" \
		--tls-key "$WORK/key.pem" --auth-file "$WORK/users.txt"
	run auth_file "$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 3 \
		--seed 4 --auth-user user --auth-pass-file "$WORK/password.txt" \
		--server "127.0.0.1:$SINK_PORT"
	stop_server "$SINK_PID"
	check_eq "auth-pass-file: exit status" "$STATUS" 0
	check_eq "auth-pass-file: the sink received 3" \
		"$(sink_total auth_file)" 3
	check_eq "auth-pass-file: no ps warning" "$(grep -c 'visible in ps' \
		"$WORK/auth_file.err")" 0
	start_sink auth_variable --tls-cert "$WORK/cert.pem" \
		--tls-key "$WORK/key.pem" --auth-file "$WORK/users.txt"
	SPOOLINJECT_PASSWORD=s3cret-pass run auth_variable \
		"$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 3 \
		--seed 4 --auth-user user --server "127.0.0.1:$SINK_PORT"
	stop_server "$SINK_PID"
	check_eq "SPOOLINJECT_PASSWORD: exit status" "$STATUS" 0
	check_eq "SPOOLINJECT_PASSWORD: the sink received 3" \
		"$(sink_total auth_variable)" 3
	mkfifo "$WORK/password-fifo"
	run auth_fifo timeout -s KILL 20 "$TOOLS/smtp-traffic-gen" \
		"${prototype[@]}" --volume 1 --auth-user user \
		--auth-pass-file "$WORK/password-fifo" --server 127.0.0.1:9
	check_eq "auth-pass-file FIFO: exit status" "$STATUS" 66
	check "auth-pass-file FIFO: message" grep -q -F \
		"password-fifo: is not a regular file" "$WORK/auth_fifo.err"
	run auth_both "$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 1 \
		--auth-user user --auth-pass x --auth-pass-file "$WORK/password.txt"
	check_eq "auth-pass and auth-pass-file: exit status" "$STATUS" 2

	# Exit status of spoolinject when nothing listens: messages pending.
	closed=$(free_port)
	run closed "$TOOLS/smtp-traffic-gen" "${prototype[@]}" --volume 2 \
		--server "127.0.0.1:$closed"
	check_eq "nothing listening: spoolinject's status" "$STATUS" 75
	run bad_header "$TOOLS/smtp-traffic-gen" "${prototype[@]}" \
		--volume 1 --add-header novalue
	check_eq "add-header without a value: exit status" "$STATUS" 2
	check "add-header without a value: message" \
		grep -q "invalid header 'novalue'" "$WORK/bad_header.err"
fi

# --- the crontab example ----------------------------------------------------
line=$(grep -E '^\* \* \* \* \* ' "$TOOLS/crontab.example")
check_eq "crontab: one line for every minute" "$(wc -l <<<"$line")" 1
start_sink crontab
command=${line#\* \* \* \* \* }
command=${command//\/var\/spool\/spoolgen/$WORK/cron-spool}
command=${command//\/var\/log\/spoolgen/$WORK}
command=${command//\/tmp\/spoolgen.lock/$WORK/cron.lock}
command=${command//127.0.0.1:25 /127.0.0.1:$SINK_PORT }
STATUS=0
(cd "$WORK" && PATH=$TOP:$PATH sh -c "$command") >"$WORK/crontab.out" \
	2>&1 || STATUS=$?
stop_server "$SINK_PID"
check_eq "crontab: command exit status" "$STATUS" 0
answered=$(find "$WORK/cron-spool" -path '*/cur/*' -type f | wc -l)
check_eq "crontab: the sink received every message" "$(sink_total crontab)" \
	"$answered"
check_eq "crontab: nothing left in new/" \
	"$(find "$WORK/cron-spool" -path '*/new/*' -type f | wc -l)" 0

# --- plot-traffic -----------------------------------------------------------
if ! command -v gnuplot >/dev/null; then
	echo "# skipping the plot-traffic checks: gnuplot is missing" \
		"(Debian package gnuplot-nox)"
else
	run plot "$TOOLS/plot-traffic" --date 2026-06-01 --seed 1 \
		--timezone Europe/London --output "$WORK/plot.png"
	check_eq "plot-traffic: exit status" "$STATUS" 0
	check_eq "plot-traffic: PNG signature" \
		"$(head -c 8 "$WORK/plot.png" 2>/dev/null | od -An -tx1 |
		tr -d ' \n')" 89504e470d0a1a0a
	size=$(stat -c %s "$WORK/plot.png" 2>/dev/null || echo 0)
	check "plot-traffic: PNG over 10 KB" test "$size" -gt 10240
	"$SPOOLGEN" --plan --slots 1440 --slot 2026-06-01T04:00Z \
		--daily-volume 150000 >"$WORK/plan.txt"
	run piped "$TOOLS/plot-traffic" --plan - --output "$WORK/piped.png" \
		<"$WORK/plan.txt"
	check_eq "plot-traffic, piped plan: exit status" "$STATUS" 0
	check_eq "plot-traffic, piped plan: PNG signature" \
		"$(head -c 8 "$WORK/piped.png" 2>/dev/null | od -An -tx1 |
		tr -d ' \n')" 89504e470d0a1a0a
	echo "not a plan" >"$WORK/bad-plan.txt"
	run bad_plan "$TOOLS/plot-traffic" --plan "$WORK/bad-plan.txt" \
		--output "$WORK/bad.png"
	check_eq "plot-traffic, invalid plan: exit status" "$STATUS" 65
	run bad_zone "$TOOLS/plot-traffic" --timezone Nowhere/None \
		--output "$WORK/bad.png"
	check_eq "plot-traffic, unknown zone: exit status" "$STATUS" 64
fi

# --- fake-mx ------------------------------------------------------------------
run fake_mx "$TOOLS/fake-mx"
check_eq "fake-mx: exit status" "$STATUS" 0
expected=$(awk -F, 'NR > 1 {print tolower($1)}' "$TOP/data/bounces.csv" |
	sort -u)
got=$(sed -n 's/^local-data: "\(.*\)\. IN MX 10 sink\.test\."$/\1/p' \
	"$WORK/fake_mx.out" | sort)
check_eq "fake-mx: every catalogue domain" "$got" "$expected"
check_eq "fake-mx: each domain once" \
	"$(sort "$WORK/fake_mx.out" | uniq -d | wc -l)" 0
check_eq "fake-mx: the sink's A record" "$(tail -n 1 "$WORK/fake_mx.out")" \
	'local-data: "sink.test. IN A 127.0.0.1"'
check_eq "fake-mx: lines" "$(wc -l <"$WORK/fake_mx.out")" \
	$(($(wc -l <<<"$expected") + 1))
run fake_mx6 "$TOOLS/fake-mx" --sink-address ::1 --sink-name mx.sink.test \
	--preference 5
check_eq "fake-mx, IPv6: the sink's AAAA record" \
	"$(tail -n 1 "$WORK/fake_mx6.out")" \
	'local-data: "mx.sink.test. IN AAAA ::1"'
check_eq "fake-mx, IPv6: first MX line" "$(head -n 1 "$WORK/fake_mx6.out")" \
	"local-data: \"$(head -n 1 <<<"$(awk -F, 'NR == 2 {print $1}' \
	"$TOP/data/bounces.csv")"). IN MX 5 mx.sink.test.\""
run fake_mx_remote "$TOOLS/fake-mx" --sink-address 192.0.2.1
check_eq "fake-mx, address outside loopback: exit status" "$STATUS" 64
run fake_mx_missing "$TOOLS/fake-mx" --bounces "$WORK/no-such.csv"
check_eq "fake-mx, missing catalogue: exit status" "$STATUS" 66
if ! command -v unbound-checkconf >/dev/null; then
	echo "# skipping unbound-checkconf: it is missing (Debian package unbound)"
else
	# A complete configuration that includes the lines; it is only
	# checked, never started.
	write_unbound_conf() {
		cat >"$WORK/unbound.conf" <<-CONF
		server:
		    chroot: ""
		    directory: "$WORK"
		    username: ""
		    pidfile: ""
		    use-syslog: no
		    interface: 127.0.0.1
		    port: $(free_port)
		    include: "$1"
		CONF
	}
	write_unbound_conf "$WORK/fake_mx.out"
	run checkconf unbound-checkconf "$WORK/unbound.conf"
	check_eq "fake-mx: unbound-checkconf accepts the lines" "$STATUS" 0
	printf 'local-data: "broken. IN MX sink.test."\n' >"$WORK/broken.conf"
	write_unbound_conf "$WORK/broken.conf"
	run checkconf_broken unbound-checkconf "$WORK/unbound.conf"
	check "fake-mx: unbound-checkconf rejects an MX without preference" \
		test "$STATUS" -ne 0
fi

# --- systemd units ------------------------------------------------------------
units=$WORK/units
mkdir "$units"
for unit in "$TOOLS"/systemd/*; do
	sed "s|/usr/local/bin/|$TOP/|g" "$unit" >"$units/${unit##*/}"
done
if ! command -v systemd-analyze >/dev/null; then
	echo "# skipping systemd-analyze verify: it is missing" \
		"(Debian package systemd)"
else
	run verify sh -c "cd '$units' && systemd-analyze verify --man=no \
		--generators=false ./spoolgen.service ./spoolgen.timer \
		./spoolinject.service"
	check_eq "systemd units: systemd-analyze verify exit status" "$STATUS" 0
	check_eq "systemd units: systemd-analyze verify output" \
		"$(cat "$WORK/verify.out" "$WORK/verify.err")" ""
	sed 's|^ExecStart=.*|ExecStart=/no/such/spoolgen|' \
		"$units/spoolgen.service" >"$units/broken.service"
	run verify_broken sh -c "cd '$units' && systemd-analyze verify \
		--man=no --generators=false ./broken.service"
	check "systemd units: verify finds a missing binary" \
		test "$STATUS" -ne 0
fi

# spoolgen.service's command, run as systemd would run it but with
# --plan: tomorrow's local day in its time zone, midnight to midnight.
exec_start=$(sed -n 's/^ExecStart=//p' "$units/spoolgen.service")
exec_start=${exec_start//%%/%}
exec_start=${exec_start/--quiet/--plan}
zone=$(sed -n 's/^Environment=TZ=//p' "$units/spoolgen.service")
volume=$(sed -n 's/^Environment=SPOOLGEN_DAILY_VOLUME=//p' \
	"$units/spoolgen.service")
# systemd passes the single-quoted script to sh -c as one word.
script=${exec_start#/bin/sh -c \'}
script=${script%\'}
STATUS=0
(cd "$WORK" && env TZ="$zone" SPOOLGEN_ZONE="$zone" \
	SPOOLGEN_DAILY_VOLUME="$volume" sh -c "$script") \
	>"$WORK/service-plan.out" 2>"$WORK/service-plan.err" || STATUS=$?
check_eq "spoolgen.service command: exit status" "$STATUS" 0
tomorrow=$(TZ=$zone date -d tomorrow +%F)
start=$(TZ=$zone date -d "$tomorrow 00:00" +%s)
end=$(TZ=$zone date -d "$(date -d "$tomorrow + 1 day" +%F) 00:00" +%s)
check_eq "spoolgen.service command: first slot is local midnight" \
	"$(head -n 1 "$WORK/service-plan.out" | cut -d ' ' -f 1)" \
	"$(date -u -d "@$start" +%Y%m%dT%H%MZ)"
check_eq "spoolgen.service command: one local day of slots" \
	"$(wc -l <"$WORK/service-plan.out")" $(((end - start) / 60))
check_eq "spoolgen.service command: the day's volume" \
	"$(awk '{sum += $2} END {print sum + 0}' "$WORK/service-plan.out")" \
	"$volume"

# --- man pages: mdoc's "Fl \-slot" renders as --slot ----------------------------------------------------------------
if ! command -v mandoc >/dev/null; then
	echo "# skipping the man page checks: mandoc is missing"
else
	for page in "$TOP"/man/*.1; do
		# STYLE notes, such as cross references to pages that are not
		# installed here, are allowed; warnings and errors are not.
		run lint mandoc -T lint -W warning "$page"
		check_eq "mandoc lint: ${page##*/}" \
			"$(grep -v 'outdated mandoc.db' "$WORK/lint.out" \
			"$WORK/lint.err")" ""
	done
fi
help_options=$("$SPOOLGEN" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
man_options=$(grep -oE 'Fl \\-[a-z][a-z\\-]*' "$TOP/man/spoolgen.1" |
	sed 's/^Fl /-/; s/\\//g' | sort -u)
check_eq "spoolgen: options in --help missing from the man page" \
	"$(comm -23 <(echo "$help_options") <(echo "$man_options"))" ""
check_eq "spoolgen: options in the man page missing from --help" \
	"$(comm -13 <(echo "$help_options") <(echo "$man_options"))" ""

done_testing
