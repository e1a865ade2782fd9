"""Test settings: the suite runs on PostgreSQL (DATABASE_URL, else the embedded server) and on Redis when
REDIS_URL is set."""

from .base import *  # noqa: F403
from .base import DATABASE_ROLES, DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "jewelcrm.media.SignedMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5
# The test database is created and migrated by the owner role; conftest.py then switches every
# connection to the application role, so the suite runs under row-level security. Its name follows the
# database of DATABASE_URL (test_<name>), so two checkouts on one server do not share it.
DATABASES["default"].update(DATABASE_ROLES["owner"])
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = {
    "NAME": env("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}")
}
# Tasks run in-process unless a test starts a real worker (the `celery_worker` fixture of conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
