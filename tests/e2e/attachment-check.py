"""Describes the attachments of spoolgen messages for 0510-attachments.sh.

For each message file given, in order, prints one line:
  TOP_TYPE FIRST_PART_TYPE [| TYPE FILENAME SHA256_PREFIX ENCODING DISPOSITION
  RFC2231_UTF8]...
with one "| ..." group for each part after the first of a multipart/mixed
message. RFC2231_UTF8 is "utf8-2231" when the raw Content-Disposition uses
filename*=utf-8''... and "plain" otherwise. Messages are parsed with
Python's email package (policy.default).

usage: attachment-check.py MESSAGE_FILE...
"""

import email
import email.policy
import hashlib
import re
import sys

RFC2231_UTF8 = re.compile(r"filename\*(0\*)?=utf-8''", re.IGNORECASE)


def describe_part(part):
    payload = part.get_payload(decode=True)
    digest = hashlib.sha256(payload).hexdigest()[:12]
    raw_disposition = str(part.get("Content-Disposition", ""))
    for name, value in part.raw_items():
        if name.lower() == "content-disposition":
            raw_disposition = value
    form = "utf8-2231" if RFC2231_UTF8.search(raw_disposition) else "plain"
    return " ".join([part.get_content_type(), part.get_filename() or "-",
                     digest, part.get("Content-Transfer-Encoding", "-"),
                     part.get_content_disposition() or "-", form])


def describe(path):
    with open(path, "rb") as message_file:
        message = email.message_from_bytes(message_file.read(),
                                           policy=email.policy.default)
    parts = message.get_payload() if message.is_multipart() else []
    first = parts[0].get_content_type() if parts else "-"
    words = [message.get_content_type(), first]
    if message.get_content_type() == "multipart/mixed":
        for part in parts[1:]:
            words.append("| " + describe_part(part))
    if message.defects:
        words.append("defects: %s" % message.defects)
    return " ".join(words)


def main():
    for path in sys.argv[1:]:
        print(describe(path))


if __name__ == "__main__":
    main()
