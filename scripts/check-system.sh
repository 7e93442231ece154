#!/usr/bin/env bash
# Is every system part a command needs really there?  Each missing one is named with its
# Debian package, in one line, so nobody meets it later as a Python traceback.
#
#   check-system.sh run|test
set -u  # no pipefail: grep -q ends the listing early, on purpose

mode=${1:-test}
missing=()

need_command() { command -v "$1" >/dev/null 2>&1 || missing+=("$2 (no '$1' command)"); }
need_library() { ldconfig -p 2>/dev/null | grep -q "$1" || missing+=("$2 (no $1)"); }
# fontconfig answers with a substitute when a family is missing: the family it names must be this one.
need_font() {
  local families
  families=$(fc-match -f '%{family}' "$1" 2>/dev/null)
  [[ ",$families," == *",$1,"* ]] || missing+=("$2 (no font '$1')")
}

need_command redis-server redis-server
need_command fc-match fontconfig
need_library libpango-1.0.so.0 libpango-1.0-0
need_library libpangoft2-1.0.so.0 libpangoft2-1.0-0
need_library libharfbuzz-subset.so.0 libharfbuzz-subset0
need_font "Noto Sans CJK SC" fonts-noto-cjk
need_font "Noto Sans Mongolian" fonts-noto-core
need_font "Noto Sans Mono" fonts-noto-mono

if [[ $mode == test || $mode == bench ]]; then
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=("postgresql (no pg_ctl)")
  need_command chromium chromium
  need_command zbarimg zbar-tools
  need_library libzbar.so.0 libzbar0
  need_command pdftoppm poppler-utils
fi

if ((${#missing[@]})); then
  for m in "${missing[@]}"; do echo "check-system: missing Debian package ${m}" >&2; done
  echo "check-system: install them with: bash scripts/setup-system.sh $mode" >&2
  exit 1
fi
echo "setup-system: all Debian packages for '$mode' present"
