"""Settings of a Celery worker that a test starts as a separate process (tests/worker.py).

The test database (WORKER_DATABASE_NAME) as the application role, under row-level security; the broker
WORKER_BROKER_URL; e-mails into the test's mailbox file (tests/mailbox.py); the worker-side kill points.
"""

import os

from jewelcrm.settings.test import *  # noqa: F403
from jewelcrm.settings.test import DATABASE_ROLES, DATABASES
from tests.worker_names import WORKER_APPLICATION

DATABASES["default"]["NAME"] = os.environ["WORKER_DATABASE_NAME"]
DATABASES["default"].update(DATABASE_ROLES["app"])
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Named, so a test can wait for the sessions of a killed worker to end without counting its own others.
DATABASES["default"]["OPTIONS"] = {
    **DATABASES["default"].get("OPTIONS", {}),
    "application_name": WORKER_APPLICATION,
}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["WORKER_BROKER_URL"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("WORKER_VISIBILITY_TIMEOUT", 60 * 60 * 2))
}
EMAIL_BACKEND = "tests.mailbox.FileMailboxBackend"
MAILBOX_FILE = os.environ["MAILBOX_FILE"]
# Ask the mailbox whether a message left by a sender that died reached it (ADR 0040); "" to run without.
MESSAGING_DELIVERY_CHECK = os.environ.get("WORKER_DELIVERY_CHECK", "tests.mailbox.delivered")
import tests.worker_chaos  # noqa: E402, F401 - the kill points of the tests
import tests.worker_tasks  # noqa: E402, F401 - the tasks only the tests send
