#!/usr/bin/python3
"""Live peer for hashers/interop_test.go: real Django checks and makes hashes.

Reads JSON requests, one per line, on stdin and writes one JSON answer per
line on stdout, under whatever Django PYTHONPATH selects:

  {"op": "info"}
      -> Django, argon2-cffi and bcrypt versions, argon2-cffi's hash length,
         the default PASSWORD_HASHERS and every hasher the release ships
  {"op": "check", "password": p, "encoded": e}
      -> {"check": check_password(p, e), "must_update": ..., "identify": ...}
  {"op": "make", "hasher": name, "password": p}
      -> {"encoded": make_password(p, hasher=name)}
  {"op": "session", "password_field": e}
      -> {"hash": get_session_auth_hash(), "fallback": [...]}

PASSWORD_HASHERS is the release's default list followed by every other hasher
it ships, so the preferred hasher is the release's default. A Django exception
is answered as "error:<class>".
"""
import json
import sys
import warnings

warnings.simplefilter("ignore")

import django  # noqa: E402
from django.conf import global_settings, settings  # noqa: E402

from django.contrib.auth import hashers as H  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

NAMES = ("PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher",
         "BCryptSHA256PasswordHasher", "BCryptPasswordHasher", "ScryptPasswordHasher",
         "SHA1PasswordHasher", "MD5PasswordHasher", "UnsaltedSHA1PasswordHasher",
         "UnsaltedMD5PasswordHasher", "CryptPasswordHasher")
AVAILABLE = ["django.contrib.auth.hashers." + n for n in NAMES if hasattr(H, n)]
DEFAULTS = list(global_settings.PASSWORD_HASHERS)
settings.configure(
    SECRET_KEY=sys.argv[1] if len(sys.argv) > 1 else "interop-secret",
    SECRET_KEY_FALLBACKS=sys.argv[2:3],
    PASSWORD_HASHERS=DEFAULTS + [p for p in AVAILABLE if p not in DEFAULTS],
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={},
)
django.setup()


def err(e):
    return "error:" + type(e).__name__


def answer(req):
    op = req["op"]
    if op == "info":
        import argon2
        import bcrypt
        return {"django": django.get_version(), "argon2_cffi": argon2.__version__,
                "argon2_hash_len": argon2.DEFAULT_HASH_LENGTH, "bcrypt": bcrypt.__version__,
                "defaults": [import_string(p).algorithm for p in DEFAULTS],
                "available": [import_string(p).algorithm for p in AVAILABLE]}
    if op == "check":
        pw, enc = req["password"], req["encoded"]
        out = {}
        try:
            out["check"] = H.check_password(pw, enc)
        except Exception as e:
            out["check"] = err(e)
        try:
            hasher = H.identify_hasher(enc)
            out["identify"] = hasher.algorithm
            preferred = H.get_hasher("default")
            out["must_update"] = hasher.algorithm != preferred.algorithm or bool(preferred.must_update(enc))
        except Exception as e:
            out["identify"] = err(e)
        return out
    if op == "make":
        try:
            return {"encoded": H.make_password(req["password"], hasher=req["hasher"])}
        except Exception as e:
            return {"encoded": err(e)}
    if op == "session":
        from django.contrib.auth.models import User
        u = User(password=req.get("password_field", ""))
        out = {"hash": u.get_session_auth_hash()}
        if hasattr(u, "get_session_auth_fallback_hash"):
            out["fallback"] = list(u.get_session_auth_fallback_hash())
        return out
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    if line.strip():
        sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
