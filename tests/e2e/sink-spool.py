#!/usr/bin/python3
"""Test spools for spoolinject and a checker for what smtp-sink received.

  sink-spool.py generate SPOOL COUNT
      Write COUNT plain messages into two Maildir slots of SPOOL. They have
      Return-Path, From, To, Cc and Bcc fields. Some fields are folded, some
      names are quoted and contain commas, and some recipients repeat. The
      bodies have lines that start with "." and LF, CRLF, CR CR LF and bare
      CR line ends. Some files lack a final newline, some have 8-bit text.

  sink-spool.py compare MAILDIR DUMPS
      Check that the contents of the smtp-sink dumps in DUMPS and the
      expected contents of the message files in MAILDIR/new and
      MAILDIR/cur are equal as multisets, so each file arrived exactly once
      and unchanged. Prints one line per problem, exits 1 if any.

  sink-spool.py check SPOOL DUMPS
      Compare every message that smtp-sink dumped (its -d option) into the
      folder DUMPS with the answered file in SPOOL/*/cur: the envelope from
      X-Mail-Args and X-Rcpt-Args, and the content byte for byte after the
      smtp-sink header block. Prints one line per problem, exits 1 if any.

The expected envelope and content are computed here independently of
spoolinject: sender from Return-Path, else From; recipients from the
Delivered-To fields at the top of the header (before any field other than
Return-Path, X-Original-To and Delivered-To), else from To, Cc and Bcc,
parsed with email.utils, repeats dropped; Return-Path, Bcc and the top
Delivered-To fields left out; every line end (LF, CRLF, a run of CRs) made
one line end; a first line "From " (mbox) left out.
"""

import email.utils
import os
import re
import sys

SLOTS = ("20260101T0000Z", "20260101T0100Z")


def message_lines(i):
    """Return the header and body lines of message number i."""
    header = []

    if i % 25 == 0:
        header.append("Return-Path: <>")
    elif i % 10 != 0:
        header.append(f"Return-Path: <bounce+{i}@example.com>")
    if i % 4 == 1:
        header.append(f"Delivered-To: archive{i}@example.org")
    if i % 7 == 0:
        header.append(f'From: "Sender, Number {i}" <sender{i}@example.com>')
    else:
        header.append(f"From: Sender {i} <sender{i}@example.com>")

    recipients = [f'"Doe, Jane {i}" <jane{i}@example.net>']
    if i % 2 == 0:
        recipients.append(f"bob{i}@example.net")
    header.append("To: " + ", ".join(recipients))
    if i % 3 == 0:
        cc = f"carol{i}@example.org"
        if i % 5 == 0:
            cc += f", Jane Again <jane{i}@EXAMPLE.NET>"
        header.append(f"Cc: {cc}")
    if i % 4 == 0:
        if i % 8 == 0:
            header += [f"Bcc: hidden{i}@example.org,", f"\thidden{i}b@example.org"]
        else:
            header.append(f"Bcc: hidden{i}@example.org")

    header += [f"Subject: test message {i}",
               "Date: Thu, 01 Jan 2026 00:00:00 +0000",
               f"Message-ID: <gen{i}@example.com>", "MIME-Version: 1.0",
               "Content-Type: text/plain; charset=utf-8"]

    body = [f"Hello, this is message {i}.", ".", "..",
            ".starts with a dot", " . not stuffed", "Bcc: not a header"]
    if i % 11 == 0:
        body.append("Caf\u00e9 cr\u00e8me, 8-bit text.")
    body += [f"line {n} of the filler text for message {i}"
             for n in range(i % 17)]
    body.append(".")
    return header, body


def message_bytes(i):
    """Return the file content of message number i."""
    header, body = message_lines(i)
    ending = "\r\n" if i % 6 == 0 else "\n"
    text = ending.join(header) + ending + ending + ending.join(body)
    if i % 13 == 0:
        text = text.replace("filler text", "filler\rtext")
    if i % 12 == 5:
        text = text.replace("Hello,", "Hello,\r\r\n")
    if i % 9 != 0:
        text += ending
    return text.encode("utf-8")


def generate(spool, count):
    for slot in SLOTS:
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(spool, slot, sub), exist_ok=True)
    for i in range(1, count + 1):
        slot = SLOTS[0] if i <= count // 2 else SLOTS[1]
        name = f"{1767225600 + i}.M{i}P1.generated"
        with open(os.path.join(spool, slot, "new", name), "wb") as out:
            out.write(message_bytes(i))


def split_lines(data):
    """Split stored bytes at LF, CRLF, CR CR LF or bare CRs."""
    lines = re.split(rb"\r+\n?|\n", data)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def header_fields(lines):
    """Return [name, unfolded value, [line indexes]] per header field."""
    fields = []
    for index, line in enumerate(lines):
        if line == b"":
            break
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += line.decode("utf-8", "replace")
            fields[-1][2].append(index)
            continue
        name, _, value = line.partition(b":")
        fields.append([name.strip().decode("utf-8", "replace").lower(),
                       value.decode("utf-8", "replace"), [index]])
    return fields


def same_address(a, b):
    local_a, _, domain_a = a.rpartition("@")
    local_b, _, domain_b = b.rpartition("@")
    return local_a == local_b and domain_a.lower() == domain_b.lower()


