#!/usr/bin/python3
"""Real Django's cache session engine on Redis (django.core.cache.backends.
redis.RedisCache, Django 4.0+) or memcached (PyMemcacheCache, 3.2+), for the
Go tests of `djsession sessions` on redis:// and memcached:// URLs.

Usage: sessions_db_cache.py BACKEND LOCATION KEY_PREFIX [read]
  BACKEND: redis (LOCATION redis://host:port/0) or pymemcache (LOCATION host:port)
  read: stdin has session keys, one per line; print {"key", "data"} as
        SessionStore(key).load() returns it ({} when missing).
Writes a few sessions with SESSION_ENGINE = cache under the cache
KEY_PREFIX given, and prints one JSON line per session: {"key", "data",
"age"} (age: get_expiry_age(), the TTL Django set).
"""
import json
import sys

import django
from django.conf import settings

backend, location, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
}
settings.configure(
    SECRET_KEY="not-used-by-the-cache-engine",
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends.cache",
    CACHES={"default": {"BACKEND": BACKENDS[backend], "LOCATION": location, "KEY_PREFIX": prefix}},
)
django.setup()
from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402

if len(sys.argv) > 4 and sys.argv[4] == "read":
    for line in sys.stdin:
        key = line.strip()
        print(json.dumps({"key": key, "data": SessionStore(key).load()}), flush=True)
    sys.exit(0)

cases = [
    ({"_auth_user_id": "5", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}, None),
    ({"cart": {"sku-1": 2}, "big": 2 ** 70, "t": ("a", 1), "u": "héllo ✓"}, None),
    ({"short": True, "pi": 3.5, "none": None}, 600),
]
for data, expiry in cases:
    s = SessionStore()
    s.update(data)
    if expiry is not None:
        s.set_expiry(expiry)
    s.save(must_create=True)
    out = dict(data)
    if expiry is not None:
        out["_session_expiry"] = expiry
    if "t" in out:
        out["t"] = list(out["t"])
    print(json.dumps({"key": s.session_key, "data": out, "age": s.get_expiry_age()}))
