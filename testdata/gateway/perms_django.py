#!/usr/bin/python3
"""Users, groups and permissions made by real Django, and what Django says
about them, for djsession's auth identity and permission tests.

    DJ_DB=/path/db.sqlite3 [DJ_CUSTOM_USER=1] [DJ_DB_ENGINE=postgresql|mysql DJ_DB_NAME=...
        DJ_DB_HOST DJ_DB_PORT DJ_DB_USER] python3 testdata/gateway/perms_django.py

migrates the database, creates the users below (with DJ_CUSTOM_USER=1 in
the custom model gwusers.Person: UUID key, table "people", other column
names) and prints, per user, its primary key as the session stores it
(str(pk)), its fields and groups, sorted(get_all_permissions()) and
has_perm() for a list of permissions:

  uperm    active, one user permission (auth.view_permission)
  gperm    active, in group "editors" (auth.change_group, auth.add_group)
             and "viewers" (no permissions), plus auth.view_group itself
  root     superuser, staff
  idle     inactive, in "editors" and with auth.view_permission
  iroot    inactive superuser
  plain    active, nothing
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if os.environ.get("DJ_DB_ENGINE"):
    DATABASE = {
        "ENGINE": "django.db.backends." + os.environ["DJ_DB_ENGINE"],
        "NAME": os.environ["DJ_DB_NAME"],
        "HOST": os.environ.get("DJ_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("DJ_DB_PORT", ""),
        "USER": os.environ.get("DJ_DB_USER", ""),
        "PASSWORD": os.environ.get("DJ_DB_PASSWORD", ""),
    }
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJ_DB"]}

custom = os.environ.get("DJ_CUSTOM_USER") == "1"
apps = ["django.contrib.contenttypes", "django.contrib.auth"]
extra = {}
if custom:
    apps.append("gwusers")
    extra["AUTH_USER_MODEL"] = "gwusers.Person"
    extra["MIGRATION_MODULES"] = {"gwusers": "gwusers_migrations"}

settings.configure(
    SECRET_KEY="perms-test",
    INSTALLED_APPS=apps,
    DATABASES={"default": DATABASE},
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    USE_TZ=True,
    **extra,
)
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group, Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402

CHECK = ["auth.view_permission", "auth.change_group", "auth.add_group", "auth.view_group",
         "auth.delete_group", "contenttypes.view_contenttype", "nosuch.perm", ""]


def perm(name):
    app, code = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=code)


def main():
    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    field = User.USERNAME_FIELD

    def make(name, **kw):
        if custom:
            kw = {{"email": "mail"}.get(k, k): v for k, v in kw.items()}
        kw.setdefault("email" if not custom else "mail", name + "@example.com")
        return User.objects.create_user(**{field: name}, password="pw", **kw)

    editors = Group.objects.create(name="editors")
    editors.permissions.add(perm("auth.change_group"), perm("auth.add_group"))
    viewers = Group.objects.create(name="viewers")
    uperm = make("uperm")
    uperm.user_permissions.add(perm("auth.view_permission"))
    gperm = make("gperm")
    gperm.groups.add(editors, viewers)
    gperm.user_permissions.add(perm("auth.view_group"))
    make("root", is_superuser=True, is_staff=True)
    idle = make("idle", is_active=False)
    idle.groups.add(editors)
    idle.user_permissions.add(perm("auth.view_permission"))
    make("iroot", is_superuser=True, is_active=False)
    make("plain")

    out = {}
    for u in User.objects.all():
        u = User.objects.get(pk=u.pk)  # no permission cache
        out[u.get_username()] = {
            "id": str(u.pk),
            "email": getattr(u, User.EMAIL_FIELD),
            "is_staff": u.is_staff,
            "is_superuser": u.is_superuser,
            "is_active": u.is_active,
            "groups": sorted(g.name for g in u.groups.all()),
            "perms": sorted(u.get_all_permissions()),
            "has": {p: u.has_perm(p) for p in CHECK},
            "module": {a: u.has_module_perms(a) for a in ["auth", "contenttypes", "nosuch"]},
        }
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
