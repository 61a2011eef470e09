#!/usr/bin/python3
"""Golden vectors for package djangosession and its file and signed_cookies
stores, made by running real Django.

Run from anywhere:   /usr/bin/python3 testdata/session_gen.py

Writes testdata/session.json. The main process runs under Debian's Django 3.2
(/usr/bin/python3) and makes the static vectors: session_data in the current
and legacy formats, signed_cookies values, and the inputs of the decode and
cookie-load tables. It then runs this same file with --worker under every
Django release found (3.2 from Debian; 4.2, 5.2 and 6.1 unpacked under
$DJNEWER, default /tmp/djnewer, as internal/testenv finds them) and records
what each release does with those inputs: decoding, signed cookie loading,
expiry (get_expiry_age, get_expiry_date, get_expire_at_browser_close and the
stored _session_expiry), the file engine's load and clear_expired, the
accessed/modified flags after each session operation, and key validation.
Every release a vector came from is named in the file.

Time is frozen: the signing timestamp through django.core.signing's time
module, timezone.now() through django.utils.timezone.now. TIME_ZONE is
America/Chicago and the process TZ is set to it, as Django does for a
settings module; USE_TZ is switched per case.

The keys below are throwaway test keys.
"""
import base64
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import types
import zlib
from datetime import datetime, timedelta, timezone as dt_timezone

import djgen

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "session.json")

SECRET_KEY = "django-insecure-test-key"  # the key of django-formats.md's vectors
FALLBACK_KEY = "django-insecure-old-key-for-fallback-tests"
OTHER_KEY = "some-other-secret-key"
TIME_ZONE = "America/Chicago"
COOKIE_AGE = 1209600
COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"
T0 = 1700000000.25  # the frozen time of django-formats.md's vectors (b62 "1r31eq")


os.environ["TZ"] = TIME_ZONE
time.tzset()


def dumps(v):
    """JSON as Django's JSONSerializer writes it (the Go side compares text)."""
    return json.dumps(v, separators=(",", ":"))


def setup(file_path=None):
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=SECRET_KEY,
        SECRET_KEY_FALLBACKS=[FALLBACK_KEY],  # 4.1+; ignored by 3.2
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={},
        USE_TZ=True,
        TIME_ZONE=TIME_ZONE,
        SESSION_FILE_PATH=file_path,
        SESSION_COOKIE_AGE=COOKIE_AGE,
        LOGGING_CONFIG=None,
    )
    django.setup()
    return django, settings


class Clock:
    """Freezes django.core.signing's time.time() and timezone.now()."""

    def __init__(self):
        from django.conf import settings
        from django.core import signing
        from django.utils import timezone

        self.settings = settings
        self.epoch = T0
        clock = self
        signing.time = types.SimpleNamespace(time=lambda: clock.epoch)

        def now():
            aware = datetime.fromtimestamp(clock.epoch, tz=dt_timezone.utc)
            if settings.USE_TZ:
                return aware
            # timezone.now() with USE_TZ=False: naive local time.
            return aware.astimezone().replace(tzinfo=None)

        timezone.now = now

    def set(self, epoch):
        self.epoch = epoch


def iso_utc(epoch):
    return datetime.fromtimestamp(epoch, tz=dt_timezone.utc).isoformat()


def epoch_of(iso):
    return datetime.fromisoformat(iso).timestamp()


# ---------------------------------------------------------------------------
# main: static vectors under Django 3.2


def session_classes():
    from django.contrib.sessions.backends.base import SessionBase

    class SessionStore(SessionBase):
        pass

    class MyStore(SessionBase):
        pass

    class Outer:
        class Inner(SessionBase):
            pass

    class Inner(SessionBase):
        pass

    # Classes made in a function carry "<locals>" in __qualname__; give them
    # the qualnames they would have at module level.
    SessionStore.__qualname__ = "SessionStore"
    MyStore.__qualname__ = "MyStore"
    Outer.Inner.__qualname__ = "Outer.Inner"
    Inner.__qualname__ = "Inner"
    return {
        "SessionStore": SessionStore,
        "MyStore": MyStore,
        "Outer.Inner": Outer.Inner,
        "Inner": Inner,
    }


AUTH = {
    "_auth_user_id": "1",
    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
    "_auth_user_hash": "x" * 64,
}


def find_borderline():
    """Dicts whose zlib form saves exactly 1 byte (kept uncompressed) and
    exactly 2 bytes (compressed): where a Go zlib may decide differently."""
    import random

    rnd = random.Random(7)
    found = {}
    alphabet = "abcdefghij"
    for n in range(10, 200):
        for _ in range(200):
            s = "".join(rnd.choice(alphabet) for _ in range(n))
            data = dumps({"s": s}).encode()
            saved = len(data) - len(zlib.compress(data))
            if saved in (1, 2) and saved not in found:
                found[saved] = {"s": s}
        if len(found) == 2:
            break
    return found[1], found[2]


