"""Make a user staff through Django's ORM, as an admin does in Django's admin:
    DJ_DB=/path/db.sqlite3 python3 make_staff.py USERNAME"""
import os
import sys

import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DJ_DB"]}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField", USE_TZ=True,
)
django.setup()
from django.contrib.auth.models import User  # noqa: E402

u = User.objects.get(username=sys.argv[1])
u.is_staff = True
u.save()
print("ok")
