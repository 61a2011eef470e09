"""What the testdata/*_gen.py generators share: running themselves under
every Django release this machine has.

Debian's Django 3.2 is the system's; the newer releases are the ones
.ci/newer-django.sh unpacked under $DJNEWER (default /tmp/djnewer), found
with the same PYTHONPATH internal/testenv gives them. A generator runs as
`/usr/bin/python3 testdata/<name>_gen.py` from the repository root, so this
module is found beside it; it uses the standard library only.
"""

import json
import os
import subprocess
import sys

RELEASES = ("3.2", "4.2", "5.2", "6.1")


def release_paths(ver):
    """The PYTHONPATH entries of release ver (none for Debian's 3.2)."""
    base = os.environ.get("DJNEWER", "/tmp/djnewer")
    if ver in ("4.2", "5.2"):
        return [f"{base}/{ver}/root/usr/lib/python3/dist-packages",
                f"{base}/asgiref-3.8/usr/lib/python3/dist-packages"]
    if ver == "6.1":
        return [f"{base}/py311shim", f"{base}/6.1/root/usr/lib/python3/dist-packages",
                f"{base}/asgiref-3.12/usr/lib/python3/dist-packages",
                f"{base}/extras-6.1/python3-typing-extensions/usr/lib/python3/dist-packages"]
    return []


def release_env(ver):
    """The environment that runs release ver, or None when it is not unpacked."""
    paths = release_paths(ver)
    if not all(os.path.isdir(p) for p in paths):
        return None
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if paths:
        env["PYTHONPATH"] = ":".join(paths)
    return env


def each_release(script, arg="--one", stdin=None):
    """Runs `script arg` (stdin, a str, on its standard input) under every
    release found, and yields (release, the JSON it wrote). A release not
    unpacked is skipped with a note on stderr; a run that fails ends the
    generator with its stderr."""
    for ver in RELEASES:
        env = release_env(ver)
        if env is None:
            print(f"skipping Django {ver}: not unpacked", file=sys.stderr)
            continue
        res = subprocess.run([sys.executable, os.path.abspath(script), arg], env=env, input=stdin,
                             capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            raise SystemExit(f"Django {ver} failed")
        yield ver, json.loads(res.stdout)
