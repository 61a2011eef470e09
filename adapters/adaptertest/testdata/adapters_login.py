#!/usr/bin/python3
"""Logs users in with real Django, for the framework adapters' tests
(adapters/adaptertest).

Usage: adapters_login.py DB SECRET_KEY_FILE

DB is a copy of testdata/sessions_db.sqlite3 (the README's set-up
database). Django migrates auth into it, creates three users (bob: plain,
alice: staff, root: superuser, plus carol: staff but inactive), logs each
in with django.contrib.auth.login through the db session engine, stores a
"cart" dict beside the login, and prints {username: {"key", "id"}} as JSON.
Then it gives permissions: group "editors" (alice) has auth.view_user,
alice herself auth.change_user, bob himself auth.view_user.
"""
import json
import sys


def main():
    db, key_file = sys.argv[1], sys.argv[2]
    with open(key_file) as f:
        secret = f.read().strip()
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY=secret,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db}},
        SESSION_ENGINE="django.contrib.sessions.backends.db",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.contrib.auth import login
    from django.contrib.auth.models import Group, Permission, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.test import RequestFactory

    call_command("migrate", verbosity=0)
    out = {}
    for name, staff, superuser, active in [("bob", False, False, True), ("alice", True, False, True),
                                           ("root", True, True, True), ("carol", True, False, False)]:
        u = User.objects.create_user(name, password="pw-" + name, is_staff=staff, is_superuser=superuser)
        request = RequestFactory().get("/")
        request.session = SessionStore()
        login(request, u, backend="django.contrib.auth.backends.ModelBackend")
        request.session["cart"] = {"items": [{"sku": "A1", "qty": 2}], "owner": name}
        request.session.save()
        if not active:
            u.is_active = False
            u.save()
        out[name] = {"key": request.session.session_key, "id": str(u.pk)}
    view, change = (Permission.objects.get(content_type__app_label="auth", codename=c)
                    for c in ("view_user", "change_user"))
    editors = Group.objects.create(name="editors")
    editors.permissions.add(view)
    alice, bob = User.objects.get(username="alice"), User.objects.get(username="bob")
    alice.groups.add(editors)
    alice.user_permissions.add(change)
    bob.user_permissions.add(view)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
