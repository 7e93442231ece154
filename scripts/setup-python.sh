#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test extras.
# The install is skipped while .venv/.stamp is newer than pyproject.toml.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python=${PYTHON:-python3}
venv=.venv
stamp=$venv/.stamp

# A venv whose interpreter no longer runs (e.g. the base Python was removed) is rebuilt.
if [[ -e $venv && ! -x $venv/bin/python ]] || { [[ -x $venv/bin/python ]] && ! $venv/bin/python -c pass >/dev/null 2>&1; }; then
  echo "setup-python: $venv is broken, recreating it"
  rm -rf "$venv"
fi

if [[ ! -x $venv/bin/python ]]; then
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup-python: $python is missing or older than 3.11 (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  echo "setup-python: creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv"
fi

if [[ -f $stamp && $stamp -nt pyproject.toml ]]; then
  echo "setup-python: $venv up to date"
  exit 0
fi

echo "setup-python: installing the project into $venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -e '.[test]'
touch "$stamp"
