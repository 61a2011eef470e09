"""Peer for python/pickle's TestPythonShared, run under /usr/bin/python3.

Writes one JSON line per (shape, protocol): {"name", "proto", "hex"} where
hex is pickle.dumps(value, proto) of a value in which one object (a str, a
bytes, a list, a dict, a tuple) is referred to from several places, so that
CPython's memo writes it once and refers to it with BINGET/LONG_BINGET; then values read by
json.loads (with "json": the text), whose equal object keys are one str.
"""
import json
import pickle


def shapes():
    s = "x" * 1000
    yield "str x 2000", {"k": [s] * 2000}
    big = "z" * (100 * 1024)  # beyond a 64 KiB frame
    yield "100 KiB str x 5", {"k": [big] * 5, "m": big}
    b = b"y" * 300
    yield "bytes", [b, b, (b, b)]
    lst = [1, "ab"]
    yield "list", {"a": lst, "b": lst, "c": [lst, lst]}
    d = {"x": "yz"}
    yield "dict", [d, d, {"n": d}]
    t = ("ab", 1)
    yield "tuple", [t, t, (t, t)]
    key = "hello" * 2
    yield "dict keys", [{key: 1}, {key: 2, "v": key}]
    e = []
    yield "empty list", [e, e, [], {}]
    many = [str(i) * 3 for i in range(300)]
    yield "300 strs twice (LONG_BINGET)", many + many


# values read by json.loads, whose scanner makes equal keys one str object
TEXTS = {
    "json.loads keys": '[{"ab":1,"cd":[{"ab":2,"x":"ab"}]},{"cd":3,"ab":{"ab":"cd"}}]',
    "json.loads session": '{"_auth_user_id":"1","cart":[{"sku":"a","n":1},{"sku":"b","n":2}]}',
}

for name, v in shapes():
    for proto in range(2, 6):
        print(json.dumps({"name": name, "proto": proto, "hex": pickle.dumps(v, proto).hex()}))
for name, text in TEXTS.items():
    for proto in range(2, 6):
        print(json.dumps({"name": name, "proto": proto, "json": text,
                          "hex": pickle.dumps(json.loads(text), proto).hex()}))
