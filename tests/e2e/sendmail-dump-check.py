#!/usr/bin/python3
"""Compare a Maildir of sent messages with what smtp-sink dumped after the
messages passed through an MTA.

usage: sendmail-dump-check.py MAILDIR_FILE... -- DUMP_FOLDER

Each message must arrive once, matched by its Message-ID. Received fields
are ignored because the MTA adds them. Every other header field must arrive
unchanged and in order. Return-Path, Bcc and the Delivered-To fields on top
are left out, because they are never sent. The body must arrive byte for byte.
MAIL FROM must be the Return-Path address and the RCPT TO addresses the
To, Cc and Bcc addresses. Prints one line per problem and exits 1 if any.
"""
import email.utils
import os
import re
import sys

TRACE_PREFIXES = (b"X-Client-", b"X-Helo-Args:", b"X-Mail-Args:",
                  b"X-Rcpt-Args:")


def split_fields(header):
    """Return the fields of a header section, folded lines kept."""
    fields = []
    for line in header.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        elif line:
            fields.append(line)
    return fields


def field_name(field):
    return field.split(b":", 1)[0].strip().lower()


def field_value(field):
    return field.split(b":", 1)[1].replace(b"\n", b"").decode("utf-8",
                                                              "replace")


def split_message(data):
    data = data.replace(b"\r\n", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    header, _, body = data.partition(b"\n\n")
    return split_fields(header), body


def sent_form(path):
    """Return (fields as sent, body, sender, recipients) of a spool file."""
    fields, body = split_message(open(path, "rb").read())
    sender = None
    recipients = []
    kept = []
    at_top = True
    for field in fields:
        name = field_name(field)
        if name == b"return-path" and sender is None:
            sender = field_value(field).strip().strip("<>")
        if name in (b"to", b"cc", b"bcc"):
            recipients += [a for _, a in
                           email.utils.getaddresses([field_value(field)])]
        if name not in (b"return-path", b"delivered-to", b"x-original-to"):
            at_top = False
        if name in (b"return-path", b"bcc") or (
                at_top and name == b"delivered-to"):
            continue
        kept.append(field)
    return kept, body, sender, sorted(set(recipients))


def dumped_form(path):
    """Return (fields without trace and Received, body, sender, recipients)
    of a smtp-sink dump file."""
    lines = open(path, "rb").read().split(b"\n")
    sender = None
    recipients = []
    while lines and lines[0].startswith(TRACE_PREFIXES):
        line = lines.pop(0)
        match = re.match(rb"X-(Mail|Rcpt)-Args: <([^>]*)>", line)
        if match and match.group(1) == b"Mail":
            sender = match.group(2).decode()
        elif match:
            recipients.append(match.group(2).decode())
    # smtp-sink ends a dump with the message's last line end and an
    # empty line.
    if lines[-2:] == [b"", b""]:
        lines = lines[:-1]
    fields, body = split_message(b"\n".join(lines))
    fields = [f for f in fields if field_name(f) != b"received"]
    return fields, body, sender, sorted(recipients)


def message_id(fields):
    for field in fields:
        if field_name(field) == b"message-id":
            return field_value(field).strip()
    return None


def main():
    split = sys.argv.index("--")
    spool_files, dump_folder = sys.argv[1:split], sys.argv[split + 1]
    dumps = {}
    problems = []
    for name in sorted(os.listdir(dump_folder)):
        dumped = dumped_form(os.path.join(dump_folder, name))
        key = message_id(dumped[0])
        if key in dumps:
            problems.append(f"{name}: {key} arrived twice")
        dumps[key] = (name, dumped)
    for path in spool_files:
        sent = sent_form(path)
        key = message_id(sent[0])
        if key not in dumps:
            problems.append(f"{path}: {key} did not arrive")
            continue
        name, dumped = dumps.pop(key)
        for index, what in enumerate(("header fields", "body", "MAIL FROM",
                                      "RCPT TO")):
            if sent[index] != dumped[index]:
                problems.append(f"{path}: {what} differ in {name}: "
                                f"sent {sent[index]!r:.300}, "
                                f"got {dumped[index]!r:.300}")
    for key, (name, _) in dumps.items():
        problems.append(f"{name}: {key} was not sent")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
