#!/usr/bin/python3
"""Golden vectors for the signing package, made by real Django.

Run with Debian's interpreter from the repository root:

    /usr/bin/python3 testdata/signing_gen.py > testdata/signing.json

It runs itself once under every Django release it finds (Debian's 3.2.25
and the releases unpacked under $DJNEWER, default /tmp/djnewer, with the
same PYTHONPATH internal/testenv uses) and writes one JSON document with a
section per release ("releases" -> "3.2", "4.2", "5.2", "6.1"). Each section
records the Django and Python versions that made it and these vectors, all
computed by that release's own code with time.time patched to a fixed clock:

  * "salted_hmac": django.utils.crypto.salted_hmac for every algorithm it
    accepts (any hashlib constructor) with str, non-ASCII and bytes inputs,
    and the names it refuses ("error": the exception class);
  * "b62": b62_encode / b62_decode (baseconv.base62 on 3.2) of edge values;
  * "b64": signing.b64_decode of clean and odd inputs (Python's decoder is
    lenient), as hex or the exception class;
  * "sign": Signer and TimestampSigner sign() with custom key, salt, sep and
    algorithm;
  * "dumps": signing.dumps of JSON values (the exact json.dumps text is kept
    in "json"), with and without compress; "compressed" says whether Django
    kept the compressed form;
  * "unsign": tokens with the outcome Django gives: "ok" (with the value),
    "bad_signature", "expired" or "malformed" (any other exception; its
    class is in "python_error"). Tampered, wrong key, salt, sep or
    algorithm, expired at max_age and just inside it, malformed payloads
    under a valid signature (made with the key), legacy SHA-1 (3.2 accepts
    it, 4.0+ does not) and SECRET_KEY_FALLBACKS (4.1+ only: these vectors
    exist only in the sections of the releases that made them).

Each unsign vector says which options a Go verifier needs to behave as that
release ("go": legacy_sha1 on 3.2), so the Go tests run every section.
"""
import base64
import datetime
import hashlib
import json
import sys
import warnings
import zlib
from unittest import mock

import djgen

NOW = 1700000000.25
KEY = "django-insecure-signing-vectors"
OLD_KEY = "an-older-key-still-in-SECRET_KEY_FALLBACKS"
OLDER_KEY = "an-even-older-key"
ALGORITHMS = ["sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
              "sha3_384", "sha3_512", "blake2b", "blake2s", "md5"]


def collect():
    out = {"generator": "testdata/signing_gen.py", "python": sys.version.split()[0],
           "now": NOW, "releases": {}}
    for ver, sec in djgen.each_release(__file__):
        if sec["release"] != ver:
            raise SystemExit(f"asked for Django {ver}, got {sec['django']}")
        out["releases"][ver] = sec
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


# JSON values for dumps. Built here so that Python, not a hand, writes them.
def payloads():
    session = {
        "_auth_user_id": "42",
        "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        "_auth_user_hash": "5d8cadad5e5585e0204e7e798d2b2cb58716024fa4dde4f3da90c2666f495699",
        "_session_expiry": 1209600,
        "cart": {"items": [{"sku": "A-1", "qty": 2, "price": 19.99},
                           {"sku": "B-22", "qty": 1, "price": 5.0}],
                 "coupon": None, "gift": False},
        "django_language": "fr",
    }
    return [
        ("dict", {"a": 1, "b": "x"}),
        ("session", session),
        ("empty_dict", {}),
        ("empty_list", []),
        ("string", "hello"),
        ("null", None),
        ("true", True),
        ("int_zero", 0),
        ("html_and_u2028", {"k": "\u00e9<>&\u2028/"}),
        ("latin1", "caf\u00e9 \u00ff \u0080"),
        ("astral", "\U0001f600 \U00010000 \U0010ffff"),
        ("lone_surrogates", ["\ud800", "\udfff", "a\udc00b", "\ud83d", "\ud800\ud800"]),
        ("controls", "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\"\\/"),
        ("big_ints", [2**63 - 1, -2**63, 2**63, -2**63 - 1, 2**64, 10**40, -10**100]),
        ("int_4300_digits", int("9" * 4300)),
        ("floats", [1.0, -0.0, 0.0, 1e16, 1e15, 9999999999999998.0, 1.0000000000000002e16,
                    1e-05, 0.0001, 0.00012345, 1.5e300, 5e-324, 2.2250738585072014e-308,
                    1.7976931348623157e308, 0.1, 1 / 3, 123456789.123, 1e22, 1e23]),
        ("nonfinite", [float("nan"), float("inf"), float("-inf")]),
        ("key_order", {"z": 1, "a": 2, "m": {"y": 1, "b": 2}, "0": 3, "\u00e9": 4, "": 5}),
        ("nested", {"l": [[[[{"d": [1, [2, [3, {}]]]}]]]], "t": (1, 2)}),
        ("long_compressible", list(range(1, 40))),
        ("repetitive", {"k": "abc" * 200}),
        ("short_not_worth_compressing", {"a": 1}),
    ]


