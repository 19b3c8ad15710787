#!/bin/bash
# spoolgen --attach, --attach-dir and --attach-rate: the multipart/mixed
# structure, the Content-Type that libmagic finds, base64 content that
# decodes to the file, RFC 2231 file names, seeded draws, and errors.
source "$(dirname "$0")/lib.sh"

CHECK="$SINK_PYTHON $TOP/tests/e2e/attachment-check.py"
SLOT=20260601T1600Z
SLOT_TIME=2026-06-01T16:00Z

[ -x "$SPOOLGEN" ] || skip_all "spoolgen is not built"
"$SINK_PYTHON" -c 'import email.policy' 2>/dev/null ||
	skip_all "$SINK_PYTHON has no email package"

# run NAME ARGS...: run spoolgen with output in $WORK/NAME.out and
# $WORK/NAME.err; sets STATUS.
run() {
	local name=$1
	shift
	STATUS=0
	"$SPOOLGEN" --quiet --slot "$SLOT_TIME" "$@" >"$WORK/$name.out" \
		2>"$WORK/$name.err" || STATUS=$?
}

# messages SPOOL: the message files of the slot, in the order written.
messages() {
	ls "$1/$SLOT/new/"* | sort -t Q -k 2 -n
}

# digest FILE: the first 12 hex digits of the file's SHA-256.
digest() {
	sha256sum "$1" | cut -c 1-12
}

# The files: a real 2x2 PNG, a minimal valid PDF, text, the PDF again
# without an extension, and text under a name outside ASCII.
files=$WORK/files
mkdir "$files"
"$SINK_PYTHON" - "$files/pixel.png" <<'PY'
import struct, sys, zlib
def chunk(kind, data):
    body = kind + data
    crc = struct.pack(">I", zlib.crc32(body))
    return struct.pack(">I", len(data)) + body + crc
