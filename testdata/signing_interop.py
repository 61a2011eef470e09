#!/usr/bin/python3
"""Live peer for signing/interop_test.go and python/pyjson/pydiff_test.go.

Reads JSON requests, one per line, on stdin and writes one JSON answer per
line on stdout, under whatever Django PYTHONPATH selects. Time is frozen per
request at "now" (time.time patched), so both sides use the same clock.

  {"op": "info"} -> {"django": version, "python": version, "fallbacks": bool}
  {"op": "json", "b64": data}
      -> Django's JSONSerializer round trip of the bytes: loads (latin-1,
         json.loads) then dumps; {"ok": true, "b64": out} or
         {"ok": false, "error": class}
  {"op": "gen", "seed": n, "count": k}
      -> {"texts_b64": [...]}: k random values made by Python's random and
         written by json.dumps(separators=(",", ":"))
  {"op": "b64", "b64": data} -> signing.b64_decode(data): {"ok", "b64"|"error"}
  {"op": "dumps", "json_b64": text, "key", "salt", "compress", "now"}
      -> {"token": signing.dumps(json.loads(text), ...)}
  {"op": "loads", "token", "key", "salt", "fallback_keys", "max_age", "now"}
      -> {"expect": "ok"|"bad_signature"|"expired"|"malformed", "json_b64"}
  {"op": "sign", "kind": "signer"|"timestamp", "value", "key", "salt",
   "sep", "algorithm", "now"} -> {"token"}
  {"op": "unsign", "kind", "token", "key", "salt", "sep", "algorithm",
   "fallback_keys", "max_age", "now"} -> {"expect", "value"}
"""
import base64
import json
import random
import sys
import time
import warnings
from unittest import mock

warnings.simplefilter("ignore")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(SECRET_KEY="unused-interop-default")
django.setup()
from django.core import signing  # noqa: E402

FALLBACKS = "fallback_keys" in signing.Signer.__init__.__code__.co_varnames
ser = signing.JSONSerializer()


def b64(b):
    return base64.b64encode(b).decode()


def unb64(s):
    return base64.b64decode(s)


def outcome(fn, as_json=False):
    try:
        v = fn()
    except signing.SignatureExpired:
        return {"expect": "expired"}
    except signing.BadSignature:
        return {"expect": "bad_signature"}
    except Exception as e:  # noqa: BLE001
        return {"expect": "malformed", "error": type(e).__name__}
    if not as_json:
        return {"expect": "ok", "value": v}
    return {"expect": "ok", "json_b64": b64(ser.dumps(v))}


def rand_str(r):
    out = []
    for _ in range(r.randrange(0, 12)):
        k = r.random()
        if k < 0.5:
            out.append(chr(r.randrange(0x20, 0x7f)))
        elif k < 0.6:
            out.append(chr(r.randrange(0, 0x20)))
        elif k < 0.7:
            out.append(chr(r.randrange(0x80, 0x100)))
        elif k < 0.8:
            out.append(chr(r.randrange(0x100, 0xd800)))
        elif k < 0.87:
            out.append(chr(r.randrange(0xd800, 0xe000)))  # lone surrogate
        elif k < 0.95:
            out.append(chr(r.randrange(0x10000, 0x110000)))
        else:
            out.append(chr(r.randrange(0xe000, 0x10000)))
    return "".join(out)


def rand_float(r):
    k = r.random()
    if k < 0.3:
        return r.choice([1e16, 1e15, 9999999999999998.0, 1e-4, 1e-5, 0.0001, 9.999999999999999e-05,
                         1.0000000000000002e16, -0.0, 0.0, 5e-324, 2.2250738585072014e-308,
                         1.7976931348623157e308]) * r.choice([1, -1])
    if k < 0.6:
        import struct
        f = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
        return f
    if k < 0.8:
        return r.uniform(-1e6, 1e6)
    return float(r.randrange(-10**6, 10**6)) * 10.0 ** r.randrange(-20, 20)


def rand_val(r, depth=0):
    k = r.randrange(0, 10 if depth < 4 else 7)
    if k == 0:
        return r.choice([None, True, False])
    if k == 1:
        return r.choice([r.randrange(-300, 300), r.getrandbits(r.randrange(1, 200)) * r.choice([1, -1]),
                         2**63 - 1, -2**63, 2**63, 2**64 - 1, 2**64])
    if k == 2:
        return rand_float(r)
    if k in (3, 4, 5, 6):
        return rand_str(r)
    if k in (7, 8):
        return {rand_str(r): rand_val(r, depth + 1) for _ in range(r.randrange(0, 6))}
    return [rand_val(r, depth + 1) for _ in range(r.randrange(0, 6))]


def answer(q):
    op = q["op"]
    if op == "info":
        return {"django": django.get_version(), "python": sys.version.split()[0], "fallbacks": FALLBACKS}
    if op == "json":
        try:
            return {"ok": True, "b64": b64(ser.dumps(ser.loads(unb64(q["b64"]))))}
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": type(e).__name__}
    if op == "gen":
        r = random.Random(q["seed"])
        return {"texts_b64": [b64(ser.dumps(rand_val(r))) for _ in range(q["count"])]}
    if op == "b64":
        try:
            return {"ok": True, "b64": b64(signing.b64_decode(unb64(q["b64"])))}
        except Exception as e:  # noqa: BLE001
            return {"ok": False, "error": type(e).__name__}
    now = q.get("now")
    if now is None:
        now = time.time()
    with mock.patch("time.time", lambda: now):
        kw = {}
        for name in ("salt", "sep", "algorithm"):
            if q.get(name):
                kw[name] = q[name]
        if q.get("fallback_keys"):
            kw["fallback_keys"] = q["fallback_keys"]
        if op == "dumps":
            obj = ser.loads(unb64(q["json_b64"]))
            return {"token": signing.dumps(obj, key=q["key"], compress=q.get("compress", False), **kw)}
        if op == "loads":
            return outcome(lambda: signing.loads(q["token"], key=q["key"], max_age=q.get("max_age"), **kw),
                           as_json=True)
        cls = signing.TimestampSigner if q["kind"] == "timestamp" else signing.Signer
        s = cls(key=q["key"], **kw)
        if op == "sign":
            return {"token": s.sign(q["value"])}
        if op == "unsign":
            if q["kind"] == "timestamp":
                return outcome(lambda: s.unsign(q["token"], max_age=q.get("max_age")))
            return outcome(lambda: s.unsign(q["token"]))
    raise SystemExit("unknown op " + op)


for line in sys.stdin:
    print(json.dumps(answer(json.loads(line))), flush=True)
