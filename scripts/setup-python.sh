#!/usr/bin/env bash
# Make .venv exactly what uv.lock says: exact versions, hash-checked, never resolved here.
#
#   setup-python.sh          the app only (make run)
#   setup-python.sh test     the app and the test tools (make test, make bench)
#   setup-python.sh uv       only the pinned uv, in .tools/uv (make lock)
#
# A lock that no longer matches pyproject.toml stops set-up with the command that fixes it.
# Nothing is done while .venv/.stamp-MODE is newer than both pyproject.toml and uv.lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode=${1:-run}
python=${PYTHON:-python3}
venv=.venv
tools=.tools
uv=$tools/uv/bin/uv
stamp=$venv/.stamp-$mode

die() { echo "setup-python: $*" >&2; exit 1; }

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  die "$python is missing or older than 3.11 (set PYTHON=/path/to/python3.11)"
fi

# A venv whose interpreter no longer runs (e.g. the base Python was removed) is rebuilt.
if [[ -e $venv ]] && ! { [[ -x $venv/bin/python ]] && $venv/bin/python -c pass >/dev/null 2>&1; }; then
  echo "setup-python: $venv is broken, recreating it"
  rm -rf "$venv"
fi

if [[ $mode != uv && -f $stamp && $stamp -nt pyproject.toml && $stamp -nt uv.lock ]]; then
  echo "setup-python: $venv up to date"
  exit 0
fi

# uv itself, at the version scripts/uv-requirements.txt pins, checked against its hashes.
wanted_uv=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' scripts/uv-requirements.txt)
if [[ "$("$uv" --version 2>/dev/null)" != "uv $wanted_uv"* ]]; then
  echo "setup-python: installing uv $wanted_uv into $tools/uv"
  rm -rf "$tools/uv"
  log=$(mktemp)
  "$python" -m pip install --disable-pip-version-check -q --no-deps --require-hashes \
    --target "$tools/uv" -r scripts/uv-requirements.txt >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; die "could not install uv $wanted_uv (is PyPI reachable?)"; }
  rm -f "$log"
fi

[[ $mode != uv ]] || exit 0

export UV_PROJECT_ENVIRONMENT=$venv UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1
args=(--locked --python "$python")
case $mode in
  run) args+=(--inexact) ;;   # keeps the test tools a `make test` installed
  test) args+=(--extra test) ;;
  *) die "unknown mode '$mode' (run or test)" ;;
esac

if ! "$uv" lock --check --offline --python "$python" >/dev/null 2>&1 \
   && ! "$uv" lock --check --python "$python" >/dev/null 2>&1; then
  die "uv.lock does not match pyproject.toml; refresh it on purpose with: make lock"
fi

echo "setup-python: installing the locked packages into $venv ($mode)"
"$uv" sync "${args[@]}" -q || die "installing from uv.lock failed (see above)"
touch "$stamp"
