#!/usr/bin/env python3
"""Test helper for t-anon-*.sh: sign a whole MIME entity (any shape) as
PGP/MIME (RFC 3156).

  sign-entity.py HOME SIGNER FROM SUBJECT ENTITYFILE > message

SUBJECT is written as given (so it may be RFC 2047 encoded already).
ENTITYFILE holds the entity's headers and body with LF line ends; the
signed bytes are that entity with CRLF line ends.
"""
import re
import subprocess
import sys
import uuid


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def main(home, signer, sender, subject, path):
    entity = crlf(open(path, "rb").read().rstrip(b"\n"))
    sig = subprocess.run(
        ["gpg", "--homedir", home, "--batch", "--yes", "--armor",
         "--detach-sign", "--digest-algo", "SHA256", "-u", signer],
        input=entity, check=True, capture_output=True).stdout
    b = "s-" + uuid.uuid4().hex
    out = crlf(
        ("From: %s\nTo: alerts@csirt.example\nSubject: %s\n"
         "Date: Tue, 07 Jul 2026 08:00:00 +0000\n"
         "Message-ID: <%s@officer.example>\nMIME-Version: 1.0\n"
         "Content-Type: multipart/signed; micalg=pgp-sha256;\n"
         " protocol=\"application/pgp-signature\"; boundary=\"%s\"\n\n"
         "--%s\n" % (sender, subject, uuid.uuid4().hex, b, b)).encode())
    out += entity + b"\r\n--" + b.encode() + b"\r\n"
    out += crlf(b"Content-Type: application/pgp-signature; "
                b"name=\"signature.asc\"\n\n" + sig)
    out += b"\r\n--" + b.encode() + b"--\r\n"
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main(*sys.argv[1:6])