rows = b"".join(b"\0" + bytes([255, 0, 0] * 2) for _ in range(2))
png = (b"\x89PNG\r\n\x1a\n"
       + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
"$SINK_PYTHON" - "$files/report.pdf" <<'PY'
import sys
objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
           b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
           b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
out = b"%PDF-1.4\n"
offsets = []
for number, body in enumerate(objects, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
    len(objects) + 1, xref)
open(sys.argv[1], "wb").write(out)
PY
printf 'Meeting notes\nBring the quarterly figures.\n' >"$files/notes.txt"
cp "$files/report.pdf" "$files/statement"
printf 'Grüße aus Köln\n' >"$files/Grüße – 日本.txt"
png=$(digest "$files/pixel.png")
pdf=$(digest "$files/report.pdf")
txt=$(digest "$files/notes.txt")
utf=$(digest "$files/Grüße – 日本.txt")
check_eq "test PNG: starts with the PNG signature" \
	"$(head -c 8 "$files/pixel.png" | od -An -tx1 | tr -d ' \n')" \
	89504e470d0a1a0a

# --attach: every message, in the order given.
run fixed --spool "$WORK/fixed" --volume 3 --seed 1 \
	--attach "$files/pixel.png" --attach "$files/report.pdf" \
	--attach "$files/notes.txt" --attach "$files/statement" \
	--attach "$files/Grüße – 日本.txt"
check_eq "attach: exit status" "$STATUS" 0
expected="multipart/mixed multipart/alternative"
expected+=" | image/png pixel.png $png base64 attachment plain"
expected+=" | application/pdf report.pdf $pdf base64 attachment plain"
expected+=" | text/plain notes.txt $txt base64 attachment plain"
expected+=" | application/pdf statement $pdf base64 attachment plain"
expected+=" | text/plain Grüße – 日本.txt $utf base64 attachment utf8-2231"
mapfile -t described < <($CHECK $(messages "$WORK/fixed"))
check_eq "attach: messages described" "${#described[@]}" 3
for i in 0 1 2; do
	check_eq "attach: message $((i + 1)) parts" "${described[$i]:-}" \
		"$expected"
done
first=$(messages "$WORK/fixed" | head -n 1)
check "attach: the PNG part names the file in Content-Type too" \
	grep -q '^Content-Type: image/png; name=pixel.png$' "$first"
check "attach: the non-ASCII name in RFC 2231 form with UTF-8" \
	grep -qi "filename\*=utf-8''Gr%C3%BC%C3%9Fe%20%E2%80%93%20" "$first"
longest=$(awk '{ if (length($0) > max) max = length($0) } END { print max }' \
	"$first")
check "attach: no line over 998 bytes" test "$longest" -le 998

# Without attachments the body stays multipart/alternative.
run plain --spool "$WORK/plain" --volume 1 --seed 1
check_eq "no attachment: structure" "$($CHECK $(messages "$WORK/plain"))" \
	"multipart/alternative text/plain"

# --attach-dir: one random regular file, hidden files and folders skipped.
pool=$WORK/pool
mkdir "$pool" "$pool/folder"
cp "$files/pixel.png" "$files/report.pdf" "$files/notes.txt" "$pool"
printf 'hidden\n' >"$pool/.hidden"
run pool --spool "$WORK/pool-spool" --volume 200 --seed 3 \
	--attach-dir "$pool" --attach-rate 0.5
check_eq "attach-dir: exit status" "$STATUS" 0
$CHECK $(messages "$WORK/pool-spool") >"$WORK/pool.txt"
attached=$(grep -c '^multipart/mixed ' "$WORK/pool.txt")
check "attach-dir, rate 0.5: between 70 and 130 of 200 messages" \
	test "$attached" -ge 70 -a "$attached" -le 130
check_eq "attach-dir, rate 0.5: the others are multipart/alternative" \
	"$(grep -c '^multipart/alternative text/plain$' "$WORK/pool.txt")" \
	$((200 - attached))
check_eq "attach-dir: one attachment per message" \
	"$(grep '^multipart/mixed ' "$WORK/pool.txt" | grep -c ' | .* | ')" 0
check_eq "attach-dir: the files drawn" \
	"$(grep -o '| [^ ]* [^ ]*' "$WORK/pool.txt" | sort -u | tr '\n' ' ')" \
	"| application/pdf report.pdf | image/png pixel.png | text/plain notes.txt "
run pool_again --spool "$WORK/pool-again" --volume 200 --seed 3 \
	--attach-dir "$pool" --attach-rate 0.5
check_eq "attach-dir, same seed: the same draws" \
	"$($CHECK $(messages "$WORK/pool-again") | md5sum)" \
	"$(md5sum <"$WORK/pool.txt")"
run pool_all --spool "$WORK/pool-all" --volume 20 --seed 3 \
	--attach-dir "$pool"
check_eq "attach-dir, default rate 1: every message" \
	"$($CHECK $(messages "$WORK/pool-all") | grep -c '^multipart/mixed ')" 20
run pool_none --spool "$WORK/pool-none" --volume 20 --seed 3 \
	--attach-dir "$pool" --attach-rate 0
check_eq "attach-dir, rate 0: no message" \
	"$($CHECK $(messages "$WORK/pool-none") | grep -c '^multipart/mixed ')" 0
run both --spool "$WORK/both" --volume 20 --seed 3 \
	--attach "$files/statement" --attach-dir "$pool"
check_eq "attach and attach-dir: the fixed file, then the drawn one" \
	"$($CHECK $(messages "$WORK/both") | grep -c \
	"^multipart/mixed multipart/alternative | application/pdf statement .* | ")" 20

# Errors: missing, a directory, too large, an empty folder, bad rates.
run missing --spool "$WORK/x" --volume 1 --attach "$WORK/no-such.pdf"
check_eq "missing attachment: exit status" "$STATUS" 66
check "missing attachment: message names the path" \
	grep -q "open attachment $WORK/no-such.pdf: No such file or directory" \
	"$WORK/missing.err"
check_eq "missing attachment: no spool" "$(ls -d "$WORK/x" 2>/dev/null)" ""
run directory --spool "$WORK/x" --volume 1 --attach "$files"
check_eq "directory as attachment: exit status" "$STATUS" 66
check "directory as attachment: message" \
	grep -q "attachment $files: is a directory" "$WORK/directory.err"
mkfifo "$WORK/fifo"
STATUS=0
timeout -s KILL 20 "$SPOOLGEN" --quiet --slot "$SLOT_TIME" --spool "$WORK/x" \
	--volume 1 --attach "$WORK/fifo" >/dev/null 2>"$WORK/fifo.err" \
	|| STATUS=$?
check_eq "FIFO as attachment: exit status" "$STATUS" 66
check "FIFO as attachment: message" grep -q -F \
	"attachment $WORK/fifo: is not a regular file: expected a regular file" \
	"$WORK/fifo.err"
if [ "$(id -u)" != 0 ]; then
	cp "$files/notes.txt" "$WORK/locked.txt"
	chmod 000 "$WORK/locked.txt"
	run unreadable --spool "$WORK/x" --volume 1 --attach "$WORK/locked.txt"
	check_eq "unreadable attachment: exit status" "$STATUS" 66
else
	echo "# skipping the unreadable-file check: root reads any file"
fi
truncate -s 25000001 "$WORK/large.bin"
run large --spool "$WORK/x" --volume 1 --attach "$WORK/large.bin"
check_eq "attachment over 25 MB: exit status" "$STATUS" 65
check "attachment over 25 MB: message gives size and limit" \
	grep -q "large.bin is 25000001 bytes: an attachment may be at most 25000000 bytes" \
	"$WORK/large.err"
truncate -s 25000000 "$WORK/limit.bin"
run limit --spool "$WORK/limit" --volume 1 --attach "$WORK/limit.bin"
check_eq "attachment of exactly 25 MB: exit status" "$STATUS" 0
size=$(stat -c %s "$(messages "$WORK/limit")")
check "attachment of exactly 25 MB: message is over 33 MB in base64" \
	test "$size" -gt 33000000
mkdir "$WORK/empty" "$WORK/empty/sub"
run empty --spool "$WORK/x" --volume 1 --attach-dir "$WORK/empty"
check_eq "attach-dir without a regular file: exit status" "$STATUS" 66
check "attach-dir without a regular file: message" \
	grep -q "attachment folder $WORK/empty contains no regular file" \
	"$WORK/empty.err"
# A symbolic link in --attach-dir may lead out of the folder: skipped
# with a warning, even when it names a regular file.
mkdir "$WORK/linked"
cp "$files/notes.txt" "$WORK/linked/notes.txt"
ln -s "$files/report.pdf" "$WORK/linked/outside.pdf"
run linked --spool "$WORK/linked-spool" --volume 20 --seed 3 \
	--attach-dir "$WORK/linked"
check_eq "attach-dir with a symbolic link: exit status" "$STATUS" 0
check "attach-dir with a symbolic link: warned" grep -q -F \
	"attachment folder $WORK/linked: skipping outside.pdf: a symbolic link" \
	"$WORK/linked.err"
check_eq "attach-dir with a symbolic link: only the regular file drawn" \
	"$($CHECK $(messages "$WORK/linked-spool") | grep -o '| [^ ]* [^ ]*' \
	| sort -u)" "| text/plain notes.txt"
run no_dir --spool "$WORK/x" --volume 1 --attach-dir "$WORK/no-such"
check_eq "missing attach-dir: exit status" "$STATUS" 66
run rate_alone --spool "$WORK/x" --volume 1 --attach-rate 0.5
check_eq "attach-rate without attach-dir: exit status" "$STATUS" 64
run rate_bad --spool "$WORK/x" --volume 1 --attach-dir "$pool" \
	--attach-rate 1.5
check_eq "attach-rate over 1: exit status" "$STATUS" 64

done_testing
