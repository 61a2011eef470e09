#!/usr/bin/python3
"""Django answering the gateway's check, for bench/gateway: GET /check is
200 for a logged-in active user (the session loaded, the user read, the
session auth hash checked: AuthenticationMiddleware's request.user), 401
otherwise. Served by gunicorn:

    BENCH_SECRET=... BENCH_DB=/path/db.sqlite3 gunicorn --chdir bench/gateway djcheck:application

or, with BENCH_PG_NAME=<database>, on PostgreSQL at 127.0.0.1:5432 as user postgres.
"""
import os

import django
from django.conf import settings

if os.environ.get("BENCH_PG_NAME"):
    DATABASE = {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ["BENCH_PG_NAME"],
                "HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres", "CONN_MAX_AGE": 600}
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["BENCH_DB"], "CONN_MAX_AGE": 600}

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["BENCH_SECRET"],
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": DATABASE},
    SESSION_ENGINE="django.contrib.sessions.backends.db",
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def check(request):
    if request.user.is_authenticated and request.user.is_active:
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponse("login", status=401, content_type="text/plain")


urlpatterns = [path("check", check)]
application = get_wsgi_application()
