#!/bin/bash
# spoolgen rejects invalid inputs with the right exit status and a message
# that names the file, line and value; a few edge inputs still work.
. "$(dirname "$0")/lib.sh"

SLOT_TIME=2026-12-04T15:21Z
SLOT=20261204T1521Z

# run NAME ARGS...: run spoolgen into $WORK/NAME; sets STATUS, and the
# output files $WORK/NAME.out and $WORK/NAME.err.
run() {
	local name=$1
	shift
	STATUS=0
	"$SPOOLGEN" --spool "$WORK/$name" --slot "$SLOT_TIME" --quiet "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || STATUS=$?
}

# check_err LABEL NAME TEXT: pass when NAME's error output contains TEXT.
check_err() {
	if grep -qF -- "$3" "$WORK/$2.err"; then
		pass "$1"
	else
		fail "$1" "expected in stderr: $3" "stderr: $(cat "$WORK/$2.err")"
	fi
}

bounces_header='domain,code,enhanced,text,count'
printf '%s\n%s\n' "$bounces_header" '*,550,5.1.1,no such user,1' \
	>"$WORK/wildcard.csv"
run wildcard --volume 1 --bounces "$WORK/wildcard.csv"
check_eq "wildcard domain: exit status" "$STATUS" 65
check_err "wildcard domain: names file, line and value" wildcard \
	"$WORK/wildcard.csv:2: invalid domain \"*\""
check "wildcard domain: no slot folder" test ! -e "$WORK/wildcard/$SLOT"

printf '%s\n%s\n' "$bounces_header" 'example.com,550,4.1.1,mixed,1' \
	>"$WORK/class.csv"
run class --volume 1 --bounces "$WORK/class.csv"
check_eq "enhanced class mismatch: exit status" "$STATUS" 65
check_err "enhanced class mismatch: message" class \
	"$WORK/class.csv:2: enhanced code \"4.1.1\" does not match the class of code 550"

printf '%s\nexample.com,550,5.1.1,t\xc3\xa9xt,1\n' "$bounces_header" \
	>"$WORK/ascii.csv"
run ascii --volume 1 --bounces "$WORK/ascii.csv"
check_eq "non-ASCII reply text: exit status" "$STATUS" 65
check_err "non-ASCII reply text: message" ascii \
	"$WORK/ascii.csv:2: the text field contains a non-ASCII character"

for name in From To Content-Type message-id; do
	run "reserved-$name" --volume 1 --add-header "$name=x@example.com"
	check_eq "--add-header $name: exit status" "$STATUS" 64
	check_err "--add-header $name: message" "reserved-$name" \
		"spoolgen writes that header itself"
done
run custom --volume 1 --add-header "X-Campaign:spring=2026"
check_eq "--add-header NAME:VALUE: exit status" "$STATUS" 0
check_eq "--add-header NAME:VALUE: header" \
	"$(grep -h '^X-Campaign:' "$WORK/custom/$SLOT/new/"*)" \
	"X-Campaign: spring=2026"

run empty-html --volume 1 --html-content /dev/null
check_eq "empty HTML template: exit status" "$STATUS" 0
check_eq "empty HTML template: no GMime warning" "$(cat "$WORK/empty-html.err")" ""
check_eq "empty HTML template: one message" \
	"$(find "$WORK/empty-html/$SLOT/new" -type f | wc -l)" 1

mkdir "$WORK/folder"
run names-folder --volume 1 --first-names "$WORK/folder"
check_eq "names file is a folder: exit status" "$STATUS" 66
check_err "names file is a folder: message" names-folder \
	"$WORK/folder: is a directory: expected a regular file"

printf '\xef\xbb\xbfANNA 1.0\n' >"$WORK/bom-names.txt"
run bom-names --volume 3 --seed 1 --first-names "$WORK/bom-names.txt"
check_eq "names file with a byte-order mark: exit status" "$STATUS" 0
check_eq "names file with a byte-order mark: first names" \
	"$(grep -h '^To: ' "$WORK/bom-names/$SLOT/new/"* | cut -d' ' -f2 | sort -u)" \
	"Anna"

printf 'group,weight,domains\ngoogle,1e308,gmail.com\nother,1,*\n' \
	>"$WORK/huge-weight.csv"
