#!/bin/bash
# spoolgen on the shared hard cases: sender rows of the wrong width (01),
# a spreadsheet-saved bounce catalogue (02), emoji subjects (04), display
# names (05) and templates with long lines, CRLF and dot lines (06).
source "$(dirname "$0")/lib.sh"

CHECK="$SINK_PYTHON $TOP/tests/e2e/spoolgen-check.py"
CASES=$SHARED/cases
SLOT=20260601T1600Z
SLOT_TIME=2026-06-01T16:00Z

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
[ -d "$CASES" ] ||
	skip_all "the shared cases folder $CASES is absent (set SPOOLGEN_SHARED)"
"$SINK_PYTHON" -c 'import email.policy' 2>/dev/null ||
	skip_all "$SINK_PYTHON has no email package"
cd "$WORK" || exit 1

# check_grep LABEL PATTERN FILE: pass when FILE has a line with PATTERN
# (a fixed string).
check_grep() {
	if grep -qF -- "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "no \"$2\" in $3:" "$(head -c 600 "$3")"
	fi
}

# check_no_grep LABEL PATTERN FILE: pass when no line has PATTERN.
check_no_grep() {
	if grep -qF -- "$2" "$3"; then
		fail "$1" "found \"$2\" in $3:" "$(grep -F -- "$2" "$3")"
	else
		pass "$1"
	fi
}

# generate NAME ARGS...: run spoolgen into $WORK/NAME with output in
# $WORK/NAME.out and $WORK/NAME.err; sets STATUS and DIR (the slot).
generate() {
	local name=$1
	shift
	STATUS=0
	DIR=$WORK/$name/$SLOT
	"$SPOOLGEN" --spool "$WORK/$name" --slot "$SLOT_TIME" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

# 01: a sender row with 7 fields, and rows of other wrong widths.
case01() {
	local senders=$CASES/01-sender-csv-extra-field/sender_subjects.csv
	local arity=$CASES/01-sender-csv-extra-field/sender_subjects_arity.csv
	local line

	generate c01 --volume 100 --seed 1 --sender-subjects "$senders"
	check_eq "01: exit status" "$STATUS" 65
	check_grep "01: message names the file and line 3" \
		"sender_subjects.csv:3:" "$WORK/c01.err"
	check_grep "01: message gives the row's 7 fields" "found 7" \
		"$WORK/c01.err"
	check_grep "01: message gives the header's 6 fields" "expected 6" \
		"$WORK/c01.err"
	check_eq "01: no slot folder" "$(ls "$WORK/c01" 2>/dev/null)" ""

	generate c01skip --volume 100 --seed 1 --sender-subjects "$senders" \
		--skip-bad-rows
	check_eq "01, --skip-bad-rows: exit status" "$STATUS" 0
	check_grep "01, --skip-bad-rows: warning names line 3" \
		"sender_subjects.csv:3:" "$WORK/c01skip.err"
	check_grep "01, --skip-bad-rows: summary counts the skipped row" \
		"skipped 1 invalid rows" "$WORK/c01skip.err"
	check_output "01, --skip-bad-rows: only the valid rows' subjects" \
		$CHECK subject-set "$DIR" \
		"Weekend sale 🔥 on climbing ropes" "Password reset" \
		"Your order is on its way 🚚"

	generate c01arity --volume 100 --seed 1 --sender-subjects "$arity"
	check_eq "01 arity: exit status" "$STATUS" 65
	check_grep "01 arity: message names line 3" \
		"sender_subjects_arity.csv:3:" "$WORK/c01arity.err"

	generate c01arity_skip --volume 100 --seed 1 --sender-subjects "$arity" \
		--skip-bad-rows
	check_eq "01 arity, --skip-bad-rows: exit status" "$STATUS" 0
	for line in 3 4 6; do
		check_grep "01 arity, --skip-bad-rows: warning for line $line" \
			"sender_subjects_arity.csv:$line:" "$WORK/c01arity_skip.err"
	done
	for line in 5 7 9; do
		check_no_grep "01 arity, --skip-bad-rows: no warning for line $line" \
			"sender_subjects_arity.csv:$line:" "$WORK/c01arity_skip.err"
	done
	check_grep "01 arity, --skip-bad-rows: summary counts 3 rows" \
		"skipped 3 invalid rows" "$WORK/c01arity_skip.err"
	check_output "01 arity, --skip-bad-rows: only the Ok rows' subjects" \
		$CHECK subject-set "$DIR" "Fine row" "Another fine row"
}

# 02: BOM, CRLF, quoted fields, an empty enhanced code, a missing count.
case02() {
	local ip='(192\.0\.2|198\.51\.100|203\.0\.113)\.[0-9]{1,3}'
	local patterns=$WORK/c02-patterns.txt
	local codes='https://postmaster\.example\.net/codes\?a=1&b=2'

	printf '%s\n' \
		'x_job,from_name,from_addr,bounce_rate,retry_percent,subject' \
		'All,All Bounce,all@example.org,1,40,Every message bounces' \
		>"$WORK/always.csv"
	cat >"$patterns" <<EOF
550 5\.1\.1 <[^>]+@example\.com> recipient unknown here
550 5\.2\.0 <[^>]+@example\.com> - account closed, please remove
421 4\.7\.0 \[TS04\] Messages from $ip deferred, try later; see $codes
554 Message refused for "policy" reasons
452 4\.2\.2 Mailbox is full
550 5\.7\.1 Rejected - see https://lookup\.example\.org/\?ip=$ip
EOF
	generate c02 --volume 600 --seed 2 --quiet \
		--bounces "$CASES/02-bounce-csv-bom-crlf/bounces.csv" \
		--sender-subjects "$WORK/always.csv"
	check_eq "02: exit status" "$STATUS" 0
	check_eq "02: no warnings" "$(cat "$WORK/c02.err")" ""
	check_output "02: every X-Bounce-Me is one of the six rows, each used" \
		$CHECK bounces "$DIR" "$patterns"
	check_output "02: rows are picked uniformly by default" \
		$CHECK bounces "$DIR" "$patterns" --counts 1,1,1,1,1,1 \
		--domains com,com,net,net,org,org
	generate c02count --volume 600 --seed 2 --quiet --bounce-weights count \
		--bounces "$CASES/02-bounce-csv-bom-crlf/bounces.csv" \
		--sender-subjects "$WORK/always.csv"
	check_eq "02 --bounce-weights count: exit status" "$STATUS" 0
	check_output "02: rows are picked by their count (1 when missing)" \
		$CHECK bounces "$DIR" "$patterns" --counts 16,6,120,9,1,7 \
		--domains com,com,net,net,org,org
	check_output "02: every message is valid" $CHECK messages "$DIR"
	check_eq "02: recipients only in the catalogue's domains" \
		"$(grep -h '^To:' "$DIR/new/"* | sed 's/.*@//; s/>$//' | sort -u |
			tr '\n' ' ')" "example.com example.net example.org "
}

