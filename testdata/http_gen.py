#!/usr/bin/python3
"""Golden vectors for djangosession/middleware, auth and csrf, made by real Django.

Run with Debian's interpreter from the repository root:

    /usr/bin/python3 testdata/http_gen.py > testdata/http_vectors.json

It runs itself once under every Django release it finds (Debian's 3.2 and the
releases unpacked under $DJNEWER, default /tmp/djnewer, with the same
PYTHONPATH internal/testenv uses) and writes one JSON document: for each
release, the Set-Cookie/Vary outcome of SessionMiddleware for a table of
scenarios, Set-Cookie serialization of set_cookie/delete_cookie, CSRF masking
and session auth hashes. Every vector records the release that made it.
"""
import json
import sys

import djgen

urlpatterns = []

FIXED_TIME = 1700000000.75  # time.time() seen by SessionMiddleware
SECRET = "django-insecure-http-vectors-secret"
FALLBACK = "old-secret-for-fallbacks"


def collect():
    out = {"generator": "testdata/http_gen.py", "python": sys.version.split()[0],
           "fixed_time": FIXED_TIME, "secret_key": SECRET, "fallback_key": FALLBACK,
           "releases": {}}
    for ver, sec in djgen.each_release(__file__):
        out["releases"][ver] = sec
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


