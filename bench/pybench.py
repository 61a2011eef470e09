"""What bench/signing.py, bench/sessions.py and bench/hashers.py share:
the timing loop, its settings and the session they time.

BENCHTIME (seconds, default 1) is the least time spent per benchmark;
BENCH_FILTER, a regular expression, selects benchmarks by name. The
scripts run as `/usr/bin/python3 bench/<area>.py`, so this module is found
beside them; it uses the standard library only.
"""
import os
import re
import time

BENCHTIME = float(os.environ.get("BENCHTIME", "1"))
FILTER = re.compile(os.environ.get("BENCH_FILTER", ""))

# The session both sides time: byte for byte the Go benchmarks'
# benchSessionJSON (signing and dbstore), in Python's compact JSON form.
SESSION_JSON = (
    '{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend",'
    '"_auth_user_hash":"5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699",'
    '"_session_expiry":1209600,"django_language":"fr","_csrftoken":"Zx8cQk2v0bqK9yP1wL3mN5rT7uV9aB2c",'
    '"last_seen":"2026-11-23T01:17:58.123456+00:00","visits":17,"flags":{"beta":true,"tour_done":false},'
    '"cart":{"items":[{"sku":"A-1","qty":2,"price":19.99},{"sku":"B-22","qty":1,"price":5.0}],"coupon":null}}'
)


def bench(fn):
    """Mean wall and CPU ns per call over at least BENCHTIME seconds (after one warm-up)."""
    fn()
    n = 1
    while True:
        start, cstart = time.perf_counter_ns(), time.process_time_ns()
        for _ in range(n):
            fn()
        elapsed, cpu = time.perf_counter_ns() - start, time.process_time_ns() - cstart
        if elapsed >= BENCHTIME * 1e9:
            return elapsed / n, cpu / n
        n = max(n + 1, min(n * 100, int(n * BENCHTIME * 1.2e9 / max(elapsed, 1))))