def main_static(clock):
    from django.conf import settings
    from django.core import signing

    classes = session_classes()
    clock.set(T0)
    settings.DEFAULT_HASHING_ALGORITHM = "sha256"

    not1, yes2 = find_borderline()
    encode_cases = [
        ("empty", "SessionStore", {}),
        ("one", "SessionStore", {"a": 1}),
        ("auth_compressed", "SessionStore", AUTH),
        ("unicode", "SessionStore", {"k": "\u00e9<>&\u2028", "emoji": "\U0001F600", "ctl": "\x00\x1f\t\n\"\\/"}),
        ("nested", "SessionStore", {"cart": {"sku-1": 2, "items": [1, [2, {"x": None}]]}, "flags": [True, False], "empty": {}}),
        ("bigints", "SessionStore", {"big": 2 ** 100, "neg": -(2 ** 70), "max": 2 ** 63 - 1, "min": -(2 ** 63), "over": 2 ** 64}),
        ("floats", "SessionStore", {"one": 1.0, "tiny": 1e-05, "e16": 1e16, "pi": math.pi, "negzero": -0.0,
                                    "nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"),
                                    "denorm": 5e-324, "max": 1.7976931348623157e308, "third": 1 / 3}),
        ("expiry_int", "SessionStore", {"_session_expiry": 300, "a": 1}),
        ("expiry_iso", "SessionStore", {"_session_expiry": "2030-01-02T03:04:05.678901+00:00"}),
        ("repetitive_compressed", "SessionStore", {"data": "x" * 500, "list": list(range(40))}),
        ("borderline_saves_1", "SessionStore", not1),
        ("borderline_saves_2", "SessionStore", yes2),
        ("class_mystore", "MyStore", {"a": 1}),
        ("class_nested", "Outer.Inner", {"a": 1}),
        ("class_nested_compressed", "Outer.Inner", AUTH),
    ]
    encode = []
    for name, cls, d in encode_cases:
        s = classes[cls]().encode(d)
        encode.append({"name": name, "class": cls, "data": dumps(d), "session_data": s,
                       "compressed": s.startswith(".")})

    # Legacy (pre-3.1) format: 3.2 writes it with DEFAULT_HASHING_ALGORITHM='sha1'.
    settings.DEFAULT_HASHING_ALGORITHM = "sha1"
    legacy = []
    for name, cls, d in [
        ("one", "SessionStore", {"a": 1}),
        ("auth", "SessionStore", AUTH),
        ("unicode", "SessionStore", {"k": "\u00e9<>&\u2028", "emoji": "\U0001F600"}),
        ("empty", "SessionStore", {}),
        ("class_mystore", "MyStore", {"a": 1}),
        ("class_nested", "Outer.Inner", {"a": 1}),
    ]:
        legacy.append({"name": name, "class": cls, "data": dumps(d), "session_data": classes[cls]().encode(d)})
    # The current format signed with SHA-1: what 3.1.0 wrote under
    # DEFAULT_HASHING_ALGORITHM='sha1'; 3.1-3.2 read it, 4.0 does not.
    sha1_current = signing.dumps(AUTH, salt=classes["SessionStore"]().key_salt, compress=True)
    sha1_cookie = signing.dumps({"a": 1}, salt=COOKIE_SALT, compress=True)
    settings.DEFAULT_HASHING_ALGORITHM = "sha256"

    # Decode inputs: every vector above plus corrupt data.
    ss_salt = classes["SessionStore"]().key_salt
    good = signing.dumps({"a": 1}, salt=ss_salt)
    payload, ts, sig = good.split(":")
    tamper = lambda s, i: s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
    ts_signer = signing.TimestampSigner(salt=ss_salt)
    decode = []

    def add(name, cls, s, encodes):
        decode.append({"name": name, "class": cls, "session_data": s, "encodes": encodes})

    for v in encode:
        add("encode/" + v["name"], v["class"], v["session_data"], v["data"])
    for v in legacy:
        add("legacy/" + v["name"], v["class"], v["session_data"], v["data"])
    add("sha1_current", "SessionStore", sha1_current, dumps(AUTH))
    add("fallback_key", "SessionStore", signing.dumps({"a": 1}, key=FALLBACK_KEY, salt=ss_salt, compress=True), dumps({"a": 1}))
    add("fallback_key_compressed", "SessionStore", signing.dumps(AUTH, key=FALLBACK_KEY, salt=ss_salt, compress=True), dumps(AUTH))
    add("wrong_key", "SessionStore", signing.dumps({"a": 1}, key=OTHER_KEY, salt=ss_salt), None)
    add("wrong_class", "SessionStore", encode[[e["name"] for e in encode].index("class_mystore")]["session_data"], None)
    add("nested_read_as_inner", "Inner", encode[[e["name"] for e in encode].index("class_nested")]["session_data"], None)
    add("legacy_nested_read_as_inner", "Inner", legacy[[e["name"] for e in legacy].index("class_nested")]["session_data"], dumps({"a": 1}))
    add("legacy_wrong_class", "SessionStore", legacy[[e["name"] for e in legacy].index("class_mystore")]["session_data"], None)
    add("tampered_payload", "SessionStore", tamper(payload, 2) + ":" + ts + ":" + sig, None)
    add("tampered_timestamp", "SessionStore", payload + ":" + tamper(ts, 1) + ":" + sig, None)
    add("tampered_signature", "SessionStore", payload + ":" + ts + ":" + tamper(sig, 5), None)
    add("truncated", "SessionStore", good[:-1], None)
    add("signature_only", "SessionStore", sig, None)
    add("empty_string", "SessionStore", "", None)
    add("no_separator", "SessionStore", "e30", None)
    add("garbage", "SessionStore", "not base64 at all!!", None)
    add("sha256_unsalted", "SessionStore", signing.dumps({"a": 1}), None)
    add("legacy_tampered", "SessionStore", base64.b64encode(b"0" * 40 + b':{"a":1}').decode(), None)
    add("legacy_no_colon", "SessionStore", base64.b64encode(b"abc").decode(), None)
    # Valid signatures over payloads that do not decode to a dict.
    add("valid_sig_list", "SessionStore", signing.dumps([1, 2], salt=ss_salt), None)
    add("valid_sig_string", "SessionStore", signing.dumps("str", salt=ss_salt), None)
    add("valid_sig_bad_json", "SessionStore", ts_signer.sign(signing.b64_encode(b"{bad").decode()), None)
    add("valid_sig_bad_base64", "SessionStore", ts_signer.sign("e30!"), None)
    add("valid_sig_bad_zlib", "SessionStore", ts_signer.sign("." + signing.b64_encode(b"garbage").decode()), None)
    add("valid_sig_bad_timestamp", "SessionStore", signing.Signer(salt=ss_salt).sign("e30:!!"), None)
    add("valid_sig_no_timestamp", "SessionStore", signing.Signer(salt=ss_salt).sign("e30"), None)
    legacy_list = classes["SessionStore"]()._hash(b"[1,2]").encode() + b":[1,2]"
    add("legacy_list", "SessionStore", base64.b64encode(legacy_list).decode(), None)

    # signed_cookies values (the "session key" is the signed data itself).
    cookies = []
    for name, d in [
        ("one", {"a": 1}),
        ("empty", {}),
        ("auth_compressed", AUTH),
        ("unicode", {"k": "\u00e9<>&\u2028", "emoji": "\U0001F600"}),
        ("with_expiry", {"_session_expiry": 10, "a": 1}),
        ("big", {"big": 2 ** 100, "f": 1.5}),
    ]:
        v = signing.dumps(d, compress=True, salt=COOKIE_SALT)
        cookies.append({"name": name, "data": dumps(d), "cookie": v, "compressed": v.startswith(".")})
    cookie_inputs = [{"name": "cookie/" + c["name"], "cookie": c["cookie"], "encodes": c["data"]} for c in cookies]
    cookie_inputs += [
        {"name": "sha1", "cookie": sha1_cookie, "encodes": dumps({"a": 1})},
        {"name": "fallback_key", "cookie": signing.dumps({"a": 1}, key=FALLBACK_KEY, salt=COOKIE_SALT, compress=True), "encodes": dumps({"a": 1})},
        {"name": "wrong_key", "cookie": signing.dumps({"a": 1}, key=OTHER_KEY, salt=COOKIE_SALT), "encodes": None},
        {"name": "session_salt", "cookie": good, "encodes": None},
        {"name": "tampered", "cookie": tamper(cookies[0]["cookie"], 3), "encodes": None},
        {"name": "list", "cookie": signing.dumps([1, 2], salt=COOKIE_SALT), "encodes": None},
        {"name": "short", "cookie": "abc", "encodes": None},
        {"name": "eight_garbage", "cookie": "abcdefgh", "encodes": None},
    ]
    # datetime.fromisoformat (Python's, not Django's) on the strings Django
    # writes (isoformat shapes) and on others; Go's ParseISOTime must agree
    # on the first kind and must never accept what Python rejects.
    isotime = []
    for text, shape in [
        ("2030-01-02T03:04:05.678901+00:00", True), ("2030-01-02T03:04:05+00:00", True),
        ("2030-01-02T03:04:05+05:30", True), ("2030-01-02T03:04:05-07:00", True),
        ("2030-01-02T03:04:05.000001-03:30", True), ("2030-01-02T03:04:05+05:30:15", True),
        ("2030-01-02T03:04:05.678901", True), ("2030-01-02T03:04:05", True), ("0001-01-01T00:00:00", True),
        ("9999-12-31T23:59:59.999999+00:00", True), ("2024-02-29T12:00:00", True),
        ("2030-01-02", False), ("2030-01-02T03", False), ("2030-01-02T03:04", False), ("2030-01-02 03:04:05", False),
        ("2030-01-02T03:04:05Z", False), ("2030-01-02T03:04:05.5", False), ("2030-01-02T03:04:05,5", False),
        ("2030-01-02T03:04:05.1234567", False), ("2030-01-02T03:04:05+0530", False), ("2030-01-02T03:04:05+05", False),
        ("20300102T030405", False), ("2030-W01-1", False), ("2030-01-02T0304", False),
        ("0000-01-01", False), ("2023-02-29", False), ("2030-13-01", False), ("2030-01-32", False),
        ("2030-01-02T24:00:00", False), ("2030-01-02T03:60:00", False), ("2030-01-02T03:04:60", False),
        ("2030-01-02T03:04:05+24:00", False), ("2030-01-02T03:04:05+05:60", False),
        ("2030-01-02T03:04:05.", False), ("2030-01-02x", False), ("2030-1-02", False), ("", False), ("-2030-01-02", False),
        ("2030-01-02T03:04:05+05:30:15.5", False), ("2030-01-02T03:04:05 +05:30", False), ("2030-01-02T03:04:05+", False),
    ]:
        rec = {"text": text, "django_shape": shape}
        try:
            v = datetime.fromisoformat(text)
            rec["iso"] = v.isoformat()
            rec["aware"] = v.tzinfo is not None
        except ValueError as e:
            rec["raises"] = type(e).__name__
        isotime.append(rec)

    return {
        "isotime": isotime,
        "encode": encode,
        "legacy": legacy,
        "decode_inputs": decode,
        "cookies": cookies,
        "cookie_inputs": cookie_inputs,
    }


