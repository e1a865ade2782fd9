"""The Celery application. Configuration lives in settings under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jewelcrm.settings.local")

app = Celery("jewelcrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _add_worker_heartbeat() -> None:
    # Imported late: jewelcrm.health reads Django settings.
    from jewelcrm.health import WorkerHeartbeat

    app.steps["worker"].add(WorkerHeartbeat)


_add_worker_heartbeat()


def _park_failed_tasks() -> None:
    # Connects the task_failure handler (jewelcrm.task_failures): a task failed for good is parked.
    import jewelcrm.task_failures  # noqa: F401


_park_failed_tasks()
