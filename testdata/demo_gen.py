#!/usr/bin/python3
"""Make testdata/demo: a session_data value written by real Django (Debian's
3.2) with a throwaway test key, for the README's main command.

Run: /usr/bin/python3 testdata/demo_gen.py
"""
import os

import django
from django.conf import settings

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo")
KEY = "django-insecure-demo-key-not-secret-0123456789"

settings.configure(
    SECRET_KEY=KEY,
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={},
)
django.setup()
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402

store = SessionStore()
data = {
    "_auth_user_id": "42",
    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
    "_auth_user_hash": "3f1c0d0fb3c3d4c4b4e58b1d35ce4b0c1c0b5c6f5a0e4c8d2b1a3e5f7c9d1b3a",
    "cart": {"sku-1": 2, "sku-2": 1},
    "greeting": "héllo ✓",
    "_session_expiry": 3600,
}
os.makedirs(HERE, exist_ok=True)
with open(os.path.join(HERE, "secret_key.txt"), "w") as f:
    f.write(KEY + "\n")
with open(os.path.join(HERE, "session_data.txt"), "w") as f:
    f.write(store.encode(data))
with open(os.path.join(HERE, "README"), "w") as f:
    f.write("Made by testdata/demo_gen.py with Django %s. The key is a test key, not a secret.\n" % django.get_version())