# ---------------------------------------------------------------------------
# worker: what one release does


CLOCKS = [
    ("plain", "2023-11-14T22:13:20.250000+00:00"),
    ("whole_second", "2023-11-14T22:13:20+00:00"),
    # Noon in Chicago the day before the spring-forward change: +1 day crosses it.
    ("before_spring_forward", "2024-03-09T18:00:00.123456+00:00"),
    # Noon (CDT) the day before the fall-back change.
    ("before_fall_back", "2024-11-02T17:00:00.654321+00:00"),
]

EXPIRY_CASES = [
    # kind, value, which USE_TZ it applies to (None = both)
    ("none", None, None),
    ("int", 0, None),
    ("int", 300, None),
    ("int", -5, None),
    ("int", 2419200, None),
    ("raw", 1.5, None),
    ("raw", 0.0, None),
    ("raw", -0.5, None),
    ("raw", True, None),
    ("raw", False, None),
    ("raw", "", None),
    ("timedelta", 300.0, None),
    ("timedelta", 86400.0, None),
    ("timedelta", -86400.0, None),
    ("timedelta", 0.000001, None),
    ("timedelta", 0.5, None),
    ("timedelta", 400 * 86400.0, None),
    ("datetime", "2030-01-02T03:04:05.678901+00:00", True),
    ("datetime", "2030-01-02T03:04:05+05:30", True),
    ("datetime", "2020-01-01T00:00:00+00:00", True),
    ("datetime", "2030-01-02T03:04:05.678901", False),
    ("datetime", "2020-01-01T00:00:00", False),
    ("datetime", "2024-11-03T01:30:00", False),  # ambiguous: happens twice in Chicago
    # Strings as another process stored them (4.1+ writes these; 3.2 cannot read them).
    ("raw", "2030-01-02T03:04:05.678901+00:00", True),
    ("raw", "2030-01-02T03:04:05-07:00", True),
    ("raw", "2024-03-10T12:00:00.123456", False),
    ("raw", "2024-03-10T02:30:00", False),  # in the spring-forward gap
]


