#!/usr/bin/python3
"""A minimal Django site for djsession's live end-to-end tests.

    DJ_SECRET=... DJ_DB=/path/db.sqlite3 [DJ_ENGINE=db|signed_cookies|file|cache|cached_db]
        [DJ_SESSION_FILE_PATH=dir] [DJ_CSRF_SESSIONS=1] [DJ_SECRET_FALLBACKS=k1,k2] \\
        [DJ_CACHE_LOCATION=... DJ_CACHE_PREFIX=p DJ_CACHE_BACKEND=redis|django-redis|pymemcache \\
         DJ_CACHE_OPTIONS={json}] \\
        /usr/bin/python3 testdata/http_django/djapp.py serve

migrates the SQLite database (or, with DJ_DB_ENGINE=postgresql|mysql and
DJ_DB_NAME, DJ_DB_HOST, DJ_DB_PORT, DJ_DB_USER, DJ_DB_PASSWORD, a server
one; DJ_DB_PGBOUNCER=1 says PostgreSQL is reached through PgBouncer in
transaction mode, so no server-side cursors, as Django's documentation
asks), creates the user alice (password "pw1", id 1) if missing, serves
on a free loopback port with wsgiref, and prints "PORT <n>" on its first
line of output. The Go tests share the database file and the cookie jar
with it.

    ... /usr/bin/python3 testdata/http_django/djapp.py setup N

migrates the database and creates the users u0 ... u<N-1> (password
"pw") instead, for a fleet of

    gunicorn --chdir testdata/http_django djapp:application

with the same settings (bench/fleet).

With DJ_ADMIN=1 it also installs django.contrib.admin (and messages) at
/admin/ and creates the superuser root (password "pw-root").

Django's own auth views, with the minimal templates in templates/
(LOGIN_URL, LOGIN_REDIRECT_URL and LOGOUT_REDIRECT_URL keep Django's
defaults):
  /accounts/login/, /accounts/logout/ (POST), /accounts/password_change/,
  /accounts/password_change/done/ ... (django.contrib.auth.urls)
  GET /accounts/profile/  who is logged in, with a logout form

Test views (all answer JSON or text):
  GET  /dj/token     get_token(): a masked CSRF token
  POST /dj/login     username, password: authenticate() + login()
  GET  /dj/whoami    {"user": username or null, "id": str(user.pk) or null,
                     "session": {...}}
  POST /dj/set       k, v (repeatable, in pairs): request.session[k] = v
  POST /dj/incr      k: request.session[k] = request.session.get(k, 0) + 1,
                     answers the new value
  POST /dj/logout    logout()
  POST /dj/password  new: set_password() + save(), without
                     update_session_auth_hash, so every session is logged out
"""
import json
import os
import sys

import django
from django.conf import settings

if os.environ.get("DJ_DB_ENGINE"):
    # A server database: postgresql or mysql.
    DATABASE = {
        "ENGINE": "django.db.backends." + os.environ["DJ_DB_ENGINE"],
        "NAME": os.environ["DJ_DB_NAME"],
        "HOST": os.environ.get("DJ_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DJ_DB_PORT", ""),
        "USER": os.environ.get("DJ_DB_USER", ""),
        "PASSWORD": os.environ.get("DJ_DB_PASSWORD", ""),
    }
    if os.environ.get("DJ_DB_PGBOUNCER") == "1":
        DATABASE["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJ_DB"]}

# The cache and cached_db engines: the servers at DJ_CACHE_LOCATION
# (separated by ";" or ",") through Django's RedisCache
# (DJ_CACHE_BACKEND=redis, the default, Django 4.0+), django-redis
# (DJ_CACHE_BACKEND=django-redis, which also serves Django 3.2) or
# PyMemcacheCache (DJ_CACHE_BACKEND=pymemcache), with OPTIONS from
# DJ_CACHE_OPTIONS.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("DJ_CACHE_LOCATION"):
    CACHES = {"default": {
        "BACKEND": {
            "redis": "django.core.cache.backends.redis.RedisCache",
            "django-redis": "django_redis.cache.RedisCache",
            "pymemcache": "django.core.cache.backends.memcached.PyMemcacheCache",
        }[os.environ.get("DJ_CACHE_BACKEND") or "redis"],
        "LOCATION": os.environ["DJ_CACHE_LOCATION"],
        "KEY_PREFIX": os.environ.get("DJ_CACHE_PREFIX", ""),
        "OPTIONS": json.loads(os.environ.get("DJ_CACHE_OPTIONS") or "{}"),
    }}
    if os.environ.get("DJ_CACHE_BACKEND") == "django-redis":
        CACHES["default"]["OPTIONS"]["CLIENT_CLASS"] = "django_redis.client.DefaultClient"

