#!/usr/bin/python3
"""django-redis's ShardClient node choice, the peer of the ring tests in
djangosession/cachestore/goredis. Run under /usr/bin/python3 with Debian's
python3-django-redis (5.2.0).

  django_redis_ring.py place
      stdin: JSON {"nodes": [LOCATION entries], "keys": [cache keys]};
      prints JSON {"version": django-redis version, "nodes": [the node
      ShardClient.get_server_name gives each key]}.

  django_redis_ring.py golden > testdata/django_redis_ring.json
      Golden vectors: node lists and keys (plain, hash-tagged, non-ASCII,
      with newlines) with the node django-redis chooses.

The choice is ShardClient.get_server_name on a client built without
connecting: the hash tag rule (_findhash) then HashRing.get_node.
"""
import json
import sys

import django
from django.conf import settings

settings.configure()
django.setup()

import django_redis  # noqa: E402
from django_redis.client.sharded import ShardClient  # noqa: E402
from django_redis.hash_ring import HashRing  # noqa: E402


def place(nodes, keys):
    ring = HashRing(nodes)
    out = []
    for key in keys:
        # ShardClient.get_server_name without a connected client.
        k = str(key)
        g = ShardClient._findhash.match(k)
        if g is not None and len(g.groups()) > 0:
            k = g.groups()[0]
        out.append(ring.get_node(k))
    return out


if sys.argv[1] == "place":
    req = json.load(sys.stdin)
    print(json.dumps({"version": django_redis.__version__, "nodes": place(req["nodes"], req["keys"])}))
elif sys.argv[1] == "golden":
    node_sets = [
        ["redis://127.0.0.1:6379/1"],
        ["redis://127.0.0.1:6379/1", "redis://127.0.0.1:6380/1", "redis://127.0.0.1:6381/1"],
        ["redis://10.0.0.1:6379/0", "redis://10.0.0.2:6379/0", "redis://10.0.0.3:6379/0",
         "redis://10.0.0.4:6379/0", "redis://10.0.0.5:6379/0"],
        ["unix:///run/redis.sock?db=2", "rediss://user:pw@cache.example:6380/0", "redis://h\u00e9:1/0"],
    ]
    keys = [":1:django.contrib.sessions.cache" + "%032x" % (i * 2654435761 % (1 << 128)) for i in range(60)]
    keys += ["shop:1:django.contrib.sessions.cached_db" + "k%031d" % i for i in range(20)]
    keys += ["", "{", "}", "{}", "a{b}c", "{a}{b}", "x{a}y}z", "{a\n}b", "a\n{b}", "{\u00e9\u2603}",
             "p:1:{user42}sess", "p:{1}:{2", "\U0001F600", "a{}b{c"]
    vectors = []
    for nodes in node_sets:
        # Keys that hash below the ring's lowest point (django-redis wraps
        # to the highest) and at or above its highest.
        import hashlib
        ring = HashRing(nodes)
        lo, hi, edge = ring.sorted_keys[0], ring.sorted_keys[-1], []
        i = 0
        while len(edge) < 4:
            k = "edge:%d" % i
            h = hashlib.sha256(k.encode()).hexdigest()
            if (h < lo and len([e for e in edge if e[1]]) < 2) or (h >= hi and len([e for e in edge if not e[1]]) < 2):
                edge.append((k, h < lo))
            i += 1
        ks = keys + [e[0] for e in edge]
        vectors.append({"nodes": nodes, "keys": ks, "want": place(nodes, ks)})
    json.dump({"django_redis": django_redis.__version__, "vectors": vectors}, sys.stdout, indent=1, ensure_ascii=False)
    print()
