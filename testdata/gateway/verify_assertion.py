"""Verify a djsession gateway identity assertion (X-Django-Identity) with
Python's standard library only. Key: the gateway's assertion key."""
import base64, hashlib, hmac, json, time

SALT = "djsession.gateway.identity"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def verify(value, key, max_age=30):
    payload, ts, sig = value.rsplit(":", 2)
    mac_key = hashlib.sha256((SALT + "signer" + key).encode()).digest()
    mac = hmac.new(mac_key, (payload + ":" + ts).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.urlsafe_b64encode(mac).rstrip(b"="), sig.encode()):
        raise ValueError("bad signature")
    issued = 0
    for c in ts:
        issued = issued * 62 + B62.index(c)
    if time.time() - issued > max_age:
        raise ValueError("assertion expired")
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


if __name__ == "__main__":  # for djsession's tests: value on stdin, key in DJ_ASSERTION_KEY
    import os, sys
    try:
        print(json.dumps(verify(sys.stdin.read().strip(), os.environ["DJ_ASSERTION_KEY"])))
    except Exception as e:  # noqa: BLE001
        sys.exit("refused: %s" % e)
