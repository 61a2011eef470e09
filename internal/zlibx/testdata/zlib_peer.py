"""Peer for internal/zlibx's tests, run under /usr/bin/python3 (CPython 3.11
linked to Debian bookworm's zlib 1.2.13, the zlib Django's signing.dumps
compresses with).

  zlib_peer.py serve
      Reads frames from stdin until EOF: four bytes big-endian length, the
      data. For each writes four bytes big-endian length and
      zlib.compress(data), at the default level 6 Django uses (the only
      level zlibx writes).

  zlib_peer.py golden > testdata/zlib_vectors.json
      Writes golden vectors: inputs described by a generator (kind, seed,
      size) that zlibx's golden test rebuilds in Go, with the length and
      SHA-256 of zlib.compress's output (and the output itself when short).

The generators (gen below) must stay in step with genInput in
internal/zlibx/golden_test.go.
"""
import base64
import hashlib
import json
import struct
import sys
import zlib

MASK = (1 << 64) - 1


class Rand:
    """A 64-bit linear congruential generator (Knuth's MMIX constants); each
    draw returns the top 32 bits of the next state."""

    def __init__(self, seed):
        self.s = (seed * 0x9E3779B97F4A7C15 + 1) & MASK

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & MASK
        return self.s >> 32

    def below(self, n):
        return self.next() % n


WORDS = [b"_auth_user_id", b"_auth_user_backend", b"django.contrib.auth.backends.ModelBackend",
         b"_auth_user_hash", b"_session_expiry", b"cart", b"items", b"sku", b"qty", b"price",
         b"true", b"false", b"null", b"fr", b"en-us", b"last_seen", b"2026-11-23T01:17:58.123456+00:00"]


def gen(kind, seed, size):
    r = Rand(seed)
    out = bytearray()
    if kind == "random":
        while len(out) < size:
            out.append(r.next() & 0xFF)
    elif kind == "text":
        # JSON-like: words, quotes, separators, decimal numbers, hex strings
        while len(out) < size:
            c = r.below(6)
            if c == 0:
                out += b'"' + WORDS[r.below(len(WORDS))] + b'":'
            elif c == 1:
                out += str(r.below(100000)).encode() + b","
            elif c == 2:
                out += b'"' + b"".join(b"%08x" % r.next() for _ in range(r.below(5) + 1)) + b'",'
            elif c == 3:
                out += b"{" if r.below(2) else b"}"
            elif c == 4:
                out += b"[" + b",".join(str(r.below(50)).encode() for _ in range(r.below(12))) + b"],"
            else:
                out += WORDS[r.below(len(WORDS))] + b","
        del out[size:]
    elif kind == "runs":
        # runs of one byte, lengths 1..600, from a small alphabet
        while len(out) < size:
            out += bytes([97 + r.below(4)]) * (1 + r.below(600))
        del out[size:]
    elif kind == "skew":
        # byte n drawn with weight about Fibonacci(n): very uneven
        # frequencies, which push Huffman codes past 15 bits
        fib = [1, 1]
        while len(fib) < 28:
            fib.append(fib[-1] + fib[-2])
        total = sum(fib)
        while len(out) < size:
            x = r.below(total)
            i = 0
            while x >= fib[i]:
                x -= fib[i]
                i += 1
            out.append(i)
    elif kind == "cycle":
        # a random pattern of period 1..300 repeated, one byte in 500 changed
        p = 1 + r.below(300)
        pat = bytes(r.next() & 0xFF for _ in range(p))
        for i in range(size):
            b = pat[i % p]
            if r.below(500) == 0:
                b = r.next() & 0xFF
            out.append(b)
    elif kind == "bytes":
        # all 256 byte values in order, repeated
        out = bytearray(i & 0xFF for i in range(size))
    else:
        raise ValueError(kind)
    return bytes(out)


def serve():
    inp = sys.stdin.buffer
    outp = sys.stdout.buffer
    while True:
        head = inp.read(4)
        if not head:
            break
        (n,) = struct.unpack(">I", head)
        data = inp.read(n)
        if len(data) != n:
            raise EOFError("short frame")
        c = zlib.compress(data)
        outp.write(struct.pack(">I", len(c)))
        outp.write(c)
    outp.flush()


def golden():
    specs = []
    for kind, sizes in [
        ("text", [0, 1, 2, 3, 4, 5, 17, 100, 600, 3000, 16383, 16384, 40000, 70000, 200000]),
        ("random", [1, 3, 300, 16383, 16384, 16385, 32768, 65536, 65537, 100000]),
        ("runs", [258, 259, 1000, 33000, 66000, 300000]),
        ("skew", [5000, 60000]),
        ("cycle", [1000, 32506, 32768, 65274, 65536, 131072]),
        ("bytes", [256, 2048, 70000]),
    ]:
        for i, size in enumerate(sizes):
            for _ in range(1 if size > 70000 else 3):
                specs.append((kind, 1000 * len(specs) + i, size, 6))
    vectors = []
    for kind, seed, size, level in specs:
        data = gen(kind, seed, size)
        c = zlib.compress(data)
        v = {"kind": kind, "seed": seed, "size": size, "level": level,
             "in_sha256": hashlib.sha256(data).hexdigest(),
             "out_len": len(c), "out_sha256": hashlib.sha256(c).hexdigest()}
        if len(c) <= 96:
            v["out_b64"] = base64.b64encode(c).decode()
        vectors.append(v)
    head = {"generator": "testdata/zlib_peer.py golden", "python": sys.version.split()[0],
            "zlib": zlib.ZLIB_RUNTIME_VERSION}
    w = sys.stdout.write
    w(json.dumps(head)[:-1] + ', "vectors": [\n')
    w(",\n".join(json.dumps(v, separators=(",", ":")) for v in vectors))
    w("\n]}\n")


if __name__ == "__main__":
    {"serve": serve, "golden": golden}[sys.argv[1]]()
