#!/usr/bin/python3
"""The visit-counter view of bench/http, as a Django project.

    BENCH_SECRET=... BENCH_DB_ENGINE=postgresql|sqlite3 BENCH_DB_NAME=... \\
        [BENCH_DB_HOST=... BENCH_DB_PORT=... BENCH_DB_USER=... BENCH_DB_PASSWORD=...] \\
        [BENCH_SESSION_ENGINE=db|signed_cookies] \\
        /usr/bin/python3 bench/http/djapp.py migrate

creates django_session (Django's own migration) in the database, and

    gunicorn --workers N --chdir bench/http djapp:application

serves GET /visit: request.session["visits"] += 1, answered as
"visits <n>" in text/plain. Only SessionMiddleware runs, as only the Go
session middleware runs on the Go side. Database connections are kept
(CONN_MAX_AGE), as a production deployment keeps them.
"""
import os
import sys

import django
from django.conf import settings

engine = os.environ.get("BENCH_DB_ENGINE", "sqlite3")
DATABASE = {
    "ENGINE": "django.db.backends." + engine,
    "NAME": os.environ["BENCH_DB_NAME"],
    "CONN_MAX_AGE": 600,
}
if engine == "sqlite3":
    DATABASE["OPTIONS"] = {"timeout": 10}
else:
    DATABASE.update(
        HOST=os.environ.get("BENCH_DB_HOST", "127.0.0.1"),
        PORT=os.environ.get("BENCH_DB_PORT", ""),
        USER=os.environ.get("BENCH_DB_USER", ""),
        PASSWORD=os.environ.get("BENCH_DB_PASSWORD", ""),
    )

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["BENCH_SECRET"],
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    TIME_ZONE="UTC",
    INSTALLED_APPS=["django.contrib.sessions"],
    MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
    DATABASES={"default": DATABASE},
    SESSION_ENGINE="django.contrib.sessions.backends." + os.environ.get("BENCH_SESSION_ENGINE", "db"),
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def visit(request):
    n = request.session.get("visits", 0) + 1
    request.session["visits"] = n
    return HttpResponse("visits %d" % n, content_type="text/plain")


urlpatterns = [path("visit", visit)]

application = get_wsgi_application()

if __name__ == "__main__":
    if sys.argv[1:] != ["migrate"]:
        sys.exit("usage: djapp.py migrate")
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if engine == "sqlite3":
        from django.db import connection

        with connection.cursor() as c:
            c.execute("PRAGMA journal_mode=WAL")
    print("migrated")
