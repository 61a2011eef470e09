"""Print a signed_cookies session value made by Django 3.2 in sha1 mode.

DEFAULT_HASHING_ALGORITHM = 'sha1' was the transition setting of Django
3.1-3.2: the session cookie is then signed with HMAC-SHA1. The secret key
is read from standard input; the session dict (JSON) from argv[1].
"""
import json
import sys

import django
from django.conf import settings

settings.configure(
    SECRET_KEY=sys.stdin.read(),
    DEFAULT_HASHING_ALGORITHM="sha1",
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    INSTALLED_APPS=["django.contrib.sessions"],
)
django.setup()

from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402

s = SessionStore()
for k, v in json.loads(sys.argv[1]).items():
    s[k] = v
s.save()
print(s.session_key)
