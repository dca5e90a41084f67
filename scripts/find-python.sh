#!/usr/bin/env bash
# Print the path of a Python 3.12+ interpreter, preferring 3.13.
# Order: $PYTHON, the version in .python-version through pyenv, python3.13 and
# python3.12 on PATH, pyenv's installed versions, then python3.
set -euo pipefail

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if [ -f .python-version ]; then
  wanted=$(head -n1 .python-version | tr -d '[:space:]')
  for dir in $(ls -d "$pyenv_root"/versions/"$wanted"* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python")
  done
fi
for name in python3.13 python3.12; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
for dir in $(ls -d "$pyenv_root"/versions/3.1[3-9]* "$pyenv_root"/versions/3.12* 2>/dev/null | sort -rV); do
  candidates+=("$dir/bin/python")
done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")

for candidate in "${candidates[@]}"; do
  if [ -x "$candidate" ] && ok "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done

cat >&2 <<'MSG'
No Python 3.12 or newer was found (tried $PYTHON, pyenv versions, python3.13, python3.12, python3).
This platform needs Python 3.12+ (3.13 preferred). Install one, for example:
  pyenv install 3.13        (then run make again)
  apt-get install python3.13 python3.13-venv
or point to one:  make run PYTHON=/path/to/python3.13
MSG
exit 1
