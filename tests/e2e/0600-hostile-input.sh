#!/bin/bash
# spoolgen on hostile input. A CR, LF or NUL inside a CSV field, a name,
# an --add-header value or a template value never adds a header or
# splits one: the run stops with an error, or the text is encoded. Also:
# slot names, a full disk, unreadable and odd input files, and very
# large inputs, each with the outcome this file pins down.
source "$(dirname "$0")/lib.sh"

CHECK="$SINK_PYTHON $TOP/tests/e2e/spoolgen-check.py"
SLOT=20260601T1600Z
SLOT_TIME=2026-06-01T16:00Z
HEADER='x_job,from_name,from_addr,bounce_rate,retry_percent,subject'

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
"$SINK_PYTHON" -c 'import email.policy' 2>/dev/null ||
	skip_all "$SINK_PYTHON has no email package"
cd "$WORK" || exit 1

# generate NAME ARGS...: run spoolgen into $WORK/NAME; sets STATUS and DIR.
generate() {
	local name=$1
	shift
	STATUS=0
	DIR=$WORK/$name/$SLOT
	"$SPOOLGEN" --spool "$WORK/$name" --slot "$SLOT_TIME" --seed 6 \
		--quiet "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || STATUS=$?
}

count_files() {
	find "$1" -type f 2>/dev/null | wc -l
}

# check_grep LABEL PATTERN FILE: pass when FILE contains PATTERN (fixed).
check_grep() {
	if grep -qF -- "$2" "$3"; then
		pass "$1"
	else
		fail "$1" "no \"$2\" in $3:" "$(head -c 400 "$3")"
	fi
}

# check_no_injection LABEL DIR: pass when no message of DIR has a header
# line (before the first empty line) that starts with "X-Injected".
check_no_injection() {
	local found
	found=$(awk 'FNR == 1 { header = 1 } /^$/ { header = 0 }
		header && tolower($0) ~ /^x-injected/ { print FILENAME; exit }' \
		"$2"/new/* 2>/dev/null)
	if [ -z "$found" ]; then
		pass "$1"
	else
		fail "$1" "injected header in $found"
	fi
}

# rejected LABEL STATUS ERRFILE TEXT: the run failed with STATUS, named
# TEXT in its message and wrote no slot.
rejected() {
	check_eq "$1: exit status" "$STATUS" "$2"
	check_grep "$1: message" "$4" "$3"
	check_eq "$1: no slot written" "$(count_files "$DIR")" 0
}

# Sender fields: each text field with a line break, and NUL bytes.
sender_row() {
	printf '%s\n%s\n' "$HEADER" "$1" >"$WORK/senders.csv"
}
for field in x_job from_name subject; do
	case $field in
	x_job) row='"J\r\nX-Injected: 1",Name,a@example.com,0.5,40,Hi' ;;
	from_name) row='J,"Name\nX-Injected: 1",a@example.com,0.5,40,Hi' ;;
	subject) row='J,Name,a@example.com,0.5,40,"Hi\rX-Injected: 1"' ;;
	esac
	sender_row "$(printf "$row")"
	generate "sender_$field" --volume 5 --sender-subjects "$WORK/senders.csv"
	rejected "sender $field with a line break" 65 "$WORK/sender_$field.err" \
		"the $field field contains a line break"
done
sender_row "$(printf 'J,Name,"a@example.com\nX-Injected:1",0.5,40,Hi')"
generate sender_addr --volume 5 --sender-subjects "$WORK/senders.csv"
rejected "sender from_addr with a line break" 65 "$WORK/sender_addr.err" \
	"invalid from_addr"
sender_row "$(printf 'J,Name,a@example.com,0.5,"40\r\nX-Injected: 1",Hi')"
generate sender_retry --volume 5 --sender-subjects "$WORK/senders.csv"
rejected "sender retry_percent with a line break" 65 \
	"$WORK/sender_retry.err" "invalid retry_percent"
printf '%s\nJ,Name,"a@example.com\0\r\nX-Injected: 1",1,40,Hi\n' "$HEADER" \
	>"$WORK/senders.csv"
generate sender_nul --volume 5 --sender-subjects "$WORK/senders.csv"
rejected "sender from_addr with a NUL byte" 65 "$WORK/sender_nul.err" \
	"the from_addr field contains a NUL byte"

# --skip-bad-rows drops such a row and writes the good ones untouched.
printf '%s\nJ,"Name\r\nX-Injected: 1",a@example.com,1,40,Hi\n%s\n' \
	"$HEADER" 'K,Good Name,b@example.com,1,40,Fine' >"$WORK/senders.csv"
generate sender_skip --volume 20 --sender-subjects "$WORK/senders.csv" \
	--skip-bad-rows
