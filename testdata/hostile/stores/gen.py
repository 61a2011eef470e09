#!/usr/bin/env python3
"""Writes the hostile store corpus (keys/ and values/) next to this file.

Run from anywhere: python3 testdata/hostile/stores/gen.py. The inputs are
synthetic; nothing here comes from Django. See README.md for what each
store must do with them.
"""
import os
import pickle
import struct
import base64

here = os.path.dirname(os.path.abspath(__file__))
# 32 bytes: ":1:django.contrib.sessions.cache", Django's default cache key prefix.
CACHE_PREFIX = len(":1:django.contrib.sessions.cache")

keys = {
    "empty": b"",
    "short7": b"abcdefg",
    "long41": b"a" * 41,
    "long247": b"a" * 247,
    "long251": b"a" * 251,
    "long4096": b"a" * 4096,
    # The whole memcached key is 251 bytes: one over memcached's limit.
    "memcached251": b"a" * (251 - CACHE_PREFIX),
    # 142 characters but 252 bytes of memcached key once UTF-8 encoded.
    "memcached_multibyte": "é".encode() * 110,
    "space": b"abcd efgh ijkl mnop",
    "control": b"abcdefgh\x01\x1b[2J\x7f\r\n",
    "traversal": b"../../../../../etc/passwd",
    "traversal_abs": b"/etc/passwd/aaaaaaaa",
    "nul": b"abcdefgh\x00ijklmnop",
    "nonascii": "ключсессии0123456789".encode(),
    "invalid_utf8": b"abcdefgh\xff\xfe\xc3",
    "uppercase": b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
    "sql": b"x' OR '1'='1' --",
    "percent": b"%s%n%x%d%%00aaaa",
}

def pk(*ops):
    return b"".join(ops)

big = b"A" * 65536
memo_bomb = (b"\x80\x04" + b"\x8d" + struct.pack("<Q", len(big)) + big + b"\x94"
             + b"(" + b"h\x00" * 2000 + b"l." )

values = {
    "empty": b"",
    "garbage": b"this is not a session at all \x00\xff",
    "base64_garbage": b"!!!!not-base64!!!!",
    "truncated_token": b"eyJhIjoxfQ:1kXyZa:abc",
    "legacy_bad_hash": base64.b64encode(b"0123456789abcdef0123456789abcdef01234567:{\"a\":1}"),
    "json_not_dict": base64.b64encode(b"deadbeef:[1,2,3]"),
    "pickle_os_system": b"\x80\x04cos\nsystem\n(S'echo pwned'\ntR.",
    "pickle_stack_global": b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94\x93\x8c\x0aecho pwned\x94\x85\x94R\x94.",
    "pickle_inst": b"(S'echo pwned'\nios\nsystem\n.",
    "pickle_long4_huge": b"\x80\x04\x8b\xff\xff\xff\x7f",
    "pickle_binbytes8_huge": b"\x80\x04\x8e" + struct.pack("<Q", 1 << 62),
    "pickle_binunicode8_huge": b"\x80\x04\x8d" + struct.pack("<Q", 1 << 40) + b"abc",
    "pickle_frame_huge": b"\x80\x04\x95" + struct.pack("<Q", (1 << 63) - 1),
    "pickle_deep_lists": b"\x80\x04" + b"]" * 200000,
    "pickle_deep_marks": b"\x80\x04" + b"(" * 200000,
    "pickle_not_dict": pickle.dumps(5, 4),
    "pickle_truncated": pickle.dumps({"a": "b" * 100}, 4)[:-10],
    "pickle_memo_bomb": memo_bomb,
    "digits_huge": b"9" * 20000,
    "digits_negative": b"-12345",
    "zlib_bomb_token": b"." + base64.urlsafe_b64encode(__import__("zlib").compress(b"[" * (1 << 20))).rstrip(b"=") + b":1kXyZa:abcdefghijklmnopqrstuvwxyz0123456789abc",
}

for d, m in (("keys", keys), ("values", values)):
    for name, b in m.items():
        with open(os.path.join(here, d, name), "wb") as f:
            f.write(b)
