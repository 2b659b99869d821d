#!/usr/bin/env bash
# Installs madoguchi into .venv and serves the web console, API and webhooks
# (builds the index from ./corpus on first start).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/madoguchi serve "$@"
