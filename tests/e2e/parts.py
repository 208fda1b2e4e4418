#!/usr/bin/env python3
"""The attachments of a copy (signed or not), by file name; the
PGP/MIME signature is not one.

usage: parts.py names COPY.eml        one file name a line
       parts.py get COPY.eml NAME     that attachment's decoded bytes
"""
import email
import email.policy
import sys


def attachments(path):
    msg = email.message_from_binary_file(open(path, "rb"),
                                         policy=email.policy.compat32)
    for part in msg.walk():
        name = part.get_filename()
        if name and not part.is_multipart() and \
                part.get_content_type() != "application/pgp-signature":
            yield name, part.get_payload(decode=True)


def main(argv):
    if argv[1] == "names":
        for name, _ in attachments(argv[2]):
            print(name)
        return 0
    for name, data in attachments(argv[2]):
        if name == argv[3]:
            sys.stdout.buffer.write(data)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
