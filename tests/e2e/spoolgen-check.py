"""Checks spoolgen's Maildir output for the end-to-end tests.

Each subcommand prints one line per problem found, as "FILE: problem",
and exits with status 1 when it found any, so that a shell test can show
the lines under its failed check. Messages are parsed with Python's email
package (policy.default, which decodes RFC 2047 and unfolds headers).

usage: spoolgen-check.py messages SLOT_DIR [--header NAME=VALUE]...
       spoolgen-check.py compare SLOT_DIR SLOT_DIR
       spoolgen-check.py bounce-share SLOT_DIR SENDERS_CSV TOLERANCE
       spoolgen-check.py subjects SLOT_DIR EXPECTED_TXT PREFIX [--absent N]
       spoolgen-check.py subject-set SLOT_DIR SUBJECT...
       spoolgen-check.py senders SLOT_DIR EXPECTED_TSV
       spoolgen-check.py bodies SLOT_DIR HTML_TEMPLATE TEXT_TEMPLATE
       spoolgen-check.py bounces SLOT_DIR PATTERNS_FILE
                         [--counts N,... --domains NAME,...]
"""

import argparse
import csv
import datetime
import email
import email.policy
import os
import re
import sys

REQUIRED_HEADERS = ["Return-Path", "From", "To", "Subject", "Date",
                    "Message-ID", "MIME-Version", "X-Job"]
BOUNCE_START = re.compile(r"^[45]\d\d( [45]\.\d{1,3}\.\d{1,3})? ")
ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")
SEQUENCE = re.compile(r"Q(\d+)\.")

problems = []


def problem(path, text):
    problems.append(f"{os.path.basename(path)}: {text}")


def message_files(slot_dir):
    """Returns the files in SLOT_DIR/new in the order spoolgen wrote them,
    which is the order of the Q sequence numbers in their names."""
    folder = os.path.join(slot_dir, "new")
    names = os.listdir(folder)

    def sequence(name):
        match = SEQUENCE.search(name)
        return int(match.group(1)) if match else -1

    return [os.path.join(folder, name) for name in sorted(names, key=sequence)]


def read_message(path):
    with open(path, "rb") as message_file:
        raw = message_file.read()
    return raw, email.message_from_bytes(raw, policy=email.policy.default)


def raw_header_block(raw):
    end = raw.find(b"\n\n")
    return raw if end < 0 else raw[:end + 1]


def check_raw(path, raw):
    """7-bit text, LF line ends, no line over 998 bytes."""
    if any(byte >= 128 for byte in raw):
        problem(path, "contains 8-bit bytes")
    if b"\r" in raw:
        problem(path, "contains a CR")
    longest = max(len(line) for line in raw.split(b"\n"))
    if longest > 998:
        problem(path, f"has a {longest}-byte line, expected at most 998")


def check_encoded_words(path, raw):
    """RFC 2047 rules for the encoded-words in the header block."""
    block = raw_header_block(raw)
    if b"?==?" in block:
        problem(path, "has encoded-words back to back (?==?)")
    for match in ENCODED_WORD.finditer(block):
        word = match.group(0)
        if len(word) > 75:
            problem(path, f"encoded-word of {len(word)} characters: "
                    f"{word.decode()}")


def check_parts(path, message):
    """multipart/alternative: text/plain, then text/html, both UTF-8."""
    if message.get_content_type() != "multipart/alternative":
        problem(path, f"Content-Type {message.get_content_type()}, "
                "expected multipart/alternative")
        return
    parts = list(message.iter_parts())
    types = [part.get_content_type() for part in parts]
    if types != ["text/plain", "text/html"]:
        problem(path, f"parts {types}, expected text/plain, text/html")
    for part in parts:
        if part.get_content_charset() != "utf-8":
            problem(path, f"{part.get_content_type()} charset "
                    f"{part.get_content_charset()}, expected utf-8")
        if part.get("Content-Transfer-Encoding", "7bit").lower() == \
                "quoted-printable":
            payload = part.get_payload(decode=False)
            longest = max(len(line) for line in payload.split("\n"))
            if longest > 76:
                problem(path, f"quoted-printable line of {longest} "
                        "characters, expected at most 76")


