#!/usr/bin/python3
"""Writes the committed hostile inputs of testdata/hostile/{pickle,json,signing,
session,cookies,csrf,hashers}.

Run from the repository root: /usr/bin/python3 testdata/hostile/gen_hostile.py
Each file is one input. Inputs over 1 MB are not committed: the Go tests
build them (see README.md). Nothing here is ever unpickled.
"""
import datetime
import os
import pickle
import struct
import zlib

ROOT = os.path.dirname(os.path.abspath(__file__))


def put(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("latin-1")
    assert len(data) <= 1 << 20, name
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u32(n):
    return struct.pack("<I", n)


def u64(n):
    return struct.pack("<Q", n)


# ---- pickle -------------------------------------------------------------
P = "pickle"
# memo laughs
laughs = b"\x80\x04]\x94"
for i in range(40):
    laughs += b"0]\x94(h" + bytes([i]) + b"h" + bytes([i]) + b"e"
put(P, "memo-laugh-lists.pickle", laughs + b".")
s = b"A" * 65536
put(P, "memo-laugh-str-64k-x300.pickle",  # 19.7 MB expanded, over MaxExpanded
    b"\x80\x04]\x94(X" + u32(len(s)) + s + b"\x94" + b"h\x01" * 299 + b"e.")
# {"k": 4 KB str}, then 12 levels of a list of 16 references to the level below
d = b"\x80\x04}\x94(\x8c\x01k\x94X" + u32(4096) + b"B" * 4096 + b"\x94u"
idx = 0  # memo of the current level
nxt = 3
for i in range(12):
    d += b"]\x94(" + (b"h" + bytes([idx])) * 16 + b"e"
    idx, nxt = nxt, nxt + 1
put(P, "memo-laugh-dict-16x12.pickle", d + b".")
put(P, "memo-dup-laugh.pickle", b"\x80\x04]\x94(X" + u32(60000) + b"C" * 60000 + b"2" * 400 + b"e.")
# huge lengths
put(P, "huge-long4-length.pickle", b"\x80\x04\x8b\xff\xff\xff\x7f\x01\x02.")
put(P, "huge-binbytes-length.pickle", b"\x80\x04B\xff\xff\xff\xffab.")
put(P, "huge-binbytes8-length.pickle", b"\x80\x05\x8e" + u64(1 << 62) + b"ab.")
put(P, "huge-binunicode-length.pickle", b"\x80\x04X\xff\xff\xff\x7fab.")
put(P, "huge-binunicode8-length.pickle", b"\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x7f.")
put(P, "huge-frame-length.pickle", b"\x80\x04\x95" + u64(1 << 60) + b"N.")
put(P, "huge-frame-length-max.pickle", b"\x80\x04\x95\xff\xff\xff\xff\xff\xff\xff\xffN.")
put(P, "ok-huge-binput-index.pickle", b"\x80\x02Nr\xff\xff\x0f\x00j\xff\xff\x0f\x00\x86.")
put(P, "huge-binput-index-beyond.pickle", b"\x80\x02Nr\xff\xff\xff\xff.")
put(P, "long-binget-unknown.pickle", b"\x80\x02j\xff\xff\xff\x7f.")
put(P, "ok-long4-100k-bytes-of-minus-one.pickle", b"\x80\x04\x8b" + u32(100000) + b"\xff" * 100000 + b".")
# truncated: a real session pickle cut short
real = pickle.dumps({"_auth_user_id": "42", "cart": ("sku-1", 2), "n": 2**80,
                     "at": datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc),
                     "blob": b"x" * 300}, 5)