# 04: emoji, flags, ZWJ sequences, long subjects. Row S05 (line 6) is
# unquoted and has commas, so it has 8 fields: like case 01's 7-field row
# it is rejected, and --skip-bad-rows leaves it out.
case04() {
	local folder=$CASES/04-emoji-subjects fixed=$WORK/c04-fixed.csv

	generate c04 --volume 200 --seed 4 \
		--sender-subjects "$folder/sender_subjects.csv"
	check_eq "04: exit status for the 8-field row" "$STATUS" 65
	check_grep "04: message names line 6" "sender_subjects.csv:6:" \
		"$WORK/c04.err"
	check_grep "04: message gives the 8 fields" "found 8" "$WORK/c04.err"

	generate c04skip --volume 200 --seed 4 --skip-bad-rows \
		--sender-subjects "$folder/sender_subjects.csv"
	check_eq "04, --skip-bad-rows: exit status" "$STATUS" 0
	check_output "04, --skip-bad-rows: subjects decode exactly" \
		$CHECK subjects "$DIR" "$folder/expected_subjects.txt" S \
		--absent 5

	# The same rows written by a CSV writer, row 5 quoted as intended.
	"$SINK_PYTHON" - "$folder/expected_subjects.txt" "$fixed" <<'EOF'
import csv
import sys
with open(sys.argv[1], encoding="utf-8") as expected:
    subjects = expected.read().splitlines()
with open(sys.argv[2], "w", newline="", encoding="utf-8") as output:
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(["x_job", "from_name", "from_addr", "bounce_rate",
                     "retry_percent", "subject"])
    for row, subject in enumerate(subjects, 1):
        writer.writerow([f"S{row:02d}", "Subject Tester",
                         "subjects@example.com", "0.0", "40", subject])
EOF
	generate c04fixed --volume 200 --seed 4 --sender-subjects "$fixed"
	check_eq "04, all rows: exit status" "$STATUS" 0
	check_output "04, all rows: subjects decode exactly, row 5 folded" \
		$CHECK subjects "$DIR" "$folder/expected_subjects.txt" S \
		--plain-row 5
	check_output "04, all rows: every message is valid" \
		$CHECK messages "$DIR"
}

# 05: display names with commas, quotes, specials and non-ASCII.
case05() {
	local folder=$CASES/05-display-names

	generate c05 --volume 300 --seed 5 \
		--sender-subjects "$folder/sender_subjects.csv"
	check_eq "05: exit status" "$STATUS" 0
	check_output "05: From parses back to one mailbox with the exact name" \
		$CHECK senders "$DIR" "$folder/expected_from.tsv"
	check_output "05: every message is valid" $CHECK messages "$DIR"
}

# 06: a 1,161-byte HTML line, CRLF, NBSP, trailing blanks, dot lines.
case06() {
	local folder=$CASES/06-template-long-lines
	local text=$WORK/c06-template.txt

	printf '%s\n' \
		'x_job,from_name,from_addr,bounce_rate,retry_percent,subject' \
		'Ok1,Good Sender,good@example.com,0.01,40,Fine row' \
		"Ok2,Ann & Bob's <Shop>,shop@example.com,0.01,40,Another row" \
		>"$WORK/c06-senders.csv"
	generate c06 --volume 20 --seed 6 \
		--sender-subjects "$WORK/c06-senders.csv" \
		--html-content "$folder/template.html" \
		--txt-content "$folder/template.txt"
	check_eq "06: exit status for {{nope}}" "$STATUS" 65
	check_grep "06: message names the file and line 11" \
		"template.txt:11:" "$WORK/c06.err"
	check_grep "06: message names {{nope}}" "{{nope}}" "$WORK/c06.err"
	check_no_grep "06: {{ name }} is accepted" "{{ name }}" "$WORK/c06.err"
	check_eq "06: no slot folder" "$(ls "$WORK/c06" 2>/dev/null)" ""

	# Without {{nope}}; the file keeps its missing final newline.
	sed 's/{{nope}}/(nope)/' "$folder/template.txt" >"$text"
	generate c06ok --volume 20 --seed 6 \
		--sender-subjects "$WORK/c06-senders.csv" \
		--html-content "$folder/template.html" --txt-content "$text"
	check_eq "06, without {{nope}}: exit status" "$STATUS" 0
	check_output "06, without {{nope}}: parts decode to the templates" \
		$CHECK bodies "$DIR" "$folder/template.html" "$text"
	check_output "06, without {{nope}}: every message is valid" \
		$CHECK messages "$DIR"
}

case01
case02
case04
case05
case06
done_testing
