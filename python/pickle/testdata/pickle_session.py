"""Peer for python/pickle's live session test: Django's own
SessionBase.encode/decode with SESSION_SERIALIZER = PickleSerializer
(Django 3.2 to 4.2; removed in 5.0).

Usage: pickle_session.py SECRET_KEY; JSON lines on stdin:
  {"op": "encode", "v": desc}             -> {"data": session_data}
  {"op": "decode", "data": s, "v": desc}  -> {"why": "" if Django decodes s to
                                               the value desc builds, else why}
desc is pickle_peer.py's value description (a dict).
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.simplefilter("ignore")  # PickleSerializer is deprecated in 4.1+

import django
from django.conf import settings

settings.configure(
    SECRET_KEY=sys.argv[1],
    SESSION_SERIALIZER="django.contrib.sessions.serializers.PickleSerializer",
    USE_TZ=True,
)
django.setup()

from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402

import pickle_peer  # noqa: E402


def main():
    store = SessionStore()
    for line in sys.stdin:
        req = json.loads(line)
        v = pickle_peer.build(req["v"])
        if req["op"] == "encode":
            out = {"data": store.encode(v)}
        else:
            got = store.decode(req["data"])  # {} when Django cannot read it
            out = {"why": pickle_peer.same(v, got)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


main()
