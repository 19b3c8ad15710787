#!/bin/bash
# Messages per second through spoolinject --sendmail against xargs -P, for
# 1 to 8 processes at once, over the same spoolgen messages. Both start
# the same stand-in for each message: a #!/bin/sh script that execs cat,
# which reads the file named by a lone argument (as xargs -n 1 runs it)
# or else standard input (as spoolinject runs it, with sendmail's
# arguments). So each message costs both the same two program starts, and
# the figures compare the cost of the hand-over, not that of a mail
# system. A third column runs xargs with the script's work inline,
# sh -c 'exec cat <"$1"', which saves the kernel and the shell reading
# the script. The runs alternate, and each figure is the median of
# REPEATS runs, so that other load on the host hits all alike. Prints a
# Markdown table.
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
cat >"$work/stand-in" <<'EOF'
#!/bin/sh
[ $# -eq 1 ] && exec cat -- "$1" >/dev/null
exec cat >/dev/null
EOF
chmod 755 "$work/stand-in"

# rate COMMAND...: run COMMAND and print messages per second.
rate() {
	local start end
	start=$(date +%s%N)
	"$@" >/dev/null
	end=$(date +%s%N)
	echo $((messages * 1000000000 / (end - start)))
}

# ratio A B: A / B to two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

echo "| processes | spoolinject --sendmail | xargs -P, same stand-in | ratio | xargs -P, inline sh -c | ratio |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for ((n = 1; n <= max_processes; n++)); do
	: >"$work/inject" && : >"$work/xargs" && : >"$work/inline"
	for ((i = 0; i < repeats; i++)); do
		rate "$TOP/spoolinject" --sendmail="$work/stand-in" \
			--max-procs "$n" --keep "$work/spool" >>"$work/inject"
		rate xargs -P "$n" -n 1 -a "$work/files" "$work/stand-in" \
			>>"$work/xargs"
		rate xargs -P "$n" -n 1 -a "$work/files" \
			sh -c 'exec cat >/dev/null <"$1"' sh >>"$work/inline"
	done
	inject=$(median <"$work/inject")
	xargs=$(median <"$work/xargs")
	inline=$(median <"$work/inline")
	echo "| $n | $inject | $xargs | $(ratio "$inject" "$xargs") | $inline | $(ratio "$inject" "$inline") |"
done
