#!/usr/bin/python3
"""Time in real Django what signing/bench_test.go's BenchmarkCompare times in Go.

    /usr/bin/python3 bench/signing.py                 # Debian's Django 3.2
    go run ./bench/compare -area signing              # both sides, with ratios

Prints one line per benchmark, "<name> <ns_per_op>", named as the Go
sub-benchmarks (signing.sign, signing.unsign, signing.dumps, signing.loads,
signing.dumps_compress, signing.loads_compress, signing.loads_oneshot), on
the same session-sized value (plus two django_only lines that split
Django's loads into its C-implemented parts) (SESSION_JSON below is byte for byte the Go
benchSessionJSON) with the same key. Django's signing.loads builds its
TimestampSigner and derives the key on every call, so signing.loads and
signing.loads_oneshot time the same call; the Go side times a reused signer
and the one-shot Loads function. Each result is checked before it is timed.

BENCHTIME (seconds, default 1) is the least time spent per benchmark;
BENCH_FILTER, a regular expression, selects benchmarks by name.
"""
import json
import os
import re
import sys
import time
import warnings

warnings.simplefilter("ignore")

from django.conf import settings  # noqa: E402

KEY = "django-insecure-bench-secret"
settings.configure(SECRET_KEY=KEY)

from django.core import signing  # noqa: E402

SESSION_JSON = (
    '{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",'
    '"_auth_user_hash":"5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699",'
    '"_session_expiry":1209600,"django_language":"fr","_csrftoken":"Zx8cQk2v0bqK9yP1wL3mN5rT7uV9aB2c",'
    '"last_seen":"2026-11-23T01:17:58.123456+00:00","visits":17,"flags":{"beta":true,"tour_done":false},'
    '"cart":{"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":5.0}],"coupon":null}}'
)
BENCHTIME = float(os.environ.get("BENCHTIME", "1"))
FILTER = re.compile(os.environ.get("BENCH_FILTER", ""))


def bench(fn):
    """Mean ns per call over at least BENCHTIME seconds (after one warm-up)."""
    fn()
    n = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter_ns() - start
        if elapsed >= BENCHTIME * 1e9:
            return elapsed / n
        n = max(n + 1, min(n * 100, int(n * BENCHTIME * 1.2e9 / max(elapsed, 1))))


def main():
    session = json.loads(SESSION_JSON)
    if json.dumps(session, separators=(",", ":")) != SESSION_JSON:
        sys.exit("SESSION_JSON is not in Python's form")
    payload = signing.b64_encode(SESSION_JSON.encode()).decode()
    signer = signing.Signer()
    signed = signer.sign(payload)
    token = signing.dumps(session)
    ctoken = signing.dumps(session, compress=True)
    assert signer.unsign(signed) == payload
    assert signing.loads(token) == session and signing.loads(ctoken) == session
    cases = [
        ("signing.sign", lambda: signer.sign(payload)),
        ("signing.unsign", lambda: signer.unsign(signed)),
        ("signing.dumps", lambda: signing.dumps(session)),
        ("signing.loads", lambda: signing.loads(token)),
        ("signing.dumps_compress", lambda: signing.dumps(session, compress=True)),
        ("signing.loads_compress", lambda: signing.loads(ctoken)),
        ("signing.loads_oneshot", lambda: signing.loads(token)),
        # Django's share of loads spent in C: json.loads alone, and the
        # signature check alone (salted_hmac, base64, compare_digest).
        ("django_only.json_loads", lambda: json.loads(SESSION_JSON)),
        ("django_only.signature_check", lambda: signing.TimestampSigner(salt="django.core.signing")
         .signature(token.rsplit(":", 1)[0]) == token.rsplit(":", 1)[1]),
    ]
    for name, fn in cases:
        if FILTER.search(name):
            print(f"{name} {bench(fn):.0f}", flush=True)


if __name__ == "__main__":
    main()
