#!/usr/bin/python3
"""Django side of djangosession's live interop test (interop_test.go).

Run under one Django release (internal/testenv sets PYTHONPATH). Reads JSON
lines on stdin: the first one configures Django, each next one is a command;
each command is answered by one JSON line on stdout ({"error": ...} when
Django raised). Session data travels as JSON text, so that the Go side
compares the exact bytes Django's serializer writes.

Commands (all take "now": a Unix time the clocks are frozen at, and
"use_tz"):
  file_write   {data, expiry}              -> {key, content, data}
  file_read    {key}                       -> {data, key_after, age, browser_close, expiry}
  file_update  {key, set}                  -> {data}
  cookie_sign  {data, expiry?, key?}       -> {cookie}
  cookie_load  {cookie}                    -> {data, modified, key}
  cookie_update {cookie, set}              -> {cookie, data}
  decode       {session_data}              -> {data, type}
"""
import json
import os
import sys
import time
import traceback
import types
from datetime import datetime, timedelta, timezone as dt_timezone


def main():
    cfg = json.loads(sys.stdin.readline())
    os.environ["TZ"] = cfg["time_zone"]
    time.tzset()
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=cfg["secret_key"],
        SECRET_KEY_FALLBACKS=cfg.get("fallback_keys", []),
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={},
        USE_TZ=True,
        TIME_ZONE=cfg["time_zone"],
        SESSION_FILE_PATH=cfg["dir"],
        SESSION_COOKIE_AGE=cfg["cookie_age"],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.contrib.sessions.backends.file import SessionStore as FileStore
    from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore
    from django.core import signing
    from django.utils import timezone

    clock = {"now": time.time()}
    signing.time = types.SimpleNamespace(time=lambda: clock["now"])

    def now():
        aware = datetime.fromtimestamp(clock["now"], tz=dt_timezone.utc)
        return aware if settings.USE_TZ else aware.astimezone().replace(tzinfo=None)

    timezone.now = now

    def dumps(v):
        return json.dumps(v, separators=(",", ":"))

    def set_expiry(s, e):
        if not e:
            return
        kind, value = e["kind"], e.get("value")
        if kind == "int":
            s.set_expiry(value)
        elif kind == "timedelta":
            s.set_expiry(timedelta(seconds=value))
        elif kind == "none":
            s.set_expiry(None)

    def key_state(s, key):
        if s.session_key is None:
            return "none"
        return "same" if s.session_key == key else "new"

    def run(cmd):
        clock["now"] = cmd.get("now", time.time())
        settings.USE_TZ = cmd.get("use_tz", True)
        op = cmd["op"]
        if op == "version":
            return {"django": django.get_version(), "python": sys.version.split()[0]}
        if op == "file_write":
            s = FileStore()
            s.update(json.loads(cmd["data"]))
            set_expiry(s, cmd.get("expiry"))
            s.save()
            with open(os.path.join(cfg["dir"], "sessionid" + s.session_key)) as f:
                content = f.read()
            return {"key": s.session_key, "content": content, "data": dumps(s._session)}
        if op == "file_read":
            s = FileStore(cmd["key"])
            data = dict(s.items())
            exp = s.get("_session_expiry")
            return {"data": dumps(data), "key_after": key_state(s, cmd["key"]), "age": s.get_expiry_age(),
                    "browser_close": s.get_expire_at_browser_close(),
                    "expiry": exp.isoformat() if isinstance(exp, datetime) else exp}
        if op == "file_update":
            s = FileStore(cmd["key"])
            for k, v in json.loads(cmd["set"]).items():
                s[k] = v
            s.save()
            return {"data": dumps(s._session), "key_after": key_state(s, cmd["key"])}
        if op == "cookie_sign":
            if cmd.get("key"):  # sign as a project whose SECRET_KEY is this one
                return {"cookie": signing.dumps(json.loads(cmd["data"]), key=cmd["key"], compress=True,
                                                salt="django.contrib.sessions.backends.signed_cookies")}
            s = CookieStore()
            s.update(json.loads(cmd["data"]))
            set_expiry(s, cmd.get("expiry"))
            s.save()
            return {"cookie": s.session_key}
        if op == "cookie_load":
            s = CookieStore(cmd["cookie"])
            data = dict(s.items())
            return {"data": dumps(data), "modified": s.modified, "key": key_state(s, cmd["cookie"])}
        if op == "cookie_update":
            s = CookieStore(cmd["cookie"])
            for k, v in json.loads(cmd["set"]).items():
                s[k] = v
            s.save()
            return {"cookie": s.session_key, "data": dumps(s._session)}
        if op == "decode":
            v = FileStore().decode(cmd["session_data"])  # class SessionStore: the usual salt
            return {"data": dumps(v), "type": type(v).__name__}
        raise ValueError("unknown op %r" % op)

    for line in sys.stdin:
        try:
            out = run(json.loads(line))
        except Exception as e:
            out = {"error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
