#!/usr/bin/python3
"""Real Django with USE_TZ=False and TIME_ZONE='America/Chicago' writing
sessions to SQLite, for the Go test of `djsession sessions --db-time-zone`.

Usage: sessions_db_naive.py SQLITE_PATH
Prints one JSON line per session: {"key", "expire_utc"}: the naive
expire_date Django stored, read as America/Chicago wall clock, in UTC.
"""
import datetime
import json
import sys
from zoneinfo import ZoneInfo

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="naive-test-key",
    USE_TZ=False,
    TIME_ZONE="America/Chicago",
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
)
django.setup()
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402

call_command("migrate", "sessions", verbosity=0)
chicago = ZoneInfo("America/Chicago")
for expiry, fixed in [(3600, None), (None, datetime.datetime(2021, 7, 1, 3, 0)), (None, None)]:
    s = SessionStore()
    s["x"] = 1
    if expiry:
        s.set_expiry(expiry)
    s.save(must_create=True)
    if fixed:
        Session.objects.filter(session_key=s.session_key).update(expire_date=fixed)
    naive = Session.objects.get(session_key=s.session_key).expire_date
    print(json.dumps({"key": s.session_key,
                      "expire_utc": naive.replace(tzinfo=chicago).astimezone(datetime.timezone.utc).isoformat()}))
