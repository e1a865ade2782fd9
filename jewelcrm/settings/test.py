"""Test settings: the suite runs against PostgreSQL and Redis when DATABASE_URL and REDIS_URL are set."""

from .base import *  # noqa: F403
from .base import DATABASE_ROLES, DATABASES, IS_POSTGRES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "jewelcrm.media.SignedMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5
if IS_POSTGRES:
    # The test database is created and migrated by the owner role; tests/conftest.py then
    # switches every connection to the application role, so the suite runs under row-level security.
    DATABASES["default"].update(DATABASE_ROLES["owner"])
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default="test_jewelcrm")}
# Tasks run in-process unless a test starts a real worker (the `celery_worker` fixture of conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
