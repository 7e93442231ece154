#!/usr/bin/env bash
# Release step for local runs: migrate the database, then load the demo data
# (only into an empty database).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

.venv/bin/jiandu db upgrade
.venv/bin/jiandu demo seed --if-empty
