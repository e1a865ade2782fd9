"""The deployment files stay in step with the settings (Docker cannot run in CI, so they are read)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _variables_read_by_settings() -> set[str]:
    names: set[str] = set()
    for source in (ROOT / "jewelcrm" / "settings").glob("*.py"):
        names.update(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", source.read_text()))
    return names


def _variables_in_env_example() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.M))


def test_env_example_lists_every_variable_the_settings_read():
    read = _variables_read_by_settings()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"} <= read
    assert sorted(read - _variables_in_env_example()) == []


def test_compose_citus_profile_is_a_coordinator_and_two_workers_set_up_by_the_app():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    citus = {name: s for name, s in compose["services"].items() if "citus" in s.get("profiles", [])}
    assert set(citus) == {"citus-coordinator", "citus-worker1", "citus-worker2", "citus-setup"}
    for name in ("citus-coordinator", "citus-worker1", "citus-worker2"):
        assert citus[name]["image"].startswith("citusdata/citus:"), name
    setup = citus["citus-setup"]["command"]
    assert setup.index("manage.py db_setup") < setup.index("manage.py citus_setup")
    assert "--worker citus-worker1:5432 --worker citus-worker2:5432" in setup


def test_compose_runs_every_service_from_env():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = {name: s for name, s in compose["services"].items() if not s.get("profiles")}
    assert set(services) == {"db", "redis", "web", "worker", "worker-segmentation", "beat", "mailpit"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    # The broker persists its queues (append-only file on a volume).
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["redis"]["volumes"] == ["redisdata:/data"] and "redisdata" in compose["volumes"]
    web = services["web"]
    command = web["command"]
    for step in (
        "manage.py db_setup",
        "manage.py migrate",
        "manage.py collectstatic",
        "gunicorn jewelcrm.wsgi",
    ):
        assert step in command, step
    assert (
        command.index("db_setup")
        < command.index("migrate")
        < command.index("rls_check")
        < command.index("gunicorn")
    )
    for name in ("web", "worker", "beat"):
        assert services[name]["env_file"] == ".env", name
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "jewelcrm.settings.production"
    assert services["worker"]["command"][:4] == ["celery", "-A", "jewelcrm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "jewelcrm", "beat"]
    assert "/healthz" in str(web["healthcheck"]["test"])


def test_dockerfile_builds_from_python_311_with_node_and_gettext():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert "gettext" in dockerfile and "nodejs" in dockerfile and "npm ci" in dockerfile
    assert "compilemessages" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.M), "the image must not run as root"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "node_modules", ".git"} <= set(ignored)
