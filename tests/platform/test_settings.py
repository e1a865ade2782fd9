"""Production settings: refuse to boot without secrets; `check --deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SECRET = "x7Kq2vN9pL4mR8sT1wY6zB3cF5hJ0dG-aE_uI#oP!rQ@nM$kX%"  # noqa: S105 - a throw-away key

REQUIRED = {
    "DJANGO_SECRET_KEY": SECRET,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jewelcrm_check",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "DJANGO_ALLOWED_HOSTS": "crm.example.com",
}


def _run(env_vars: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
        "DJANGO_SETTINGS_MODULE": "jewelcrm.settings.production",
        "DJANGO_ENV_FILE": "/nonexistent/.env",  # a developer's .env must not fill the gaps
        **env_vars,
    }
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _run(REQUIRED, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_boot_without(missing):
    env = {k: v for k, v in REQUIRED.items() if k != missing}
    result = _run(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_settings_are_hardened():
    result = _run(
        REQUIRED,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY, "
        "s.DATABASES['default']['USER'], s.CACHES['default']['LOCATION'], s.CELERY_TASK_ALWAYS_EAGER)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "True",
        "jewelcrm_app",
        REQUIRED["REDIS_URL"],
        "False",
    ]


@pytest.mark.parametrize("empty", ["REDIS_URL", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_an_empty_value(empty):
    result = _run({**REQUIRED, empty: ""}, "check")
    assert result.returncode != 0
    assert f"Set the {empty} environment variable" in result.stderr


def test_local_settings_without_database_url_or_redis_use_embedded_postgresql_and_tasks_in_process():
    result = _run(
        {"DJANGO_SETTINGS_MODULE": "jewelcrm.settings.local"},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[1], d['ENGINE'], d['HOST'], "
        "d['NAME'], d['USER'], s.DATABASE_ROLES['admin']['USER'], s.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "memory://",
        "LocMemCache",
        "django.db.backends.postgresql",
        str(ROOT / "var" / "postgres"),
        "jewelcrm",
        "jewelcrm_app",
        "postgres",
        "True",
    ]


@pytest.mark.parametrize("settings_module", ["jewelcrm.settings.production", "jewelcrm.settings.local"])
def test_settings_refuse_a_database_that_is_not_postgresql(settings_module):
    result = _run(
        {
            **REQUIRED,
            "DATABASE_URL": "sqlite:////tmp/jewelcrm.sqlite3",
            "DJANGO_SETTINGS_MODULE": settings_module,
        },
        "check",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must name a PostgreSQL database" in result.stderr
