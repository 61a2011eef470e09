"""Peer for python/pickle's differential test, run under /usr/bin/python3.

Reads JSON lines from stdin. Each line is {"v": desc, "go": {protocol: hex}}
where desc describes a value with tags (below). For each line it builds the
value with fresh objects (so nothing is shared except what CPython itself
shares), and writes one JSON line:

  {"py": {protocol: hex of pickle.dumps(value, protocol)},
   "loads": {protocol: "" if pickle.loads(go bytes) is the same value, else why}}

Tags: null/true/false; {"i": "123"} int; {"f": "hex of the IEEE bits"};
{"s": base64 of UTF-8 with surrogates}; {"b": base64}; {"l": [...]};
{"t": [...]}; {"d": [[key, value], ...]}; {"dt": [y, mo, d, h, mi, s, us,
fold], "tz": tz}; {"date": [y, mo, d]}; {"time": [h, mi, s, us, fold],
"tz": tz}; {"td": [days, seconds, us]}; {"dec": "1.50"}.
tz: null; {"utc": 1}; {"fixed": microseconds, "name": desc or null};
{"zi": key}; {"pytzutc": 1}; {"pytz": zone, "off": s, "dst": s, "name": s};
{"pytzs": zone}.
"""
import base64
import datetime
import decimal
import json
import pickle
import struct
import sys
import zoneinfo

import pytz


def text(b64):
    return base64.b64decode(b64).decode("utf-8", "surrogatepass")


def tzinfo(d):
    if d is None:
        return None
    if "utc" in d:
        return datetime.timezone.utc
    if "fixed" in d:
        off = datetime.timedelta(microseconds=d["fixed"])
        if d.get("name") is None:
            return datetime.timezone(off)
        return datetime.timezone(off, build(d["name"]))
    if "zi" in d:
        return zoneinfo.ZoneInfo(d["zi"])
    if "pytzutc" in d:
        return pytz.utc
    if "pytzs" in d:
        return pytz.timezone(d["pytzs"])
    return pytz._p(d["pytz"], d["off"], d["dst"], d["name"])


def build(d):
    if d is None or d is True or d is False:
        return d
    (tag,) = [k for k in d if k != "tz"]
    x = d[tag]
    if tag == "i":
        return int(x)
    if tag == "f":
        return struct.unpack(">d", bytes.fromhex(x))[0]
    if tag == "s":
        return text(x)
    if tag == "b":
        return base64.b64decode(x)
    if tag == "l":
        return [build(e) for e in x]
    if tag == "t":
        return tuple(build(e) for e in x)
    if tag == "d":
        return {build(k): build(v) for k, v in x}
    if tag == "dt":
        return datetime.datetime(*x[:7], tzinfo=tzinfo(d.get("tz")), fold=x[7])
    if tag == "date":
        return datetime.date(*x)
    if tag == "time":
        return datetime.time(*x[:4], tzinfo=tzinfo(d.get("tz")), fold=x[4])
    if tag == "td":
        return datetime.timedelta(*x)
    if tag == "dec":
        return decimal.Decimal(x)
    raise ValueError(tag)


def same(a, b, path="v", fold=True):
    """Why a and b differ (types, values, float bits, tzinfo), or "".
    Without fold, a's fold is taken as 0 (protocols 2 and 3 drop it)."""
    if not fold and isinstance(a, (datetime.datetime, datetime.time)):
        a = a.replace(fold=0)
    if type(a) is not type(b):
        return "%s: %s vs %s" % (path, type(a).__name__, type(b).__name__)
    if isinstance(a, float):
        return "" if struct.pack(">d", a) == struct.pack(">d", b) else "%s: %r vs %r" % (path, a, b)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return "%s: len %d vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            why = same(x, y, "%s[%d]" % (path, i), fold)
            if why:
                return why
        return ""
    if isinstance(a, dict):
        if list(a) != list(b):
            return "%s: keys %r vs %r" % (path, list(a)[:5], list(b)[:5])
        for k in a:
            why = same(a[k], b[k], "%s[%r]" % (path, k), fold)
            if why:
                return why
        return ""
    if isinstance(a, (datetime.datetime, datetime.time)):
        if repr(a) != repr(b) or a.fold != b.fold or (a.tzinfo is None) != (b.tzinfo is None):
            return "%s: %r vs %r" % (path, a, b)
        if a.tzinfo is not None and (type(a.tzinfo) is not type(b.tzinfo) or repr(a.tzinfo) != repr(b.tzinfo)):
            return "%s: tz %r vs %r" % (path, a.tzinfo, b.tzinfo)
        return ""
    if isinstance(a, decimal.Decimal):
        return "" if str(a) == str(b) else "%s: %s vs %s" % (path, a, b)
    return "" if a == b else "%s: %r vs %r" % (path, a, b)


def main():
    for line in sys.stdin:
        req = json.loads(line)
        v = build(req["v"])
        out = {"py": {}, "loads": {}}
        for proto, goh in req.get("go", {}).items():
            out["py"][proto] = pickle.dumps(v, int(proto)).hex()
            try:
                out["loads"][proto] = same(v, pickle.loads(bytes.fromhex(goh)), fold=int(proto) >= 4)
            except Exception as e:  # report, the test fails on it
                out["loads"][proto] = "loads: %r" % (e,)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