def one():
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=SECRET,
        SECRET_KEY_FALLBACKS=[FALLBACK],
        USE_TZ=True,
        TIME_ZONE="UTC",
        INSTALLED_APPS=["django.contrib.sessions", "django.contrib.contenttypes",
                        "django.contrib.auth"],
        SESSION_ENGINE="django.contrib.sessions.backends.cache",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        DATABASES={},
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="__main__",  # no URLs: resolve_url falls back to the path
    )
    django.setup()
    from django.contrib.sessions import middleware as smw
    from django.http import HttpRequest, HttpResponse
    from django.test.utils import override_settings

    class FakeTime:
        @staticmethod
        def time():
            return FIXED_TIME

    smw.time = FakeTime
    import django.http.response as httpresponse
    httpresponse.time = FakeTime
    rel = "%d.%d" % django.VERSION[:2]
    res = {"django": django.get_version(), "session": [], "cookies": [], "csrf": [],
           "auth": []}

    # --- SessionMiddleware scenarios -----------------------------------
    settings_variants = {
        "default": {},
        "custom": {"SESSION_COOKIE_NAME": "sid", "SESSION_COOKIE_DOMAIN": ".example.com",
                   "SESSION_COOKIE_PATH": "/app", "SESSION_COOKIE_SECURE": True,
                   "SESSION_COOKIE_HTTPONLY": False, "SESSION_COOKIE_SAMESITE": "Strict",
                   "SESSION_COOKIE_AGE": 3600},
        "samesite_none": {"SESSION_COOKIE_SAMESITE": "None", "SESSION_COOKIE_SECURE": True},
        "samesite_off": {"SESSION_COOKIE_SAMESITE": False},
        "secure_prefix": {"SESSION_COOKIE_NAME": "__Secure-sid"},
        "browser_close": {"SESSION_EXPIRE_AT_BROWSER_CLOSE": True},
        "every_request": {"SESSION_SAVE_EVERY_REQUEST": True},
    }
    actions = ["none", "get", "set", "flush", "expiry0", "expiry300", "delete_missing"]
    cookies = ["none", "valid", "short", "unknown"]
    statuses = [200, 404, 500, 503]

    def run(variant, action, cookie, status):
        with override_settings(**settings_variants[variant]):
            name = settings.SESSION_COOKIE_NAME
            store = smw.SessionMiddleware(lambda r: None).SessionStore
            existing = store()
            existing["a"] = 1
            existing.create()
            existing_key = existing.session_key
            req = HttpRequest()
            req.method = "GET"
            if cookie == "valid":
                req.COOKIES[name] = existing_key
            elif cookie == "short":
                req.COOKIES[name] = "abc"
            elif cookie == "unknown":
                req.COOKIES[name] = "k" * 32

            def view(request):
                s = request.session
                if action == "get":
                    s.get("a")
                elif action == "set":
                    s["b"] = "x"
                elif action == "flush":
                    s.flush()
                elif action == "expiry0":
                    s.set_expiry(0)
                elif action == "expiry300":
                    s.set_expiry(300)
                elif action == "delete_missing":
                    s.pop("nope", None)
                return HttpResponse("ok", status=status)

            mw = smw.SessionMiddleware(view)
            resp = mw(req)
            lines = [c.OutputString() for c in resp.cookies.values()]
            new_key = req.session.session_key
            norm = []
            for l in lines:
                if existing_key:
                    l = l.replace(existing_key, "<existing>")
                if new_key and new_key != existing_key:
                    l = l.replace(new_key, "<new>")
                norm.append(l)
            saved_data = None
            if new_key:
                saved = store(new_key)
                if saved.exists(new_key):
                    saved_data = dict(saved.load())
            return {"variant": variant, "action": action, "cookie": cookie, "status": status,
                    "settings": {k: v for k, v in settings_variants[variant].items()},
                    "set_cookie": norm, "vary": resp.get("Vary"), "release": rel,
                    "stored": saved_data}

    for action in actions:
        for cookie in cookies:
            res["session"].append(run("default", action, cookie, 200))
    for variant in settings_variants:
        if variant == "default":
            continue
        for action, cookie in [("set", "none"), ("flush", "valid"), ("none", "valid"),
                               ("none", "none"), ("get", "valid"), ("expiry0", "valid")]:
            res["session"].append(run(variant, action, cookie, 200))
    for status in statuses:
        for variant in ("default", "every_request"):
            for action, cookie in [("set", "valid"), ("none", "valid")]:
                res["session"].append(run(variant, action, cookie, status))

    # --- set_cookie / delete_cookie serialization -----------------------
    cookie_cases = [
        ("plain", {"value": "abc123"}),
        ("empty", {"value": ""}),
        ("space", {"value": "a b"}),
        ("specials", {"value": 'a,b;c"d\\e'}),
        ("latin1", {"value": "caf\u00e9\x7f\x01"}),
        ("unicode", {"value": "\u20ac"}),
        ("brackets", {"value": "(x)/<y>=?@[z]{w}"}),
        ("legal", {"value": "!#$%&'*+-.^_`|~:"}),
        ("all", {"value": "v", "max_age": 10, "expires": "Wed, 01 Jan 2020 00:00:00 GMT",
                 "path": "/p", "domain": "d.example", "secure": True, "httponly": True,
                 "samesite": "strict"}),
    ]
    for label, kw in cookie_cases:
        r = HttpResponse()
        r.set_cookie("n", **kw)
        res["cookies"].append({"label": label, "kwargs": kw, "header": r.cookies["n"].OutputString(),
                               "release": rel})
    r = HttpResponse()
    r.delete_cookie("__Host-x", path="/", domain=None, samesite="Lax")
    res["cookies"].append({"label": "delete_host", "kwargs": {"delete": True, "name": "__Host-x"},
                           "header": r.cookies["__Host-x"].OutputString(), "release": rel})

    # --- CSRF masking ---------------------------------------------------
    import random
    from django.middleware import csrf
    rnd = random.Random(20261123)
    chars = csrf.CSRF_ALLOWED_CHARS
    mask_fn = getattr(csrf, "_mask_cipher_secret", None) or csrf._salt_cipher_secret
    unmask_fn = getattr(csrf, "_unmask_cipher_token", None) or csrf._unsalt_cipher_token
    fixed = {"v": None}
    orig = csrf._get_new_csrf_string
    csrf._get_new_csrf_string = lambda: fixed["v"]
    pairs = [("abcdefghijABCDEFGHIJ0123456789zZ", "M" * 32), ("9" * 32, "9" * 32),
             ("a" * 32, "a" * 32)]
    for _ in range(12):
        pairs.append(("".join(rnd.choice(chars) for _ in range(32)),
                      "".join(rnd.choice(chars) for _ in range(32))))
    for secret, mask in pairs:
        fixed["v"] = mask
        token = mask_fn(secret)
        res["csrf"].append({"secret": secret, "mask": mask, "token": token,
                            "unmasked": unmask_fn(token), "release": rel})
    csrf._get_new_csrf_string = orig

    # --- CsrfViewMiddleware verdicts (4.0+ checks; 3.2 differs and is recorded too)
    from django.test import RequestFactory
    from django.middleware.csrf import CsrfViewMiddleware, get_token

    class Probe(CsrfViewMiddleware):
        def _reject(self, request, reason):
            return "REJECT:" + reason

    S = "abcdefghijABCDEFGHIJ0123456789zZ"
    fixed["v"] = "M" * 32
    csrf._get_new_csrf_string = lambda: fixed["v"]
    T = mask_fn(S)
    fixed["v"] = "q" * 32
    T2 = mask_fn(S)
    csrf._get_new_csrf_string = orig
    W = "Z" * 64
    trusted = {"CSRF_TRUSTED_ORIGINS": ["https://trusted.example", "https://*.example.com", "http://*.plain.org"]}
    csrf_cases = [
        ("get_no_cookie", "GET", False, None, {}, None, {}),
        ("head_no_cookie", "HEAD", False, None, {}, None, {}),
        ("post_no_cookie", "POST", False, None, {}, T, {}),
        ("post_form_ok", "POST", False, S, {}, T, {}),
        ("post_form_ok_other_mask", "POST", False, S, {}, T2, {}),
        ("post_header_ok", "POST", False, S, {"X-CSRFToken": T}, None, {}),
        ("post_header_unmasked_ok", "POST", False, S, {"X-CSRFToken": S}, None, {}),
        ("post_masked_cookie_ok", "POST", False, T2, {}, T, {}),
        ("post_cookie_short", "POST", False, "abc", {}, T, {}),
        ("post_cookie_badchars", "POST", False, S[:31] + "-", {}, T, {}),
        ("post_token_missing", "POST", False, S, {}, None, {}),
        ("post_form_wrong", "POST", False, S, {}, W, {}),
        ("post_form_badlen", "POST", False, S, {}, "abc", {}),
        ("post_header_badlen", "POST", False, S, {"X-CSRFToken": "abc"}, None, {}),
        ("post_header_badchars", "POST", False, S, {"X-CSRFToken": S[:31] + "!"}, None, {}),
        ("post_header_wrong", "POST", False, S, {"X-CSRFToken": W}, None, {}),
        ("post_empty_form_uses_header", "POST", False, S, {"X-CSRFToken": T}, "", {}),
        ("put_header_ok", "PUT", False, S, {"X-CSRFToken": T}, None, {}),
        ("put_form_ignored", "PUT", False, S, {}, T, {}),
        ("delete_no_cookie", "DELETE", False, None, {"X-CSRFToken": T}, None, {}),
        ("origin_same", "POST", False, S, {"Origin": "http://testserver"}, T, {}),
        ("origin_wrong_scheme", "POST", False, S, {"Origin": "https://testserver"}, T, {}),
        ("origin_evil", "POST", False, S, {"Origin": "https://evil.com"}, T, {}),
        ("origin_null", "POST", False, S, {"Origin": "null"}, T, {}),
        ("origin_trusted_exact", "POST", False, S, {"Origin": "https://trusted.example"}, T, trusted),
        ("origin_trusted_wild", "POST", False, S, {"Origin": "https://a.b.example.com"}, T, trusted),
        ("origin_trusted_wild_apex", "POST", False, S, {"Origin": "https://example.com"}, T, trusted),
        ("origin_trusted_wild_scheme", "POST", False, S, {"Origin": "http://a.example.com"}, T, trusted),
        ("origin_trusted_wild_http", "POST", False, S, {"Origin": "http://x.plain.org"}, T, trusted),
        ("origin_disallowed_host", "POST", False, S, {"Origin": "http://testserver"}, T, {"ALLOWED_HOSTS": ["other.example"]}),
        ("origin_allowed_host_dot", "POST", False, S, {"Origin": "http://testserver"}, T, {"ALLOWED_HOSTS": [".testserver"]}),
        ("secure_origin_same", "POST", True, S, {"Origin": "https://testserver"}, T, {}),
        ("secure_no_referer", "POST", True, S, {}, T, {}),
        ("secure_referer_ok", "POST", True, S, {"Referer": "https://testserver/form/"}, T, {}),
        ("secure_referer_insecure", "POST", True, S, {"Referer": "http://testserver/form/"}, T, {}),
        ("secure_referer_malformed", "POST", True, S, {"Referer": "https://"}, T, {}),
        ("secure_referer_noscheme", "POST", True, S, {"Referer": "//testserver/x"}, T, {}),
        ("secure_referer_badipv6", "POST", True, S, {"Referer": "https://[::1/x"}, T, {}),
        ("secure_referer_ipv4_bracket", "POST", True, S, {"Referer": "https://[1.2.3.4]/x"}, T, {}),
        ("secure_referer_evil", "POST", True, S, {"Referer": "https://evil.com/a?b=c#d"}, T, {}),
        ("secure_referer_evil_empty_query", "POST", True, S, {"Referer": "HTTPS://Evil.com/a?#"}, T, {}),
        ("secure_referer_trusted_wild", "POST", True, S, {"Referer": "https://z.example.com/"}, T, trusted),
        ("secure_referer_trusted_exact", "POST", True, S, {"Referer": "https://trusted.example/x"}, T, trusted),
        ("secure_referer_cookie_domain", "POST", True, S, {"Referer": "https://a.testserver/"}, T, {"CSRF_COOKIE_DOMAIN": ".testserver"}),
        ("secure_referer_cookie_domain_no", "POST", True, S, {"Referer": "https://a.other/"}, T, {"CSRF_COOKIE_DOMAIN": ".testserver"}),
        ("secure_referer_ok_badtoken", "POST", True, S, {"Referer": "https://testserver/"}, W, {}),
        ("proxy_ssl_no_referer", "POST", False, S, {"X-Forwarded-Proto": "https"}, T, {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}),
        ("proxy_ssl_http", "POST", False, S, {"X-Forwarded-Proto": "http, https"}, T, {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}),
    ]
    rf = RequestFactory()
    for name, method, secure, cookie, hdrs, form, over in csrf_cases:
        over = dict(over)
        if "SECURE_PROXY_SSL_HEADER" in over:
            over["SECURE_PROXY_SSL_HEADER"] = tuple(over["SECURE_PROXY_SSL_HEADER"])
        with override_settings(**over):
            meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in hdrs.items()}
            data = "" if form is None else "csrfmiddlewaretoken=" + form
            req = rf.generic(method, "/", data=data, content_type="application/x-www-form-urlencoded",
                             secure=secure, **meta)
            if cookie is not None:
                req.COOKIES["csrftoken"] = cookie
            mw = Probe(lambda r: HttpResponse())
            mw.process_request(req)
            try:
                verdict = mw.process_view(req, lambda r: None, (), {})
            except Exception as exc:  # 3.2 lets urlparse's ValueError escape (a 500)
                verdict = "REJECT:EXCEPTION " + type(exc).__name__
            res.setdefault("csrf_requests", []).append({
                "name": name, "method": method, "secure": secure, "cookie": cookie,
                "headers": hdrs, "form": form, "settings": over,
                "reason": verdict[len("REJECT:"):] if isinstance(verdict, str) else None,
                "release": rel})
    # get_token on a response: the cookie Django sets.
    for name, cookie in [("new", None), ("keep", S), ("unmask_old", T2)]:
        req = rf.get("/")
        if cookie is not None:
            req.COOKIES["csrftoken"] = cookie
        mw = CsrfViewMiddleware(lambda r: HttpResponse())
        mw.process_request(req)
        tok = get_token(req)
        resp = mw.process_response(req, HttpResponse())
        c = resp.cookies["csrftoken"]
        secret = unmask_fn(tok)
        res.setdefault("csrf_responses", []).append({
            "name": name, "cookie": cookie, "token_unmasks_to_cookie": c.value == secret or unmask_fn(c.value) == secret if len(c.value) == 64 else c.value == secret,
            "cookie_value_len": len(c.value),
            "header": c.OutputString().replace(c.value, "<value>"), "vary": resp.get("Vary"),
            "release": rel})

    # --- login_required redirects (user_passes_test + redirect_to_login)
    from django.contrib.auth.decorators import login_required
    from django.contrib.auth.models import AnonymousUser
    for login_url, path, query in [
        ("/accounts/login/", "/go/profile", ""),
        ("/accounts/login/", "/go/a b/\u00e9", "x=1&y=%C3%A9&z=a+b"),
        ("/login/?lang=en", "/go/p", "q=1"),
        ("/login/?next=/old&lang=en", "/go/p", ""),
        ("https://sso.example/login", "/go/p", "a=1"),
        ("http://testserver/login", "/go/p", "a=1"),
    ]:
        req = rf.get(path, QUERY_STRING=query) if query else rf.get(path)
        req.user = AnonymousUser()
        resp = login_required(lambda r: HttpResponse("in"), login_url=login_url)(req)
        res.setdefault("login_redirects", []).append({
            "login_url": login_url, "path": path, "query": query,
            "status": resp.status_code, "location": resp["Location"], "release": rel})

    # --- session auth hash ----------------------------------------------
    from django.contrib.auth.models import User
    for pw in ["pbkdf2_sha256$600000$seasalt1234567890abcde$sioo7S4dfdlMRol+Xnzyr1Is/EpfQDbiNSA+TaxBOUM=",
               "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$3OXMIeRuAQDwDl7ZKAMqBw",
               "!unusablepasswordxxxxxxxxxxxxxxxxxxxxxxx", ""]:
        u = User(pk=1, username="u", password=pw)
        entry = {"password": pw, "hash": u.get_session_auth_hash(), "release": rel}
        if hasattr(u, "get_session_auth_fallback_hash"):
            entry["fallback_hashes"] = list(u.get_session_auth_fallback_hash())
        if hasattr(u, "_legacy_get_session_auth_hash"):
            entry["legacy_sha1_hash"] = u._legacy_get_session_auth_hash()
        res["auth"].append(entry)
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    if "--one" in sys.argv:
        one()
    else:
        collect()
