# Helpers for the end-to-end tests, sourced by each tests/e2e/*.sh.
#
# Each test prints TAP-style "ok N - label" or "not ok N - label" lines,
# which tests/run counts. Servers started with start_server are stopped by
# their PID on every exit path, and the temporary folder WORK is removed.
#
# Variables set here:
#   TOP          repository root
#   SPOOLGEN     the built spoolgen; SPOOLINJECT the built spoolinject
#   WORK         a fresh temporary folder for this test
#   SHARED       the shared inputs folder beside the repository (may be absent)
#   SINK_PYTHON  Debian's python3, which has python3-aiosmtpd

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SPOOLGEN=$TOP/spoolgen
SPOOLINJECT=$TOP/spoolinject
SHARED=${SPOOLGEN_SHARED:-$(cd "$TOP/.." && pwd)/shared}
SINK_PYTHON=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/spoolgen-e2e.XXXXXX")
chmod 755 "$WORK"

test_count=0
test_failures=0
server_pids=()

tmpfs_mounts=()

cleanup() {
	local pid mount
	for pid in "${server_pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for mount in "${tmpfs_mounts[@]}"; do
		unmount_tmpfs "$mount"
	done
	rm -rf "$WORK"
}

# mount_tmpfs DIR SIZE WHAT: mount a tmpfs of SIZE on DIR, unmounted on
# exit. Mounting needs root, so when it fails, print that the checks of
# WHAT are skipped and return 1.
mount_tmpfs() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "# skipping $3: mounting a tmpfs needs root"
		return 1
	fi
	if ! mkdir -p "$1" || ! mount -t tmpfs -o "size=$2" tmpfs "$1"; then
		echo "# skipping $3: mounting a tmpfs failed"
		return 1
	fi
	tmpfs_mounts+=("$1")
}

# unmount_tmpfs DIR: unmount DIR if a tmpfs is mounted there.
unmount_tmpfs() {
	if mountpoint -q "$1" 2>/dev/null; then
		umount "$1"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pass LABEL / fail LABEL [DETAIL...]: record one check.
pass() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1"
}
fail() {
	test_count=$((test_count + 1))
	test_failures=$((test_failures + 1))
	echo "not ok $test_count - $1"
	shift
	local line
	for line in "$@"; do
		echo "#   $line"
	done
}

# check LABEL CMD...: pass when CMD exits 0.
check() {
	local label=$1
	shift
	if "$@"; then
		pass "$label"
	else
		fail "$label" "command failed: $*"
	fi
}

# check_output LABEL CMD...: pass when CMD exits 0; on failure show what
# it printed.
check_output() {
	local label=$1 output status=0 lines
	shift
	output=$("$@" 2>&1) || status=$?
	if [ "$status" -eq 0 ]; then
		pass "$label"
	else
		mapfile -t lines <<<"$output"
		fail "$label" "exit status $status" "${lines[@]}"
	fi
}

# check_eq LABEL GOT EXPECTED: pass when the two strings are equal.
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:      $2" "expected: $3"
	fi
}

# check_status LABEL EXPECTED CMD...: pass when CMD exits with EXPECTED.
check_status() {
	local label=$1 expected=$2 status=0
	shift 2
	"$@" || status=$?
	check_eq "$label" "exit status $status" "exit status $expected"
}

# skip_all REASON: end the test file without running its checks.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	"$SINK_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: wait until something accepts on PORT.
wait_port() {
	local port=$1 limit=${2:-10} i
	for ((i = 0; i < limit * 20; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	echo "# nothing listens on 127.0.0.1:$port after ${limit}s" >&2
	return 1
}

# start_server CMD...: run CMD in the background, to be stopped on exit.
# Sets SERVER_PID.
start_server() {
	"$@" &
	SERVER_PID=$!
	server_pids+=("$SERVER_PID")
}

# stop_server PID: stop one server with SIGTERM and wait for its output.
stop_server() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# done_testing: print the plan and exit non-zero when a check failed.
done_testing() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ]
}
