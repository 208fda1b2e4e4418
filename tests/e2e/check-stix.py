#!/usr/bin/env python3
"""Check an indicators.json against STIX 2.1 as alertgw writes it.

usage: check-stix.py FILE [--tlp LABEL] [--alert-id ID]

The shapes are tests/e2e/stix21.schema.json's (JSON Schema 2020-12,
python3-jsonschema); what a schema cannot say is checked here: an id's
prefix is its object's type, ids are unique, every reference resolves
(object_marking_refs to a marking-definition of the bundle, object_refs
to a cyber-observable of it), modified >= created, last_observed >=
first_observed, each pattern is a STIX pattern of the forms alertgw
writes (its value a valid one of its type), and, when asked, every
object carries the TLP 2.0 marking LABEL and the alert id as an external
reference. These stand in for the official OASIS schemas and the stix2
package, neither installable here. Prints one line a problem; exit 1 when
there is one.
"""
import ipaddress
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCO = {"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file"}
LITERAL = r"'((?:[^'\\]|\\['\\])*)'"
PATTERNS = [
    re.compile(r"^\[(ipv4-addr|ipv6-addr|domain-name|url|email-addr):value "
               r"(=|ISSUBSET) " + LITERAL + r"\]$"),
    re.compile(r"^\[file:hashes\.'(MD5|SHA-1|SHA-256|SHA-512)' (=) "
               + LITERAL + r"\]$"),
]
HEXLEN = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128}


def value_ok(kind, op, v):
    try:
        if kind == "ipv4-addr":
            (ipaddress.IPv4Network if op == "ISSUBSET" else
             ipaddress.IPv4Address)(v)
        elif kind == "ipv6-addr":
            (ipaddress.IPv6Network if op == "ISSUBSET" else
             ipaddress.IPv6Address)(v)
        elif kind == "domain-name":
            return re.match(r"^([A-Za-z0-9_-]+\.)+[A-Za-z]{2,63}$", v)
        elif kind == "url":
            return re.match(r"^(https?|ftp)://[^\s]+$", v)
        elif kind == "email-addr":
            return re.match(r"^[^@\s]+@([A-Za-z0-9_-]+\.)+[A-Za-z]{2,63}$", v)
        elif kind in HEXLEN:
            return re.match(r"^[0-9a-fA-F]{%d}$" % HEXLEN[kind], v)
    except ValueError:
        return False
    return True


def check_pattern(p):
    for rx in PATTERNS:
        m = rx.match(p)
        if m:
            v = re.sub(r"\\(['\\])", r"\1", m.group(3))
            return bool(value_ok(m.group(1), m.group(2), v))
    return False


def problems(bundle, tlp, alert_id):
    schema = json.load(open(os.path.join(HERE, "stix21.schema.json")))
    v = jsonschema.Draft202012Validator(schema)
    for err in sorted(v.iter_errors(bundle), key=lambda x: list(x.path)):
        yield "schema: %s at %s" % (err.message[:200], list(err.path))
    objs = bundle.get("objects", [])
    ids = [o.get("id") for o in objs]
    if len(ids) != len(set(ids)):
        yield "ids are not unique"
    byid = {o.get("id"): o for o in objs}
    marks = {i for i, o in byid.items() if o.get("type") == "marking-definition"}
    for o in objs:
        t, i = o.get("type"), o.get("id", "")
        if not i.startswith(t + "--"):
            yield "%s: id prefix is not its type %s" % (i, t)
        for r in o.get("object_marking_refs", []):
            if r not in marks:
                yield "%s: marking %s not in the bundle" % (i, r)
        for r in o.get("object_refs", []):
            if r not in byid or byid[r].get("type") not in SCO:
                yield "%s: object_refs %s is no observable of the bundle" % (i, r)
        if "modified" in o and o["modified"] < o.get("created", ""):
            yield "%s: modified before created" % i
        if "last_observed" in o and \
                o["last_observed"] < o.get("first_observed", ""):
            yield "%s: last_observed before first_observed" % i
        if t == "indicator" and not check_pattern(o.get("pattern", "")):
            yield "%s: pattern %r" % (i, o.get("pattern"))
        if t == "marking-definition":
            continue
        if tlp:
            want = [m for m in marks if byid[m].get("name") == "TLP:" + tlp]
            if not want or want[0] not in o.get("object_marking_refs", []):
                yield "%s: not marked TLP:%s" % (i, tlp)
        if alert_id and t not in SCO and not any(
                r.get("external_id") == alert_id
                for r in o.get("external_references", [])):
            yield "%s: no external reference to %s" % (i, alert_id)


def main(argv):
    args = argv[1:]
    opt = {}
    while len(args) > 1 and args[-2].startswith("--"):
        opt[args[-2][2:]] = args[-1]
        args = args[:-2]
    bundle = json.load(open(args[0]))
    bad = list(problems(bundle, opt.get("tlp"), opt.get("alert-id")))
    for p in bad:
        print(p)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
