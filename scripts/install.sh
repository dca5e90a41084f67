#!/usr/bin/env bash
# Create .venv with a Python 3.12+ interpreter and install the pinned packages.
# Re-running is cheap: packages are reinstalled only when a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.requirements.sha256"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
  python=$(scripts/find-python.sh)
  echo "Creating $venv with $python ($("$python" --version 2>&1))"
  rm -rf "$venv"
  "$python" -m venv "$venv"
fi

wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "Installing pinned packages into $venv"
  # pipefail keeps pip's exit status; the filter only hides notes about local mirrors.
  { "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt 2>&1; } |
    { grep -v "is ignored: it is neither a file nor a directory" || true; }
  echo "$wanted" > "$stamp"
fi

# The interface translations: compile locale/*/LC_MESSAGES/django.po into the .mo files
# Django reads. gettext's msgfmt does it; without it (and without root to install it)
# the compiled catalogues kept in the repository are used as they are.
if ! command -v msgfmt >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing gettext (msgfmt) with apt"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; } >/dev/null
fi
if command -v msgfmt >/dev/null 2>&1; then
  DJANGO_DEBUG=1 "$venv/bin/python" manage.py compilemessages --verbosity 0
else
  echo "msgfmt not found (apt-get install gettext): using the compiled translations in locale/"
fi