def expected_message(data):
    """Return (sender, recipients, content lines) as spoolinject sends."""
    if data.startswith(b"From "):
        data = data[data.find(b"\n") + 1:] if b"\n" in data else b""
    lines = split_lines(data)
    fields = header_fields(lines)
    sender = None
    for name, value, _ in fields:
        if name == "return-path" and sender is None:
            match = re.match(r"\s*<([^>]*)>", value)
            sender = match.group(1) if match else None
    if sender is None:
        froms = [value for name, value, _ in fields if name == "from"]
        addresses = email.utils.getaddresses(froms[:1])
        sender = addresses[0][1] if addresses else None
    recipients = []
    top = []
    for field in fields:
        if field[0] not in ("return-path", "x-original-to", "delivered-to"):
            break
        if field[0] == "delivered-to":
            top.append(field)
    values = [value for _, value, _ in top]
    if not top:
        values = [value for name, value, _ in fields
                  if name in ("to", "cc", "bcc")]
    for _, address in email.utils.getaddresses(values):
        if address and not any(same_address(address, r) for r in recipients):
            recipients.append(address)
    dropped = set()
    for name, _, indexes in fields:
        if name in ("return-path", "bcc"):
            dropped.update(indexes)
    for _, _, indexes in top:
        dropped.update(indexes)
    content = [line for index, line in enumerate(lines)
               if index not in dropped]
    return sender, recipients, content


def parse_dump(data):
    """Return (mail args, rcpt args, content lines) of one dump file."""
    lines = data.split(b"\n")
    mail_args, rcpt_args = None, []
    i = 0
    while i < len(lines) and not lines[i].startswith(b"Received: "):
        name, _, value = lines[i].partition(b": ")
        if name == b"X-Mail-Args":
            mail_args = value.decode("utf-8", "replace")
        elif name == b"X-Rcpt-Args":
            rcpt_args.append(value.decode("utf-8", "replace"))
        i += 1
    i += 1
    while i < len(lines) and lines[i].startswith(b"\t"):
        i += 1
    # The dump ends with the message's last line end and an empty line.
    content = lines[i:]
    if content[-2:] == [b"", b""]:
        content = content[:-2]
    return mail_args, rcpt_args, content


def message_id(lines):
    for name, value, _ in header_fields(lines):
        if name == "message-id":
            return value.strip()
    return None


def check(spool, dumps):
    problems = []
    answered = {}
    for slot in sorted(os.listdir(spool)):
        cur = os.path.join(spool, slot, "cur")
        for name in sorted(os.listdir(cur)) if os.path.isdir(cur) else []:
            with open(os.path.join(cur, name), "rb") as source:
                data = source.read()
            answered[message_id(split_lines(data))] = (name, data)
    seen = set()
    for dump in sorted(os.listdir(dumps)):
        with open(os.path.join(dumps, dump), "rb") as source:
            mail_args, rcpt_args, content = parse_dump(source.read())
        key = message_id(content)
        if key not in answered:
            problems.append(f"{dump}: Message-ID {key} is not in any cur/")
            continue
        if key in seen:
            problems.append(f"{dump}: Message-ID {key} received twice")
        seen.add(key)
        name, data = answered[key]
        sender, recipients, expected = expected_message(data)
        eight_bit = any(byte > 127 for byte in data)
        want_mail = f"<{sender}>" + (" BODY=8BITMIME" if eight_bit else "")
        if mail_args != want_mail:
            problems.append(f"{name}: MAIL {mail_args!r}, want {want_mail!r}")
        want_rcpt = [f"<{r}>" for r in recipients]
        if rcpt_args != want_rcpt:
            problems.append(f"{name}: RCPT {rcpt_args}, want {want_rcpt}")
        if content != expected:
            problems.append(f"{name}: content differs: got "
                            f"{b'|'.join(content)[:300]!r}, want "
                            f"{b'|'.join(expected)[:300]!r}")
    for key, (name, _) in sorted(answered.items()):
        if key not in seen:
            problems.append(f"{name}: answered but not received")
    for problem in problems:
        print(problem)
    print(f"{len(seen)} messages compared", file=sys.stderr)
    return 1 if problems else 0


def message_files(maildir):
    """Return the paths of the message files in new/ and cur/."""
    paths = []
    for folder in ("new", "cur"):
        directory = os.path.join(maildir, folder)
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if (not name.startswith(".") and not os.path.islink(path)
                    and os.path.isfile(path) and os.path.getsize(path) > 0):
                paths.append(path)
    return paths


def compare(maildir, dumps):
    expected = {}
    for path in message_files(maildir):
        with open(path, "rb") as source:
            content = b"\n".join(expected_message(source.read())[2])
        expected.setdefault(content, []).append(os.path.basename(path))
    problems = []
    for dump in sorted(os.listdir(dumps)):
        with open(os.path.join(dumps, dump), "rb") as source:
            content = b"\n".join(parse_dump(source.read())[2])
        names = expected.get(content)
        if not names:
            problems.append(f"{dump}: matches no file (or one received "
                            f"twice): {content[:200]!r}")
            continue
        names.pop()
    for names in expected.values():
        for name in names:
            problems.append(f"{name}: not received, or received changed")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "generate":
        generate(sys.argv[2], int(sys.argv[3]))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        return check(sys.argv[2], sys.argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
