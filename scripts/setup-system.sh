#!/usr/bin/env bash
# Install the Debian packages that the app, the tests and the benchmarks need.
# Idempotent: when everything is already installed it exits without calling apt.
set -euo pipefail

packages=(
  redis-server          # queues, rate limits (tests start a private one)
  postgresql            # tests also run against a throwaway PostgreSQL cluster
  chromium              # end-to-end tests (Playwright drives /usr/bin/chromium)
  fonts-noto-cjk        # Chinese text in PDFs and screenshots
  fonts-noto-core       # includes Noto Sans Mongolian
  zbar-tools libzbar0   # decoding printed QR codes in tests
  poppler-utils         # PDF inspection in tests
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint
  make
)

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

if ((${#missing[@]} == 0)); then
  echo "setup-system: all Debian packages present"
  exit 0
fi

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

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
echo "setup-system: done"
