#!/usr/bin/env bash
# Install the Debian packages a command needs, and only those:
#
#   setup-system.sh run     the app: Redis, fonts and Pango for printed signs (SQLite is built in)
#   setup-system.sh test    the app plus what the tests use: PostgreSQL, Chromium, zbar, poppler
#
# Idempotent: when everything is installed it exits without calling apt. Afterwards every
# package is checked by what it provides, so a missing one is named here, not by a traceback later.
set -euo pipefail

mode=${1:-test}

run_packages=(
  redis-server          # queues and rate limits
  fonts-noto-cjk        # Chinese text on signs and in PDFs
  fonts-noto-core       # includes Noto Sans Mongolian
  fonts-noto-mono       # Noto Sans Mono: the code printed under each QR code
  fontconfig            # fc-match: which font file a family is
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint (printed signs)
  make
)
test_packages=(
  postgresql            # the suite runs again on a throwaway PostgreSQL cluster
  chromium              # end-to-end tests (Playwright drives /usr/bin/chromium)
  zbar-tools libzbar0   # decoding printed QR codes
  poppler-utils         # PDF inspection
)

case $mode in
  run) packages=("${run_packages[@]}") ;;
  test | bench) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *) echo "setup-system: unknown mode '$mode' (run or test)" >&2; exit 2 ;;
esac

# A Debian python3 without ensurepip cannot create a virtualenv.
if command -v python3 >/dev/null 2>&1 \
   && [[ "$(python3 -c 'import sys; print(sys.base_prefix)' 2>/dev/null)" == /usr ]] \
   && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi

# Which packages are not (fully) installed?  One dpkg-query call; unknown
# packages make it print to stderr and exit 1, which is fine here.
declare -A ok=()
while read -r name status; do
  [[ "$status" == installed ]] && ok["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for p in "${packages[@]}"; do
  [[ -n "${ok[$p]:-}" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup-system: installing ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "setup-system: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi

  # Keep apt from starting the system's own redis-server / postgresql services
  # during installation (we start private instances ourselves, and in containers
  # starting services fails anyway).  Only when no policy is in place already.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e "$policy" ]]; then
    "${sudo[@]}" sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi

  apt_get=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0)
  "${apt_get[@]}" update -qq
  # No recommended packages: chromium alone would bring some 200 MB of them.
  "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

bash "$(dirname "${BASH_SOURCE[0]}")/check-system.sh" "$mode"
