#!/usr/bin/env bash
# `make lock`: resolve pyproject.toml again into uv.lock, on purpose (new dependency, new releases).
# Review the diff of uv.lock, run `make test`, and commit both files together.
#   make lock                       keeps every locked version that still fits pyproject.toml
#   make lock LOCK_ARGS=--upgrade   takes the newest releases pyproject.toml allows
#   scripts/lock.sh --check         fails (with the fix) when uv.lock and pyproject.toml disagree (CI)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-python.sh uv
export UV_PYTHON_DOWNLOADS=never
uv=.tools/uv/bin/uv
if [[ ${1:-} == --check ]]; then
  "$uv" lock --check --python "${PYTHON:-python3}" -q 2>/dev/null \
    || { echo "lock: uv.lock does not match pyproject.toml; refresh it on purpose with: make lock" >&2; exit 1; }
  echo "lock: uv.lock matches pyproject.toml"
  exit 0
fi
"$uv" lock --python "${PYTHON:-python3}" ${LOCK_ARGS:-}
echo "lock: uv.lock written; now run make test and commit pyproject.toml with uv.lock"