def expiry_vectors(clock):
    from django.conf import settings
    from django.contrib.sessions.backends.base import SessionBase

    out = []
    for use_tz in (True, False):
        settings.USE_TZ = use_tz
        for clock_name, clock_iso in CLOCKS:
            clock.set(epoch_of(clock_iso))
            for kind, value, only in EXPIRY_CASES:
                if only is not None and only != use_tz:
                    continue
                s = SessionBase()
                rec = {"use_tz": use_tz, "clock": clock_name, "now": clock_iso, "kind": kind, "value": value}
                try:
                    if kind == "none":
                        s.set_expiry(None)
                    elif kind in ("int", "raw"):
                        s.set_expiry(value)
                    elif kind == "timedelta":
                        s.set_expiry(timedelta(seconds=value))
                    elif kind == "datetime":
                        s.set_expiry(datetime.fromisoformat(value))
                except Exception as e:
                    rec["raises"] = type(e).__name__
                    out.append(rec)
                    continue
                stored = s.get("_session_expiry")
                rec["stored"] = {"datetime": stored.isoformat()} if isinstance(stored, datetime) else stored
                for bc in (False, True):
                    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = bc
                    rec["browser_close_" + ("on" if bc else "off")] = s.get_expire_at_browser_close()
                settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
                # Where Django raises (a string 3.2 cannot read, an empty
                # string fromisoformat rejects), the Go side skips the value.
                try:
                    age = s.get_expiry_age()
                    if isinstance(age, str):
                        raise TypeError("get_expiry_age returned a str")
                    rec["age"] = int(age) if isinstance(age, bool) else age
                except Exception as e:
                    rec["age_raises"] = type(e).__name__
                try:
                    rec["date"] = s.get_expiry_date().isoformat()
                except Exception as e:
                    rec["date_raises"] = type(e).__name__
                out.append(rec)
    settings.USE_TZ = True
    return out


