#!/usr/bin/python3
"""Django's side of the dbstore live tests. Reads one JSON command per
line on stdin, answers one JSON line per command on stdout.

argv: engine (sqlite|postgres|mysql) name-or-dsn-parts-as-json secret_key
Commands:
  {"op": "sqlmigrate"}                       -> {"sql": [...]}
  {"op": "write", "data": {...}, "expiry": X} -> {"key": k}   (X: null, int, or iso string)
  {"op": "read", "key": k}                   -> {"data": {...} or null, "expiry_age": n}
"""
import json
import sys

import django
from django.conf import settings

engine, dbconf, secret = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
fallbacks = json.loads(sys.argv[4]) if len(sys.argv) > 4 else []
DB = {"sqlite": "django.db.backends.sqlite3", "postgres": "django.db.backends.postgresql",
      "mysql": "django.db.backends.mysql"}[engine]
conf = dict(dbconf, ENGINE=DB)
settings.configure(
    SECRET_KEY=secret,
    SECRET_KEY_FALLBACKS=fallbacks,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": conf},
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
import io  # noqa: E402
import datetime  # noqa: E402

for line in sys.stdin:
    cmd = json.loads(line)
    op = cmd["op"]
    if op == "sqlmigrate":
        out = io.StringIO()
        call_command("sqlmigrate", "sessions", "0001", stdout=out)
        stmts = [l for l in out.getvalue().splitlines() if l and not l.startswith("--") and l not in ("BEGIN;", "COMMIT;")]
        res = {"sql": stmts}
    elif op == "migrate":
        call_command("migrate", "sessions", verbosity=0)
        res = {}
    elif op == "write":
        s = SessionStore()
        for k, v in cmd["data"].items():
            s[k] = v
        if cmd.get("expiry") is not None:
            e = cmd["expiry"]
            if isinstance(e, str):
                e = datetime.datetime.fromisoformat(e)
            s.set_expiry(e)
        s.save()
        res = {"key": s.session_key}
    elif op == "read":
        s = SessionStore(cmd["key"])
        data = dict(s.items())
        res = {"data": data if s.session_key else None, "expiry_age": s.get_expiry_age(),
               "raw": s._get_session_from_db().session_data if s.session_key else None}
    else:
        res = {"error": "unknown op"}
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