check_eq "sender row skipped: exit status" "$STATUS" 0
check_eq "sender row skipped: files" "$(count_files "$DIR/new")" 20
check_no_injection "sender row skipped: no injected header" "$DIR"

# Bounce catalogue: text and domain with line breaks, a NUL in the text.
bounce_file() {
	printf 'domain,code,enhanced,text\n%s\n' "$1" >"$WORK/bounces.csv"
}
bounce_file "$(printf 'example.com,550,5.1.1,"unknown\r\nX-Injected: 1"')"
generate bounce_text --volume 5 --bounces "$WORK/bounces.csv"
rejected "bounce text with a line break" 65 "$WORK/bounce_text.err" \
	"the text field contains a line break"
bounce_file "$(printf '"example.com\r\nX-Injected:1",550,5.1.1,unknown')"
generate bounce_domain --volume 5 --bounces "$WORK/bounces.csv"
rejected "bounce domain with a line break" 65 "$WORK/bounce_domain.err" \
	"invalid domain"
printf 'domain,code,enhanced,text\nexample.com,550,5.1.1,"no\0\r\nX-Injected: 1"\n' \
	>"$WORK/bounces.csv"
generate bounce_nul --volume 5 --bounces "$WORK/bounces.csv"
rejected "bounce text with a NUL byte" 65 "$WORK/bounce_nul.err" \
	"field 4 contains a NUL byte"

# Names file: a CR inside a name.
printf 'MARY 2.6\nEV\rIL 1.0\n' >"$WORK/names.txt"
generate names --volume 5 --first-names "$WORK/names.txt"
rejected "name with a CR" 65 "$WORK/names.err" "names.txt:2:"

# --add-header: LF and CR are rejected (argv cannot hold a NUL).
for value in 'a\nX-Injected: 1' 'a\rX-Injected: 1' 'a\r\n X-Injected: 1'; do
	generate add_header --volume 5 --add-header "$(printf "X-A=$value")"
	rejected "--add-header \"$value\"" 64 "$WORK/add_header.err" \
		"contains a line break"
done

# Template: CR line ends become LF in the body; no header appears. Values
# come from the checked fields above, so none can carry a line break.
printf 'Hello {{name}}\r\n\r\nX-Injected: 1\rbye\r\n' >"$WORK/template.txt"
generate template --volume 10 --txt-content "$WORK/template.txt"
check_eq "template with CRs: exit status" "$STATUS" 0
check_no_injection "template with CRs: no injected header" "$DIR"
if $CHECK messages "$DIR" >"$WORK/template.check" 2>&1; then
	pass "template with CRs: every message is valid"
else
	fail "template with CRs: every message is valid" \
		"$(head -n 5 "$WORK/template.check")"
fi
printf 'Hello\0{{name}}\n' >"$WORK/template-nul.txt"
generate template_nul --volume 5 --txt-content "$WORK/template-nul.txt"
rejected "template with a NUL byte" 65 "$WORK/template_nul.err" \
	"contains a NUL byte"

# Slot names: only ISO 8601 times, so no path can leave the spool.
for slot in ../x 2026-06-01T16:00Z/../../x '' 2026-06-01T16:00Z%2f..; do
	status=0
	"$SPOOLGEN" --spool "$WORK/slots" --slot "$slot" --volume 1 --quiet \
		>/dev/null 2>"$WORK/slot.err" || status=$?
	check_eq "slot \"$slot\": exit status" "$status" 64
	check_grep "slot \"$slot\": message" "invalid time" "$WORK/slot.err"
done
check_eq "invalid slots: nothing written" "$(ls -A "$WORK/slots" 2>/dev/null)" ""

# A directory given as a file, and an empty CSV.
generate directory --volume 5 --bounces "$WORK"
rejected "directory as --bounces" 66 "$WORK/directory.err" \
	"is a directory: expected a regular file"
: >"$WORK/empty.csv"
generate empty --volume 5 --sender-subjects "$WORK/empty.csv"
rejected "empty CSV" 65 "$WORK/empty.err" "empty file"

# Large inputs work: 1,000,000 sender rows, a 10 MB subject (folded, no
# line over 998 bytes) and a 50 MB template.
"$SINK_PYTHON" - "$WORK" "$HEADER" <<'PYTHON'
import random
import sys

work, header = sys.argv[1], sys.argv[2]
with open(f"{work}/million.csv", "w") as rows:
    rows.write(header + "\n")
    for i in range(1000000):
        rows.write(f"J{i},Name {i},s{i}@example.com,0.01,40,Subject {i}\n")
