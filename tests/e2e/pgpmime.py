#!/usr/bin/env python3
"""Test helper: make and take apart PGP/MIME messages (RFC 3156) with gpg.

  pgpmime.py sign HOME SIGNER FROM SUBJECT TEXTFILE   > message
  pgpmime.py sign-entity HOME SIGNER FROM SUBJECT ENTITYFILE > message
  pgpmime.py split MESSAGE DATAOUT SIGOUT    (exact signed bytes, signature)
  pgpmime.py text MESSAGE                    (decoded text of every text part)
  pgpmime.py header MESSAGE NAME             (a top-level header, decoded)

Independent of alertgw's own MIME code on purpose: it checks what the
gateway writes with a second implementation (Python's email package).
"""
import email
import email.policy
import quopri
import os
import re
import subprocess
import sys
import uuid


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def sign_entity(home, signer, sender, subject, entity):
    """A PGP/MIME message signing exactly entity (CRLF bytes)."""
    sig = subprocess.run(
        ["gpg", "--homedir", home, "--batch", "--yes", "--armor",
         "--detach-sign", "--digest-algo", "SHA256", "-u", signer],
        input=entity, check=True, capture_output=True).stdout
    b = "b-" + uuid.uuid4().hex
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
    return out


def sign(home, signer, sender, subject, textfile):
    """Subject and From are protected headers of the signed entity, as
    mail clients write them (what the gateway distributes is read from
    there); $AGW_SIGNED_TO adds a protected To (the distribution the
    officer signed for)."""
    text = open(textfile, "rb").read()
    body = quopri.encodestring(text)
    prot = "Subject: %s\nFrom: %s\n" % (subject, sender)
    if os.environ.get("AGW_SIGNED_TO"):
        prot += "To: %s\n" % os.environ["AGW_SIGNED_TO"]
    entity = crlf(b"Content-Type: text/plain; charset=utf-8;"
                  b" protected-headers=\"v1\"\n" + prot.encode() +
                  b"Content-Transfer-Encoding: quoted-printable\n\n" + body)
    sys.stdout.buffer.write(sign_entity(home, signer, sender, subject,
                                        entity))


def sign_entity_file(home, signer, sender, subject, path):
    """ENTITYFILE: headers and body of any MIME shape, LF line ends;
    SUBJECT is written as given (it may be RFC 2047 encoded already)."""
    entity = crlf(open(path, "rb").read().rstrip(b"\n"))
    sys.stdout.buffer.write(sign_entity(home, signer, sender, subject,
                                        entity))


def split(path, dataout, sigout):
    raw = open(path, "rb").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() != "multipart/signed":
        sys.exit("not multipart/signed")
    b = msg.get_param("boundary").encode()
    delim = b"\r\n--" + b
    start = raw.index(b"--" + b + b"\r\n") + len(b) + 4
    end = raw.index(delim, start)
    open(dataout, "wb").write(raw[start:end])
    sig = msg.get_payload()[1].get_payload(decode=True)
    open(sigout, "wb").write(sig)


def text(path):
    msg = email.message_from_bytes(open(path, "rb").read(),
                                   policy=email.policy.default)
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            sys.stdout.write(part.get_content())
            sys.stdout.write("\n")


def header(path, name):
    msg = email.message_from_bytes(open(path, "rb").read(),
                                   policy=email.policy.default)
    print(msg.get(name, ""))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "sign":
        sign(*sys.argv[2:7])
    elif cmd == "sign-entity":
        sign_entity_file(*sys.argv[2:7])
    elif cmd == "split":
        split(*sys.argv[2:5])
    elif cmd == "text":
        text(sys.argv[2])
    elif cmd == "header":
        header(sys.argv[2], sys.argv[3])
    else:
        sys.exit("unknown command " + cmd)
