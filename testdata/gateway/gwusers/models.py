"""A custom AUTH_USER_MODEL for djsession's gateway tests: a UUID primary
key, other column names and another table, as a project that swapped the
user model has."""
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models


class PersonManager(BaseUserManager):
    def create_user(self, login, password=None, **extra):
        user = self.model(login=login, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class Person(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    login = models.CharField(max_length=150, unique=True, db_column="login_name")
    mail = models.EmailField(blank=True, db_column="mail_address")
    is_staff = models.BooleanField(default=False, db_column="staff")
    is_active = models.BooleanField(default=True, db_column="active")

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "mail"
    objects = PersonManager()

    class Meta:
        app_label = "gwusers"
        db_table = "people"
