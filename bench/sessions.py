#!/usr/bin/python3
"""Time in real Django what djangosession/dbstore's BenchmarkCompare times in Go.

    /usr/bin/python3 bench/sessions.py               # Debian's Django 3.2
    go run ./bench/compare -area sessions            # both sides, with ratios

Prints one line per benchmark, "<name> <ns_per_op> <cpu_ns_per_op>", named
as the Go sub-benchmarks:

    sessions.db_load[.db]  SessionStore(key).load()
    sessions.db_save[.db]  s.save() of a loaded SessionStore s (an UPDATE in
                           a transaction, as Django does it)

on the session the Go side stores (SESSION_JSON in bench/pybench.py is byte for byte the
Go benchSessionJSON) in a django_session table: SQLite in a temporary file
always; ".postgres" and ".mysql" when DJ_TEST_POSTGRES_DSN (a postgres://
URL) and DJ_TEST_MYSQL_DSN (go-sql-driver form, user@tcp(host:port)/db)
are set, in the database djs_bench_sessions, which the Go side uses too
(made when missing). cpu_ns_per_op is the process's CPU time (user + sys,
time.process_time_ns) per call: the database server's work is left out,
as on the Go side. django_only.raw_select[.db] is the bare SELECT through
Django's cursor, for scale. Each result is checked before it is timed.

Each database runs in a child process of this script (settings.configure
can be called once per process). BENCHTIME (seconds, default 1) is the
least time spent per benchmark; BENCH_FILTER, a regular expression,
selects benchmarks by name.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import warnings

import pybench

warnings.simplefilter("ignore")

SECRET = "django-insecure-bench-secret"
KEY = "pybench0000000000000000000000001"  # the Go side uses gobench...
DATABASE = "djs_bench_sessions"



def database(kind):
    """Django's DATABASES['default'] for kind, making the database when missing."""
    if kind == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(tempfile.mkdtemp(prefix="bench-sessions-"), "bench.sqlite3")}
    if kind == "postgres":
        import psycopg2
        u = urllib.parse.urlsplit(os.environ["DJ_TEST_POSTGRES_DSN"])
        conf = {"ENGINE": "django.db.backends.postgresql", "USER": u.username or "",
                "PASSWORD": urllib.parse.unquote(u.password or ""), "HOST": u.hostname or "",
                "PORT": str(u.port or 5432)}
        c = psycopg2.connect(dbname=u.path.lstrip("/"), user=conf["USER"], password=conf["PASSWORD"],
                             host=conf["HOST"], port=conf["PORT"])
        c.autocommit = True
        cur = c.cursor()
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cur.fetchone() is None:
            cur.execute("CREATE DATABASE " + DATABASE)
        c.close()
        return dict(conf, NAME=DATABASE)
    if kind == "mysql":
        import MySQLdb
        m = re.fullmatch(r"(?:([^:@]*)(?::([^@]*))?@)?tcp\(([^:)]*)(?::(\d+))?\)/([^?]*)(?:\?.*)?",
                         os.environ["DJ_TEST_MYSQL_DSN"])
        if not m:
            sys.exit("DJ_TEST_MYSQL_DSN: want user[:password]@tcp(host:port)/db")
        conf = {"ENGINE": "django.db.backends.mysql", "USER": m[1] or "root", "PASSWORD": m[2] or "",
                "HOST": m[3] or "127.0.0.1", "PORT": m[4] or "3306"}
        c = MySQLdb.connect(user=conf["USER"], passwd=conf["PASSWORD"], host=conf["HOST"], port=int(conf["PORT"]))
        c.cursor().execute("CREATE DATABASE IF NOT EXISTS " + DATABASE + " CHARACTER SET utf8mb4")
        c.close()
        return dict(conf, NAME=DATABASE)
    sys.exit("unknown database " + kind)


def child(kind):
    import django
    from django.conf import settings
    settings.configure(
        SECRET_KEY=SECRET,
        INSTALLED_APPS=["django.contrib.sessions"],
        DATABASES={"default": database(kind)},
        USE_TZ=True,
        TIME_ZONE="UTC",
    )
    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone

    if Session._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(Session)
    session = json.loads(pybench.SESSION_JSON)
    if json.dumps(session, separators=(",", ":")) != pybench.SESSION_JSON:
        sys.exit("SESSION_JSON is not in Python's form")
    Session.objects.filter(session_key=KEY).delete()
    Session.objects.create(session_key=KEY, session_data=SessionStore().encode(session),
                           expire_date=timezone.now() + datetime.timedelta(days=14))
    assert SessionStore(KEY).load() == session

    loaded = SessionStore(KEY)
    assert loaded["visits"] == 17  # loaded, as after the first access in a view
    loaded.save()
    assert SessionStore(KEY).load() == session

    suffix = "" if kind == "sqlite" else "." + kind
    table = connection.ops.quote_name(Session._meta.db_table)
    sql = "SELECT session_data, expire_date FROM %s WHERE session_key = %%s AND expire_date > %%s" % table

    def raw_select():
        with connection.cursor() as cur:
            cur.execute(sql, [KEY, timezone.now()])
            return cur.fetchone()

    assert raw_select() is not None
    cases = [
        ("sessions.db_load" + suffix, lambda: SessionStore(KEY).load()),
        ("sessions.db_save" + suffix, loaded.save),
        ("django_only.raw_select" + suffix, raw_select),
    ]
    for name, fn in cases:
        if pybench.FILTER.search(name):
            wall, cpu = pybench.bench(fn)
            print(f"{name} {wall:.0f} {cpu:.0f}", flush=True)


def main():
    if len(sys.argv) > 1:
        child(sys.argv[1])
        return
    kinds = ["sqlite"]
    if os.environ.get("DJ_TEST_POSTGRES_DSN"):
        kinds.append("postgres")
    if os.environ.get("DJ_TEST_MYSQL_DSN"):
        kinds.append("mysql")
    for kind in kinds:
        subprocess.run([sys.executable, __file__, kind], check=True)


if __name__ == "__main__":
    main()
