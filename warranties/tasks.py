"""Tasks of the warranty core and the owner portal that decide an e-mail after a commit.

The warranty core's own e-mails are recorded in the send log inside their services' transactions
(warranties.emails, jewelcrm.messaging); `email_task` is the decorator of the portal's tasks
(warranties.portal.tasks), which record theirs with a key naming their occasion. They do not retry
through Celery: the send log's delivery retries a failed send, from the database.
"""

from __future__ import annotations

from celery import shared_task

email_task = shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
