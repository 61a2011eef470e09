#!/usr/bin/python3
"""Django side of djangosession/messages' live interop test and golden
vectors (messages/interop_test.go, golden_test.go).

Run under one Django release (internal/testenv sets PYTHONPATH). The first
JSON line on stdin configures Django; each next line is one request run
through Django's real SessionMiddleware (signed_cookies engine, so the
session travels in the "sessionid" cookie) and MessageMiddleware:

  {"now": unix time the clocks are frozen at,
   "storage": "cookie" | "session" | "fallback",
   "cookies": {name: value},                 the request's cookies
   "add": [[level, message, extra_tags, safe], ...],
   "read": true|false,                       iterate get_messages(request)
   "add_after": [...]}                       added after reading
  -> {"messages": [[level, message, extra_tags (None as ""), safe, tags], ...] (when read),
      "set_cookie": {name: full Set-Cookie value},
      "cookies": {name: value},
      "session": session dict (from the sessionid cookie set, if any)}

  {"op": "legacy", "now", "add"}  (3.2 only)
  -> {"v30": the pre-3.1 cookie value, "v31": the 3.1 one}
"""
import json
import sys
import time
import traceback
import types


def main():
    cfg = json.loads(sys.stdin.readline())
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=cfg["secret_key"],
        SECRET_KEY_FALLBACKS=cfg.get("fallback_keys", []),
        INSTALLED_APPS=["django.contrib.sessions", "django.contrib.messages"],
        DATABASES={},
        USE_TZ=True,
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ALLOWED_HOSTS=["*"],
        LOGGING_CONFIG=None,
    )
    django.setup()
    import django.contrib.sessions.middleware as session_mw
    from django.contrib import messages
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.safestring import SafeData, mark_safe

    clock = {"now": time.time()}
    fake_time = types.SimpleNamespace(time=lambda: clock["now"])
    signing.time = fake_time
    session_mw.time = fake_time

    storages = {
        "cookie": "django.contrib.messages.storage.cookie.CookieStorage",
        "session": "django.contrib.messages.storage.session.SessionStorage",
        "fallback": "django.contrib.messages.storage.fallback.FallbackStorage",
    }

    def add(request, items):
        for level, text, tags, safe in items:
            messages.add_message(request, level, mark_safe(text) if safe else text, extra_tags=tags)

    def legacy(cmd):
        # Django 3.2 only: the cookie forms 3.0 and 3.1 wrote, which 3.2
        # still reads.
        from django.contrib.messages.storage.base import Message
        from django.contrib.messages.storage.cookie import CookieStorage, MessageEncoder

        storage = CookieStorage(RequestFactory().get("/"))
        msgs = [Message(level, mark_safe(text) if safe else text, tags) for level, text, tags, safe in cmd["add"]]
        text = json.dumps(msgs, separators=(",", ":"), cls=MessageEncoder)
        return {"v30": storage._legacy_hash(text) + "$" + text, "v31": storage.signer.sign(text)}

    def run(cmd):
        clock["now"] = cmd["now"]
        if cmd.get("op") == "version":
            return {"django": django.get_version()}
        if cmd.get("op") == "legacy":
            return legacy(cmd)
        settings.MESSAGE_STORAGE = storages[cmd["storage"]]
        out = {}

        def view(request):
            add(request, cmd.get("add", []))
            if cmd.get("read"):
                out["messages"] = [
                    [m.level, str(m.message), m.extra_tags or "", isinstance(m.message, SafeData), m.tags]
                    for m in messages.get_messages(request)
                ]
            add(request, cmd.get("add_after", []))
            return HttpResponse("ok")

        chain = session_mw.SessionMiddleware(MessageMiddleware(view))
        request = RequestFactory().get("/")
        request.COOKIES = dict(cmd.get("cookies", {}))
        response = chain(request)
        out["set_cookie"] = {k: m.OutputString() for k, m in response.cookies.items()}
        out["cookies"] = {k: m.value for k, m in response.cookies.items()}
        sid = response.cookies.get("sessionid")
        if sid is not None and sid.value:
            out["session"] = dict(SessionStore(sid.value).items())
        return out

    for line in sys.stdin:
        try:
            out = run(json.loads(line))
        except Exception as e:
            out = {"error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
