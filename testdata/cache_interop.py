#!/usr/bin/python3
"""Real Django's cache and cached_db session engines, the peer of the Go
interop tests in djangosession/cachestore and djangosession/cacheddb.

Usage: cache_interop.py CONFIG MODE
  CONFIG: JSON {"engine": "cache" | "cached_db",
                "backend": "redis" | "django-redis" | "pymemcache" | "pylibmc"
                           | "memcached" (MemcachedCache, Django 3.2),
                "location": redis://host:port/0 or host:port, or a list of
                            them (LOCATION as a list: the servers in order),
                "prefix": the cache's KEY_PREFIX,
                "db": SQLite file (cached_db), "secret": SECRET_KEY,
                "options": merged into the cache's OPTIONS (e.g. CLIENT_CLASS,
                           SENTINELS),
                "settings": further Django settings (e.g.
                            DJANGO_REDIS_CONNECTION_FACTORY),
                "repeat": write each case this many times (optional),
                "count": write this many sessions, the cases below in turn}
  MODE:
    probe   print {"ok": true} when this Django can use the backend,
            else {"ok": false, "why": ...}
    write   Django creates one session per case below and prints, per
            session, {"key", "case", "pickle", "age"}
    read    stdin: one session key per line; prints {"key", "found",
            "pickle", "age"} for SessionStore(key)
    update  as read, after s["django"] = s.get("django", 0) + 1; s.save()

"pickle" is the hex of pickle.dumps(session dict, 5), so the Go side can
compare values Python holds (datetimes, Decimals, tuples, big ints) byte for
byte; "age" is get_expiry_age() at that moment, the timeout Django gives the
cache.
"""
import datetime
import decimal
import json
import pickle
import sys

import django
from django.conf import settings

cfg = json.loads(sys.argv[1])
mode = sys.argv[2]

BACKENDS = {
    "redis": "django.core.cache.backends.redis.RedisCache",
    "django-redis": "django_redis.cache.RedisCache",
    "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
    "pylibmc": "django.core.cache.backends.memcached.PyLibMCCache",
    "memcached": "django.core.cache.backends.memcached.MemcachedCache",
}
cache = {"BACKEND": BACKENDS[cfg["backend"]], "LOCATION": cfg["location"], "KEY_PREFIX": cfg["prefix"]}
if cfg["backend"] == "django-redis":
    cache["OPTIONS"] = {"CLIENT_CLASS": "django_redis.client.DefaultClient"}
if cfg.get("options"):
    cache["OPTIONS"] = dict(cache.get("OPTIONS", {}), **cfg["options"])
if cfg["backend"] == "memcached":
    import warnings

    warnings.simplefilter("ignore")  # MemcachedCache's deprecation warning
engine = cfg["engine"]
extra = dict(cfg.get("settings", {}))
if engine == "cached_db":
    extra["DATABASES"] = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": cfg["db"]}}
settings.configure(
    SECRET_KEY=cfg.get("secret", "not-used-by-the-cache-engine"),
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends." + engine,
    CACHES={"default": cache},
    **extra,
)
django.setup()

from importlib import import_module  # noqa: E402

from django.core.cache import caches  # noqa: E402
from django.utils import timezone  # noqa: E402

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def out(obj):
    print(json.dumps(obj), flush=True)


def dump(data):
    return pickle.dumps(dict(data), 5).hex()


if mode == "probe":
    try:
        c = caches["default"]
        c.set("probe", 1, 30)
        ok = c.get("probe") == 1
        out({"ok": ok, "why": "" if ok else "set/get round trip failed"})
    except Exception as e:  # the backend cannot be used with this Django
        out({"ok": False, "why": "%s: %s" % (type(e).__name__, e)})
    sys.exit(0)

if engine == "cached_db" and mode == "write":
    from django.core.management import call_command

    call_command("migrate", "sessions", verbosity=0)

utc = datetime.timezone.utc
# (name, data, expiry): expiry None keeps SESSION_COOKIE_AGE.
json_cases = [
    ("auth", {"_auth_user_id": "5", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
              "_auth_user_hash": "a" * 64}, None),
    ("nested", {"u": "h\u00e9llo \u2713 \U0001F600", "nested": {"a": [1, {"b": None}], "e": {}, "l": []},
                "big": 2 ** 70, "neg": -(2 ** 64), "f": 1.5, "tiny": 5e-324, "t": True, "z": 0}, 600),
    ("zero", {"browser_close": 1}, 0),
    ("long", {"remember": "me"}, 40 * 86400),
    ("delta", {"in": "an hour"}, datetime.timedelta(hours=1)),
    ("at", {"at": "two hours"}, "at"),
]
pickle_cases = [
    ("pyvalues", {"dt": datetime.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=utc),
                  "naive": datetime.datetime(1999, 12, 31, 23, 59, 59),
                  "d": datetime.date(2020, 2, 29), "dec": decimal.Decimal("-1.50"),
                  "td": datetime.timedelta(days=-1, seconds=5), "tuple": ("a", 1, (2,)),
                  "bytes": b"\x00\xff", "inf": float("inf")}, 3 * 3600),
]
cases = json_cases + pickle_cases
if engine == "cached_db":
    # The database half signs JSON: no Python-only values, and before 4.1
    # set_expiry kept a datetime, which JSON cannot hold.
    cases = [c for c in json_cases if django.VERSION >= (4, 1) or c[2] not in ("at",) and not isinstance(c[2], datetime.timedelta)]

if cfg.get("count"):
    cases = [cases[i % len(cases)] for i in range(cfg["count"])]

if mode == "write":
    for name, data, expiry in cases * cfg.get("repeat", 1):
        s = SessionStore()
        s.update(data)
        if expiry == "at":
            s.set_expiry(timezone.now() + datetime.timedelta(hours=2))
        elif expiry is not None:
            s.set_expiry(expiry)
        s.save(must_create=True)
        out({"key": s.session_key, "case": name, "pickle": dump(s._session), "age": s.get_expiry_age()})
    sys.exit(0)

for line in sys.stdin:
    key = line.strip()
    if not key:
        continue
    s = SessionStore(key)
    data = s.load()
    s._session_cache = data
    found = bool(data)
    if mode == "update" and found:
        s["django"] = s.get("django", 0) + 1
        s.save()
    out({"key": key, "found": found, "pickle": dump(s._session_cache) if found else "",
         "age": s.get_expiry_age() if found else 0})
