#!/usr/bin/python3
"""Real Django's file session engine, for the Go tests of `djsession
sessions` on a SESSION_FILE_PATH directory.

Usage: sessions_db_files.py make DIR SECRET_KEY_FILE
         write sessions with django.contrib.sessions.backends.file, backdate
         some files' mtime (as if written long ago), print one JSON line per
         session: {"key", "data", "case"}
       sessions_db_files.py clear DIR SECRET_KEY_FILE
         run SessionStore.clear_expired() (what clearsessions does)
       sessions_db_files.py read DIR SECRET_KEY_FILE
         stdin: keys, one per line; stdout: {"key", "data"} as load() sees them
"""
import datetime
import json
import os
import sys
import time

import django
from django.conf import settings

mode, directory, key_file = sys.argv[1], sys.argv[2], sys.argv[3]
with open(key_file) as f:
    key = f.read().rstrip("\r\n")
settings.configure(
    SECRET_KEY=key,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends.file",
    SESSION_FILE_PATH=directory,
)
django.setup()
from django.contrib.sessions.backends.file import SessionStore  # noqa: E402

AGE = settings.SESSION_COOKIE_AGE
DAY = 86400

if mode == "make":
    cases = [
        # (case, data, expiry (None: leave), mtime age in seconds)
        ("fresh", {"cart": {"sku-1": 1}}, None, 0),
        ("fresh-user", {"_auth_user_id": "7", "u": "héllo"}, None, 3600),
        ("old", {"cart": {"sku-2": 2}}, None, AGE + DAY),
        ("old-user", {"_auth_user_id": "9"}, None, AGE + 5 * DAY),
        ("int-expiry-old", {"x": 1}, 3600, AGE + DAY),  # never expires in the file engine
        ("zero-expiry-old", {"x": 2}, 0, AGE + DAY),  # 0: falls back to mtime + age
        ("negative-expiry", {"x": 3}, -10, 0),
    ]
    if django.VERSION >= (4, 1):
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
        future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        cases += [("iso-past", {"y": 1}, past, 0), ("iso-future-old", {"y": 2}, future, AGE + DAY)]
    for case, data, expiry, age in cases:
        s = SessionStore()
        s.update(data)
        if expiry is not None:
            s.set_expiry(expiry)
        s.save(must_create=True)
        path = os.path.join(directory, settings.SESSION_COOKIE_NAME + s.session_key)
        if age:
            t = time.time() - age
            os.utime(path, (t, t))
        print(json.dumps({"key": s.session_key, "case": case, "data": dict(s.items())}, default=str))
    # an empty placeholder file (create() before the first save), old
    placeholder = os.path.join(directory, settings.SESSION_COOKIE_NAME + "placeholder0000000000000000000000")
    open(placeholder, "w").close()
    t = time.time() - AGE - DAY
    os.utime(placeholder, (t, t))
    print(json.dumps({"key": "placeholder0000000000000000000000", "case": "empty-old", "data": {}}))
elif mode == "clear":
    SessionStore.clear_expired()
elif mode == "read":
    for line in sys.stdin:
        k = line.strip()
        s = SessionStore(k)
        print(json.dumps({"key": k, "data": s.load(), "key_after": s.session_key}, default=str), flush=True)
