# JewelCRM web, worker and beat image (one image, three commands; see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=jewelcrm.settings.production

# gettext compiles the translations; node and npm install the pinned front-end libraries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Front-end libraries, pinned by package-lock.json (served by the app, never from a CDN).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# Python dependencies, pinned in pyproject.toml (a layer of its own, rebuilt only when they change).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt

COPY . .
RUN DJANGO_SETTINGS_MODULE=jewelcrm.settings.local python manage.py compilemessages \
        --ignore=node_modules -v 0 \
    && useradd --create-home --uid 1000 jewelcrm \
    && mkdir -p var/staticfiles var/media \
    && chown -R jewelcrm:jewelcrm var

USER jewelcrm
EXPOSE 8000
CMD ["gunicorn", "jewelcrm.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