def slot_start(slot_dir):
    name = os.path.basename(os.path.normpath(slot_dir))
    return datetime.datetime.strptime(name, "%Y%m%dT%H%MZ").replace(
        tzinfo=datetime.timezone.utc)


def command_messages(arguments):
    start = slot_start(arguments.slot_dir)
    extra = [header.split("=", 1) for header in arguments.header]
    message_ids = set()
    files = message_files(arguments.slot_dir)
    for path in files:
        raw, message = read_message(path)
        check_raw(path, raw)
        check_encoded_words(path, raw)
        for name in REQUIRED_HEADERS:
            if message[name] is None:
                problem(path, f"no {name} header")
        for name, value in extra:
            if message[name] != value:
                problem(path, f"{name} is {message[name]!r}, expected "
                        f"{value!r}")
        if message["MIME-Version"] != "1.0":
            problem(path, f"MIME-Version {message['MIME-Version']!r}")
        if message["Date"] is not None:
            date = message["Date"].datetime
            if not start <= date < start + datetime.timedelta(minutes=1):
                problem(path, f"Date {message['Date']} is outside the slot "
                        f"minute {start.isoformat()}")
        message_id = message["Message-ID"]
        if message_id in message_ids:
            problem(path, f"Message-ID {message_id} is not unique")
        message_ids.add(message_id)
        if message["From"] is not None and \
                len(message["From"].addresses) != 1:
            problem(path, f"From holds {len(message['From'].addresses)} "
                    "addresses, expected 1")
        if message["Subject"] is not None and str(message["Subject"]) == "":
            problem(path, "empty Subject")
        bounce = message["X-Bounce-Me"]
        if bounce is not None:
            if not BOUNCE_START.match(str(bounce)):
                problem(path, f"X-Bounce-Me {str(bounce)!r} does not start "
                        "with a reply code")
            if "{{" in str(bounce):
                problem(path, f"X-Bounce-Me {str(bounce)!r} contains {{{{")
        check_parts(path, message)
    print(f"checked {len(files)} messages")


def normalise(raw, message_id):
    """Replaces the run token of the Message-ID host part, after removing
    quoted-printable soft line breaks so that no token is split."""
    host = message_id.strip("<>").split("@", 1)[1]
    token = host.split(".", 1)[0]
    return raw.replace(b"=\n", b"").replace(token.encode(), b"RUN")


def command_compare(arguments):
    first = message_files(arguments.first)
    second = message_files(arguments.second)
    if len(first) != len(second):
        problem(arguments.second, f"{len(second)} messages, the first run "
                f"wrote {len(first)}")
        return
    for path_a, path_b in zip(first, second):
        raw_a, message_a = read_message(path_a)
        raw_b, message_b = read_message(path_b)
        if normalise(raw_a, message_a["Message-ID"]) != \
                normalise(raw_b, message_b["Message-ID"]):
            problem(path_b, f"differs from {os.path.basename(path_a)}")
    print(f"compared {len(first)} pairs")


def sender_rates(senders_csv):
    with open(senders_csv, newline="", encoding="utf-8-sig") as csv_file:
        return {row["x_job"]: float(row["bounce_rate"])
                for row in csv.DictReader(csv_file)}


def command_bounce_share(arguments):
    rates = sender_rates(arguments.senders_csv)
    expected = bounces = count = 0
    for path in message_files(arguments.slot_dir):
        _, message = read_message(path)
        count += 1
        expected += rates[str(message["X-Job"])]
        bounces += message["X-Bounce-Me"] is not None
    share, expected = bounces / count, expected / count
    print(f"{count} messages: bounce share {share:.4f}, senders' mean "
          f"rate {expected:.4f}")
    if abs(share - expected) > arguments.tolerance:
        problem(arguments.slot_dir, f"bounce share {share:.4f}, expected "
                f"{expected:.4f} +-{arguments.tolerance}")