run huge-weight --volume 1 --domain-groups "$WORK/huge-weight.csv"
check_eq "group weight 1e308: exit status" "$STATUS" 65
check_err "group weight 1e308: message" huge-weight \
	"$WORK/huge-weight.csv:2: invalid weight \"1e308\""

printf 'group,weight,domains\nother,1,*\nother,2,gmail.com\n' \
	>"$WORK/twice.csv"
run twice --volume 1 --domain-groups "$WORK/twice.csv"
check_eq "group defined twice: exit status" "$STATUS" 65
check_err "group defined twice: message" twice \
	"$WORK/twice.csv:3: group \"other\" is defined twice"

STATUS=0
"$SPOOLGEN" --plan --slot 9999-12-31T23:58Z --slots 3 --volume 1 \
	>"$WORK/late.out" 2>"$WORK/late.err" || STATUS=$?
check_eq "slots past year 9999: exit status" "$STATUS" 64
STATUS=0
"$SPOOLGEN" --plan --slot 9999-12-31T23:58Z --slots 2 --volume 1 \
	>"$WORK/last.out" 2>&1 || STATUS=$?
check_eq "last two slots of year 9999" "$(tr '\n' ' ' <"$WORK/last.out")" \
	"99991231T2358Z 1 99991231T2359Z 1 "

# Each number option's message gives the range that it accepts.
while read -r option value range; do
	run "range$option" --volume 1 --plan "$option" "$value"
	check_eq "$option $value: exit status" "$STATUS" 64
	check_err "$option $value: message gives the range" "range$option" \
		"invalid $option \"$value\": expected a whole number from $range"
done <<'EOF'
--jobs 0 1 to 256
--jobs 257 1 to 256
--slots 0 1 to 10000000
--slots 10000001 1 to 10000000
--seed -1 0 to 18446744073709551615
EOF
run volume-range --volume 1000000001 --plan
check_err "--volume 1000000001: message gives the range" volume-range \
	"invalid --volume \"1000000001\": expected a whole number from 0 to 1000000000"

# A FIFO as an input file is rejected at once instead of blocking in
# open(); timeout ends a run that blocks.
mkfifo "$WORK/fifo"
for option in --bounces --sender-subjects --html-content --txt-content \
	--first-names --last-names --domain-groups --profile; do
	STATUS=0
	timeout -s KILL 20 "$SPOOLGEN" --spool "$WORK/fifo-spool" \
		--slot "$SLOT_TIME" --quiet --volume 1 "$option" "$WORK/fifo" \
		>/dev/null 2>"$WORK/fifo.err" </dev/null || STATUS=$?
	check_eq "FIFO as $option: exit status" "$STATUS" 66
	check_err "FIFO as $option: message" fifo \
		"$WORK/fifo: is not a regular file: expected a regular file"
done

STATUS=0
"$SPOOLGEN" --bogus >/dev/null 2>"$WORK/bogus.err" || STATUS=$?
check_eq "unknown option: exit status" "$STATUS" 64
check_eq "unknown option: message" "$(head -n 1 "$WORK/bogus.err")" \
	"spoolgen: unknown option --bogus"
# check_option_error ARGUMENT MESSAGE: spoolgen ARGUMENT exits 64 and
# prints MESSAGE, prefixed with the program name only, then the usage.
check_option_error() {
	STATUS=0
	"$SPOOLGEN" "$1" >/dev/null 2>"$WORK/option.err" || STATUS=$?
	check_eq "$1: exit status" "$STATUS" 64
	check_eq "$1: message" "$(head -n 1 "$WORK/option.err")" "spoolgen: $2"
	check "$1: usage follows" grep -q '^usage: spoolgen ' "$WORK/option.err"
}
check_option_error -h "unknown option -h"
check_option_error --jobs "option --jobs needs a value"
check_option_error --help=yes "option --help takes no value"
check_option_error --s \
	"ambiguous option --s: it starts 6 option names; write more of the name"
STATUS=0
"$SPOOLGEN" --version >"$WORK/version.out" 2>&1 || STATUS=$?
check_eq "--version: exit status" "$STATUS" 0
check_eq "--version: output" "$(cat "$WORK/version.out")" \
	"spoolgen $(sed -n 's/^VERSION = //p' "$TOP/Makefile")"

STATUS=0
"$SPOOLGEN" --help >/dev/full 2>/dev/null || STATUS=$?
check_eq "--help to a full device: exit status" "$STATUS" 74

done_testing
