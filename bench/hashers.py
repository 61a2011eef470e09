#!/usr/bin/python3
"""Time in real Django the checks hashers/bench_test.go times in Go.

    /usr/bin/python3 bench/hashers.py                 # Debian's Django 3.2
    PYTHONPATH=... /usr/bin/python3 bench/hashers.py  # a newer Django (see .ci/djversions.sh)

Prints one line per benchmark, "<name> <ns_per_op> <cpu_ns_per_op>", with
the names of the sub-benchmarks of BenchmarkCompare (e.g.
hashers.check.pbkdf2_sha256), so a runner can pair them and print ratios;
cpu_ns_per_op is the process CPU time (user + sys, all threads,
time.process_time_ns) per check. Each value is checked with Django's
check_password (identify_hasher, must_update, the hasher's verify: hashlib
and OpenSSL for PBKDF2, scrypt and the digests, argon2-cffi for argon2,
bcrypt for bcrypt, the crypt module for crypt) at the same costs and with the
same salt as the Go side: Django 6.1's defaults (PBKDF2 1,500,000
iterations, argon2id t=2 m=102400 p=8 with a 32-byte hash, bcrypt 12, scrypt
N=16384 r=8 p=5). Hashers the running release lacks are skipped (scrypt
before 4.0; sha1, the unsalted hashers and crypt after 5.0).

BENCHTIME (seconds, default 1) is the least time spent per benchmark;
BENCH_FILTER, a regular expression, selects benchmarks by name.
"""
import sys
import warnings

import pybench

warnings.simplefilter("ignore")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

from django.contrib.auth import hashers as H  # noqa: E402

NAMES = ("PBKDF2PasswordHasher", "PBKDF2SHA1PasswordHasher", "Argon2PasswordHasher",
         "BCryptSHA256PasswordHasher", "BCryptPasswordHasher", "ScryptPasswordHasher",
         "SHA1PasswordHasher", "MD5PasswordHasher", "UnsaltedSHA1PasswordHasher",
         "UnsaltedMD5PasswordHasher", "CryptPasswordHasher")
settings.configure(
    SECRET_KEY="django-insecure-bench-secret",
    PASSWORD_HASHERS=["django.contrib.auth.hashers." + n for n in NAMES if hasattr(H, n)],
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
    DATABASES={},
)
django.setup()

PASSWORD = "correct horse"
SALT = "seasalt1234567890abcde"
BCRYPT_SALT = b"$2b$12$abcdefghijklmnopqrstuu"


def encoded():
    """The values to check, made as hashers/bench_test.go makes them."""
    out = {}
    if hasattr(H, "PBKDF2PasswordHasher"):
        out["pbkdf2_sha256"] = H.PBKDF2PasswordHasher().encode(PASSWORD, SALT, 1500000)
        out["pbkdf2_sha1"] = H.PBKDF2SHA1PasswordHasher().encode(PASSWORD, SALT, 1500000)

    class Argon2(H.Argon2PasswordHasher):
        def params(self):
            p = super().params()
            p.hash_len = 32  # argon2-cffi >= 21.2.0, what the Go policy writes
            return p

    out["argon2"] = Argon2().encode(PASSWORD, SALT)
    out["bcrypt_sha256"] = H.BCryptSHA256PasswordHasher().encode(PASSWORD, BCRYPT_SALT)
    out["bcrypt"] = H.BCryptPasswordHasher().encode(PASSWORD, BCRYPT_SALT)
    if hasattr(H, "ScryptPasswordHasher"):
        out["scrypt"] = H.ScryptPasswordHasher().encode(PASSWORD, SALT, 16384, 8, 5)
    out["md5"] = H.MD5PasswordHasher().encode(PASSWORD, SALT)
    if hasattr(H, "SHA1PasswordHasher"):
        out["sha1"] = H.SHA1PasswordHasher().encode(PASSWORD, SALT)
        out["unsalted_md5"] = H.UnsaltedMD5PasswordHasher().encode(PASSWORD, "")
        out["unsalted_sha1"] = H.UnsaltedSHA1PasswordHasher().encode(PASSWORD, "")
    if hasattr(H, "CryptPasswordHasher"):
        out["crypt"] = H.CryptPasswordHasher().encode(PASSWORD, "ab")
    return out



def main():
    for name, enc in encoded().items():
        if not pybench.FILTER.search("hashers.check." + name):
            continue
        if not H.check_password(PASSWORD, enc):
            sys.exit(f"{name}: Django rejects its own value {enc}")
        wall, cpu = pybench.bench(lambda: H.check_password(PASSWORD, enc))
        print(f"hashers.check.{name} {wall:.0f} {cpu:.0f}", flush=True)
    if not pybench.FILTER.search("hashers.session_auth_hash"):
        return
    from django.contrib.auth.models import User
    user = User(password=H.MD5PasswordHasher().encode(PASSWORD, SALT))
    wall, _ = pybench.bench(user.get_session_auth_hash)
    print(f"hashers.session_auth_hash {wall:.0f}", flush=True)


if __name__ == "__main__":
    main()