def command_subjects(arguments):
    """X-Job PREFIX + row number picks the expected subject. Every row
    must have a message, except the --absent ones, which must have none."""
    with open(arguments.expected, encoding="utf-8") as expected_file:
        expected = expected_file.read().split("\n")
    seen = set()
    for path in message_files(arguments.slot_dir):
        raw, message = read_message(path)
        check_encoded_words(path, raw)
        check_raw(path, raw)
        job = str(message["X-Job"])
        row = int(job[len(arguments.prefix):])
        seen.add(row)
        if row in arguments.absent:
            problem(path, f"{job}: a message for a rejected row")
            continue
        if str(message["Subject"]) != expected[row - 1]:
            problem(path, f"{job}: Subject {str(message['Subject'])!r}, "
                    f"expected {expected[row - 1]!r}")
        if arguments.plain_row and row == arguments.plain_row:
            field = raw_header_block(raw).split(b"\nSubject:", 1)[1]
            field = re.split(rb"\n(?=\S)", field, maxsplit=1)[0]
            if b"=?" in field:
                problem(path, f"{job}: plain ASCII Subject was encoded")
            lines = (b"Subject:" + field).split(b"\n")
            if max(len(line) for line in lines) > 78:
                problem(path, f"{job}: Subject is not folded at 78")
    rows = len([line for line in expected if line])
    missing = [row for row in range(1, rows + 1)
               if row not in seen and row not in arguments.absent]
    if missing:
        problem(arguments.slot_dir, f"no message for rows {missing}")


def command_subject_set(arguments):
    """Every Subject is one of the given ones, and each one occurs."""
    seen = set()
    for path in message_files(arguments.slot_dir):
        _, message = read_message(path)
        subject = str(message["Subject"])
        seen.add(subject)
        if subject not in arguments.subjects:
            problem(path, f"unexpected Subject {subject!r}")
    for subject in arguments.subjects:
        if subject not in seen:
            problem(arguments.slot_dir, f"no message with Subject "
                    f"{subject!r}")


def command_senders(arguments):
    with open(arguments.expected, encoding="utf-8") as expected_file:
        rows = [line.split("\t") for line in
                expected_file.read().splitlines()[1:]]
    expected = {row[0]: (row[1], row[2]) for row in rows}
    seen = set()
    for path in message_files(arguments.slot_dir):
        raw, message = read_message(path)
        check_encoded_words(path, raw)
        job = str(message["X-Job"])
        seen.add(job)
        addresses = message["From"].addresses
        if len(addresses) != 1:
            problem(path, f"{job}: From holds {len(addresses)} addresses")
            continue
        name, address = addresses[0].display_name, addresses[0].addr_spec
        if (name, address) != expected[job]:
            problem(path, f"{job}: From {name!r} <{address}>, expected "
                    f"{expected[job][0]!r} <{expected[job][1]}>")
        return_path = str(message["Return-Path"])
        if return_path != f"<{expected[job][1]}>":
            problem(path, f"{job}: Return-Path {return_path}")
        field = raw_header_block(raw).split(b"\nFrom:", 1)[1]
        field = re.split(rb"\n(?=\S)", field, maxsplit=1)[0]
        if expected[job][0] == "" and field.strip() != \
                expected[job][1].encode():
            problem(path, f"{job}: empty name written as {field!r}")
        if b'""' in field:
            problem(path, f"{job}: From has an empty quoted name")
    missing = sorted(set(expected) - seen)
    if missing:
        problem(arguments.slot_dir, f"no message for {', '.join(missing)}")


def expected_body(template_path, values):
    with open(template_path, "rb") as template_file:
        text = template_file.read().decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for name, value in values.items():
        text = re.sub(r"\{\{\s*" + name + r"\s*\}\}", lambda _: value, text)
    return text


def command_bodies(arguments):
    """The parts decode to the templates with {{top}} and {{name}} filled
    in from X-Job and the From display name."""
    for path in message_files(arguments.slot_dir):
        _, message = read_message(path)
        parts = list(message.iter_parts())
        values = {"top": str(message["X-Job"]),
                  "name": message["From"].addresses[0].display_name}
        html_values = {key: value.replace("&", "&amp;").replace(
            "<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace(
            "'", "&#39;") for key, value in values.items()}
        for part, template, fill in ((parts[0], arguments.text, values),
                                     (parts[1], arguments.html, html_values)):
            encoding = part.get("Content-Transfer-Encoding", "7bit").lower()
            if encoding not in ("quoted-printable", "base64"):
                problem(path, f"{part.get_content_type()} is sent as "
                        f"{encoding}, expected quoted-printable or base64")
            payload = part.get_payload(decode=True)
            if b"\r" in payload:
                problem(path, f"{part.get_content_type()} decodes with a CR")
            if b"=0D" in part.get_payload(decode=False).encode():
                problem(path, f"{part.get_content_type()} encodes a CR")
            got = payload.decode("utf-8")
            want = expected_body(template, fill)
            if got != want:
                problem(path, f"{part.get_content_type()} decodes to "
                        f"{got[:200]!r}..., expected {want[:200]!r}...")