with open(f"{work}/long-subject.csv", "w") as rows:
    rows.write(header + "\n")
    rows.write("J,Name,a@example.com,0.01,40," + "word " * 2097152 + "end\n")
random.seed(1)
words = ["alpha", "beta", "{{name}}", "caf\u00e9", "<p>", "line\n"]
with open(f"{work}/big.html", "w", encoding="utf-8") as template:
    written = 0
    while written < 50 * 1024 * 1024:
        word = random.choice(words) + " "
        template.write(word)
        written += len(word.encode())
PYTHON
generate million --volume 20 --sender-subjects "$WORK/million.csv"
check_eq "1,000,000 sender rows: exit status" "$STATUS" 0
check_eq "1,000,000 sender rows: files" "$(count_files "$DIR/new")" 20
rm -f "$WORK/million.csv"
generate long_subject --volume 1 --sender-subjects "$WORK/long-subject.csv"
check_eq "10 MB subject: exit status" "$STATUS" 0
check_eq "10 MB subject: files" "$(count_files "$DIR/new")" 1
longest=$(awk '{ if (length($0) > max) max = length($0) } END { print max }' \
	"$DIR"/new/*)
check "10 MB subject: no line over 998 bytes" test "$longest" -le 998
subject_lines=$(awk '/^Subject:/ { s = 1; n = 1; next }
	s && /^[ \t]/ { n++; next } s { print n; exit }' "$DIR"/new/*)
check "10 MB subject: folded over many lines" test "$subject_lines" -gt 100000
rm -rf "$WORK/long_subject" "$WORK/long-subject.csv"
generate big_template --volume 1 --html-content "$WORK/big.html"
check_eq "50 MB template: exit status" "$STATUS" 0
size=$(find "$DIR/new" -type f -printf '%s\n')
check "50 MB template: the message holds the body" test "${size:-0}" -gt 52428800
rm -rf "$WORK/big_template" "$WORK/big.html"

# An unreadable template, for a user other than root.
if [ "$(id -u)" -ne 0 ]; then
	cp "$TOP/templates/email.txt" "$WORK/secret.txt"
	chmod 000 "$WORK/secret.txt"
	generate unreadable --volume 5 --txt-content "$WORK/secret.txt"
	rejected "unreadable template" 66 "$WORK/unreadable.err" \
		"Permission denied"
elif command -v runuser >/dev/null && runuser -u nobody -- test -x "$SPOOLGEN"
then
	cp "$TOP/templates/email.txt" "$WORK/secret.txt"
	chmod 000 "$WORK/secret.txt"
	mkdir -m 777 "$WORK/nobody"
	STATUS=0
	DIR=$WORK/nobody/spool/$SLOT
	runuser -u nobody -- "$SPOOLGEN" --spool "$WORK/nobody/spool" \
		--slot "$SLOT_TIME" --volume 5 --quiet \
		--txt-content "$WORK/secret.txt" >/dev/null \
		2>"$WORK/unreadable.err" || STATUS=$?
	rejected "unreadable template (as nobody)" 66 "$WORK/unreadable.err" \
		"Permission denied"
else
	echo "# skipping the unreadable template: runuser cannot run spoolgen as nobody"
fi

# A full disk: a 1 MB tmpfs, mounted only when running as root.
full=$WORK/full
if mount_tmpfs "$full" 1m "the full-disk checks"; then
	for mode in batch each; do
		rm -rf "${full:?}"/*
		STATUS=0
		DIR=$full/spool/$SLOT
		"$SPOOLGEN" --spool "$full/spool" --slot "$SLOT_TIME" --seed 6 \
			--volume 500 --fsync "$mode" --jobs 2 --quiet \
			>/dev/null 2>"$WORK/full.err" || STATUS=$?
		check_eq "full disk, --fsync $mode: exit status" "$STATUS" 74
		check_grep "full disk, --fsync $mode: message" \
			"No space left on device" "$WORK/full.err"
		written=$(count_files "$DIR/new")
		check "full disk, --fsync $mode: some messages written" \
			test "$written" -gt 10
		check_grep "full disk, --fsync $mode: message counts them" \
			"the $written messages already written are complete" \
			"$WORK/full.err"
		check_eq "full disk, --fsync $mode: tmp/ is empty" \
			"$(count_files "$DIR/tmp")" 0
		if $CHECK messages "$DIR" >"$WORK/full.check" 2>&1; then
			pass "full disk, --fsync $mode: every message in new/ is whole"
		else
			fail "full disk, --fsync $mode: every message in new/ is whole" \
				"$(head -n 5 "$WORK/full.check")"
		fi
	done
	unmount_tmpfs "$full"
	check "full disk: tmpfs unmounted" test ! -e "$full/spool"
fi

done_testing