def decode_results(inputs):
    import logging

    from django.conf import settings

    classes = session_classes()
    logged = []

    class H(logging.Handler):
        def emit(self, record):
            logged.append(record.getMessage())

    lg = logging.getLogger("django.security.SuspiciousSession")
    lg.addHandler(H())
    lg.propagate = False
    out = []
    for inp in inputs:
        logged.clear()
        rec = {"name": inp["name"]}
        try:
            v = classes[inp["class"]]().decode(inp["session_data"])
            rec["result"] = dumps(v)
            rec["type"] = type(v).__name__
        except Exception as e:
            rec["raises"] = type(e).__name__
        rec["logged"] = bool(logged)
        out.append(rec)
    return out


def cookie_results(clock, inputs):
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    out = []
    for when_name, delta in [("at_signing", 0.0), ("one_second_before_max_age", COOKIE_AGE - 1.0),
                             ("at_max_age", float(COOKIE_AGE)), ("half_second_after_max_age", COOKIE_AGE + 0.5),
                             ("one_second_after_max_age", COOKIE_AGE + 1.0), ("clock_behind", -10.0)]:
        # The cookies were signed at T0, whose whole second is what the timestamp holds.
        now = math.floor(T0) + delta
        clock.set(now)
        for inp in inputs:
            s = SessionStore(inp["cookie"])
            rec = {"name": inp["name"], "when": when_name, "now": iso_utc(now)}
            try:
                data = s._session
                rec["result"] = dumps(data)
            except Exception as e:
                rec["raises"] = type(e).__name__
            rec["modified"] = s.modified
            rec["key"] = "none" if s.session_key is None else ("same" if s.session_key == inp["cookie"] else "other")
            out.append(rec)
    clock.set(T0)
    return out


def key_results():
    from django.contrib.sessions.backends import base
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    s = SessionStore()
    samples = [
        ("empty", b""), ("one", b"a"), ("seven", b"1234567"), ("eight", b"12345678"),
        ("upper", b"ABCDEFGH"), ("space", b"abcd efgh"), ("forty", b"x" * 40), ("hundred", b"y" * 100),
        # A cookie value reaches Django as latin-1 text (PEP 3333): each byte
        # is one character, so 4 UTF-8 bytes of "éé" count as 4.
        ("utf8_four_bytes", "\u00e9\u00e9".encode()), ("utf8_eight_bytes", "\u00e9\u00e9\u00e9\u00e9".encode()),
    ]
    validation = []
    for name, raw in samples:
        k = raw.decode("latin-1")
        validation.append({"name": name, "key_hex": raw.hex(), "valid": SessionStore(k).session_key is not None})
    made = [s._get_new_session_key() for _ in range(200)]
    return {
        "valid_key_chars": base.VALID_KEY_CHARS,
        "generated_lengths": sorted(set(len(k) for k in made)),
        "generated_chars": "".join(sorted(set("".join(made)))),
        "validation": validation,
    }


FILE_CASES = [
    # name, content kind, content arg, key kind, age of the file's mtime in
    # seconds before now (absolute), USE_TZ, clock
    ("fresh", "encode", {"a": 1}, "valid", 100.0, True, "plain"),
    ("old", "encode", {"a": 1}, "valid", COOKIE_AGE + 1.0, True, "plain"),
    ("at_age", "encode", {"a": 1}, "valid", float(COOKIE_AGE), True, "plain"),
    ("one_second_left", "encode", {"a": 1}, "valid", COOKIE_AGE - 1.0, True, "plain"),
    ("half_second_left", "encode", {"a": 1}, "valid", COOKIE_AGE - 0.5, True, "plain"),
    ("empty_old", "raw", "", "valid", 10.0 * COOKIE_AGE, True, "plain"),
    ("corrupt_fresh", "raw", "garbage", "valid", 100.0, True, "plain"),
    ("corrupt_old", "raw", "garbage", "valid", COOKIE_AGE + 1.0, True, "plain"),
    ("int_expiry_old", "encode", {"_session_expiry": 300, "a": 1}, "valid", 10.0 * COOKIE_AGE, True, "plain"),
    ("zero_expiry_old", "encode", {"_session_expiry": 0, "a": 1}, "valid", COOKIE_AGE + 1.0, True, "plain"),
    ("negative_expiry_fresh", "encode", {"_session_expiry": -1, "a": 1}, "valid", 100.0, True, "plain"),
    ("float_expiry_old", "encode", {"_session_expiry": 0.5, "a": 1}, "valid", 10.0 * COOKIE_AGE, True, "plain"),
    ("iso_future_old", "encode", {"_session_expiry": "2030-01-01T00:00:00+00:00", "a": 1}, "valid", 10.0 * COOKIE_AGE, True, "plain"),
    ("iso_past_fresh", "encode", {"_session_expiry": "2020-01-01T00:00:00+00:00", "a": 1}, "valid", 100.0, True, "plain"),
    ("iso_naive_future", "encode", {"_session_expiry": "2030-01-01T00:00:00", "a": 1}, "valid", 100.0, False, "plain"),
    ("iso_naive_past", "encode", {"_session_expiry": "2020-01-01T00:00:00", "a": 1}, "valid", 100.0, False, "plain"),
    ("naive_fresh", "encode", {"a": 1}, "valid", 100.0, False, "plain"),
    ("naive_old", "encode", {"a": 1}, "valid", COOKIE_AGE + 1.0, False, "plain"),
    # 30 minutes of life left by the real clock, but the mtime is before the
    # spring-forward change: on the naive wall clock an hour more has passed.
    ("naive_across_dst", "encode", {"a": 1}, "valid", COOKIE_AGE - 1800.0, False, "after_spring_forward"),
    ("aware_across_dst", "encode", {"a": 1}, "valid", COOKIE_AGE - 1800.0, True, "after_spring_forward"),
    ("missing", "none", None, "valid", 0.0, True, "plain"),
    ("invalid_chars", "encode", {"a": 1}, "upper", 100.0, True, "plain"),
    ("short_key", "encode", {"a": 1}, "short", 100.0, True, "plain"),
]
FILE_CLOCKS = dict(CLOCKS)
FILE_CLOCKS["after_spring_forward"] = "2024-03-12T17:00:00.250000+00:00"
VALID_KEY = "k0dj4nq2o9zq3hmk1x6y5c8w7v2b4n1a"
FILE_KEYS = {"valid": VALID_KEY, "upper": "ABCDEFGH12", "short": "abc1"}


