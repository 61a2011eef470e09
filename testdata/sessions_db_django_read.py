#!/usr/bin/python3
"""Read sessions back with real Django, for the Go tests of `djsession
sessions` (rekey, and the server tests).

Usage: sessions_db_django_read.py DATABASE SECRET_KEY_FILE [TABLE]
DATABASE is a SQLite path, or a JSON object for settings.DATABASES["default"]
(PostgreSQL, MySQL/MariaDB).
stdin:  JSON lines {"key": ..., "serializer": "json"|"pickle"}
stdout: JSON lines {"key", "django", "data" (the decoded dict, or null when
        the row is missing or this release cannot use the serializer),
        "corrupted" (Django logged "Session data corrupted" or decoded {}
        from non-empty data), "skipped" (reason, or null)}

The row is read with the Session model and decoded by SessionStore.decode,
as SessionStore.load does, without the expire_date filter (expired rows are
checked too).
"""
import json
import logging
import sys

import django
from django.conf import settings

db_arg, key_file = sys.argv[1], sys.argv[2]
if db_arg.startswith("{"):
    database = json.loads(db_arg)
else:
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": db_arg}
table = sys.argv[3] if len(sys.argv) > 3 else "django_session"
with open(key_file) as f:
    key = f.read().rstrip("\r\n")

settings.configure(
    SECRET_KEY=key,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": database},
)
django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402

try:
    from django.contrib.sessions.serializers import PickleSerializer  # noqa: E402  (removed in 5.0)
except ImportError:
    PickleSerializer = None


class Counter(logging.Handler):
    count = 0

    def emit(self, record):
        Counter.count += 1


logging.getLogger("django.security.SuspiciousSession").addHandler(Counter())

for line in sys.stdin:
    req = json.loads(line)
    out = {"key": req["key"], "django": django.get_version(), "data": None, "corrupted": False, "skipped": None}
    with connection.cursor() as c:
        c.execute("SELECT session_data FROM %s WHERE session_key = %%s" % connection.ops.quote_name(table), [req["key"]])
        row = c.fetchone()
    if row is None:
        out["skipped"] = "missing"
    else:
        s = SessionStore()
        if req.get("serializer") == "pickle":
            if PickleSerializer is None:
                out["skipped"] = "no PickleSerializer in this release"
                print(json.dumps(out), flush=True)
                continue
            s.serializer = PickleSerializer
        before = Counter.count
        data = s.decode(row[0])
        out["data"] = data
        out["corrupted"] = Counter.count != before or (data == {} and not row[0].startswith("e30:"))
    print(json.dumps(out, default=str), flush=True)