def command_bounces(arguments):
    """Every X-Bounce-Me matches one of the regular expressions in
    PATTERNS_FILE, one a line; each pattern must match some message."""
    with open(arguments.patterns, encoding="utf-8") as patterns_file:
        patterns = [re.compile(line) for line in
                    patterns_file.read().splitlines() if line]
    used = [0] * len(patterns)
    for path in message_files(arguments.slot_dir):
        _, message = read_message(path)
        bounce = message["X-Bounce-Me"]
        if bounce is None:
            problem(path, "no X-Bounce-Me at bounce_rate 1")
            continue
        for index, pattern in enumerate(patterns):
            if pattern.fullmatch(str(bounce)):
                used[index] += 1
                break
        else:
            problem(path, f"unexpected X-Bounce-Me {str(bounce)!r}")
    for index, count in enumerate(used):
        if count == 0:
            problem(arguments.slot_dir, "no X-Bounce-Me matches "
                    f"{patterns[index].pattern!r}")
    print("matches per pattern: " + " ".join(str(count) for count in used))
    if arguments.counts:
        check_bounce_weights(arguments, used)


def check_bounce_weights(arguments, used):
    """Within each domain, a row's share of the bounces is its count's
    share of the domain's counts, within 0.1."""
    counts = [int(count) for count in arguments.counts.split(",")]
    domains = arguments.domains.split(",")
    for index, count in enumerate(counts):
        same = [i for i, domain in enumerate(domains)
                if domain == domains[index]]
        total = sum(used[i] for i in same)
        expected = count / sum(counts[i] for i in same)
        share = used[index] / total if total else 0
        if abs(share - expected) > 0.1:
            problem(arguments.slot_dir, f"row {index + 1}: share "
                    f"{share:.3f} of {domains[index]} bounces, expected "
                    f"{expected:.3f} +-0.1 (count {count})")


def parse_arguments():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    messages = commands.add_parser("messages")
    messages.add_argument("slot_dir")
    messages.add_argument("--header", action="append", default=[])

    compare = commands.add_parser("compare")
    compare.add_argument("first")
    compare.add_argument("second")

    bounce_share = commands.add_parser("bounce-share")
    bounce_share.add_argument("slot_dir")
    bounce_share.add_argument("senders_csv")
    bounce_share.add_argument("tolerance", type=float)

    subjects = commands.add_parser("subjects")
    subjects.add_argument("slot_dir")
    subjects.add_argument("expected")
    subjects.add_argument("prefix")
    subjects.add_argument("--plain-row", type=int, default=0)
    subjects.add_argument("--absent", type=int, action="append", default=[])

    subject_set = commands.add_parser("subject-set")
    subject_set.add_argument("slot_dir")
    subject_set.add_argument("subjects", nargs="+")

    senders = commands.add_parser("senders")
    senders.add_argument("slot_dir")
    senders.add_argument("expected")

    bodies = commands.add_parser("bodies")
    bodies.add_argument("slot_dir")
    bodies.add_argument("html")
    bodies.add_argument("text")

    bounces = commands.add_parser("bounces")
    bounces.add_argument("slot_dir")
    bounces.add_argument("patterns")
    bounces.add_argument("--counts", help="each row's count, comma-separated")
    bounces.add_argument("--domains", help="each row's domain")
    return parser.parse_args()


def main():
    arguments = parse_arguments()
    handler = {
        "messages": command_messages, "compare": command_compare,
        "bounce-share": command_bounce_share, "subjects": command_subjects,
        "subject-set": command_subject_set,
        "senders": command_senders, "bodies": command_bodies,
        "bounces": command_bounces,
    }[arguments.command]
    handler(arguments)
    for line in problems[:20]:
        print(line)
    if len(problems) > 20:
        print(f"... and {len(problems) - 20} more problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
