#!/usr/bin/python3
"""Make testdata/sessions_db.sqlite3: a django_session table written by real
Django (Debian's 3.2), for the `djsession sessions` commands, their tests and
the README's main command.

Writes, beside this script:
  sessions_db.sqlite3          made by `migrate sessions`, rows saved by
                               SessionStore.save() and the Session model
  sessions_db_secret_key.txt   the SECRET_KEY (a test key, not a secret)
  sessions_db_expect.json      what each row holds, for the Go tests

Rows: logged-in users, anonymous carts, expired sessions, unicode, big ints,
a row written with SESSION_SERIALIZER = PickleSerializer, rows in the legacy
(pre-3.1) format written with DEFAULT_HASHING_ALGORITHM = 'sha1', a row
signed with another SECRET_KEY, a corrupt row, and an empty session ("e30").
Expiry dates are set through the model to fixed instants (active: 2090s,
expired: 2020s) so the tests do not age.

Run: /usr/bin/python3 testdata/sessions_db_gen.py
"""
import datetime
import json
import os
import random
import sys

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
DB = os.path.join(HERE, "sessions_db.sqlite3")
KEY = "django-insecure-sessions-db-test-key-not-secret-7f3a9c"
OTHER_KEY = "django-insecure-some-other-project-key-0000"

if os.path.exists(DB):
    os.remove(DB)

settings.configure(
    SECRET_KEY=KEY,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}},
)
django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.contrib.sessions.serializers import PickleSerializer  # noqa: E402
from django.core import signing  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

call_command("migrate", "sessions", verbosity=0)

rng = random.Random(20261123)
UTC = datetime.timezone.utc
ACTIVE_BASE = datetime.datetime(2091, 3, 1, 12, 0, 0, tzinfo=UTC)
EXPIRED_BASE = datetime.datetime(2021, 6, 1, 8, 30, 0, tzinfo=UTC)
BACKEND = "django.contrib.auth.backends.ModelBackend"
expect = []


def hexhash():
    return "".join(rng.choice("0123456789abcdef") for _ in range(64))


def save(data, *, kind="json", fmt="current", expired=False, i=0, serializer=None, as_json=None):
    s = SessionStore()
    if serializer is not None:
        s.serializer = serializer
    s.update(data)
    s.save(must_create=True)
    base = EXPIRED_BASE if expired else ACTIVE_BASE
    # microseconds on some rows, none on others: SQLite stores both shapes
    when = base + datetime.timedelta(hours=i * 7, microseconds=(i * 12345) % 1000000 if i % 2 else 0)
    Session.objects.filter(session_key=s.session_key).update(expire_date=when)
    row = Session.objects.get(session_key=s.session_key)
    expect.append({
        "key": s.session_key,
        "kind": kind,
        "format": fmt,
        "expired": expired,
        "expire_date": row.expire_date.isoformat(),
        "session_data": row.session_data,
        "user": data.get("_auth_user_id"),
        "convertible": kind != "pickle" or as_json is not None,
        # the dict as JSON would hold it (tuples become lists); None when
        # JSON cannot hold it (pickled datetimes, sets, bytes)
        "data": data if kind == "json" else as_json,
        "keys": list(data.keys()),
    })
    return s.session_key


