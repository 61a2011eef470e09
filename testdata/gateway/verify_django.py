"""Verify a gateway identity assertion with Django's own signing.loads, as a
Django upstream would: value on stdin, key in DJ_ASSERTION_KEY."""
import json
import os
import sys

from django.conf import settings

settings.configure()
from django.core import signing  # noqa: E402

try:
    print(json.dumps(signing.loads(sys.stdin.read().strip(), key=os.environ["DJ_ASSERTION_KEY"],
                                   salt="djsession.gateway.identity", max_age=30)))
except signing.BadSignature as e:
    sys.exit("refused: %s" % e)