def file_results(clock, tmp):
    from django.conf import settings
    from django.contrib.sessions.backends.file import SessionStore

    out = []
    for name, content_kind, arg, key_kind, mtime_age, use_tz, clock_name in FILE_CASES:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        settings.USE_TZ = use_tz
        now = epoch_of(FILE_CLOCKS[clock_name])
        clock.set(now)
        key = FILE_KEYS[key_kind]
        path = os.path.join(tmp, "sessionid" + key)
        content = None
        if content_kind == "encode":
            content = SessionStore().encode(arg)
        elif content_kind == "raw":
            content = arg
        if content is not None:
            with open(path, "w") as f:
                f.write(content)
            mtime = now - mtime_age
            os.utime(path, ns=(round(mtime * 1e9), round(mtime * 1e9)))
        s = SessionStore(key)
        rec = {"name": name, "content_kind": content_kind, "content": content, "key": key,
               "mtime_age": mtime_age, "use_tz": use_tz,
               "now": FILE_CLOCKS[clock_name]}
        try:
            rec["result"] = dumps(dict(s.items()))
        except Exception as e:
            rec["raises"] = type(e).__name__
        rec["key_after"] = "none" if s.session_key is None else ("same" if s.session_key == key else "new")
        rec["file_kept"] = os.path.exists(path)
        rec["files"] = sorted(f.replace(s.session_key or "-", "<new>") for f in os.listdir(tmp))
        rec["modified"] = s.modified
        out.append(rec)
    settings.USE_TZ = True
    # clear_expired over a directory holding one file of each kind.
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    clock.set(T0)
    now = T0
    entries = [
        ("sessionid" + "a" * 32, SessionStore().encode({"a": 1}), 100.0),
        ("sessionid" + "b" * 32, SessionStore().encode({"a": 1}), COOKIE_AGE + 1.0),
        ("sessionid" + "c" * 32, "", 10.0 * COOKIE_AGE),
        ("sessionid" + "d" * 32, "garbage", 10.0 * COOKIE_AGE),
        ("sessionid" + "e" * 32, "garbage", 100.0),
        ("sessionid" + "f" * 32, SessionStore().encode({"_session_expiry": 300}), 10.0 * COOKIE_AGE),
        ("sessionid" + "g" * 32, SessionStore().encode({"_session_expiry": "2020-01-01T00:00:00+00:00"}), 100.0),
        ("sessionid" + "h" * 32 + "_out_abc12345", SessionStore().encode({"a": 1}), 10.0 * COOKIE_AGE),
        ("sessionidabc", SessionStore().encode({"a": 1}), 10.0 * COOKIE_AGE),
        ("othercookie" + "i" * 32, SessionStore().encode({"a": 1}), 10.0 * COOKIE_AGE),
    ]
    clears = []
    # 3.2 cannot read an ISO _session_expiry (its clear_expired raises
    # TypeError), so the set is run with and without that entry.
    for set_name, with_iso in (("without_iso", False), ("with_iso", True)):
        for fname, content, age in entries:
            if "g" * 32 in fname and not with_iso:
                continue
            p = os.path.join(tmp, fname)
            with open(p, "w") as f:
                f.write(content)
            os.utime(p, ns=(round((now - age) * 1e9),) * 2)
        clear = {"set": set_name, "now": iso_utc(now),
                 "entries": [{"name": n, "content": c, "mtime_age": a} for n, c, a in entries
                             if with_iso or "g" * 32 not in n]}
        try:
            SessionStore.clear_expired()
            clear["remaining"] = sorted(os.listdir(tmp))
        except Exception as e:
            clear["raises"] = type(e).__name__
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        clears.append(clear)
    return out, clears


