#!/bin/bash
# Messages per second through spoolinject --sendmail against xargs -P, for
# 1 to 8 processes at once. Both run the same stand-in, sh exec'ing
# "cat >/dev/null" with the message on standard input, over the same
# spoolgen messages, so the figures compare the cost of the hand-over and
# not that of a mail system. The two alternate, and each figure is the
# median of REPEATS runs, so that other load on the host hits both alike.
# Prints a Markdown table.
#
# usage: tests/bench/sendmail.sh [MESSAGES [MAX_PROCESSES [REPEATS]]]
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
messages=${1:-1000}
max_processes=${2:-8}
repeats=${3:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/sendmail-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$TOP/spoolgen" --spool "$work/spool" --volume "$messages" --seed 1 \
	>/dev/null
find "$work/spool" -path '*/new/*' -type f | sort >"$work/files"
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$work/stand-in"
chmod 755 "$work/stand-in"

# rate COMMAND...: run COMMAND and print messages per second.
rate() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	echo $((messages * 1000000000 / (end - start)))
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "| processes | spoolinject --sendmail (messages/s) | xargs -P (messages/s) |"
echo "| ---: | ---: | ---: |"
for ((n = 1; n <= max_processes; n++)); do
	: >"$work/inject" && : >"$work/xargs"
	for ((i = 0; i < repeats; i++)); do
		rate "$TOP/spoolinject" --sendmail="$work/stand-in" \
			--max-procs "$n" --keep "$work/spool" >>"$work/inject"
		rate xargs -P "$n" -n 1 -a "$work/files" \
			sh -c 'exec cat >/dev/null <"$1"' sh >>"$work/xargs"
	done
	echo "| $n | $(median <"$work/inject") | $(median <"$work/xargs") |"
done