n = 0
# logged-in users (some users with several sessions)
for uid in [1, 2, 2, 3, 5, 8, 8, 8, 13, 21]:
    d = {"_auth_user_id": str(uid), "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash()}
    if uid % 2:
        d["_language"] = "fr"
    save(d, i=n)
    n += 1
# anonymous carts
for j in range(10):
    d = {"cart": {"sku-%d" % k: rng.randint(1, 5) for k in range(rng.randint(1, 6))}, "testcookie": "worked"}
    save(d, i=n)
    n += 1
# expired: users and carts
for uid in [1, 3, 34]:
    save({"_auth_user_id": str(uid), "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash()}, expired=True, i=n)
    n += 1
for j in range(4):
    save({"cart": {"sku-9": j}}, expired=True, i=n)
    n += 1
# unicode, big ints, floats, nested, a big compressible session, an empty one
save({"greeting": "héllo ✓ 日本語 🎉", "name": "Zoë", "_auth_user_id": "55",
      "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash()}, i=n); n += 1
save({"big": 2 ** 70, "neg": -(2 ** 65), "small": 7, "pi": 3.25, "flags": [True, False, None]}, i=n); n += 1
save({"history": ["/products/%d/" % k for k in range(200)], "_session_expiry": 3600}, i=n); n += 1
save({}, i=n); n += 1
save({"cart": {"sku-1": 1}}, expired=True, i=n); n += 1  # expired, unicode-free

# pickle-serialized (SESSION_SERIALIZER = PickleSerializer)
d = {"_auth_user_id": "89", "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash(), "when": "pickled"}
save(d, kind="pickle", serializer=PickleSerializer, i=n, as_json=d); n += 1
d = {"cart": {"sku-3": 3}, "tuple_free": [1, 2, 3]}
save(d, kind="pickle", serializer=PickleSerializer, expired=True, i=n, as_json=d); n += 1
d = {"big": 2 ** 80, "pair": ("a", 1), "nested": [("x", None), {"é": 1.5}], "ok": True}
save(d, kind="pickle", serializer=PickleSerializer, i=n,
     as_json={"big": 2 ** 80, "pair": ["a", 1], "nested": [["x", None], {"é": 1.5}], "ok": True}); n += 1
# pickled values JSON cannot hold: convert must report and keep these
save({"_auth_user_id": "377", "last_seen": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)},
     kind="pickle", serializer=PickleSerializer, i=n); n += 1
save({"tags": {"a", "b"}}, kind="pickle", serializer=PickleSerializer, i=n); n += 1
save({"raw": b"\x00\x01"}, kind="pickle", serializer=PickleSerializer, i=n); n += 1

# legacy format (DEFAULT_HASHING_ALGORITHM = 'sha1' makes 3.2 write it)
with override_settings(DEFAULT_HASHING_ALGORITHM="sha1"):
    save({"_auth_user_id": "144", "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash()},
         fmt="legacy", i=n); n += 1
    save({"cart": {"sku-ü": 2}}, fmt="legacy", i=n); n += 1
    save({"cart": {"sku-7": 1}}, fmt="legacy", expired=True, i=n); n += 1

# signed with another SECRET_KEY
with override_settings(SECRET_KEY=OTHER_KEY):
    save({"_auth_user_id": "233", "_auth_user_backend": BACKEND, "_auth_user_hash": hexhash()},
         kind="other-key", i=n); n += 1

# corrupt: the model saves whatever it is given
for data in ["this is not a session", "e30:1abcde:notasignature"]:
    key = "corrupt%025d" % n
    Session.objects.create(session_key=key, session_data=data,
                           expire_date=ACTIVE_BASE + datetime.timedelta(days=n))
    row = Session.objects.get(session_key=key)
    expect.append({"key": key, "kind": "corrupt", "format": "", "expired": False,
                   "expire_date": row.expire_date.isoformat(), "session_data": data,
                   "user": None, "data": None, "keys": [], "convertible": False})
    n += 1

# a signed_cookies session value, for `decode`
from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore  # noqa: E402
cs = CookieStore()
cs.update({"_auth_user_id": "3", "theme": "dark"})
cs.save()
cookie = {"value": cs.session_key, "data": {"_auth_user_id": "3", "theme": "dark"}}

with open(os.path.join(HERE, "sessions_db_secret_key.txt"), "w") as f:
    f.write(KEY + "\n")
with open(os.path.join(HERE, "sessions_db_expect.json"), "w") as f:
    json.dump({
        "generator": "testdata/sessions_db_gen.py",
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "other_key": OTHER_KEY,
        "signed_cookie": cookie,
        "rows": sorted(expect, key=lambda r: r["key"]),
    }, f, indent=1)
    f.write("\n")
print("wrote %d rows with Django %s" % (len(expect), django.get_version()))