def one():
    warnings.simplefilter("ignore")
    import django
    from django.conf import settings
    settings.configure(SECRET_KEY=KEY, SECRET_KEY_FALLBACKS=[])
    django.setup()
    from django.core import signing
    from django.utils.crypto import salted_hmac

    rel = ".".join(django.get_version().split(".")[:2])
    has_fallbacks = "fallback_keys" in signing.Signer.__init__.__code__.co_varnames
    legacy = rel in ("3.1", "3.2")
    clock = mock.patch("time.time", lambda: NOW)
    clock.start()

    def cls(e):
        return type(e).__name__

    def b62_encode(n):
        if hasattr(signing, "b62_encode"):
            return signing.b62_encode(n)
        from django.utils import baseconv
        return baseconv.base62.encode(n)

    def b62_decode(s):
        if hasattr(signing, "b62_decode"):
            return signing.b62_decode(s)
        from django.utils import baseconv
        return baseconv.base62.decode(s)

    def signer(kind, key=KEY, fallback_keys=None, **kw):
        c = signing.TimestampSigner if kind != "signer" else signing.Signer
        if fallback_keys is not None:
            kw["fallback_keys"] = fallback_keys
        return c(key=key, **kw)

    sec = {"django": django.get_version(), "release": rel,
           "python": sys.version.split()[0], "now": NOW, "key": KEY}

    # salted_hmac
    hm = []
    inputs = [
        ("salt", "value", "secret"),
        ("django.core.signing.Signersigner", "hello", KEY),
        ("s\u00e4lt \u2713", "v\u00e4lue \U0001f511", "s\u00e9cret \u5bc6"),
        ("", "", "x"),
        ("k" * 200, "v" * 1000, "s" * 300),
    ]
    for alg in ALGORITHMS:
        for ks, v, s in inputs:
            hm.append({"algorithm": alg, "key_salt": ks, "value": v, "secret": s,
                       "hex": salted_hmac(ks, v, s, algorithm=alg).hexdigest()})
    # bytes secret and value, as the cookie signer and sessions pass them
    hm.append({"algorithm": "sha256", "key_salt": "django.core.signing.get_cookie_signersigner",
               "value": "v", "secret": "django.http.cookies" + KEY,
               "hex": salted_hmac("django.core.signing.get_cookie_signersigner", b"v",
                                  b"django.http.cookies" + KEY.encode(),
                                  algorithm="sha256").hexdigest()})
    hm.append({"algorithm": "sha1", "key_salt": "salt", "value_hex": "00ff80fe", "secret": "secret",
               "hex": salted_hmac("salt", bytes.fromhex("00ff80fe"), "secret",
                                  algorithm="sha1").hexdigest()})
    for alg in ["sha", "SHA256", "sha3", "whirlpool", "shake_128", "sha512_256", "ripemd160", ""]:
        try:
            salted_hmac("salt", "value", "secret", algorithm=alg).hexdigest()
            hm.append({"algorithm": alg, "error": None})
        except Exception as e:
            hm.append({"algorithm": alg, "error": cls(e)})
    sec["salted_hmac"] = hm

    # base62
    b62 = []
    for n in [0, 1, 61, 62, 63, 3843, -1, -61, -62, 1700000000, 2**31, 2**63 - 1, -(2**63 - 1)]:
        b62.append({"n": n, "s": b62_encode(n)})
    for s in ["0", "00", "000z", "-", "-0", "-1", "z", "zz", "1r31eq", "", "!", "1r3!eq", "-a-",
              "+1", " 1", "1 ", "AzL8n0Y58m7", "AzL8n0Y58m8", "zzzzzzzzzzzzzzzzzzzz"]:
        try:
            v = b62_decode(s)
            b62.append({"s": s, "decoded": str(v)})
        except Exception as e:
            b62.append({"s": s, "error": cls(e)})
    sec["b62"] = b62

    # base64 decode leniency
    b64 = []
    for s in ["", "YQ", "YWI", "YWJj", "YWJjZA", "YQ=", "YQ==", "YQ===", "YWJj=", "Y", "YWJjZ",
              "YQ\n", "YWJj\n", "YW\nJj", "YQ==garbage", "YQ==Y", "Y=Q", "Y=Q=", "Y+/Q", "Y-_Q",
              "Y!Q", "Y!QQ", "YR", "YWJj!", "e30!!", "=YWJj", "YW=Jj", "YWJ=j", "\u00e9YWJj",
              "Y\u00e9Q", "_-__", "////", "AAAA====", "A===", "AA=A", "AAA=A"]:
        try:
            b64.append({"in": s, "hex": signing.b64_decode(s.encode()).hex()})
        except Exception as e:
            b64.append({"in": s, "error": cls(e)})
    sec["b64"] = b64

    # sign
    sign = []
    for kind, kw, value in [
        ("signer", {}, "hello"),
        ("signer", {"salt": "my.salt"}, "hello"),
        ("signer", {"salt": "my.salt", "algorithm": "sha1"}, "hello"),
        ("signer", {"salt": "my.salt", "algorithm": "sha512"}, "hello"),
        ("signer", {"algorithm": "blake2b"}, "hello"),
        ("signer", {"sep": "/"}, "a:b/c"),
        ("signer", {"sep": "::"}, "x"),
        ("signer", {"sep": "\u00a7"}, "v\u00e4lue"),
        ("signer", {"sep": "."}, ""),
        ("signer", {}, "v\u00e4lue \U0001f600 with: colons"),
        ("signer", {"key": "k\u00e9y \u5bc6"}, "hello"),
        ("timestamp", {}, "hello"),
        ("timestamp", {"salt": "my.salt", "sep": "/"}, "a/b"),
        ("timestamp", {"algorithm": "sha1"}, "hello"),
        ("timestamp", {"algorithm": "sha512", "salt": "s"}, "hello"),
    ]:
        key = kw.pop("key", KEY)
        s = signer(kind, key=key, **kw)
        sign.append({"kind": kind, "key": key, "salt": kw.get("salt"), "sep": kw.get("sep"),
                     "algorithm": kw.get("algorithm"), "value": value, "signed": s.sign(value)})
    # separators Django refuses
    bad_seps = []
    for sep in ["", "a", "A", "z", "0", "-", "_", "=", "[", "\\", "]", "^", "`", "a-_=",
                "\n", "a\n", "\n\n", ":\n", ":", "/", "ab:", "{", "@", "~", " "]:
        try:
            signing.Signer(key=KEY, sep=sep)
            bad_seps.append({"sep": sep, "ok": True})
        except ValueError:
            bad_seps.append({"sep": sep, "ok": False})
    sec["separators"] = bad_seps
    sec["sign"] = sign

    # dumps
    dumps = []
    for name, obj in payloads():
        text = json.dumps(obj, separators=(",", ":"))
        for compress in (False, True):
            for salt in ("django.core.signing", "custom.salt"):
                if salt != "django.core.signing" and (compress or name != "dict"):
                    continue
                tok = signing.dumps(obj, key=KEY, salt=salt, compress=compress)
                dumps.append({"name": name, "json": text, "compress": compress, "salt": salt,
                              "compressed": tok.startswith("."), "token": tok})
    sec["dumps"] = dumps

    # unsign: outcomes
    cases = []

    def outcome(fn):
        try:
            v = fn()
        except signing.SignatureExpired as e:
            return {"expect": "expired", "python_error": cls(e)}
        except signing.BadSignature as e:
            return {"expect": "bad_signature", "python_error": cls(e)}
        except RecursionError as e:
            return {"expect": "malformed", "python_error": cls(e)}
        except Exception as e:
            return {"expect": "malformed", "python_error": cls(e)}
        if isinstance(v, str):
            return {"expect": "ok", "value": v}
        text = json.dumps(v, separators=(",", ":"))
        if len(text) > 4096:
            return {"expect": "ok", "json_len": len(text),
                    "json_sha256": hashlib.sha256(text.encode()).hexdigest()}
        return {"expect": "ok", "json": text}

    def case(name, kind, token, *, key=KEY, salt=None, sep=None, algorithm=None,
             fallback_keys=None, max_age=None, now=NOW, max_age_timedelta=False):
        kw = {}
        if salt is not None:
            kw["salt"] = salt
        if sep is not None:
            kw["sep"] = sep
        if algorithm is not None:
            kw["algorithm"] = algorithm
        ma = datetime.timedelta(seconds=max_age) if max_age_timedelta and max_age is not None else max_age
        with mock.patch("time.time", lambda: now):
            if kind == "loads":
                lkw = {"key": key, "max_age": ma}
                if salt is not None:
                    lkw["salt"] = salt
                if fallback_keys is not None:
                    lkw["fallback_keys"] = fallback_keys
                res = outcome(lambda: signing.loads(token, **lkw))
            else:
                s = signer(kind, key=key, fallback_keys=fallback_keys, **kw)
                if kind == "timestamp":
                    res = outcome(lambda: s.unsign(token, max_age=ma))
                else:
                    res = outcome(lambda: s.unsign(token))
        c = {"name": name, "kind": kind, "token": token, "key": key, "salt": salt, "sep": sep,
             "algorithm": algorithm, "fallback_keys": fallback_keys or [], "max_age": max_age,
             "now": now, "go": {"legacy_sha1": legacy}}
        c.update(res)
        cases.append(c)

    def flip(s, i):
        c = s[i]
        return s[:i] + ("A" if c != "A" else "B") + s[i + 1:]

    good = signing.dumps({"a": 1, "b": "x"}, key=KEY)
    case("good", "loads", good)
    case("good_max_age", "loads", good, max_age=60)
    sig_at = good.rindex(":") + 1
    case("tampered_signature_first_char", "loads", flip(good, sig_at))
    case("tampered_signature_last_char", "loads", flip(good, len(good) - 1))
    case("tampered_value", "loads", flip(good, 2))
    case("tampered_timestamp", "loads", flip(good, good.index(":") + 1))
    case("truncated_signature", "loads", good[:-1])
    case("extended_signature", "loads", good + "A")
    case("signature_padded", "loads", good + "=")
    case("empty_signature", "loads", good[:sig_at])
    case("no_separator", "loads", good.replace(":", ""))
    case("empty", "loads", "")
    case("only_separator", "loads", ":")
    case("wrong_key", "loads", good, key="another-key")
    case("wrong_salt", "loads", good, salt="other.salt")
    case("wrong_case_signature", "loads", good[:sig_at] + good[sig_at:].swapcase())
    case("signature_of_other_value", "loads", "eyJhIjoyfQ" + good[good.index(":"):])
    # expiry: signed at int(NOW) = 1700000000
    ts0 = int(NOW)
    for max_age, now, label in [(60, ts0 + 60, "age_equals_max_age"),
                                (60, ts0 + 60.5, "expired_by_half_a_second"),
                                (60, ts0 + 61, "expired"),
                                (60, ts0 + 59.75, "inside_max_age"),
                                (0, ts0, "max_age_zero_same_second"),
                                (0, ts0 + 0.25, "max_age_zero_expired"),
                                (-1, ts0, "negative_max_age"),
                                (60, ts0 - 3600, "signed_in_the_future"),
                                (1.5, ts0 + 1.5, "fractional_max_age_equal"),
                                (1.5, ts0 + 1.75, "fractional_max_age_expired")]:
        case(label, "loads", good, max_age=max_age, now=now)
        case(label + "_timedelta", "loads", good, max_age=max_age, now=now, max_age_timedelta=True)
    # timestamp signer with custom sep and salt, expired and tampered
    ts = signing.TimestampSigner(key=KEY, sep="/", salt="my.salt").sign("a/b:c")
    case("timestamp_custom_sep", "timestamp", ts, sep="/", salt="my.salt")
    case("timestamp_custom_sep_expired", "timestamp", ts, sep="/", salt="my.salt", max_age=10, now=ts0 + 11)
    case("timestamp_wrong_sep", "timestamp", ts, sep=":", salt="my.salt")
    case("timestamp_wrong_salt", "timestamp", ts, sep="/")
    # signer: sep, salt, algorithm
    sg = signing.Signer(key=KEY, salt="my.salt").sign("hello")
    case("signer_good", "signer", sg, salt="my.salt")
    case("signer_wrong_salt", "signer", sg)
    case("signer_wrong_sep", "signer", sg, salt="my.salt", sep="/")
    case("signer_wrong_algorithm_sha512", "signer", sg, salt="my.salt", algorithm="sha512")
    case("signer_value_with_seps", "signer", signing.Signer(key=KEY).sign("a:b:c"))
    s512 = signing.Signer(key=KEY, algorithm="sha512").sign("hello")
    case("signer_sha512", "signer", s512, algorithm="sha512")
    case("signer_sha512_read_as_sha256", "signer", s512)
    # legacy SHA-1: what Django < 3.1 (and 3.1-3.2 with sha1) wrote
    s1 = signing.Signer(key=KEY, algorithm="sha1").sign("hello")
    case("legacy_sha1_signer", "signer", s1)
    case("legacy_sha1_explicit_sha1", "signer", s1, algorithm="sha1")
    d1 = signing.TimestampSigner(key=KEY, salt="django.core.signing", algorithm="sha1").sign_object({"a": 1})
    case("legacy_sha1_loads", "loads", d1)
    case("legacy_sha1_loads_wrong_key", "loads", d1, key="another-key")
    # malformed payloads under a valid signature, made with the key
    raw = signing.Signer(key=KEY, salt="django.core.signing")
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    for label, inner in [
        ("bad_base62_timestamp", "eyJhIjoxfQ:1r3!eq"),
        ("no_timestamp", "eyJhIjoxfQ"),
        ("empty_timestamp", "eyJhIjoxfQ:"),
        ("minus_timestamp", "eyJhIjoxfQ:-"),
        ("zero_timestamp", "eyJhIjoxfQ:0"),
        ("leading_zeros_timestamp", "eyJhIjoxfQ:001r31eq"),
        ("negative_timestamp", "eyJhIjoxfQ:-1r31eq"),
        ("timestamp_beyond_int64", "eyJhIjoxfQ:zzzzzzzzzzzzzzzzzzzz"),
        ("timestamp_beyond_float", "eyJhIjoxfQ:" + "z" * 180),
        ("bad_base64_length", "eyJhIjoxf:1r31eq"),
        ("base64_junk_skipped", "e30!!:1r31eq"),
        ("base64_standard_alphabet", b64(b'{"k":"\xfb\xff"}').replace("-", "+").replace("_", "/") + ":1r31eq"),
        ("base64_padding_then_junk", "e30=:1r31eq"),
        ("empty_payload", ":1r31eq"),
        ("bad_zlib", ".eyJhIjoxfQ:1r31eq"),
        ("zlib_truncated", "." + b64(zlib.compress(b'{"a":1}')[:-2]) + ":1r31eq"),
        ("zlib_trailing_data", "." + b64(zlib.compress(b'{"a":1}') + b"junk") + ":1r31eq"),
        ("zlib_bad_checksum", "." + b64(zlib.compress(b'{"a":1}')[:-1] + b"\x00") + ":1r31eq"),
        ("zlib_raw_deflate", "." + b64(zlib.compress(b'{"a":1}')[2:-4]) + ":1r31eq"),
        ("zlib_level9", "." + b64(zlib.compress(b'{"a":1,"b":[1,1,1,1,1,1,1,1]}', 9)) + ":1r31eq"),
        ("zlib_empty_output", "." + b64(zlib.compress(b"")) + ":1r31eq"),
        ("bad_json_single_quotes", b64(b"{'a':1}") + ":1r31eq"),
        ("bad_json_trailing_comma", b64(b"[1,]") + ":1r31eq"),
        ("bad_json_extra_data", b64(b"{} {}") + ":1r31eq"),
        ("json_whitespace", b64(b' \t\n{ "a" : [ 1 , 2 ] }\r\n ') + ":1r31eq"),
        ("json_latin1_in_string", b64(b'"caf\xe9"') + ":1r31eq"),
        ("json_latin1_outside_string", b64(b'\xe9') + ":1r31eq"),
        ("json_raw_control_char", b64(b'"a\x01b"') + ":1r31eq"),
        ("json_duplicate_keys", b64(b'{"a":1,"b":2,"a":3}') + ":1r31eq"),
        ("json_int_4301_digits", b64(b"9" * 4301) + ":1r31eq"),
        ("json_deep_nesting", b64(b"[" * 5000 + b"]" * 5000) + ":1r31eq"),
        ("json_nan_literal", b64(b"[NaN,-Infinity,Infinity]") + ":1r31eq"),
        ("json_big_exponent", b64(b"[1e400,-1e400,1e-400]") + ":1r31eq"),
    ]:
        case(label, "loads", raw.sign(inner))
        if label in ("minus_timestamp", "zero_timestamp", "negative_timestamp",
                     "timestamp_beyond_int64", "timestamp_beyond_float"):
            case(label + "_max_age", "loads", raw.sign(inner), max_age=60)
    # compressed, read back
    case("compressed_good", "loads", signing.dumps(list(range(100)), key=KEY, compress=True))
    case("zlib_bomb", "loads", raw.sign("." + b64(zlib.compress(b"[" + b"0," * (3 << 20) + b"0]", 9)) + ":1r31eq"))
    # SECRET_KEY_FALLBACKS (4.1+)
    if has_fallbacks:
        old = signing.dumps({"who": "old"}, key=OLD_KEY)
        older = signing.dumps({"who": "older"}, key=OLDER_KEY)
        case("fallback_key_match", "loads", old, fallback_keys=[OLD_KEY])
        case("fallback_second_key_match", "loads", older, fallback_keys=[OLD_KEY, OLDER_KEY])
        case("fallback_not_listed", "loads", older, fallback_keys=[OLD_KEY])
        case("fallback_empty_list", "loads", old, fallback_keys=[])
        case("fallback_match_expired", "loads", old, fallback_keys=[OLD_KEY], max_age=10, now=ts0 + 11)
        case("fallback_match_wrong_salt", "loads", old, fallback_keys=[OLD_KEY], salt="other")
        so = signing.Signer(key=OLD_KEY, salt="my.salt").sign("hello")
        case("fallback_signer", "signer", so, salt="my.salt", fallback_keys=[OLDER_KEY, OLD_KEY])
        case("fallback_signer_sha1_not_legacy", "signer",
             signing.Signer(key=OLD_KEY, algorithm="sha1").sign("hello"), fallback_keys=[OLD_KEY])
        to = signing.TimestampSigner(key=OLD_KEY).sign("hello")
        case("fallback_timestamp", "timestamp", to, fallback_keys=[OLD_KEY], max_age=5)
        case("fallback_timestamp_expired", "timestamp", to, fallback_keys=[OLD_KEY], max_age=5,
             now=ts0 + 6)
        # new key signs, old key verifies only when new is listed as fallback
        new = signing.dumps({"who": "new"}, key=KEY)
        case("rotation_back", "loads", new, key=OLD_KEY, fallback_keys=[KEY])
    sec["unsign"] = cases
    clock.stop()
    json.dump(sec, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--one"]:
        one()
    else:
        collect()
