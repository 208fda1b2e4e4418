#!/usr/bin/env python3
"""Test helper for t-auth-matrix.sh: alert shapes signed or encrypted by gpg.

  mkmsg.py KIND HOME FROM SUBJECT TEXTFILE [GPG-ARGS...]   > message

KIND: mime (PGP/MIME signed), inline (one cleartext block), prefix/suffix
(unsigned text before/after the block), twoblocks, opaque (signed inline
OpenPGP message), doubleplain (an unsigned literal packet before a signed
message: GPGME's double-plaintext case), trailing (a literal packet after
it), sigdata (PGP/MIME whose signature part carries a whole signed message
of its own), mixed (a good PGP/MIME part inside an unsigned
multipart/mixed), forward (it as message/rfc822), encinline (an inline
OpenPGP message encrypted and signed), armorhdr (a cleartext block with an
armour header other than Hash), html (a block inside text/html), encsign (RFC 3156 6.2,
encrypted and signed in one OpenPGP message), signenc (6.1, a signed
entity encrypted), enconly (encrypted, not signed). GPG-ARGS go to every
gpg call (-u KEY, -r KEY, --digest-algo, --faked-system-time ...).
Independent of alertgw's own MIME code on purpose (Python's email rules).
"""
import base64
import re
import subprocess
import sys
import uuid


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def gpg(home, args, data):
    return subprocess.run(["gpg", "--homedir", home, "--batch", "--yes",
                           "--pinentry-mode", "loopback", "--passphrase", "",
                           "--trust-model", "always"] + args,
                          input=data, check=True, capture_output=True).stdout


def crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(binary):
    b64 = base64.b64encode(binary).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    crc = base64.b64encode(crc24(binary).to_bytes(3, "big")).decode()
    return ("-----BEGIN PGP MESSAGE-----\n\n" + "\n".join(lines) +
            "\n=" + crc + "\n-----END PGP MESSAGE-----\n").encode()


def literal(data):
    body = b"b\x00\x00\x00\x00\x00" + data
    n = len(body)
    if n < 192:
        hdr = bytes([0xCB, n])
    elif n < 8384:
        n -= 192
        hdr = bytes([0xCB, (n >> 8) + 192, n & 0xFF])
    else:
        hdr = bytes([0xCB, 0xFF]) + n.to_bytes(4, "big")
    return hdr + body


def headers(sender, subject, ctype):
    return crlf(("From: %s\nTo: alerts@csirt.example\nSubject: %s\n"
                 "Date: Tue, 07 Jul 2026 08:00:00 +0000\n"
                 "Message-ID: <%s@officer.example>\nMIME-Version: 1.0\n"
                 "Content-Type: %s\n\n" % (sender, subject, uuid.uuid4().hex,
                                           ctype)).encode())


def entity(text):
    return crlf(b"Content-Type: text/plain; charset=utf-8\n"
                b"Content-Transfer-Encoding: 8bit\n\n" + text)


def signed_body(ent, sig):
    b = "b-" + uuid.uuid4().hex
    ctype = ('multipart/signed; micalg=pgp-sha256;\n'
             ' protocol="application/pgp-signature"; boundary="%s"' % b)
    body = b"--" + b.encode() + b"\r\n" + ent + b"\r\n--" + b.encode() + \
        b"\r\n" + crlf(b"Content-Type: application/pgp-signature; "
                       b"name=\"signature.asc\"\n\n" + sig) + \
        b"\r\n--" + b.encode() + b"--\r\n"
    return ctype, body


def mime(home, sender, subject, text, args):
    ent = entity(text)
    ctype, body = signed_body(ent, gpg(home, ["--armor", "--detach-sign"] +
                                       args, ent))
    return headers(sender, subject, ctype) + body


def plain(sender, subject, body):
    return headers(sender, subject,
                   "text/plain; charset=utf-8") + crlf(body)


def clearsign(home, text, args):
    return gpg(home, ["--clearsign"] + args, text)


def opaque_parts(home, text, args):
    return gpg(home, ["--sign", "-z", "0"] + args, text)


