#!/usr/bin/python3
"""Django's side of the dbstore live tests. Reads one JSON command per
line on stdin, answers one JSON line per command on stdout.

argv: engine (sqlite|postgres|mysql) name-or-dsn-parts-as-json secret_key [fallbacks]

The second argument is one database's settings (NAME, HOST, ...), or
{"DATABASES": {alias: settings, ...}, "ROUTER": name} for a site with a
database router:
  "sessions_db": the sessions app lives in, and migrates to, "sessions_db" only;
  "replica":     session reads go to "replica" (a streaming replica of
                 "default"), writes to "default".
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

class SessionsDBRouter:
    """Keeps the sessions app in the "sessions_db" database."""

    def db_for_read(self, model, **hints):
        return "sessions_db" if model._meta.app_label == "sessions" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if app_label == "sessions":
            return db == "sessions_db"
        return None


class ReplicaRouter:
    """Reads sessions from the replica, writes them to the primary."""

    def db_for_read(self, model, **hints):
        return "replica" if model._meta.app_label == "sessions" else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


ROUTERS = {"sessions_db": SessionsDBRouter, "replica": ReplicaRouter}
router = dbconf.get("ROUTER")
if "DATABASES" in dbconf:
    databases = {alias: dict(c, ENGINE=DB) for alias, c in dbconf["DATABASES"].items()}
else:
    databases = {"default": dict(dbconf, ENGINE=DB)}
# The alias the sessions app migrates to.
sessions_alias = "sessions_db" if router == "sessions_db" else "default"
settings.configure(
    SECRET_KEY=secret,
    SECRET_KEY_FALLBACKS=fallbacks,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES=databases,
    DATABASE_ROUTERS=[ROUTERS[router]()] if router else [],
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
        call_command("sqlmigrate", "sessions", "0001", database=sessions_alias, stdout=out)
        stmts = [l for l in out.getvalue().splitlines() if l and not l.startswith("--") and l not in ("BEGIN;", "COMMIT;")]
        res = {"sql": stmts}
    elif op == "migrate":
        call_command("migrate", "sessions", database=sessions_alias, verbosity=0)
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