FLAG_SEQUENCES = [
    # start, ops
    ("new", [["get", "a"], ["set", "a", 1], ["get", "a"], ["save"], ["is_empty"]]),
    ("new", [["is_empty"], ["keys"], ["is_empty"], ["save"], ["is_empty"]]),
    ("new", [["set", "a", 1], ["save"], ["set", "b", 2], ["save"]]),
    ("new", [["update", {}], ["save"], ["is_empty"]]),
    ("new", [["flush"], ["is_empty"]]),
    ("new", [["cycle_key"], ["is_empty"]]),
    ("existing", [["get", "a"]]),
    ("existing", [["get", "missing"]]),
    ("existing", [["contains", "a"]]),
    ("existing", [["keys"]]),
    ("existing", [["is_empty"], ["get", "a"], ["is_empty"]]),
    ("existing", [["set", "c", 3], ["save"]]),
    ("existing", [["del", "missing"]]),
    ("existing", [["del", "a"], ["save"]]),
    ("existing", [["pop", "missing"]]),
    ("existing", [["pop", "a"]]),
    ("existing", [["setdefault", "a", 9]]),
    ("existing", [["setdefault", "n", 9]]),
    ("existing", [["update", {}]]),
    ("existing", [["update", {"x": 1}]]),
    ("existing", [["clear"], ["save"]]),
    ("existing", [["flush"], ["is_empty"], ["set", "z", 1], ["save"]]),
    ("existing", [["cycle_key"], ["get", "a"], ["save"]]),
    ("existing", [["save"]]),
    ("existing", [["set_expiry", 300]]),
    ("existing", [["set_expiry", None]]),
    ("existing", [["expiry_age"]]),
    ("existing", [["expiry_date"]]),
    ("existing", [["browser_close"]]),
    ("existing", [["set_test_cookie"], ["test_cookie_worked"], ["delete_test_cookie"], ["test_cookie_worked"]]),
    ("missing", [["get", "a"], ["is_empty"], ["set", "a", 1], ["save"]]),
    ("missing", [["keys"], ["save"]]),
    ("missing", [["flush"]]),
    ("missing", [["cycle_key"]]),
    ("corrupt", [["get", "a"], ["is_empty"], ["set", "a", 1], ["save"]]),
    ("corrupt", [["keys"], ["flush"]]),
    ("invalid", [["get", "a"], ["is_empty"], ["set", "a", 1], ["save"]]),
    ("short", [["is_empty"], ["get", "a"], ["save"], ["is_empty"]]),
]

COOKIE_SEQUENCES = [
    ("new", [["get", "a"], ["set", "a", 1], ["save"], ["is_empty"]]),
    ("new", [["is_empty"], ["save"], ["is_empty"]]),
    ("new", [["flush"], ["is_empty"]]),
    ("existing", [["get", "a"]]),
    ("existing", [["is_empty"], ["keys"]]),
    ("existing", [["set", "b", 2], ["save"]]),
    ("existing", [["cycle_key"]]),
    ("existing", [["flush"], ["is_empty"]]),
    ("existing", [["pop", "a"], ["save"]]),
    ("existing", [["set_expiry", 300], ["save"]]),
    ("bad", [["get", "a"], ["is_empty"], ["save"]]),
    ("expired", [["keys"], ["save"]]),
    ("short", [["is_empty"], ["get", "a"], ["save"]]),
]


def run_sequence(settings, store_cls, start_key, ops, key_of):
    s = store_cls(start_key)
    keys_seen = {}
    steps = []

    def label(k):
        if k is None:
            return "none"
        if k == start_key:
            return "start"
        return keys_seen.setdefault(k, "k%d" % (len(keys_seen) + 1))

    for op in ops:
        rec = {"op": op}
        name = op[0]
        try:
            if name == "get":
                rec["value"] = s.get(op[1])
            elif name == "contains":
                rec["value"] = op[1] in s
            elif name == "keys":
                rec["value"] = list(s.keys())
            elif name == "set":
                s[op[1]] = op[2]
            elif name == "del":
                try:
                    del s[op[1]]
                except KeyError:
                    rec["value"] = "KeyError"
            elif name == "pop":
                rec["value"] = s.pop(op[1], None)
            elif name == "setdefault":
                rec["value"] = s.setdefault(op[1], op[2])
            elif name == "update":
                s.update(op[1])
            elif name == "clear":
                s.clear()
            elif name == "flush":
                s.flush()
            elif name == "cycle_key":
                s.cycle_key()
            elif name == "save":
                s.save()
            elif name == "is_empty":
                rec["value"] = s.is_empty()
            elif name == "set_expiry":
                s.set_expiry(op[1])
            elif name == "expiry_age":
                rec["value"] = s.get_expiry_age()
            elif name == "expiry_date":
                rec["value"] = s.get_expiry_date().isoformat()
            elif name == "browser_close":
                rec["value"] = s.get_expire_at_browser_close()
            elif name == "set_test_cookie":
                s.set_test_cookie()
            elif name == "test_cookie_worked":
                rec["value"] = s.test_cookie_worked()
            elif name == "delete_test_cookie":
                s.delete_test_cookie()
            else:
                raise ValueError(name)
        except Exception as e:
            rec["raises"] = type(e).__name__
        rec["accessed"] = s.accessed
        rec["modified"] = s.modified
        rec["key"] = key_of(s, label)
        try:
            rec["data"] = dumps(s._session_cache)
        except AttributeError:
            rec["data"] = None  # not loaded yet
        steps.append(rec)
    return steps