for cut in (1, 2, 3, 11, 20, len(real) // 2, len(real) - 2, len(real) - 1):
    put(P, "truncated-at-%d.pickle" % cut, real[:cut])
put(P, "empty.pickle", b"")
put(P, "no-stop.pickle", b"\x80\x04N")
# code execution attempts: GLOBAL/REDUCE/INST/OBJ/STACK_GLOBAL/NEWOBJ
put(P, "global-os-system-reduce.pickle", b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.")
put(P, "global-posix-system.pickle", b"cposix\nsystem\n(S'id'\ntR.")
put(P, "stack-global-os-system.pickle", b"\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R.")
put(P, "inst-os-system.pickle", b"(S'id'\nios\nsystem\n.")
put(P, "obj-os-system.pickle", b"\x80\x02(cos\nsystem\nX\x02\x00\x00\x00ido.")
put(P, "global-builtins-eval.pickle", b"\x80\x03cbuiltins\neval\nX\x0c\x00\x00\x00__import__()\x85R.")
put(P, "global-builtin-eval-py2.pickle", b"\x80\x02c__builtin__\neval\nX\x01\x00\x00\x001\x85R.")
put(P, "stack-global-builtins-eval.pickle", b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.")
put(P, "stack-global-builtins-exec.pickle", b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93\x8c\x01x\x85R.")
put(P, "getattr-os.pickle", b"\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x02os\x8c\x06system\x93\x8c\x04name\x86R.")
put(P, "newobj-subprocess.pickle", b"\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93\x8c\x02id\x85\x85\x81.")
put(P, "build-on-datetime.pickle", b"\x80\x04\x8c\x08datetime\x8c\x04date\x93C\x04\x07\xe8\x01\x01\x85R}b.")
put(P, "persistent-id.pickle", b"\x80\x04\x8c\x02id\x94Q.")
put(P, "ext-registry.pickle", b"\x80\x02\x82\x01.")
# deep nesting and stacks
put(P, "deep-lists.pickle", b"\x80\x04" + b"]" * 600 + b"a" * 599 + b".")
put(P, "deep-tuples.pickle", b"\x80\x04" + b"(" * 600 + b"N" + b"t" * 600 + b".")
put(P, "deep-dicts.pickle", b"\x80\x04}" + b"\x8c\x01k}" * 600 + b"s" * 600 + b".")
put(P, "many-marks.pickle", b"\x80\x04" + b"(" * 10000 + b"N.")
put(P, "recursive-list.pickle", b"\x80\x04]\x94h\x00a.")
put(P, "recursive-dict.pickle", b"\x80\x04}\x94\x8c\x01kh\x00s.")
put(P, "recursive-via-tuple.pickle", b"\x80\x04]\x94h\x00\x85a.")
# invalid UTF-8
put(P, "binunicode-invalid-utf8.pickle", b"\x80\x04X\x03\x00\x00\x00\xff\xfe\xfd.")
put(P, "short-binunicode-overlong.pickle", b"\x80\x04\x8c\x02\xc0\xaf.")
put(P, "binunicode8-truncated-utf8.pickle", b"\x80\x04\x8d" + u64(2) + b"\xe2\x82.")
put(P, "binstring-non-ascii.pickle", b"\x80\x02U\x01\xe9.")
# odd shapes
put(P, "protocol-6.pickle", b"\x80\x06N.")
put(P, "stop-on-empty-stack.pickle", b"\x80\x04.")
put(P, "setitems-odd.pickle", b"\x80\x04}(K\x01u.")
put(P, "append-to-str.pickle", b"\x80\x04\x8c\x01aNa.")
put(P, "int-key.pickle", b"\x80\x04}K\x01K\x02s.")
put(P, "set.pickle", b"\x80\x04\x8f(K\x01\x90.")
put(P, "bytearray.pickle", b"\x80\x05\x96" + u64(0) + b".")
put(P, "datetime-day-zero.pickle", b"\x80\x04\x8c\x08datetime\x8c\x08datetime\x93C\x0a\x07\xe4\x01\x00\x00\x00\x00\x00\x00\x00\x85R.")
# documented successes: legitimately shared values read and write back small
shared = "x" * 1000
put(P, "ok-shared-str-x2000.pickle", pickle.dumps({"k": [shared] * 2000}, 5))
lst = [1, "ab"]
put(P, "ok-shared-list.pickle", pickle.dumps({"a": lst, "b": lst, "c": [lst, lst]}, 2))
put(P, "ok-session.pickle", real)

# ---- JSON ---------------------------------------------------------------
J = "json"
put(J, "int-4301-digits.json", "1" * 4301)
put(J, "int-4301-digits-negative.json", "-" + "9" * 4301)
put(J, "int-100k-digits-in-list.json", "[" + "7" * 100000 + "]")
put(J, "ok-int-4300-digits.json", "-" + "9" * 4300)
put(J, "ok-float-100k-digits.json", "0." + "3" * 100000)
put(J, "ok-float-huge-exponent.json", "1e999999999")
put(J, "deep-arrays.json", "[" * 1001 + "]" * 1001)
put(J, "deep-objects.json", '{"a":' * 1001 + "1" + "}" * 1001)
put(J, "deep-arrays-100k.json", "[" * 100000)
put(J, "deep-unclosed-objects.json", '{"a":' * 20000)
put(J, "ok-invalid-utf8.json", b'{"k":"\xff\xfe\xc3\x28"}')  # read as latin-1, as Django does
put(J, "control-char.json", '"a\x01b"')
put(J, "truncated-object.json", '{"a":')
put(J, "truncated-string.json", '{"a":"abc')
put(J, "truncated-escape.json", '"\\u12')
put(J, "bad-escape.json", '"\\x41"')
put(J, "trailing-data.json", '{"a":1} x')
put(J, "ok-lone-surrogates.json", '["\\ud800","\\udfff\\ud800x"]')
put(J, "ok-nan-infinity.json", "[NaN,Infinity,-Infinity]")
put(J, "empty.json", "")
put(J, "bom.json", b"\xef\xbb\xbf{}")
put(J, "ok-many-keys-same.json", "{" + ",".join('"k":%d' % i for i in range(20000)) + "}")

# ---- signing ------------------------------------------------------------
# "value-*" files: a value + ":" + timestamp that the test signs with its
# own key, so that what follows the signature check is reached. The
# timestamp 1r31eq is 1700000000, the tests' clock, so loads with a max age
# gets past it to the payload.
# "token-*" files: tokens taken as they are (no valid signature).
S = "signing"
NOW = ":1r31eq"
put(S, "value-timestamp-2401-digits.txt", "v:" + "z" * 2401)
put(S, "value-timestamp-173-digits.txt", "v:1" + "0" * 172)
put(S, "value-timestamp-negative-300.txt", "v:-" + "z" * 300)
put(S, "value-timestamp-zeros.txt", "v:" + "0" * 100000 + "1")
put(S, "value-timestamp-empty.txt", "v:")
put(S, "value-timestamp-bad-digit.txt", "v:1.5")
put(S, "value-no-timestamp.txt", "v")
put(S, "value-zlib-bomb.txt", "." + __import__("base64").urlsafe_b64encode(
    zlib.compress(b"[" + b"0," * 5000000 + b"0]", 9)).decode().rstrip("=") + NOW)
put(S, "value-deep-json.txt", __import__("base64").urlsafe_b64encode(
    b"[" * 5000 + b"]" * 5000).decode().rstrip("=") + NOW)  # nesting beyond MaxDepth
put(S, "value-bad-base64.txt", "abc!d=====x" + NOW)
put(S, "value-big-int-json.txt", __import__("base64").urlsafe_b64encode(
    b"[" + b"9" * 5000 + b"]").decode().rstrip("=") + NOW)
put(S, "token-truncated.txt", "eyJhIjoxfQ:1r2s3t:")
put(S, "token-no-separator.txt", "eyJhIjoxfQ")
put(S, "token-bad-signature.txt", "eyJhIjoxfQ:1r2s3t:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
put(S, "token-many-separators.txt", ":" * 100000)
put(S, "token-invalid-utf8.txt", b"\xff\xfe:\xc3\x28:abc")
put(S, "token-empty.txt", "")

# ---- session (djangosession.Codec.Decode) ---------------------------------
# "raw-*" files: session_data taken as it is (no valid signature). An
# "ok-" prefix marks data Django reads (its JSON serializer decodes bytes as
# latin-1; loads without max_age never judges the timestamp).
# "signed-*" files: a value + ":" + timestamp that the test signs with the
# session salt and its own key, so that what follows the signature is
# reached.
# "legacy-*" files: a serialization the test wraps in the pre-3.1 format
# (base64 of hex HMAC-SHA1 ":" serialization) with a valid MAC.
import base64

D = "session"


def b64(b):
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


put(D, "raw-empty.txt", "")
put(D, "raw-bad-base64.txt", "!!!!not-base64!!!!")
put(D, "raw-truncated-token.txt", "eyJhIjoxfQ:1r2s3t:")
put(D, "raw-truncated-signature.txt", "eyJhIjoxfQ:1r31eq:AAAAAAAAAAAAAAAAAAAA")
put(D, "raw-no-separator.txt", "eyJhIjoxfQ")
put(D, "raw-many-separators.txt", ":" * 100000)
put(D, "raw-invalid-utf8.txt", b"\xff\xfe:\xc3\x28:abc")
put(D, "raw-control-chars.txt", "\x1b[2J\x00\r\n:1r31eq:\x07")
put(D, "raw-legacy-no-colon.txt", base64.b64encode(b"x" * 1000).decode())
put(D, "raw-legacy-bad-mac.txt", base64.b64encode(b"0" * 40 + b':{"a":1}').decode())
put(D, "raw-legacy-bad-padding.txt", base64.b64encode(b"0" * 40 + b':{"a":1}').decode()[:-3])
put(D, "raw-legacy-huge-bad-mac.txt", base64.b64encode(b"0" * 40 + b":" + b"[" * 600000).decode())
put(D, "signed-zlib-bomb.txt", "." + b64(zlib.compress(b"[" + b"0," * 5000000 + b"0]", 9)) + NOW)
put(D, "signed-zlib-bomb-dict.txt", "." + b64(zlib.compress(b'{"a":"' + b"A" * 20000000 + b'"}', 9)) + NOW)
put(D, "signed-zlib-truncated.txt", "." + b64(zlib.compress(b'{"a":1}' * 100)[:-6]) + NOW)
put(D, "signed-zlib-not-zlib.txt", "." + b64(b"not zlib at all") + NOW)
put(D, "signed-bad-base64.txt", "abc!d=====x" + NOW)
put(D, "signed-empty-payload.txt", NOW)
put(D, "signed-deep-json.txt", b64(b"[" * 5000 + b"]" * 5000) + NOW)
put(D, "signed-deep-dict-json.txt", b64(b'{"a":' * 5000 + b"1" + b"}" * 5000) + NOW)
put(D, "signed-big-int-json.txt", b64(b'{"a":' + b"9" * 5000 + b"}") + NOW)
put(D, "ok-signed-invalid-utf8-json.txt", b64(b'{"a":"\xff\xfe"}') + NOW)
put(D, "signed-not-dict.txt", b64(b"[1,2,3]") + NOW)
put(D, "signed-truncated-json.txt", b64(b'{"a":[1,2') + NOW)
put(D, "ok-signed-timestamp-2401-digits.txt", b64(b"{}") + ":" + "z" * 2401)
put(D, "legacy-junk.txt", b"this is not json \x00\xff")
put(D, "ok-legacy-invalid-utf8.txt", b'{"a":"\xff\xfe"}')
put(D, "legacy-deep-json.txt", b"[" * 5000 + b"]" * 5000)
put(D, "legacy-not-dict.txt", b"[1,2,3]")
put(D, "legacy-empty.txt", b"")
put(D, "legacy-big-int-json.txt", b'{"a":' + b"9" * 5000 + b"}")

# ---- cookies (cookiestore.Store.Load of a sessionid cookie value) --------
# Same conventions as session/ (the test signs signed-* with the
# signed_cookies salt); the session/ corpus is run through the cookie store
# too. These are the shapes only a cookie has: the age check.
C = "cookies"
put(C, "signed-expired.txt", b64(b'{"a":1}') + ":1")
put(C, "signed-timestamp-2401-digits.txt", b64(b'{"a":1}') + ":" + "z" * 2401)
put(C, "signed-timestamp-negative.txt", b64(b'{"a":1}') + ":-zzzz")
put(C, "signed-timestamp-empty.txt", b64(b'{"a":1}') + ":")
put(C, "signed-zlib-bomb-fresh.txt", "." + b64(zlib.compress(b'{"a":"' + b"A" * 20000000 + b'"}', 9)) + NOW)
put(C, "raw-quoted.txt", '"' + b64(b'{"a":1}') + NOW + ':AAAA"')
put(C, "raw-percent-encoded.txt", b64(b'{"a":1}') + "%3A1r31eq%3AAAAA")
put(C, "raw-nul.txt", b"\x00" * 4096)

# ---- csrf (csrftoken cookie, X-CSRFToken header, csrfmiddlewaretoken) ----
# Each file is sent as the cookie, the header and the form field in turn.
F = "csrf"
put(F, "empty.txt", "")
put(F, "len31.txt", "a" * 31)
put(F, "len33.txt", "a" * 33)
put(F, "len63.txt", "a" * 63)
put(F, "len65.txt", "a" * 65)
put(F, "len64-bad-char.txt", "a" * 63 + "!")
put(F, "len32-bad-char.txt", "a" * 31 + "-")
put(F, "len32-multibyte.txt", "é" * 16)
put(F, "runes32-bytes64.txt", ("é" * 32).encode())
put(F, "invalid-utf8.txt", b"\xff\xfe" * 16)
put(F, "nul.txt", b"\x00" * 64)
put(F, "crlf-injection.txt", "a" * 30 + "\r\nSet-Cookie: x=1")
put(F, "quoted.txt", '"' + "a" * 62 + '"')
put(F, "percent.txt", "%41" * 32)
put(F, "long-1MB.txt", "a" * (1 << 20))

# ---- hashers (encoded password hashes from a user table) ------------------
# Named for the documented outcome of Policy.Check: over-* ErrParameters
# (nothing computed), malformed-* ErrMalformed, unknown-* ErrUnknownAlgorithm,
# unsupported-* ErrUnsupported, unusable-* ErrUnusablePassword.
H = "hashers"
A43, A22, A86 = "A" * 43 + "=", "A" * 22, "A" * 86
put(H, "over-pbkdf2-iterations-max-int32.txt", "pbkdf2_sha256$2147483647$salt$" + A43)
put(H, "malformed-pbkdf2-iterations-max-int64.txt", "pbkdf2_sha256$9223372036854775807$salt$" + A43)
put(H, "over-pbkdf2-sha1-iterations.txt", "pbkdf2_sha1$100000000$salt$" + "A" * 27 + "=")
put(H, "over-argon2-memory.txt", "argon2$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$" + A22)
put(H, "over-argon2-time.txt", "argon2$argon2id$v=19$m=65536,t=4294967295,p=1$c2FsdHNhbHQ$" + A22)
put(H, "malformed-argon2-memory-per-lane.txt", "argon2$argon2id$v=19$m=262144,t=1,p=16777215$c2FsdHNhbHQ$" + A22)
put(H, "over-argon2-parallelism.txt", "argon2$argon2id$v=19$m=262144,t=1,p=65$c2FsdHNhbHQ$" + A22)
put(H, "over-argon2i-memory.txt", "argon2$argon2i$v=19$m=1048576,t=1,p=1$c2FsdHNhbHQ$" + A22)
put(H, "over-scrypt-n.txt", "scrypt$1048576$salt$8$1$" + A86 + "==")
put(H, "malformed-scrypt-n-2-to-63.txt", "scrypt$9223372036854775808$salt$8$1$" + A86 + "==")
put(H, "over-scrypt-r.txt", "scrypt$16384$salt$1048576$1$" + A86 + "==")
put(H, "over-scrypt-p.txt", "scrypt$16384$salt$8$1000$" + A86 + "==")
put(H, "over-bcrypt-31.txt", "bcrypt$$2b$31$abcdefghijklmnopqrstuu" + "A" * 30 + "e")
put(H, "over-bcrypt-sha256-17.txt", "bcrypt_sha256$$2b$17$abcdefghijklmnopqrstuu" + "A" * 30 + "e")
put(H, "over-crypt-sha512-rounds.txt", "crypt$$$6$rounds=999999999$salt$" + A86)
put(H, "over-crypt-bcrypt-20.txt", "crypt$$$2b$20$abcdefghijklmnopqrstuu" + "A" * 30 + "e")
put(H, "malformed-pbkdf2-truncated.txt", "pbkdf2_sha256$1$salt")
put(H, "malformed-pbkdf2-negative.txt", "pbkdf2_sha256$-1$salt$" + A43)
put(H, "malformed-pbkdf2-empty-fields.txt", "pbkdf2_sha256$$$")
put(H, "malformed-pbkdf2-hash-short.txt", "pbkdf2_sha256$1000$salt$AAAA")
put(H, "malformed-pbkdf2-digits-1MB.txt", "pbkdf2_sha256$" + "9" * 1000000 + "$salt$" + A43)
put(H, "malformed-argon2-truncated.txt", "argon2$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ")
put(H, "malformed-argon2-bad-salt-base64.txt", "argon2$argon2id$v=19$m=8,t=1,p=1$!!!!$" + A22)
put(H, "malformed-argon2-version.txt", "argon2$argon2id$v=4294967296$m=8,t=1,p=1$c2FsdHNhbHQ$" + A22)
put(H, "malformed-argon2-extra-param.txt", "argon2$argon2id$v=19$m=8,t=1,p=1,x=1$c2FsdHNhbHQ$" + A22)
put(H, "malformed-argon2-salt-1MB.txt", "argon2$argon2id$v=19$m=8,t=1,p=1$" + "c2Fs" * 250000 + "$" + A22)
put(H, "malformed-scrypt-n-not-power-of-2.txt", "scrypt$16383$salt$8$1$" + A86 + "==")
put(H, "malformed-scrypt-truncated.txt", "scrypt$16384$salt$8")
put(H, "malformed-bcrypt-bad-cost.txt", "bcrypt$$2b$xx$abcdefghijklmnopqrstuu" + "A" * 30 + "e")
put(H, "malformed-bcrypt-truncated.txt", "bcrypt_sha256$$2b$12$abc")
put(H, "malformed-bcrypt-bad-salt.txt", "bcrypt$$2b$04$" + "!" * 22 + "A" * 31)
put(H, "malformed-md5-no-hash.txt", "md5$salt$")
put(H, "malformed-sha1-bad-hex.txt", "sha1$salt$" + "z" * 40)
put(H, "unknown-empty.txt", "")
put(H, "unknown-dollar.txt", "$")
put(H, "unknown-md6.txt", "md6$salt$" + "a" * 32)
put(H, "unknown-invalid-utf8.txt", b"\xff\xfe$1$salt$hash")
put(H, "unknown-nul.txt", b"pbkdf2\x00sha256$1000$salt$" + A43.encode())
put(H, "unknown-1MB.txt", "A" * 1000000)
put(H, "unusable-django.txt", "!" + "a" * 40)
put(H, "unusable-1MB.txt", "!" * 1000000)
