# syntax=docker/dockerfile:1
# Production image: gunicorn by default; the compose file runs the Celery worker,
# beat and the migration job from the same image with other commands.

ARG PYTHON_IMAGE=python:3.13-slim-bookworm

# --- builder: compilers live here only, in case a pinned package has no wheel ---
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libffi-dev \
    && rm -rf /var/lib/apt/lists/*

# The venv keeps its absolute path in the runtime stage, which uses the same
# base image, so it can be copied across as it is.
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

COPY requirements.txt /tmp/requirements.txt
# requirements.txt pins every transitive package; --no-deps keeps it that way
# and pip check fails the build if a pin is missing.
RUN pip install --no-deps -r /tmp/requirements.txt \
    && pip check

# --- runtime ---
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=builder /opt/venv /opt/venv
COPY . .

# Settings refuse to load in production mode without a secret and a mailer, so
# give them throwaway values; collectstatic touches neither the database nor
# the broker. The code stays root-owned: the app user only reads it.
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=0 EMAIL_URL=consolemail:// python manage.py collectstatic --noinput \
    && python -m compileall -q /app

USER app

EXPOSE 8000

# Works with DJANGO_HTTPS on: the forwarded-proto header stops the redirect to
# https, and the Host header is one that DJANGO_ALLOWED_HOSTS accepts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; h = (os.environ.get('DJANGO_ALLOWED_HOSTS') or '').split(',')[0].strip().lstrip('.'); h = h if h not in ('', '*') else 'localhost'; r.urlopen(r.Request('http://127.0.0.1:8000/healthz', headers={'Host': h, 'X-Forwarded-Proto': 'https'}), timeout=4)"]

# A shell so WEB_CONCURRENCY expands at start; exec so gunicorn gets the signals.
CMD ["sh", "-c", "exec gunicorn community.wsgi:application --bind 0.0.0.0:8000 --access-logfile - --worker-tmp-dir /dev/shm --workers \"${WEB_CONCURRENCY:-3}\""]
