#!/usr/bin/env python3
"""Test helper for t-badinput.sh: hostile messages, made at test time
(nothing big is committed).

  badinput.py make DIR SAMPLE          every case into DIR (NAME.eml, and
                                       NAME.entity for the signed ones)
  badinput.py headers FILE N           a message with N filler header fields
  badinput.py line FILE BYTES          one message whose body is one line
  badinput.py sign HOME SIGNER FROM SUBJECT ENTITY > message
                                       PGP/MIME-sign a MIME entity written
                                       by hand (RFC 3156: the exact CRLF
                                       bytes are signed)
"""
import os
import re
import sys

import pgpmime

HEAD = (b"From: Duty Officer <duty@csirt.example>\n"
        b"To: alerts@csirt.example\n"
        b"Date: Tue, 07 Jul 2026 08:00:00 +0000\n")


def crlf(b):
    return re.sub(rb"\r?\n", b"\r\n", b)


def msg(subject, rest):
    return HEAD + b"Subject: " + subject + b"\n" + rest


def multipart(bnd, parts, close=True):
    out = b"This is a multi-part message.\n"
    for p in parts:
        out += b"--" + bnd + b"\n" + p + b"\n"
    if close:
        out += b"--" + bnd + b"--\n"
    return out


def nest(depth):
    """depth multiparts, each the only part of the one around it."""
    out = []
    for i in range(depth):
        out.append(b"Content-Type: multipart/mixed; boundary=\"n%d\"\n\n"
                   b"--n%d\n" % (i, i))
    out.append(b"Content-Type: text/plain\n\ndeep inside\n")
    for i in reversed(range(depth)):
        out.append(b"--n%d--\n" % i)
    return b"".join(out)


def text_part(body, cte=b"8bit", charset=b"utf-8"):
    return (b"Content-Type: text/plain; charset=" + charset + b"\n"
            b"Content-Transfer-Encoding: " + cte + b"\n\n" + body)


def unsigned_cases(sample):
    mp = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; "
    c = {}
    c["truncated"] = msg(b"EGI-20260707-30 truncated", mp +
                         b"boundary=\"b1\"\n\n--b1\n" +
                         text_part(b"SGVsbG8gRVhBTVBMRS1UMi", b"base64"))
    c["no-boundary"] = msg(b"EGI-20260707-31 no boundary",
                           b"MIME-Version: 1.0\nContent-Type: multipart/mixed"
                           b"\n\n--b1\n" + text_part(sample) + b"\n--b1--\n")
    c["quoted-quote-boundary"] = msg(
        b"EGI-20260707-32 quoted quote", mp + b"boundary=\"a\\\"b\"\n\n" +
        multipart(b"a\"b", [text_part(sample)]) +
        multipart(b"a\\\"b", [text_part(b"second")]))
    # The 230-byte mail of issue 11: boundary="\"" made libetpan 1.9.4's
    # mailmime_extract_boundary call strncpy with a wrapped length.
    c["one-quote-boundary"] = (
        b"From: someone@outside.example\nTo: alerts@csirt.example\n"
        b"MIME-Version: 1.0\nSubject: hello\n"
        b"Content-Type: multipart/mixed; boundary=\"\\\"\"\n\n"
        b"--\"\nContent-Type: text/plain\n\nhi\n--\"--\n")
    c["nest-10000"] = msg(b"EGI-20260707-33 deep",
                          b"MIME-Version: 1.0\n" + nest(10000))
    c["headers-100000"] = (b"".join(b"X-Filler-%d: header line\n" % i
                                    for i in range(100000)) +
                           msg(b"EGI-20260707-34 many headers", b"\n" +
                               sample))
    c["header-60kb"] = msg(b"EGI-20260707-35 " + b"x" * 60000,
                          b"\n" + sample)
    c["nul"] = msg(b"EGI-20260707-36 nul", b"\nEXAMPLE-T2\0hidden\0\n" +
                   sample)
    c["bad-base64"] = msg(b"EGI-20260707-37 base64", b"MIME-Version: 1.0\n" +
                          text_part(b"!!!!####$$$$ not base64 ====\n"
                                    b"QUJD=RE\n===\n", b"base64"))
    c["bad-qp"] = msg(b"EGI-20260707-38 qp", b"MIME-Version: 1.0\n" +
                      text_part(b"=ZZ =4 =\n=\xff" + sample + b"=",
                                b"quoted-printable"))
    c["unknown-charset"] = msg(b"EGI-20260707-39 charset",
                               b"MIME-Version: 1.0\n" +
                               text_part(b"caf\xe9 \xe0 EXAMPLE-T2\n",
                                         charset=b"x-no-such-charset"))
    c["duplicate-headers"] = (
        b"From: Duty Officer <duty@csirt.example>\n"
        b"From: Eve <eve@attacker.example>\n"
        b"Subject: EGI-20260707-40 one\nSubject: EGI-20260707-41 two\n"
        b"MIME-Version: 1.0\nMIME-Version: 2.0\n"
        b"Content-Type: text/plain\nContent-Type: multipart/mixed; "
        b"boundary=x\n\n" + sample)
    c["8bit-headers"] = (b"From: D\xc3\xbcty \xff\xfe <duty@csirt.example>\n"
                         b"Subject: EGI-20260707-42 caf\xe9 \xc3\xa9\x80\n"
                         b"X-\xff\xfe: \x01\x7f\n\n" + sample)
    c["comments-deep"] = msg(b"EGI-20260707-43 comments",
                             b"X-Comment: " + b"(" * 1000 + b"\n\n" +
                             sample)
    c["parts-1000"] = msg(b"EGI-20260707-44 parts", mp + b"boundary=p\n\n" +
                          multipart(b"p", [text_part(b"part %d" % i)
                                           for i in range(1000)]))
    return c


