#!/usr/bin/python3
"""Time in real Django what signing/bench_test.go's BenchmarkCompare times in Go.

    /usr/bin/python3 bench/signing.py                 # Debian's Django 3.2
    go run ./bench/compare -area signing              # both sides, with ratios

Prints one line per benchmark, "<name> <ns_per_op>", named as the Go
sub-benchmarks (signing.sign, signing.unsign, signing.dumps, signing.loads,
signing.dumps_compress, signing.loads_compress, signing.loads_oneshot), on
the same session-sized value (plus two django_only lines that split
Django's loads into its C-implemented parts) (SESSION_JSON in bench/pybench.py is byte for byte the Go
benchSessionJSON) with the same key. Django's signing.loads builds its
TimestampSigner and derives the key on every call, so signing.loads and
signing.loads_oneshot time the same call; the Go side times a reused signer
and the one-shot Loads function. Each result is checked before it is timed.

BENCHTIME (seconds, default 1) is the least time spent per benchmark;
BENCH_FILTER, a regular expression, selects benchmarks by name.
"""
import json
import sys
import warnings

import pybench

warnings.simplefilter("ignore")

from django.conf import settings  # noqa: E402

KEY = "django-insecure-bench-secret"
settings.configure(SECRET_KEY=KEY)

from django.core import signing  # noqa: E402




def main():
    session = json.loads(pybench.SESSION_JSON)
    if json.dumps(session, separators=(",", ":")) != pybench.SESSION_JSON:
        sys.exit("SESSION_JSON is not in Python's form")
    payload = signing.b64_encode(pybench.SESSION_JSON.encode()).decode()
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
        ("django_only.json_loads", lambda: json.loads(pybench.SESSION_JSON)),
        ("django_only.signature_check", lambda: signing.TimestampSigner(salt="django.core.signing")
         .signature(token.rsplit(":", 1)[0]) == token.rsplit(":", 1)[1]),
    ]
    for name, fn in cases:
        if pybench.FILTER.search(name):
            wall, _ = pybench.bench(fn)
            print(f"{name} {wall:.0f}", flush=True)


if __name__ == "__main__":
    main()
