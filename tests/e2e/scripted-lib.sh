# Helpers for end-to-end tests that run spoolinject against
# tests/e2e/scripted-server.py, sourced after lib.sh. Each run gets a
# folder RUN under WORK with the server's report, its data files and
# spoolinject's output.

SCRIPTED="$SINK_PYTHON $TOP/tests/e2e/scripted-server.py"

# start_scripted NAME SCRIPT [SERVER OPTION...]: start a scripted server
# for one run. Sets RUN (its folder), RUN_SERVER (its PID) and PORT (its
# port, or its socket path with --unix).
start_scripted() {
	local name=$1 script=$2 i
	shift 2
	RUN=$WORK/$name
	mkdir -p "$RUN/data"
	start_server $SCRIPTED --script "$script" --port-file "$RUN/port" \
		--report "$RUN/report" --data-dir "$RUN/data" "$@"
	RUN_SERVER=$SERVER_PID
	for ((i = 0; i < 200; i++)); do
		[ -s "$RUN/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$RUN/port" 2>/dev/null)
}

# inject ARGS...: run spoolinject with the output in $RUN; sets STATUS.
inject() {
	STATUS=0
	"$SPOOLINJECT" "$@" >"$RUN/stdout" 2>"$RUN/stderr" || STATUS=$?
}

# summary KEY: one value of the last run's summary.
summary() {
	sed -n "s/^$1: //p" "$RUN/stdout"
}

count_files() {
	find "$1" -maxdepth 1 -type f ! -name '.*' | wc -l
}

# check_kept LABEL SLOT NEW CUR: pass when SLOT has NEW messages left in
# new/ and CUR answered ones in cur/, so that none is lost.
check_kept() {
	check_eq "$1" "new/ $(count_files "$2/new"), cur/ $(count_files "$2/cur")" \
		"new/ $3, cur/ $4"
}

# check_server LABEL CONNECTIONS: stop the scripted server and pass when
# it saw the expected number of connections and no deviation.
check_server() {
	local problems
	stop_server "$RUN_SERVER"
	problems=$("$SINK_PYTHON" - "$RUN/report" "$2" <<'PYTHON'
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
for entry in entries:
    for error in entry["errors"]:
        print(f"connection {entry['connection']}: {error}")
if len(entries) != int(sys.argv[2]):
    print(f"{len(entries)} connections, expected {sys.argv[2]}")
PYTHON
)
	if [ -z "$problems" ]; then
		pass "$1"
	else
		fail "$1" "$problems"
	fi
}

# client_lines: the lines the client sent in the last run, one per line;
# "<tls>" marks the handshake and "<data>" a message's data.
client_lines() {
	"$SINK_PYTHON" -c 'import json, sys
for line in open(sys.argv[1]):
    for client in json.loads(line)["client_lines"]:
        print(client)' "$RUN/report"
}

# log_row FILE RECIPIENT [FIRST LAST]: fields FIRST to LAST (from 0; by
# default "code|enhanced|text") of the recipient's log line.
log_row() {
	"$SINK_PYTHON" - "$1" "$2" "${3:-4}" "${4:-6}" <<'PYTHON'
import csv, sys
first, last = int(sys.argv[3]), int(sys.argv[4])
for row in csv.reader(open(sys.argv[1], newline="")):
    if row[3] == sys.argv[2]:
        print("|".join(row[first:last + 1]))
PYTHON
}

# make_message SLOT NAME TO...: a small plain message in SLOT/new.
make_message() {
	local slot=$1 name=$2
	shift 2
	mkdir -p "$slot/new" "$slot/cur" "$slot/tmp"
	printf 'From: sender@example.com\nTo: %s\nSubject: %s\n\nBody.\n' \
		"$(IFS=,; echo "$*")" "$name" >"$slot/new/$name"
}
