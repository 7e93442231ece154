#!/usr/bin/env bash
# `make lock`: resolve pyproject.toml again into uv.lock, on purpose (new dependency, new releases).
# Review the diff of uv.lock, run `make test`, and commit both files together.
#   make lock                       keeps every locked version that still fits pyproject.toml
#   make lock LOCK_ARGS=--upgrade   takes the newest releases pyproject.toml allows
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-python.sh uv
UV_PYTHON_DOWNLOADS=never .tools/uv/bin/uv lock --python "${PYTHON:-python3}" ${LOCK_ARGS:-}
echo "lock: uv.lock written; now run make test and commit pyproject.toml with uv.lock"
