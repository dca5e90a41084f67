#!/usr/bin/env bash
# The whole test command: services, linters, type checks, migrations check, pytest.
# Arguments are passed to pytest, e.g. scripts/test.sh tests/accounts -k login
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/test-services.sh)"
export DATABASE_URL REDIS_URL CHROMIUM_PATH
# Production-like settings: DEBUG off, so the secret must be given; plain HTTP on
# loopback; mail is captured in memory by pytest-django.
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-test-only-secret-key-$(hostname)-not-for-production}"
export DJANGO_HTTPS=0
export DJANGO_ALLOWED_HOSTS="testserver,localhost,127.0.0.1"
export EMAIL_URL="${EMAIL_URL:-memorymail://}"
export SITE_URL="http://testserver"

py=.venv/bin
step() { printf '\n==> %s\n' "$*"; }

step "ruff check";  $py/ruff check .
step "ruff format --check"; $py/ruff format --check .
step "mypy"; $py/mypy .
step "makemigrations --check"; $py/python manage.py makemigrations --check --dry-run
step "collectstatic"; $py/python manage.py collectstatic --noinput --verbosity 0
step "pytest"; $py/pytest "$@"
