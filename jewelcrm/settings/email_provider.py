"""The e-mail provider (django-anymail, Mailgun; docs/adr/0037-mailgun-through-anymail.md).

Switched on by its variables: EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend with MAILGUN_API_KEY
and MAILGUN_SENDER_DOMAIN sends through Mailgun's API; MAILGUN_WEBHOOK_SIGNING_KEY opens the tracking
webhook `/webhooks/mailgun/tracking/` (404 without it), which also asks for HTTP basic auth when
ANYMAIL_WEBHOOK_SECRET ("user:password", several comma-separated while rotating) is set. Without them,
mail goes through SMTP (Mailpit in docker-compose) and no webhook answers.
"""

from __future__ import annotations

import environ

env = environ.Env()

ANYMAIL = {
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY", default=""),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", default=""),
    # EU domains: https://api.eu.mailgun.net/v3
    "MAILGUN_API_URL": env("MAILGUN_API_URL", default="https://api.mailgun.net/v3"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    "WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[]),
}
# The mailbox of the List-Unsubscribe header's mailto (RFC 2369), routed by Mailgun to
# /webhooks/mailgun/inbound/ (its subject carries the token); empty: only the one-click HTTPS link
# (RFC 8058), which mail clients use, and the inbound route answers 404.
UNSUBSCRIBE_MAILTO = env("UNSUBSCRIBE_MAILTO", default="")
