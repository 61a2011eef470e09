#!/usr/bin/python3
"""The Django half of djsession's fleet test (bench/fleet).

    FLEET_SECRET=... FLEET_DB_NAME=... FLEET_DB_HOST=... FLEET_DB_PORT=... \\
        FLEET_ENGINE=cache|cached_db|db \\
        [FLEET_CACHE_BACKEND=pymemcache|redis FLEET_CACHE_LOCATION=... FLEET_CACHE_OPTIONS={json}] \\
        /usr/bin/python3 testdata/fleet/djfleet.py setup N

migrates the PostgreSQL database and creates the users u0 ... u<N-1>
(password "pw", MD5 hasher so that logins are cheap), and

    gunicorn --workers 3 --chdir testdata/fleet djfleet:application

serves the views below with the same settings. The session cache is
CACHES["default"]: PyMemcacheCache or RedisCache over LOCATION (servers
separated by ";" or ","), with OPTIONS from FLEET_CACHE_OPTIONS.
FLEET_PGBOUNCER=1 says the database is reached through PgBouncer in
transaction mode (no server-side cursors, as Django's documentation asks).

Views:
  GET  /dj/token     get_token(): a masked CSRF token
  POST /dj/login     username, password: authenticate() + login()
  GET  /dj/whoami    {"user": user id as a string or null, "session": {...}}
  POST /dj/set       k, v (repeatable, in pairs): request.session[k] = v
  POST /dj/incr      k: request.session[k] = request.session.get(k, 0) + 1,
                     answers the new value
  POST /dj/logout    logout()
"""
import json
import os
import sys

import django
from django.conf import settings

DATABASE = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ["FLEET_DB_NAME"],
    "HOST": os.environ.get("FLEET_DB_HOST", "127.0.0.1"),
    "PORT": os.environ.get("FLEET_DB_PORT", ""),
    "USER": os.environ.get("FLEET_DB_USER", "postgres"),
}
if os.environ.get("FLEET_PGBOUNCER") == "1":
    DATABASE["DISABLE_SERVER_SIDE_CURSORS"] = True

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
backend = os.environ.get("FLEET_CACHE_BACKEND")
if backend:
    CACHES["default"] = {
        "BACKEND": {
            "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
            "redis": "django.core.cache.backends.redis.RedisCache",
        }[backend],
        "LOCATION": os.environ["FLEET_CACHE_LOCATION"],
        "OPTIONS": json.loads(os.environ.get("FLEET_CACHE_OPTIONS") or "{}"),
    }

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["FLEET_SECRET"],
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    TIME_ZONE="UTC",
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.sessions",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": DATABASE},
    CACHES=CACHES,
    SESSION_ENGINE="django.contrib.sessions.backends." + os.environ.get("FLEET_ENGINE", "db"),
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING_CONFIG=None,
)
django.setup()

from django.contrib import auth  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402


def token(request):
    return HttpResponse(get_token(request), content_type="text/plain")


def login(request):
    user = auth.authenticate(request, username=request.POST["username"],
                             password=request.POST["password"])
    if user is None:
        return HttpResponse("bad credentials", status=401)
    auth.login(request, user)
    return HttpResponse("ok")


def whoami(request):
    u = request.user
    return JsonResponse({"user": str(u.pk) if u.is_authenticated else None,
                         "session": dict(request.session.items())})


def set_value(request):
    for k, v in zip(request.POST.getlist("k"), request.POST.getlist("v")):
        request.session[k] = v
    return HttpResponse("ok")


def incr(request):
    k = request.POST["k"]
    n = request.session.get(k, 0) + 1
    request.session[k] = n
    return HttpResponse(str(n), content_type="text/plain")


def logout(request):
    auth.logout(request)
    return HttpResponse("ok")


urlpatterns = [
    path("dj/token", token),
    path("dj/login", login),
    path("dj/whoami", whoami),
    path("dj/set", set_value),
    path("dj/incr", incr),
    path("dj/logout", logout),
]

application = get_wsgi_application()


def setup(n):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.bulk_create([
        User(username="u%d" % i, password=auth.hashers.make_password("pw"))
        for i in range(n)
    ])


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"] and len(sys.argv) == 3:
        setup(int(sys.argv[2]))
    else:
        sys.exit(__doc__)