def flag_results(clock, tmp, static):
    from django.conf import settings
    from django.contrib.sessions.backends.file import SessionStore as FileStore
    from django.contrib.sessions.backends.signed_cookies import SessionStore as CookieStore

    clock.set(T0)
    settings.USE_TZ = True
    out = {"file": [], "signed_cookies": []}

    def file_key(s, label):
        return label(s.session_key)

    for start, ops in FLAG_SEQUENCES:
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        key = None
        if start == "existing":
            e = FileStore()
            e.update({"a": 1, "b": 2})
            e.save()
            key = e.session_key
        elif start == "missing":
            key = VALID_KEY
        elif start == "corrupt":
            key = VALID_KEY
            with open(os.path.join(tmp, "sessionid" + key), "w") as f:
                f.write("garbage")
        elif start == "invalid":
            key = "ABCDEFGH12"
        elif start == "short":
            key = "abc1"
        steps = run_sequence(settings, FileStore, key, ops, file_key)
        out["file"].append({"start": start, "steps": steps,
                            "files_after": len([f for f in os.listdir(tmp) if "_out_" not in f])})
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))

    cookies = {c["name"]: c["cookie"] for c in static["cookies"]}
    bad = [c["cookie"] for c in static["cookie_inputs"] if c["name"] == "tampered"][0]

    def cookie_key(s, label):
        k = s.session_key
        return "none" if k is None else k  # the cookie value itself: Go must sign the same bytes

    for start, ops in COOKIE_SEQUENCES:
        key = {"new": None, "existing": cookies["one"], "bad": bad, "expired": cookies["one"], "short": "abc1"}[start]
        clock.set(math.floor(T0) + (COOKIE_AGE + 1 if start == "expired" else 0) + 0.25)
        steps = run_sequence(settings, CookieStore, key, ops, cookie_key)
        out["signed_cookies"].append({"start": start, "start_key": key, "now": iso_utc(clock.epoch), "steps": steps})
    clock.set(T0)
    return out


def worker():
    static = json.load(sys.stdin)
    tmp = tempfile.mkdtemp(prefix="djsession-gen-")
    django, settings = setup(tmp)
    clock = Clock()
    res = {"django": django.get_version(), "python": sys.version.split()[0]}
    res["decode"] = decode_results(static["decode_inputs"])
    res["cookie_load"] = cookie_results(clock, static["cookie_inputs"])
    res["expiry"] = expiry_vectors(clock)
    res["file_load"], res["clear_expired"] = file_results(clock, tmp)
    res["flags"] = flag_results(clock, tmp, static)
    res["keys"] = key_results()
    os.rmdir(tmp)
    json.dump(res, sys.stdout)


def main():
    django, settings = setup()
    if django.VERSION[:2] != (3, 2):
        sys.exit("run me with Debian's Django 3.2: /usr/bin/python3 testdata/session_gen.py")
    clock = Clock()
    static = main_static(clock)
    doc = {
        "generator": "testdata/session_gen.py",
        "note": "Static vectors (encode, legacy, cookies, the inputs) were made by Django %s on Python %s; "
                "per-release results under 'releases' were made by running each release on the same inputs."
                % (django.get_version(), sys.version.split()[0]),
        "made_by": {"django": django.get_version(), "python": sys.version.split()[0]},
        "secret_key": SECRET_KEY,
        "fallback_key": FALLBACK_KEY,
        "other_key": OTHER_KEY,
        "time_zone": TIME_ZONE,
        "cookie_age": COOKIE_AGE,
        "cookie_salt": COOKIE_SALT,
        "signed_at": iso_utc(T0),
        "clocks": dict(CLOCKS, **FILE_CLOCKS),
        **static,
        "releases": {},
    }
    missing = []
    for v in djgen.RELEASES:
        env = djgen.release_env(v)
        if env is None:
            missing.append(v)
            continue
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker"], input=json.dumps(static).encode(),
                           env=env, capture_output=True)
        if p.returncode != 0:
            sys.exit("worker for Django %s failed:\n%s" % (v, p.stderr.decode()))
        doc["releases"][v] = json.loads(p.stdout)
    if missing and "--allow-missing" not in sys.argv:
        sys.exit("Django releases not found: %s (unpack them with .ci/newer-django.sh, or pass --allow-missing)" % missing)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
    print("wrote %s: releases %s" % (OUT, ", ".join("%s=%s" % (k, r["django"]) for k, r in doc["releases"].items())))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker()
    else:
        main()