def signed_entities(sample):
    qp_sample = sample.replace(b"=", b"=3D")
    e = {}
    e["s-bad-base64"] = text_part(b"!!!!####$$$$ not base64 ====\n"
                                  b"QUJD=RE\n===\n", b"base64")
    e["s-unknown-charset"] = text_part(b"caf\xe9 EXAMPLE-T2\n" + sample,
                                       charset=b"x-no-such-charset")
    e["s-nul-qp"] = text_part(b"before=00after\n" + qp_sample,
                              b"quoted-printable")
    e["s-nest-20"] = nest(20)
    e["s-parts-300"] = (b"Content-Type: multipart/mixed; boundary=p\n\n" +
                        multipart(b"p", [text_part(b"part %d" % i)
                                         for i in range(300)]))
    e["s-bad-qp"] = text_part(b"odd escape =ZZ kept\n" + qp_sample,
                              b"quoted-printable")
    e["s-8bit-dup-headers"] = (
        b"Content-Type: text/plain; charset=utf-8\n"
        b"Subject: EGI-20260707-45 caf\xc3\xa9 \xff\n"
        b"Subject: EGI-20260707-46 second\n"
        b"Content-Transfer-Encoding: 8bit\n\n" + sample)
    e["s-truncated-inner"] = (
        b"Content-Type: multipart/mixed; boundary=t\n\n--t\n" +
        text_part(sample) + b"\n--t\nContent-Type: application/octet-stream"
        b"\nContent-Transfer-Encoding: base64\n\nQUJDRE")
    return e


def make(d, sample_path):
    sample = open(sample_path, "rb").read()
    for name, data in unsigned_cases(sample).items():
        open(os.path.join(d, name + ".eml"), "wb").write(data)
    for name, data in signed_entities(sample).items():
        open(os.path.join(d, name + ".entity"), "wb").write(data)


def line(path, n):
    with open(path, "wb") as f:
        f.write(msg(b"EGI-20260707-47 long line", b"\n"))
        chunk = b"A" * (1 << 20)
        while n > 0:
            f.write(chunk[:n])
            n -= len(chunk)
        f.write(b"\n")


def sign(home, signer, sender, subject, entity_path):
    entity = crlf(open(entity_path, "rb").read())
    sys.stdout.buffer.write(
        pgpmime.sign_entity(home, signer, sender, subject, entity))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2], sys.argv[3])
    elif cmd == "headers":
        open(sys.argv[2], "wb").write(
            b"".join(b"X-Filler-%d: x\n" % i for i in range(int(sys.argv[3])))
            + msg(b"EGI-20260707-49 headers", b"\nbody\n"))
    elif cmd == "line":
        line(sys.argv[2], int(sys.argv[3]))
    elif cmd == "sign":
        sign(*sys.argv[2:7])
    else:
        sys.exit("unknown command " + cmd)
