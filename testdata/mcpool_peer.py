#!/usr/bin/python3
"""The memcached clients behind Django's cache backends, built by Django
from a LOCATION list and OPTIONS, for the server-selection tests of
djangosession/cachestore/mcpool.

Usage: mcpool_peer.py CONFIG MODE
  CONFIG: JSON {"backend": "pymemcache" | "pylibmc" | "memcached",
                "servers": [LOCATION entries, in order],
                "options": the cache's OPTIONS}
  MODE:
    versions  print the versions of the clients and of libmemcached
    set       stdin: one key per line (UTF-8); the client Django built
              (caches["default"]._cache) sets each key, raw (no
              KEY_FUNCTION), to its line number; prints one JSON line
              {"key", "ok"} per key
    steps     stdin: JSON [{"dt": seconds, "op": "get" | "set" | "close",
              "key"}] ("close" is Django's cache close at the end of a
              request);
              the client's clock (time.time in pymemcache's HashClient and
              in python-memcached) is a fake one, moved on by dt before
              each step; prints one JSON line per step: "hit", "miss",
              "stored", "not stored" or "error"
    rendezvous  stdin: JSON {"servers": [...], "keys": [...]}; prints the
              name pymemcache's RendezvousHash picks for each key (no
              server is contacted), one JSON line each
The test then asks each server directly which one holds each key.
"""
import json
import sys

import django
from django.conf import settings

BACKENDS = {
    "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
    "pylibmc": "django.core.cache.backends.memcached.PyLibMCCache",
    "memcached": "django.core.cache.backends.memcached.MemcachedCache",
}


def out(obj):
    print(json.dumps(obj), flush=True)


cfg = json.loads(sys.argv[1])
mode = sys.argv[2]

if mode == "versions":
    import pylibmc
    import pymemcache

    v = {"python": sys.version.split()[0], "django": django.get_version(),
         "pymemcache": pymemcache.__version__, "pylibmc": pylibmc.__version__,
         "libmemcached": pylibmc.libmemcached_version}
    try:
        import memcache

        v["python-memcached"] = memcache.__version__
    except ImportError:
        pass
    out(v)
    sys.exit(0)

if mode == "rendezvous":
    from pymemcache.client.base import normalize_server_spec
    from pymemcache.client.hash import HashClient
    from pymemcache.client.rendezvous import RendezvousHash

    req = json.loads(sys.stdin.read())
    h = RendezvousHash()
    for s in req["servers"]:
        h.add_node(HashClient._make_client_key(None, normalize_server_spec(s)))
    for k in req["keys"]:
        out(h.get_node(k))
    sys.exit(0)


class FakeTime:
    """Stands for the time module where the clients read the clock."""

    now = 1700000000.0

    def time(self):
        return self.now

    def __getattr__(self, name):
        import time

        return getattr(time, name)


fake = FakeTime()
if mode == "steps":
    import memcache
    import pymemcache.client.hash

    pymemcache.client.hash.time = fake
    memcache.time = fake

settings.configure(CACHES={"default": {
    "BACKEND": BACKENDS[cfg["backend"]],
    "LOCATION": cfg["servers"],
    "OPTIONS": cfg.get("options") or {},
}})
django.setup()

import warnings  # noqa: E402

from django.core.cache import caches  # noqa: E402

warnings.simplefilter("ignore")  # MemcachedCache's deprecation warning
client = caches["default"]._cache

if mode == "set":
    for n, line in enumerate(sys.stdin.buffer.read().decode("utf-8").split("\n")):
        if not line:
            continue
        try:
            ok = bool(client.set(line, str(n), 600))
        except Exception as e:  # a key this client refuses
            ok = False
            print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        out({"key": line, "ok": ok})
    sys.exit(0)

if mode == "steps":
    for step in json.loads(sys.stdin.read()):
        fake.now += step["dt"]
        try:
            if step["op"] == "close":
                caches["default"].close()
                r = "closed"
            elif step["op"] == "get":
                r = "miss" if client.get(step["key"]) is None else "hit"
            else:
                r = "stored" if client.set(step["key"], "v", 600) else "not stored"
        except Exception:
            r = "error"
        out(r)
    sys.exit(0)

raise SystemExit("unknown mode " + mode)