ADMIN = os.environ.get("DJ_ADMIN") == "1"
APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
if ADMIN:
    APPS += ["django.contrib.messages", "django.contrib.admin"]
    MIDDLEWARE.append("django.contrib.messages.middleware.MessageMiddleware")

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["DJ_SECRET"],
    SECRET_KEY_FALLBACKS=[k for k in os.environ.get("DJ_SECRET_FALLBACKS", "").split(",") if k],
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    TIME_ZONE="UTC",
    INSTALLED_APPS=APPS,
    MIDDLEWARE=MIDDLEWARE,
    TEMPLATES=[{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": [
            "django.template.context_processors.request",
            "django.contrib.auth.context_processors.auth",
        ] + (["django.contrib.messages.context_processors.messages"] if ADMIN else [])},
    }],
    STATIC_URL="/static/",
    DATABASES={"default": DATABASE},
    CACHES=CACHES,
    SESSION_ENGINE="django.contrib.sessions.backends." + os.environ.get("DJ_ENGINE", "db"),
    CSRF_USE_SESSIONS=os.environ.get("DJ_CSRF_SESSIONS") == "1",
    SESSION_FILE_PATH=os.environ.get("DJ_SESSION_FILE_PATH"),
    # The hasher does not matter here (only the session auth hash of the
    # stored string does) and PBKDF2 would make each login slow.
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING_CONFIG=None,
    # Django 3.1-3.2 only (DJ_HASHING_ALGORITHM=sha1): SHA-1 session auth
    # hashes and legacy-format session data.
    **({"DEFAULT_HASHING_ALGORITHM": os.environ["DJ_HASHING_ALGORITHM"]}
       if os.environ.get("DJ_HASHING_ALGORITHM") else {}),
)
django.setup()

from django.contrib import auth  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.generic import TemplateView  # noqa: E402


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
    data = {k: v for k, v in request.session.items()}
    return JsonResponse({"user": u.username if u.is_authenticated else None,
                         "id": str(u.pk) if u.is_authenticated else None,
                         "session": data})


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


def password(request):
    if not request.user.is_authenticated:
        return HttpResponse("anonymous", status=403)
    request.user.set_password(request.POST["new"])
    request.user.save()
    return HttpResponse("ok")


urlpatterns = [
    path("dj/token", token),
    path("dj/login", login),
    path("dj/whoami", whoami),
    path("dj/set", set_value),
    path("dj/incr", incr),
    path("dj/logout", logout),
    path("dj/password", password),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/profile/", login_required(TemplateView.as_view(template_name="profile.html"))),
]
if ADMIN:
    from django.contrib import admin  # noqa: E402

    urlpatterns.append(path("admin/", admin.site.urls))

application = get_wsgi_application()


def serve():
    from wsgiref.simple_server import WSGIRequestHandler, make_server
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if not User.objects.filter(username="alice").exists():
        User.objects.create_user("alice", password="pw1")
    if ADMIN and not User.objects.filter(username="root").exists():
        User.objects.create_superuser("root", "root@example.com", "pw-root")

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = make_server("127.0.0.1", 0, application, handler_class=Quiet)
    print("PORT", httpd.server_port, flush=True)
    httpd.serve_forever()


def setup(n):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.bulk_create([User(username="u%d" % i, password=make_password("pw")) for i in range(n)])


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    elif sys.argv[1:2] == ["setup"] and len(sys.argv) == 3:
        setup(int(sys.argv[2]))
    else:
        sys.exit(__doc__)
