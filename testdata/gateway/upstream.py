#!/usr/bin/python3
"""A non-Go upstream behind the gateway for djsession's end-to-end tests:
Python's http.server. Every GET answers JSON with the X-Django-* headers it
received and what verify_assertion.verify made of X-Django-Identity.

    python3 upstream.py PORT KEY_FILE
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from verify_assertion import verify  # noqa: E402

with open(sys.argv[2]) as f:
    KEY = f.read().strip()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        got = {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("x-django-")}
        try:
            verified = verify(self.headers.get("X-Django-Identity", ""), KEY)
        except Exception as e:  # noqa: BLE001
            verified = "refused: %s" % type(e).__name__
        body = json.dumps({"path": self.path, "headers": got, "verified": verified}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
