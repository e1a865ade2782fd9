"""Developer machine and `make run`: debug on, console e-mail; the embedded PostgreSQL server unless
DATABASE_URL is set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