def multipart(sender, subject, kind, parts):
    b = "m-" + uuid.uuid4().hex
    out = b""
    for p in parts:
        out += b"--" + b.encode() + b"\r\n" + p + b"\r\n"
    out += b"--" + b.encode() + b"--\r\n"
    return headers(sender, subject,
                   'multipart/%s; boundary="%s"' % (kind, b)) + out


def encrypted(sender, subject, data):
    b = "e-" + uuid.uuid4().hex
    ctype = ('multipart/encrypted; protocol="application/pgp-encrypted";\n'
             ' boundary="%s"' % b)
    body = crlf(b"--" + b.encode() + b"\nContent-Type: application/"
                b"pgp-encrypted\n\nVersion: 1\n\n--" + b.encode() +
                b"\nContent-Type: application/octet-stream; "
                b"name=\"encrypted.asc\"\n\n" + data + b"\n--" +
                b.encode() + b"--\n")
    return headers(sender, subject, ctype) + body


def main():
    kind, home, sender, subject, textfile = sys.argv[1:6]
    args = sys.argv[6:]
    text = open(textfile, "rb").read()
    if kind == "mime":
        out = mime(home, sender, subject, text, args)
    elif kind == "inline":
        out = plain(sender, subject, b"\n" + clearsign(home, text, args) +
                    b"\n\n")
    elif kind == "prefix":
        out = plain(sender, subject, b"Johnny, you are fired!\n\n" +
                    clearsign(home, text, args))
    elif kind == "suffix":
        out = plain(sender, subject, clearsign(home, text, args) +
                    b"\nP.S. Johnny, you are fired!\n")
    elif kind == "twoblocks":
        out = plain(sender, subject, clearsign(home, text, args) + b"\n" +
                    clearsign(home, b"Johnny, you are fired!\n", args))
    elif kind == "opaque":
        out = plain(sender, subject, armor(opaque_parts(home, text, args)))
    elif kind == "doubleplain":
        out = plain(sender, subject, armor(
            literal(b"Johnny, you are fired!\n") +
            opaque_parts(home, text, args)))
    elif kind == "trailing":
        out = plain(sender, subject, armor(
            opaque_parts(home, text, args) +
            literal(b"Johnny, you are fired!\n")))
    elif kind == "sigdata":
        ctype, body = signed_body(entity(b"Johnny, you are fired!\n"),
                                  armor(opaque_parts(home, text, args)))
        out = headers(sender, subject, ctype) + body
    elif kind == "mixed":
        inner = mime(home, sender, subject, text, args)
        inner = inner[inner.index(b"Content-Type: multipart/signed"):]
        out = multipart(sender, subject, "mixed", [
            crlf(b"Content-Type: text/plain\n\nJohnny, you are fired!\n"),
            inner])
    elif kind == "forward":
        inner = mime(home, sender, subject, text, args)
        out = headers(sender, "Fwd: " + subject, "message/rfc822") + inner
    elif kind == "encsign":
        out = encrypted(sender, subject, gpg(
            home, ["--armor", "--encrypt", "--sign"] + args, entity(text)))
    elif kind == "signenc":
        inner = mime(home, sender, subject, text, args)
        inner = inner[inner.index(b"Content-Type: multipart/signed"):]
        out = encrypted(sender, subject, gpg(
            home, ["--armor", "--encrypt"] + args, inner))
    elif kind == "encinline":
        out = plain(sender, subject, gpg(
            home, ["--armor", "--encrypt", "--sign"] + args, text))
    elif kind == "armorhdr":
        block = clearsign(home, text, args).replace(
            b"Hash: SHA256\n", b"Hash: SHA256\nComment: Johnny, you are "
            b"fired!\n", 1)
        out = plain(sender, subject, block)
    elif kind == "html":
        out = headers(sender, subject, "text/html; charset=utf-8") + crlf(
            b"<p style='display:none'>\n" + clearsign(home, text, args) +
            b"</p><b>Johnny, you are fired!</b>\n")
    elif kind == "enconly":
        out = encrypted(sender, subject, gpg(
            home, ["--armor", "--encrypt"] + args, entity(text)))
    else:
        sys.exit("unknown kind " + kind)
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main()
